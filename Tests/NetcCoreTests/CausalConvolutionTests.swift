import NetcRuntime
import XCTest
@testable import NetcCore

/// `conv1d …, padding: causal` (Specs/sequences.net, Temporal): (k − 1)·dilation
/// zeros before the sequence and none after, so a step's value reads that
/// step and earlier ones only, through any stack of causal layers.
final class CausalConvolutionTests: XCTestCase {
    func testAStepReadsNoLaterStep() throws {
        let graph = try specGraph("sequences.net", network: "Temporal")
        let interpreter = Interpreter(graph: graph), parameters = interpreter.initialParameters(seed: 3)
        let node = try XCTUnwrap(graph.nodes.first { $0.name == "r" })  // c2 (dilation 2) plus c1: reaches 3 steps back
        XCTAssertEqual(node.shape.dimensions, [4, 16], "the length kept")
        var random = SplitMix64(seed: 8)
        let x = (0..<16).map { _ in 2 * random.nextUnit() - 1 }
        for changed in [0, 7, 15] {
            var moved = x
            moved[changed] += 1
            let before = interpreter.forward(input: x, parameters: parameters)[0][node.id]
            let after = interpreter.forward(input: moved, parameters: parameters)[0][node.id]
            for c in 0..<4 {
                for t in 0..<16 {
                    let a = before[c * 16 + t], b = after[c * 16 + t]
                    if t < changed { XCTAssertEqual(a, b, "channel \(c) step \(t) read step \(changed)") }
                    if t == changed { XCTAssertNotEqual(a, b, "channel \(c) step \(t) reads its own step") }
                    if t > changed + 3 { XCTAssertEqual(a, b, "channel \(c) step \(t) reads 3 steps back at most") }
                }
            }
        }
        XCTAssertEqual(try XCTUnwrap(graph.nodes.first { $0.name == "c3" }).shape.dimensions, [4, 8], "stride 2: ⌈16 / 2⌉ steps")
    }
}
