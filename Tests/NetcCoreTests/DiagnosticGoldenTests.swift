import NetcRuntime
import XCTest
@testable import NetcCore

/// Each file in Tests/DiagnosticCases is one mistake; its `.expected` file
/// pins the exact rendered diagnostics (message, location, caret, notes).
final class DiagnosticGoldenTests: XCTestCase {
    let directory = "\(repositoryRoot)/Tests/DiagnosticCases"

    func testEveryCaseMatchesItsGoldenDiagnostics() throws {
        let cases = files(in: directory, suffix: ".net")
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        for name in cases {
            let bytes = try FileIO.read("\(directory)/\(name)")
            let f = Frontend(file: SourceFile(path: name, bytes: bytes))
            XCTAssertFalse(f.diagnostics.isEmpty, "\(name) produced no diagnostic")
            assertGolden(f.renderedDiagnostics, "\(directory)/\(name.dropLast(4)).expected")
        }
    }

    func testCatalogueCoversManyDistinctMessages() throws {
        var ids = Set<String>()
        for name in files(in: directory, suffix: ".net") {
            let f = Frontend(file: SourceFile(path: name, bytes: try FileIO.read("\(directory)/\(name)")))
            ids.formUnion(f.diagnostics.map(\.id))
        }
        XCTAssertGreaterThanOrEqual(ids.count, 30, "distinct diagnostic ids: \(ids.sorted())")
    }

    func testOneRunReportsEveryError() {
        let f = frontend("""
            network Net {
              input x: 4
              dense h1: 16, rleu
              dense h2(h0): 16
              dense out(h2): 3, bias: maybe
              loss softmax_cross_entropi(out)
              train sgd(momentum: 2)
            }
            """)
        XCTAssertEqual(f.diagnostics.filter { $0.severity == .error }.map(\.id),
                       ["unknown-activation", "unknown-node", "wrong-type", "unknown-loss", "out-of-range"])
    }

    func testWarningAloneStillBuildsTheGraph() {
        let f = frontend("network N {\n input x: 2\n dense out: 3, softmax\n loss softmax_cross_entropy(out)\n}\n")
        XCTAssertEqual(f.diagnostics.map(\.severity), [.warning])
        XCTAssertEqual(f.graphs.count, 1)
    }

    func testDidYouMeanOnlySuggestsCloseNames() {
        XCTAssertEqual(Suggestions.closest(to: "rleu", in: Activations.names), "relu")
        XCTAssertEqual(Suggestions.closest(to: "sigmod", in: Activations.names), "sigmoid")
        XCTAssertNil(Suggestions.closest(to: "banana", in: Activations.names))
    }

    func testCaretAlignsUnderNonASCIIText() {
        let f = frontend("network N { # é\n  input x: 4 # ü\n  dense é: 3\n}\n")
        let text = f.renderedDiagnostics
        XCTAssertTrue(text.contains("test.net:3:9: error: 'é' is not a valid name; names use ASCII letters, digits and '_'\n  dense é: 3\n        ^\n"), text)
    }
}
