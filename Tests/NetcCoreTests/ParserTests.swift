import XCTest
@testable import NetcCore

final class ParserTests: XCTestCase {
    func parse(_ text: String) -> (SpecFile, DiagnosticBag) {
        Parser.parse(SourceFile(path: "t.net", text: text))
    }

    func testStatementsCarryTheirParts() throws {
        let (spec, bag) = parse("network N {\n  dense h(a, b): 16, leaky_relu(slope: 0.2), bias: false\n}\n")
        XCTAssertFalse(bag.hasErrors)
        let s = try XCTUnwrap(spec.networks.first?.statements.first)
        XCTAssertEqual(s.keyword.name, "dense")
        XCTAssertEqual(s.name?.name, "h")
        XCTAssertEqual(s.inputs?.map(\.name), ["a", "b"])
        XCTAssertEqual(s.value, .number(16, isInteger: true, range: SourceRange(29, 31)))
        XCTAssertEqual(s.arguments.count, 2)
        XCTAssertEqual(s.arguments[1].label?.name, "bias")
        guard case .call(let f, let args, _) = s.arguments[0].value else { return XCTFail("expected a call") }
        XCTAssertEqual(f.name, "leaky_relu")
        XCTAssertEqual(args.first?.label?.name, "slope")
    }

    func testRangesPointAtTheSource() throws {
        let text = "network Net {\n  input features: 4\n}\n"
        let (spec, _) = parse(text)
        let s = try XCTUnwrap(spec.networks.first?.statements.first)
        let bytes = Array(text.utf8)
        XCTAssertEqual(String(decoding: bytes[s.name!.range.start..<s.name!.range.end], as: UTF8.self), "features")
        XCTAssertEqual(SourceFile(path: "", text: text).location(of: s.name!.range.start), SourceLocation(line: 2, column: 9))
    }

    func testNumbersSignsExponentsAndUnderscores() throws {
        let (spec, bag) = parse("network N {\n  train sgd(learning_rate: -1.5e-3), batch: 1_024\n}\n")
        XCTAssertFalse(bag.hasErrors)
        let args = try XCTUnwrap(spec.networks.first?.statements.first?.arguments)
        guard case .call(_, let inner, _) = args[0].value, case .number(let lr, let isInteger, _) = inner[0].value
        else { return XCTFail() }
        XCTAssertEqual(lr, -1.5e-3)
        XCTAssertFalse(isInteger)
        XCTAssertEqual(args[1].value, .number(1024, isInteger: true, range: args[1].value.range))
    }

    func testCommentsSemicolonsAndContinuationLines() {
        let (spec, bag) = parse("""
            // header
            network N { # trailing
              input x: 2; dense h: 3,
                 relu
            }
            """)
        XCTAssertFalse(bag.hasErrors, "\(bag.items)")
        XCTAssertEqual(spec.networks.first?.statements.map(\.keyword.name), ["input", "dense"])
        XCTAssertEqual(spec.networks.first?.statements.last?.arguments.count, 1)
    }

    func testSeveralNetworksInOneFile() {
        let (spec, bag) = parse("network A {\n}\nnetwork B {\n}\n")
        XCTAssertFalse(bag.hasErrors)
        XCTAssertEqual(spec.networks.map(\.name.name), ["A", "B"])
    }

    func testRecoveryKeepsParsingAfterAnError() {
        let (spec, bag) = parse("network N {\n  dense h: (\n  input x: 4\n}\n")
        XCTAssertEqual(bag.items.count, 1)
        XCTAssertEqual(spec.networks.first?.statements.map(\.keyword.name), ["dense", "input"])
        XCTAssertEqual(spec.networks.first?.statements.first?.isValid, false)
    }

    func testHostileInputsTerminate() {
        for text in [String(repeating: "(", count: 100_000), String(repeating: "network ", count: 10_000),
                     String(repeating: "}", count: 50_000), "network N {" + String(repeating: "dense a: 1,", count: 5000)] {
            let (_, bag) = parse(text)
            XCTAssertTrue(bag.hasErrors)
            XCTAssertLessThanOrEqual(bag.items.count, DiagnosticBag.limit)
        }
    }
}
