@testable import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// Huber's loss and the absolute error: their values and gradients at
/// points worked by hand, and a NaN or infinite target through a generated
/// model (the step is skipped; NaN is never turned into a number).
final class RobustLossTests: XCTestCase {
    func testHuberIsSquaredWithinDeltaAndLinearBeyond() {
        let huber = Huber(delta: 0.5, mean: true)
        // d = 0.3: ½·0.09 = 0.045; d = −2: 0.5·(2 − 0.25) = 0.875; the mean of the two.
        XCTAssertEqual(huber.value(logits: [1.3, -1], target: [1, 1]), (0.045 + 0.875) / 2, accuracy: 1e-15)
        let g = huber.gradient(logits: [1.3, -1], target: [1, 1])
        XCTAssertEqual(g[0], 0.15, accuracy: 1e-15)
        XCTAssertEqual(g[1], -0.25, accuracy: 1e-15)
        XCTAssertEqual(Huber(delta: 0.5, mean: false).value(logits: [1.3, -1], target: [1, 1]), 0.92, accuracy: 1e-15)
        XCTAssertTrue(huber.value(logits: [0, 0], target: [.nan, 0]).isNaN)
        XCTAssertTrue(huber.gradient(logits: [0, 0], target: [.nan, 0])[0].isNaN)
    }

    func testAbsoluteErrorsGradientIsTheSign() {
        let l1 = AbsoluteError(mean: false)
        XCTAssertEqual(l1.value(logits: [1, -1, 2], target: [0.5, 1, 2]), 2.5)
        XCTAssertEqual(l1.gradient(logits: [1, -1, 2], target: [0.5, 1, 2]), [1, -1, 0])
        XCTAssertEqual(AbsoluteError(mean: true).gradient(logits: [1, -1], target: [0, 0]), [0.5, -0.5])
        XCTAssertTrue(l1.gradient(logits: [.nan], target: [0])[0].isNaN)
    }

    /// The generated code's branches: within δ, beyond it, NaN and ∞.
    func testGeneratedHuberKeepsNaNAndSkipsTheStep() {
        var model = Robust(seed: 3)
        let x = [Float](repeating: 0.25, count: Robust.batchSize * Robust.inputCount)
        let y = model.predict(x)
        // Errors of 0.2 (within δ = 0.5) and −3 (beyond) on every sample.
        var t = y
        for b in 0..<Robust.batchSize { t[2 * b] -= 0.2; t[2 * b + 1] += 3 }
        let g = model.gradients(input: x, target: t)
        XCTAssertEqual(Double(model.loss(input: x, target: t)), (0.5 * 0.04 + 0.5 * (3 - 0.25)) / 2, accuracy: 1e-5)
        // ∂L/∂y.bias: the mean over samples of (1/n)·clamp(d, −δ, δ) = [0.1, −0.25].
        let bias = Robust.info.tensors.first { $0.name == "y.bias" }!.offset
        XCTAssertEqual(g.parameters[bias], 0.1, accuracy: 1e-5)
        XCTAssertEqual(g.parameters[bias + 1], -0.25, accuracy: 1e-6)

        let before = model.parameters
        for bad: Float in [.nan, .infinity] {
            var u = t
            u[1] = bad
            XCTAssertFalse(model.loss(input: x, target: u).isFinite)
            XCTAssertFalse(model.trainStep(input: x, target: u).isFinite)
            XCTAssertEqual(model.parameters, before, "a step with target \(bad) was not skipped")
        }
        var u = t
        u[1] = .nan
        XCTAssertTrue(model.gradients(input: x, target: u).parameters[bias + 1].isNaN)
        XCTAssertTrue(model.trainStep(input: x, target: t).isFinite)
    }
}
