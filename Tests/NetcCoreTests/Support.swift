import MallocCounter
import NetcRuntime
import XCTest
@testable import NetcCore

/// The repository root, found from this file's path.
let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/NetcCoreTests/Support.swift
    return parts.joined(separator: "/")
}()

/// Whether golden files should be rewritten instead of compared.
let updateGoldens = getenv("NETC_UPDATE_GOLDENS") != nil

/// Runs the front end on spec text.
func frontend(_ text: String, path: String = "test.net") -> Frontend {
    Frontend(file: SourceFile(path: path, text: text))
}

/// The graph of a spec that must check cleanly.
func graph(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> Graph {
    let f = frontend(text)
    XCTAssertFalse(f.hasErrors, f.renderedDiagnostics, file: file, line: line)
    return try XCTUnwrap(f.graphs.first, file: file, line: line)
}

/// The graph of a file in Specs/.
func specGraph(_ name: String, network: String? = nil) throws -> Graph {
    let path = "\(repositoryRoot)/Specs/\(name)"
    let f = Frontend(file: SourceFile(path: path, bytes: try FileIO.read(path)))
    XCTAssertFalse(f.hasErrors, f.renderedDiagnostics)
    return try XCTUnwrap(network.map { n in f.graphs.first { $0.name == n } } ?? f.graphs.first)
}

/// Names of the files in a directory with a given suffix, sorted.
func files(in directory: String, suffix: String) -> [String] {
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name.hasSuffix(suffix) { names.append(name) }
    }
    return names.sorted()
}

/// Compares text with a golden file, or rewrites it when NETC_UPDATE_GOLDENS is set.
func assertGolden(_ actual: String, _ path: String, file: StaticString = #filePath, line: UInt = #line) {
    if updateGoldens {
        try! FileIO.writeIfChanged(Array(actual.utf8), to: path)
        return
    }
    guard let expected = try? FileIO.read(path) else {
        XCTFail("missing golden file \(path); run with NETC_UPDATE_GOLDENS=1", file: file, line: line)
        return
    }
    XCTAssertEqual(actual, String(decoding: expected, as: UTF8.self), "golden mismatch: \(path)", file: file, line: line)
}

/// The fewest heap allocations `body` made in up to five runs.
///
/// The counter is process-wide, so a thread this test does not control (the
/// monitor Foundation keeps for a finished `Process` of an earlier test, say)
/// can allocate while `body` runs. A path that allocates does so on every run,
/// so its fewest is still at least 1 and the test still fails.
func fewestAllocations(_ body: () -> Void) -> Int {
    var fewest = Int.max
    for _ in 0..<5 where fewest > 0 {
        let before = netc_allocation_count()
        body()
        fewest = min(fewest, netc_allocation_count() - before)
    }
    return fewest
}
