@testable import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// Batch normalisation's two modes and its running statistics, on cases
/// worked by hand in PyTorch's conventions, and in a generated model.
final class BatchNormTests: XCTestCase {
    let spec = "network N {\n input x: 2\n batch_norm k\n loss squared_error(k)\n train sgd(learning_rate: 0.1), batch: 2\n precision double\n}\n"
    let x: [Double] = [1, 10, 3, 30]  // two samples of two features
    let start: [Double] = [1, 1, 0, 0, 0, 0, 1, 1]  // weight, bias, running_mean, running_var

    func testTrainingUsesTheBatchAndInferenceTheRunningStatistics() throws {
        let interpreter = Interpreter(graph: try graph(spec))
        XCTAssertEqual(interpreter.initialParameters(seed: 1), start)
        // Feature 0: mean 2, biased variance 1; feature 1: mean 20, variance 100.
        let training = interpreter.forward(input: x, parameters: start, masks: [:]).map { $0[1] }
        let a = 1 / (1 + 1e-5).squareRoot(), b = 10 / (100 + 1e-5).squareRoot()
        XCTAssertEqual(training[0][0], -a, accuracy: 1e-15)
        XCTAssertEqual(training[1][0], a, accuracy: 1e-15)
        XCTAssertEqual(training[0][1], -b, accuracy: 1e-15)
        // Inference with the starting statistics (mean 0, variance 1) is nearly the identity.
        XCTAssertEqual(interpreter.predict(input: x, parameters: start)[1], 10 / (1 + 1e-5).squareRoot(), accuracy: 1e-12)
    }

    /// `affine: false`: PyTorch's `affine=False` — no weight or bias, y = x̂; the same statistics; gradients checked.
    func testWithoutAffineThereIsNoScaleOrShift() throws {
        let g = try graph(spec.replacingOccurrences(of: "batch_norm k", with: "batch_norm k, affine: false"))
        XCTAssertEqual(g.parameters.map(\.name), ["k.running_mean", "k.running_var"])
        let interpreter = Interpreter(graph: g)
        let p: [Double] = [0, 0, 1, 1]
        var shifted = p
        shifted[0] = 5  // a running mean only inference reads
        let training = interpreter.forward(input: x, parameters: shifted, masks: [:]).map { $0[1] }
        XCTAssertEqual(training[0][0], -1 / (1 + 1e-5).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(training[1][1], 10 / (100 + 1e-5).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(interpreter.predict(input: x, parameters: shifted)[0], (1 - 5) / (1 + 1e-5).squareRoot(), accuracy: 1e-12)
        var updated = p
        interpreter.updateStatistics(&updated, input: x, masks: [:])
        for (value, expected) in zip(updated, [0.2, 2.0, 1.1, 0.9 + 0.1 * 200]) { XCTAssertEqual(value, expected, accuracy: 1e-12) }
        let wide = try graph(spec.replacingOccurrences(of: "input x: 2", with: "input x: 3x4")
            .replacingOccurrences(of: "batch_norm k", with: "batch_norm k, affine: false, epsilon: 0.1")
            .replacingOccurrences(of: "batch: 2", with: "batch: 3"))
        XCTAssertTrue(GradientCheck.run(wide, .init(seed: 2)).allSatisfy(\.passed))
    }

    func testRunningStatisticsUseMomentumAndTheUnbiasedVariance() throws {
        let interpreter = Interpreter(graph: try graph(spec))
        var p = start
        interpreter.updateStatistics(&p, input: x, masks: [:])
        // mean: 0.9·0 + 0.1·2; variance: 0.9·1 + 0.1·(1 · 2/1) — PyTorch's update.
        XCTAssertEqual(p[4], 0.2, accuracy: 1e-15)
        XCTAssertEqual(p[5], 2.0, accuracy: 1e-15)
        XCTAssertEqual(p[6], 1.1, accuracy: 1e-15)
        XCTAssertEqual(p[7], 0.9 + 0.1 * 200, accuracy: 1e-12)
    }

    func testOnlyAnAcceptedTrainingStepMovesTheRunningStatistics() throws {
        var model = ConvLayers(seed: 3)
        let names = ConvLayers.parameterTensors.map(\.name)
        XCTAssertTrue(names.contains("b0.running_mean") && names.contains("b0.running_var"), "\(names)")
        let running = ConvLayers.parameterTensors.first { $0.name == "b0.running_var" }!
        let range = running.offset..<(running.offset + running.count)
        let input = (0..<(ConvLayers.batchSize * ConvLayers.inputCount)).map { Double($0 % 7) - 3 }
        let labels = [0, 1, 2]
        let before = model.parameters
        _ = model.gradients(input: input, target: labels.flatMap { l in (0..<3).map { $0 == l ? 1.0 : 0 } })
        _ = model.loss(input: input, target: labels.flatMap { l in (0..<3).map { $0 == l ? 1.0 : 0 } })
        XCTAssertEqual(model.parameters, before, "gradients and loss change nothing")
        var poisoned = input
        poisoned[5] = .nan
        XCTAssertTrue(model.trainStep(input: poisoned, labels: labels).isNaN)
        XCTAssertEqual(model.parameters, before, "a skipped step leaves the statistics too")
        XCTAssertTrue(model.trainStep(input: input, labels: labels).isFinite)
        XCTAssertNotEqual(Array(model.parameters[range]), Array(before[range]), "an accepted step updates them")
        XCTAssertTrue(model.parameters[range].allSatisfy { $0 > 0 })
        // They travel with the parameters through a file.
        let path = "\(temporaryDirectory())/bn.params"
        try model.save(to: path)
        XCTAssertEqual(try ConvLayers(contentsOf: path).parameters, model.parameters)
    }
}
