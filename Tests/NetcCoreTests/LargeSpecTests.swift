import Foundation
import NetcRuntime
import XCTest
@testable import NetcCore

/// Issue 19, item 14: long passes are emitted as functions of bounded size,
/// which `swiftc -O` compiles in time linear in the spec (docs/Performance.md).
final class LargeSpecTests: XCTestCase {
    /// The Swift emitted for `spec` (which must check cleanly), type-checked against the debug build's NetcRuntime.
    func emitAndTypeCheck(_ spec: String, name: String) throws -> String {
        let modules = URL(fileURLWithPath: repositoryRoot).appendingPathComponent(".build/debug/Modules").path
        guard FileManager.default.fileExists(atPath: modules + "/NetcRuntime.swiftmodule") else {
            throw XCTSkip("no NetcRuntime module at \(modules)")
        }
        let f = Frontend(file: SourceFile(path: "\(name).net", text: spec))
        XCTAssertFalse(f.hasErrors, f.renderedDiagnostics)
        let source = try XCTUnwrap(Compiler.emit(f.graphs, sourcePath: "\(name).net").first).source
        let dir = temporaryDirectory()
        try FileIO.writeAtomically(Array(source.utf8), to: "\(dir)/\(name).swift")
        try typeCheck(["\(dir)/\(name).swift"], modules)
        return source
    }

    func testLongChainsAreSplitIntoPartsThatTypeCheck() throws {
        var spec = "network Chain {\n input x: 3\n"
        var previous = "x"
        for k in 0..<150 {
            spec += k % 3 == 2 ? " add a\(k)(\(previous), x)\n" : " activation a\(k)(\(previous)): \(k % 3 == 0 ? "tanh" : "relu")\n"
            previous = "a\(k)"
        }
        spec += " dense y(\(previous)): 2\n loss squared_error(y)\n train adam(learning_rate: 0.01), batch: 4\n}\n"
        let source = try emitAndTypeCheck(spec, name: "Chain")
        // 151 nodes after the input: three parts of at most 64 (the training backward pass reaches only y;
        // the input gradient's tail walks the chain).
        for part in ["forwardPart0", "forwardPart2", "backwardToInputPart2"] {
            XCTAssertTrue(source.contains("static func \(part)("), part)
        }
        XCTAssertFalse(source.contains("forwardPart3("))
    }

    /// A Float attention that masks padding far from the embedding that reads
    /// the ids: its part of `forward` must bind the ids itself (it once named
    /// them without binding them, and only an earlier part did).
    func testAMaskReadsTheIdsInALaterPart() throws {
        var spec = "network Far {\n input tokens: 6\n embedding e: 4, vocabulary: 5, padding_id: 0\n"
        var previous = "e"
        for k in 0..<70 {
            spec += " activation a\(k)(\(previous)): tanh\n"
            previous = "a\(k)"
        }
        spec += " attention att(\(previous), tokens), padding_id: 0\n global_avg_pool g(att)\n dense y(g): 2\n"
            + " loss softmax_cross_entropy(y)\n train sgd(learning_rate: 0.1), batch: 2\n}\n"
        let source = try emitAndTypeCheck(spec, name: "Far")
        let part = try XCTUnwrap(source.range(of: "static func forwardPart1(")).lowerBound
        XCTAssertTrue(source[part...].prefix(20_000).contains("AttentionKernels.forward("), "the attention lands in the second part")
    }

    func testEverySpecInSpecsKeepsOneFunctionPerPass() throws {
        for spec in files(in: "\(repositoryRoot)/Specs", suffix: ".net") {
            let f = Frontend(file: SourceFile(path: spec, bytes: try FileIO.read("\(repositoryRoot)/Specs/\(spec)")))
            for (_, source) in Compiler.emit(f.graphs, sourcePath: spec) { XCTAssertFalse(source.contains("Part0("), spec) }
        }
    }
}

/// Issue 19, item 14: specs whose Swift would be huge are refused with a
/// diagnostic at the place that crosses the limit, and wide products emit
/// code linear in their inputs.
final class SpecSizeLimitTests: XCTestCase {
    func testInputReferencesPerNetworkAreLimited() {
        var spec = "network Wide {\n input x: 2\n"
        for k in 0..<41 { spec += " add s\(k)(" + Array(repeating: "x", count: 100).joined(separator: ", ") + ")\n" }
        spec += " concat all(" + (0..<41).map { "s\($0)" }.joined(separator: ", ") + ")\n dense y: 1\n loss squared_error(y)\n}\n"
        let f = frontend(spec)
        let errors = f.diagnostics.filter { $0.id == "too-large" }
        XCTAssertEqual(errors.map(\.message), ["the number of inputs named by the network's nodes exceeds the limit of 4000"])
        // At the 4,001st name: the first input of the 41st add (line 43, after 40 adds of 100).
        XCTAssertTrue(f.renderedDiagnostics.contains("test.net:43:"), f.renderedDiagnostics)
    }

    func testNetworksAndNodesPerFileAreLimited() {
        let small = (0..<33).map { "network N\($0) {\n input x: 1\n dense y: 1\n loss squared_error(y)\n}\n" }.joined()
        XCTAssertEqual(frontend(small).diagnostics.map(\.message), ["the number of networks in one file exceeds the limit of 32"])
        XCTAssertEqual(frontend(small).graphs.count, 0)
        func chain(_ name: String, _ length: Int) -> String {
            "network \(name) {\n input x: 1\n" + (0..<length).map { " activation a\($0): tanh\n" }.joined()
                + " dense y: 1\n loss squared_error(y)\n}\n"
        }
        let f = frontend(chain("A", 990) + chain("B", 490) + chain("C", 20))
        XCTAssertEqual(f.diagnostics.map(\.message), ["the number of nodes in one file (1506 so far) exceeds the limit of 1500"])
        XCTAssertTrue(f.renderedDiagnostics.contains("network C {"), f.renderedDiagnostics)
        XCTAssertTrue(frontend(chain("A", 990) + chain("B", 490)).diagnostics.isEmpty)
    }

    /// A 997-input product once emitted 24 MB of Swift (each input's gradient its own product of the others).
    func testWideProductsEmitCodeLinearInTheirInputs() throws {
        let spec = "network P {\n input x: 2\n multiply m(" + Array(repeating: "x", count: 997).joined(separator: ", ")
            + ")\n dense y: 1\n loss squared_error(y)\n}\n"
        let f = frontend(spec)
        XCTAssertFalse(f.hasErrors, f.renderedDiagnostics)
        let source = try XCTUnwrap(Compiler.emit(f.graphs, sourcePath: "p.net").first).source
        XCTAssertLessThan(source.utf8.count, 400_000, "\(source.utf8.count) bytes")
    }
}
