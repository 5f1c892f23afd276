import Foundation
import NetcRuntime
import XCTest

/// The pre-assembled kernel sets (Sources/CNetcRuntime/kernels/*.x86_64-linux.S)
/// are what prebuild.sh makes of the C kernels now: a kernel edited without
/// rerunning it would otherwise leave x86-64 Linux running the old code.
final class KernelAssemblyTests: XCTestCase {
    let kernels = "\(repositoryRoot)/Sources/CNetcRuntime/kernels"

    func testPreassembledKernelsMatchTheirSources() throws {
        let compiler = try run(["clang", "--version"]).split(separator: "\n").first.map(String.init) ?? ""
        let recorded = try String(contentsOfFile: "\(kernels)/avx2_fma.x86_64-linux.S", encoding: .utf8)
        guard recorded.contains("with \(compiler). DO NOT EDIT.") else {
            throw XCTSkip("the .S files were made with another clang than '\(compiler)'; rerun prebuild.sh with the one they name to compare")
        }
        let directory = NSTemporaryDirectory() + "netc-kernels-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try run(["\(kernels)/prebuild.sh", directory])
        for set in ["avx2_fma", "baseline"] {
            let fresh = try String(contentsOfFile: "\(directory)/\(set).x86_64-linux.S", encoding: .utf8)
            let committed = try String(contentsOfFile: "\(kernels)/\(set).x86_64-linux.S", encoding: .utf8)
            XCTAssertTrue(fresh == committed, "\(set).x86_64-linux.S is stale: run Sources/CNetcRuntime/kernels/prebuild.sh")
        }
    }

    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, arguments.joined(separator: " "))
        return output
    }
}
