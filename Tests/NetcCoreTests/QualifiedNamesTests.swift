import Foundation
import NetcRuntime
import XCTest
@testable import NetcCore

/// Issue 19, item 12: generated code compiles under any network name netc
/// accepts, and beside user types named like the runtime's.
final class QualifiedNamesTests: XCTestCase {
    func testQualificationSkipsMembersDeclarationsCommentsAndStrings() {
        let text = "struct Math: GeneratedModel { let a = Swift.max(x.min, min(1, 2)) // Math.exp\n \"Math\" }"
        XCTAssertEqual(QualifiedNames.qualify(text),
                       "struct Math: NetcRuntime.GeneratedModel { let a = Swift.max(x.min, Swift.min(1, 2)) // Math.exp\n \"Math\" }")
    }

    /// One swiftc run type-checks a model named after every runtime and
    /// standard-library name generated code uses and one whose tensor names
    /// meet as identifiers, plus a file declaring user types with the
    /// runtime's names (as a build-plugin target might).
    func testModelsUnderReservedLookingNamesTypeCheck() throws {
        let modules = URL(fileURLWithPath: repositoryRoot).appendingPathComponent(".build/debug/Modules").path
        guard FileManager.default.fileExists(atPath: modules + "/NetcRuntime.swiftmodule") else {
            throw XCTSkip("no NetcRuntime module at \(modules)")
        }
        let dir = temporaryDirectory()
        var paths: [String] = []
        let names = (QualifiedNames.runtime.union(QualifiedNames.standardLibrary)).sorted() + ["Scalar", "Storage", "precondition"]
        for name in names {
            let spec = "network \(name) {\n input x: 2\n dense h: 3, relu\n dense y: 2\n loss softmax_cross_entropy(y)\n train adam(learning_rate: 0.01), batch: 2\n}\n"
            let f = Frontend(file: SourceFile(path: "\(name).net", text: spec))
            XCTAssertFalse(f.hasErrors, "\(name): \(f.renderedDiagnostics)")
            for (file, source) in Compiler.emit(f.graphs, sourcePath: "\(name).net") {
                try FileIO.writeAtomically(Array(source.utf8), to: "\(dir)/\(file)")
                paths.append("\(dir)/\(file)")
            }
        }
        // Tensor names that meet as identifiers: 'a.out_proj.weight' and 'a_out_proj.weight' are both a_out_proj_weight.
        let meeting = Frontend(file: SourceFile(path: "Meeting.net", text: """
            network Meeting {
              input x: 4x3
              attention a(x)
              flatten f(a)
              dense a_out_proj(f): 2
              loss squared_error(a_out_proj)
            }
            """))
        XCTAssertFalse(meeting.hasErrors, meeting.renderedDiagnostics)
        let tensors = BufferNames(meeting.graphs[0]).tensors
        XCTAssertEqual(Set(tensors).count, tensors.count, "\(tensors)")
        for (file, source) in Compiler.emit(meeting.graphs, sourcePath: "Meeting.net") {
            try FileIO.writeAtomically(Array(source.utf8), to: "\(dir)/\(file)")
            paths.append("\(dir)/\(file)")
        }
        try typeCheck(paths, modules)
        // A second target: one model beside user types named like the runtime's.
        let shadows = QualifiedNames.runtime.sorted().map { "struct \($0) {}" } + ["func max(_ a: Int) -> Int { a }"]
        try FileIO.writeAtomically(Array(shadows.joined(separator: "\n").utf8), to: "\(dir)/UserTypes.swift")
        try typeCheck(["\(dir)/UserTypes.swift", "\(dir)/Scalar.swift"], modules)
    }

}

/// Type-checks Swift files against this build's NetcRuntime module, as a user's target would compile them.
func typeCheck(_ paths: [String], _ modules: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swiftc", "-typecheck", "-swift-version", "6", "-module-name", "UserTarget",
                             "-I", modules, "-I", modules + "/../CNetcRuntime.build"] + paths
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(output.prefix(4000)), file: file, line: line)
        XCTAssertFalse(output.contains("warning:"), String(output.prefix(4000)), file: file, line: line)
    }

extension QualifiedNamesTests {
    func testTheModuleNamesThemselvesAreRefused() {
        for name in ["Swift", "NetcRuntime"] {
            let f = Frontend(file: SourceFile(path: "n.net", text: "network \(name) {\n input x: 1\n dense y: 1\n loss squared_error(y)\n}\n"))
            XCTAssertTrue(f.renderedDiagnostics.contains("cannot name a network"), f.renderedDiagnostics)
        }
    }
}
