import NetcRuntime
import XCTest
@testable import NetcCore
@testable import NetcFuzz

/// The registries — node kinds, activations, losses — are the one list each
/// part of netc reads: every entry has a row in docs/Language.md, a way for
/// the fuzzer to draw it, and (for node kinds and activations) a derivative
/// that passes the gradient check.
final class RegistryTests: XCTestCase {
    var language: String { String(decoding: (try? FileIO.read("\(repositoryRoot)/docs/Language.md")) ?? [], as: UTF8.self) }

    func testEveryNodeKindIsDocumentedFuzzedAndDifferentiated() throws {
        let docs = language
        // The grammar's NODE-KEYWORD rule, up to its ';'.
        let rule = docs.range(of: "NODE-KEYWORD    =").map { docs[$0.upperBound...].prefix { $0 != ";" } } ?? ""
        for kind in NodeKinds.all {
            XCTAssertTrue(docs.contains("| `\(kind.keyword) "), "docs/Language.md has no row for '\(kind.keyword)'")
            XCTAssertTrue(rule.contains("\"\(kind.keyword)\""), "docs/Language.md's grammar does not list '\(kind.keyword)'")
            if case .none = kind.arity { continue }
            XCTAssertNotNil(SpecGenerator.nodes[kind.keyword], "the fuzzer cannot draw '\(kind.keyword)'")
            // The kind's example, between its input and a dense output, passes the gradient check.
            let g = try graph("network K {\n input x: \(kind.exampleInput)\n \(kind.example)\n flatten f(k)\n dense out(f): 2\n"
                              + " loss squared_error(out)\n"
                              + " train sgd(learning_rate: 0.1), batch: 3\n precision double\n}\n")
            for row in GradientCheck.run(g, .init(seed: 5)) {
                XCTAssertTrue(row.passed, "\(kind.keyword): \(row.name) error \(row.worstError)")
            }
        }
        XCTAssertEqual(Set(Keyword.nodes).count, NodeKinds.all.count, "two kinds share a keyword")
    }

    func testEveryActivationIsDocumentedAndDifferentiated() throws {
        let docs = language
        for name in Activations.names {
            XCTAssertTrue(docs.contains("| `\(name)"), "docs/Language.md has no row for activation '\(name)'")
            let g = try graph("network A {\n input x: 5\n activation a: \(name)\n dense out: 2\n loss squared_error(out)\n"
                              + " train sgd(learning_rate: 0.1), batch: 2\n precision double\n}\n")
            for row in GradientCheck.run(g, .init(seed: 9)) { XCTAssertTrue(row.passed, "\(name): \(row.name) error \(row.worstError)") }
        }
    }

    func testEveryLossIsDocumented() {
        let docs = language
        for name in Losses.names {
            XCTAssertTrue(docs.contains("| `\(name)("), "docs/Language.md has no row for loss '\(name)'")
        }
    }

    func testEveryOptimizerIsDocumented() {
        let docs = language
        for (name, _) in NetworkBuilder.optimizers {
            XCTAssertTrue(docs.contains("| `\(name)("), "docs/Language.md has no row for optimizer '\(name)'")
        }
    }

    /// Every kind's example reads inputs of every rank, and any its rule
    /// refuses is reported, not a crash: every check after a refused shape
    /// (the parameter count among them) still runs on the input's shape.
    func testEveryNodeKindReportsAnInputOfAnyRank() {
        for kind in NodeKinds.all {
            if case .none = kind.arity { continue }
            for input in ["6", "2x5", "2x5x5", "1x2x3x4"] {
                let text = "network K {\n input x: \(input)\n \(kind.example)\n flatten f(k)\n dense out(f): 2\n"
                    + " loss squared_error(out)\n train sgd(learning_rate: 0.1), batch: 3\n}\n"
                let f = frontend(text)
                if f.hasErrors { XCTAssertTrue(f.renderedDiagnostics.contains("error:"), "\(kind.keyword) on \(input)") }
            }
        }
    }

    /// Drawn specs use every kind, activation, loss and optimizer, and every one they draw is valid.
    func testTheFuzzerDrawsEveryEntryOfTheRegistries() {
        var words = Set<String>()
        var lists = false, causal = false, positions = 0, masked = 0, maskedMeans = 0, maskedMaxima = 0
        for k in 0..<300 {
            var generator = SpecGenerator(seed: UInt64(k))
            let text = generator.spec(name: "G\(k)")
            let f = frontend(text)
            XCTAssertFalse(f.hasErrors, "\(text)\n\(f.renderedDiagnostics)")
            words.formUnion(text.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
            lists = lists || text.contains("_weight: [") || text.contains("_weights: [")
            causal = causal || text.contains("padding: causal")
            if let graph = f.graphs.first, graph.loss.rule.positions > 1 { positions += 1 }
            if let graph = f.graphs.first, graph.nodes.contains(where: { ($0.op as? AttentionOp)?.paddingId != nil }) { masked += 1 }
            if let graph = f.graphs.first, graph.nodes.contains(where: { ($0.op as? GlobalAveragePoolOp)?.paddingId != nil }) { maskedMeans += 1 }
            if let graph = f.graphs.first, graph.nodes.contains(where: { ($0.op as? GlobalMaxPoolOp)?.paddingId != nil }) { maskedMaxima += 1 }
        }
        XCTAssertGreaterThan(masked, 0, "specs whose attention masks padding")
        XCTAssertGreaterThan(maskedMeans, 0, "specs whose mean leaves out padding")
        XCTAssertGreaterThan(maskedMaxima, 0, "specs whose maximum leaves out padding")
        XCTAssertGreaterThan(positions, 3, "specs with classes at each position")
        for name in NodeKinds.all.map(\.keyword) + Activations.names + Losses.names + NetworkBuilder.optimizers.map(\.name) {
            XCTAssertTrue(words.contains(name), "no drawn spec used '\(name)'")
        }
        for option in ["stride", "padding", "dilation", "groups", "output_padding", "causal", "bidirectional", "over", "padding_id", "class_weights", "positive_weight", "channels", "mode", "ignore_label"] {
            XCTAssertTrue(words.contains(option), "no drawn spec used the option '\(option)'")
        }
        XCTAssertTrue(lists, "no drawn spec wrote a list")
        XCTAssertTrue(causal, "no drawn spec padded a convolution causally")
    }
}
