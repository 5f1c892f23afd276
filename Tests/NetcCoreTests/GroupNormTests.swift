import NetcRuntime
import XCTest
@testable import NetcCore

/// `group_norm`: hand-worked values, and the two kinds it generalises.
final class GroupNormTests: XCTestCase {
    func network(_ node: String, input: String) throws -> Graph {
        try graph("""
            network G {
              input x: \(input)
              \(node)
              flatten f(n)
              dense out(f): 1
              loss squared_error(out)
              train sgd(learning_rate: 0.1)
              precision double
            }
            """)
    }

    /// The value of node `n` for one sample.
    func value(_ g: Graph, _ input: [Double], parameters: [Double]? = nil) -> [Double] {
        let interpreter = Interpreter(graph: g)
        let values = interpreter.forward(input: input, parameters: parameters ?? interpreter.initialParameters(seed: 1))
        return values[0][g.nodes.first { $0.name == "n" }!.id]
    }

    /// Four channels in two groups: (1, 3) has mean 2 and variance 1, (10, 30)
    /// mean 20 and variance 100; each normalises to (−1, 1). With γ = (1, 2, 3, 4)
    /// and β = (0, 0, 0, 5): (−1, 2, −3, 9).
    func testTwoGroupsOfAVector() throws {
        let g = try network("group_norm n(x), groups: 2, epsilon: 1e-12", input: "4")
        var parameters = Interpreter(graph: g).initialParameters(seed: 1)
        let gamma = g.parameters.first { $0.name == "n.weight" }!, beta = g.parameters.first { $0.name == "n.bias" }!
        parameters.replaceSubrange(gamma.offset..<(gamma.offset + 4), with: [1, 2, 3, 4])
        parameters.replaceSubrange(beta.offset..<(beta.offset + 4), with: [0, 0, 0, 5])
        let y = value(g, [1, 3, 10, 30], parameters: parameters)
        for (a, b) in zip(y, [-1.0, 2, -3, 9]) { XCTAssertEqual(a, b, accuracy: 1e-10) }
    }

    /// Groups lie along the channels, each channel's positions together: two
    /// channels of three positions in one group each normalise alone.
    func testAGroupHoldsItsChannelsPositions() throws {
        let g = try network("group_norm n(x), groups: 2, affine: false, epsilon: 1e-12", input: "2x3")
        let y = value(g, [1, 2, 3, 10, 20, 30])
        let unit = (1.5).squareRoot()  // (−1, 0, 1) over its biased standard deviation √(2/3)
        for (a, b) in zip(y, [-unit, 0, unit, -unit, 0, unit]) { XCTAssertEqual(a, b, accuracy: 1e-10) }
    }

    /// One group is a layer normalisation of the whole sample (γ = 1, β = 0 at start).
    func testOneGroupIsALayerNormalisation() throws {
        let input: [Double] = (0..<24).map { k -> Double in sin(Double(k) * 1.3) * Double(k % 5) }
        let grouped = value(try network("group_norm n(x), groups: 1", input: "4x6"), input)
        let layer = value(try network("layer_norm n(x)", input: "4x6"), input)
        for (a, b) in zip(grouped, layer) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }

    /// A group per channel is instance normalisation: each channel of each
    /// sample to mean 0 and variance 1 over its positions.
    func testAGroupPerChannelIsInstanceNormalisation() throws {
        let g = try network("group_norm n(x), groups: 3, affine: false, epsilon: 1e-12", input: "3x2x4")
        let input: [Double] = (0..<24).map { k -> Double in Double(k * k % 7) + Double(k / 8) * 10 }
        let y = value(g, input)
        for c in 0..<3 {
            let channel = y[(c * 8)..<((c + 1) * 8)]
            XCTAssertEqual(channel.reduce(0, +) / 8, 0, accuracy: 1e-12)
            XCTAssertEqual(channel.reduce(0) { $0 + $1 * $1 } / 8, 1, accuracy: 1e-9)
        }
    }
}
