import Foundation
import NetcRuntime
import XCTest
@testable import NetcCore

/// Issue 19, item 14: long passes are emitted as functions of bounded size,
/// which `swiftc -O` compiles in time linear in the spec (docs/Performance.md).
final class LargeSpecTests: XCTestCase {
    func testLongChainsAreSplitIntoPartsThatTypeCheck() throws {
        let modules = URL(fileURLWithPath: repositoryRoot).appendingPathComponent(".build/debug/Modules").path
        guard FileManager.default.fileExists(atPath: modules + "/NetcRuntime.swiftmodule") else {
            throw XCTSkip("no NetcRuntime module at \(modules)")
        }
        var spec = "network Chain {\n input x: 3\n"
        var previous = "x"
        for k in 0..<150 {
            spec += k % 3 == 2 ? " add a\(k)(\(previous), x)\n" : " activation a\(k)(\(previous)): \(k % 3 == 0 ? "tanh" : "relu")\n"
            previous = "a\(k)"
        }
        spec += " dense y(\(previous)): 2\n loss squared_error(y)\n train adam(learning_rate: 0.01), batch: 4\n}\n"
        let f = Frontend(file: SourceFile(path: "chain.net", text: spec))
        XCTAssertFalse(f.hasErrors, f.renderedDiagnostics)
        let source = try XCTUnwrap(Compiler.emit(f.graphs, sourcePath: "chain.net").first).source
        // 151 nodes after the input: three parts of at most 64 (the training backward pass reaches only y).
        for part in ["forwardPart0", "forwardPart2", "backwardWithInputGradientPart2"] {
            XCTAssertTrue(source.contains("static func \(part)("), part)
        }
        XCTAssertFalse(source.contains("forwardPart3("))
        let dir = temporaryDirectory()
        try FileIO.writeAtomically(Array(source.utf8), to: "\(dir)/Chain.swift")
        try typeCheck(["\(dir)/Chain.swift"], modules)
    }

    func testEverySpecInSpecsKeepsOneFunctionPerPass() throws {
        for spec in files(in: "\(repositoryRoot)/Specs", suffix: ".net") {
            let f = Frontend(file: SourceFile(path: spec, bytes: try FileIO.read("\(repositoryRoot)/Specs/\(spec)")))
            for (_, source) in Compiler.emit(f.graphs, sourcePath: spec) { XCTAssertFalse(source.contains("Part0("), spec) }
        }
    }
}
