import NetcCore
import NetcFuzz
import NetcRuntime
import XCTest

/// A bounded, fixed-seed slice of the fuzzer (CI runs the full 100,000 cases
/// with `swift run -c release netc-fuzz`) and the regression corpus.
final class FuzzTests: XCTestCase {
    func files(_ folder: String) -> [(String, [UInt8])] {
        let dir = repositoryRoot + "/" + folder
        return NetcCoreTests.files(in: dir, suffix: ".net").map { ($0, try! FileIO.read(dir + "/" + $0)) }
    }

    func testRegressionCorpusEndsInDiagnosticsOrCode() {
        let corpus = files("Tests/FuzzCorpus")
        XCTAssertGreaterThanOrEqual(corpus.count, 3)
        for (name, bytes) in corpus {
            if case .violated(let why) = FuzzRun.check(bytes, path: name) { XCTFail("\(name): \(why)") }
        }
    }

    func testLongLinesAreShownAsAWindow() {
        let bytes = Array("network N {\n  input x: 2 ".utf8) + Array(repeating: UInt8(ascii: "@"), count: 50_000) + Array("\n}\n".utf8)
        let f = Frontend(file: SourceFile(path: "long.net", bytes: bytes))
        let text = f.renderedDiagnostics
        XCTAssertTrue(f.hasErrors)
        XCTAssertLessThan(text.utf8.count, 2_000, "a diagnostic must not print a 50 kB line")
        XCTAssertTrue(text.contains("long.net:2:14: error: unexpected character '@'\n  input x: 2 @@@"), text)
        XCTAssertTrue(text.contains("@…\n"), text)
    }

    func testNonASCIINameIsOneError() {
        let corpus = Dictionary(uniqueKeysWithValues: files("Tests/FuzzCorpus"))
        let f = Frontend(file: SourceFile(path: "c.net", bytes: corpus["non-ascii-network-name.net"]!))
        XCTAssertEqual(f.diagnostics.filter { $0.severity == .error }.map(\.message),
                       ["'Café' is not a valid name; names use ASCII letters, digits and '_'"])
    }

    func testMalformedHeaderIsOneErrorAndTheNextNetworkBuilds() {
        let corpus = Dictionary(uniqueKeysWithValues: files("Tests/FuzzCorpus"))
        let f = Frontend(file: SourceFile(path: "h.net", bytes: corpus["bad-network-header.net"]!))
        XCTAssertEqual(f.diagnostics.map(\.message), ["'9lives' is not a valid network name; names start with a letter or '_'"])
        XCTAssertEqual(f.graphs.map(\.name), [], "a file with errors builds nothing")
    }

    func testFifteenHundredMutatedSpecs() {
        let run = FuzzRun(seed: 7, bases: files("Specs").map(\.1) + files("Tests/FuzzCorpus").map(\.1))
        let report = run.run(count: 1_500)
        XCTAssertEqual(report.failures, [])
        XCTAssertEqual(report.cases, 1_500)
        // Both outcomes are exercised, and every mutation kind ran.
        XCTAssertGreaterThan(report.rejected, 500)
        XCTAssertGreaterThan(report.compiled, 100)
        XCTAssertFalse(report.perKind.contains(0))
        XCTAssertFalse(report.emitted.isEmpty)
    }

    func testCasesReplayFromTheirIndex() {
        let run = FuzzRun(seed: 7, bases: files("Specs").map(\.1))
        XCTAssertEqual(run.input(1234).bytes, run.input(1234).bytes)
        XCTAssertNotEqual(run.input(1234).bytes, run.input(1235).bytes)
    }

    func testRandomValidSpecsCompileAndPassGradcheck() {
        let result = FuzzRun(seed: 11, bases: []).validSpecs(count: 15)
        XCTAssertEqual(result.failures, [])
        XCTAssertEqual(result.emitted.count, 15)
        XCTAssertLessThanOrEqual(result.worst, GradientCheck.Options().tolerance)
    }
}
