import XCTest
@testable import NetcCore

/// What the joins compute beyond elementwise inputs of one shape, on cases
/// worked by hand: `concat` along channels, and `add`/`multiply` spreading a
/// vector of one value per channel over a C × … input (PyTorch's
/// `torch.cat(…, 1)` and `x * s[:, :, None]`).
final class JoinTests: XCTestCase {
    /// The interpreter's value and input gradient (every δ 1) of `join k(…)`
    /// over the input 2x3, with `m` each channel's maximum where `maximum`.
    func run(_ join: String, maximum: Bool = true, input: [Double]) throws -> (value: [Double], gradient: [Double]) {
        let g = try graph("""
            network J {
              input x: 2x3
              \(maximum ? "global_max_pool m(x)" : "")
              \(join)
              flatten f(k)
              loss squared_error(f, reduction: sum, scale: 0.5)
              precision double
            }
            """)
        let interpreter = Interpreter(graph: g)
        let value = interpreter.predict(input: input, parameters: [])
        // ½Σ(y − t)² with t = y − 1 makes every δ exactly 1.
        let gradient = interpreter.gradients(input: input, target: value.map { $0 - 1 }, parameters: []).input
        return (value, gradient)
    }

    let x: [Double] = [1, 4, 2, -1, -3, 0]  // channel 0: 1 4 2 (max 4), channel 1: −1 −3 0 (max 0)

    func testMultiplySpreadsAChannelVectorOverPositions() throws {
        let r = try run("multiply k(x, m)", input: x)
        XCTAssertEqual(r.value, [4, 16, 8, 0, 0, 0])
        // ∂/∂x directly: m per channel; through m (its first maximum): Σ of the channel's x.
        XCTAssertEqual(r.gradient, [4, 4 + 7, 4, 0, 0, -4])
    }

    func testAddSpreadsAChannelVectorInEitherOrder() throws {
        let r = try run("add k(m, x)", input: x)
        XCTAssertEqual(r.value, [5, 8, 6, -1, -3, 0])
        // 1 directly, plus 3 positions through each channel's maximum.
        XCTAssertEqual(r.gradient, [1, 4, 1, 1, 1, 4])
    }

    func testConcatJoinsChannels() throws {
        let r = try run("concat k(x, x)", maximum: false, input: x)
        XCTAssertEqual(r.value, x + x)
        XCTAssertEqual(r.gradient, [2, 2, 2, 2, 2, 2])
        let shapes = try graph("network C {\n input x: 2x3x4\n max_pool p: 1x2\n conv2d c(x): 5, kernel: 1x2, stride: 1x2\n concat k(p, c, p)\n flatten f\n loss squared_error(f)\n}\n")
        XCTAssertEqual(shapes.nodes.first { $0.name == "k" }?.shape, Shape([9, 3, 2]))
    }
}
