import GeneratedModels
import IrisDemo
import MallocCounter
import NetcRuntime
import XCTest
@testable import NetcCore

/// The generated models learn, persist, and allocate nothing on their hot paths.
final class TrainingTests: XCTestCase {
    func testXORTrainsToFullAccuracy() {
        var model = XOR()  // the spec's seed
        let inputs: [[Float]] = [[0, 0], [0, 1], [1, 0], [1, 1]]
        let targets: [Float] = [0, 1, 1, 0]
        for _ in 0..<4000 {
            for k in 0..<4 { model.trainStep(input: inputs[k], target: [targets[k]]) }
        }
        for k in 0..<4 {
            let y = model.predict(inputs[k])[0]
            XCTAssertEqual(y >= 0.5 ? 1 : 0, targets[k], "XOR\(inputs[k]) = \(y)")
        }
    }

    func testIrisReachesNinetyFivePercentOnHeldOutSamples() throws {
        let run = try IrisTraining(epochs: 60, seed: 42).run()
        XCTAssertEqual(run.training.count + run.test.count, 150)
        let confusion = try XCTUnwrap(run.evaluation.confusion)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(run.evaluation.accuracy), 0.95, "\(confusion)")
        XCTAssertEqual(confusion.counts.joined().reduce(0, +), 30)
        XCTAssertEqual(confusion.counts.map { $0.reduce(0, +) }, [10, 10, 10], "a stratified split")
    }

    func testParameterFilesRoundTripAndRefuseMismatches() throws {
        let dir = temporaryDirectory()
        let model = Iris(seed: 3)
        try model.save(to: "\(dir)/iris.params")
        XCTAssertEqual(try Iris(contentsOf: "\(dir)/iris.params").parameters, model.parameters)

        // Another network's file: refused, and `load` leaves the model unchanged.
        try XOR().save(to: "\(dir)/xor.params")
        var target = Iris(seed: 5)
        let before = target.parameters
        XCTAssertThrowsError(try target.load(contentsOf: "\(dir)/xor.params")) {
            guard case .wrongNetwork? = $0 as? ParameterFile.Failure else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(target.parameters, before)

        var bytes = try FileIO.read("\(dir)/iris.params")
        try FileIO.writeAtomically(Array(bytes.dropLast(9)), to: "\(dir)/truncated.params")
        XCTAssertThrowsError(try Iris(contentsOf: "\(dir)/truncated.params")) {
            guard case .truncated? = $0 as? ParameterFile.Failure else { return XCTFail("\($0)") }
        }
        bytes[100] ^= 0x40
        try FileIO.writeAtomically(bytes, to: "\(dir)/corrupt.params")
        XCTAssertThrowsError(try Iris(contentsOf: "\(dir)/corrupt.params")) {
            guard case .corrupt? = $0 as? ParameterFile.Failure else { return XCTFail("\($0)") }
        }
        try FileIO.writeAtomically(Array("not a parameter file".utf8), to: "\(dir)/text.params")
        XCTAssertThrowsError(try Iris(contentsOf: "\(dir)/text.params")) {
            guard case .badMagic? = $0 as? ParameterFile.Failure else { return XCTFail("\($0)") }
        }
        // TwoTowers is Double precision: a Float file of the same layout is refused by width.
        let values = [Float](repeating: 0, count: TwoTowers.parameterCount)
        let floats = values.withUnsafeBufferPointer { ParameterFile.encode($0, fingerprint: TwoTowers.fingerprint) }
        try FileIO.writeAtomically(floats, to: "\(dir)/float.params")
        XCTAssertThrowsError(try TwoTowers(contentsOf: "\(dir)/float.params")) {
            guard case .wrongPrecision? = $0 as? ParameterFile.Failure else { return XCTFail("\($0)") }
            XCTAssertTrue("\($0)".contains("32-bit"), "\($0)")
        }
        XCTAssertThrowsError(try Iris(contentsOf: "\(dir)/missing.params")) {
            guard case .io? = $0 as? ParameterFile.Failure else { return XCTFail("\($0)") }
        }
        // Every refusal leaves a loaded model exactly as it was, with a message that says why.
        for bad in ["xor", "truncated", "corrupt", "text", "missing"] {
            var model = Iris(seed: 9)
            let kept = model.parameters
            XCTAssertThrowsError(try model.load(contentsOf: "\(dir)/\(bad).params")) {
                XCTAssertGreaterThan("\($0)".count, 20, "\(bad): \($0)")
            }
            XCTAssertEqual(model.parameters, kept, bad)
        }
    }

    func testCopiesAreIndependentValues() {
        var a = Iris(seed: 1)
        let b = a
        a.trainStep(input: [Float](repeating: 0.5, count: 64), labels: [Int](repeating: 1, count: 16))
        XCTAssertNotEqual(a.parameters, b.parameters)
        XCTAssertEqual(b.parameters, Iris(seed: 1).parameters)
    }

    func testNonFiniteLossLeavesParametersUnchanged() {
        var model = XOR()
        let before = model.parameters
        let loss = model.trainStep(input: [.nan, 0], target: [1])
        XCTAssertTrue(loss.isNaN)
        XCTAssertEqual(model.parameters, before)
    }

    /// A finite loss whose gradient overflows Float: tanh keeps the loss
    /// bounded, while δ through the huge output weights times a large input
    /// overflows dW of the first layer. The step must be skipped, not applied.
    func testOverflowingGradientSkipsTheStep() {
        var p = [Float](repeating: 0, count: Regressor.parameterCount)
        for k in tensorRange(Regressor.parameterTensors, "h.weight") { p[k] = 0.0001 }  // hidden biases stay 0
        for k in tensorRange(Regressor.parameterTensors, "y.weight") { p[k] = 2.5e17 }  // no output bias; Σy² ≈ 1.7e38 stays finite, dW(h) ≈ 5e38 does not
        var model = Regressor(parameters: p)
        let batch = Regressor.batchSize
        let x = [Float](repeating: 1000, count: batch * 3), t = [Float](repeating: 0, count: batch * 2)
        let g = model.gradients(input: x, target: t)
        XCTAssertTrue(g.loss.isFinite, "the scenario needs a finite loss, got \(g.loss)")
        XCTAssertFalse(g.parameters.allSatisfy(\.isFinite), "the scenario needs an overflowing gradient")
        let result = model.trainStep(input: x, target: t)
        XCTAssertTrue(result.isNaN)
        XCTAssertEqual(model.parameters, p)
        // A sane batch afterwards trains normally: the optimizer state was not poisoned.
        model.parameters = Regressor(seed: 1).parameters
        XCTAssertTrue(model.trainStep(input: [Float](repeating: 0.5, count: batch * 3), target: t).isFinite)
        XCTAssertTrue(model.parameters.allSatisfy(\.isFinite))
        XCTAssertNotEqual(model.parameters, Regressor(seed: 1).parameters)
    }

    /// MnistMLP's step proves the first layer's gradient finite from
    /// max|δ|·max|x| instead of reading it. Parameters for two scenarios where
    /// that bound fails: W1 tiny except column 0, W2 and W3 large, one-sided.
    func mnistScenario(column0: Float) -> [Float] {
        var p = [Float](repeating: 0, count: MnistMLP.parameterCount)
        for j in 0..<128 {
            for i in 0..<784 { p[mnistOffset("hidden1.weight") + j * 784 + i] = i == 0 ? column0 : 1e-36 }
        }
        for k in 0..<64 * 128 { p[mnistOffset("hidden2.weight") + k] = 10 }
        for k in 0..<64 { p[mnistOffset("logits.weight") + k] = 10 }  // row 0 only: class 0 dominates
        return p
    }

    func mnistOffset(_ tensor: String) -> Int { tensorRange(MnistMLP.parameterTensors, tensor).lowerBound }

    /// The bound fails and the gradient does overflow: the step reads dW and is skipped.
    func testMnistOverflowingFirstLayerGradientSkipsTheStep() {
        let p = mnistScenario(column0: 1e-36)
        var model = MnistMLP(parameters: p)
        let x = [Float](repeating: 1e38, count: 32 * 784), labels = [Int](repeating: 1, count: 32)
        var t = [Float](repeating: 0, count: 32 * 10)
        for b in 0..<32 { t[b * 10 + 1] = 1 }
        let g = model.gradients(input: x, target: t)
        XCTAssertTrue(g.loss.isFinite, "the scenario needs a finite loss, got \(g.loss)")
        let dW1 = mnistOffset("hidden1.weight")..<mnistOffset("hidden1.bias")
        XCTAssertFalse(g.parameters[dW1].allSatisfy(\.isFinite), "the scenario needs an overflowing dW1")
        XCTAssertTrue(g.parameters[dW1.upperBound...].allSatisfy(\.isFinite), "only dW1 may overflow, or another check catches it")
        XCTAssertTrue(model.trainStep(input: x, labels: labels).isNaN)
        XCTAssertTrue(model.parameters == p, "a skipped step changed the parameters")
    }

    /// The bound fails but the gradient is finite (the huge input sits where
    /// every δ is 0): the step reads dW, finds it finite, and is applied.
    func testMnistUnprovedButFiniteGradientIsApplied() {
        let p = mnistScenario(column0: -1)
        var model = MnistMLP(parameters: p)
        var x = [Float](repeating: 1e30, count: 32 * 784)
        for b in 0..<32 { x[b * 784] = 0 }
        x[0] = 3e38  // sample 0: every hidden1 unit negative, so δ1 = 0 there
        var t = [Float](repeating: 0, count: 32 * 10)
        for b in 0..<32 { t[b * 10 + 1] = 1 }
        let g = model.gradients(input: x, target: t)
        XCTAssertTrue(g.loss.isFinite && g.parameters.allSatisfy(\.isFinite), "the scenario needs finite gradients")
        // max|δ1| ≥ max|db1|/32, so the bound 32·max|δ1|·max|x| ≥ max|db1|·3e38 cannot hold.
        let db1 = g.parameters[mnistOffset("hidden1.bias")..<mnistOffset("hidden2.weight")].map(abs).max()!
        XCTAssertGreaterThan(db1 * 3e38, Float.greatestFiniteMagnitude / 2, "the scenario needs the bound to fail")
        XCTAssertTrue(model.trainStep(input: x, target: t).isFinite)
        XCTAssertTrue(model.parameters != p, "the step was not applied")
        XCTAssertTrue(model.parameters.allSatisfy(\.isFinite))
    }

    /// Saturating activations and fused losses in generated code, in Float and
    /// Double, for inputs far outside any sane range.
    func testGeneratedCodeSaturatesWithoutNaN() {
        for v in [1e4, -1e4] {
            let towers = TwoTowers(seed: 1)  // tanh, leaky_relu, elu, softplus, sigmoid, hinge; Double
            let x = [Double](repeating: v, count: TwoTowers.batchSize * TwoTowers.inputCount)
            let t = (0..<TwoTowers.batchSize * TwoTowers.outputCount).map { Double($0 % 4 == 1 ? 1 : 0) }
            let g = towers.gradients(input: x, target: t)
            XCTAssertTrue(towers.predict(x).allSatisfy(\.isFinite) && g.loss.isFinite, "TwoTowers at \(v)")
            XCTAssertTrue(g.parameters.allSatisfy(\.isFinite) && g.input.allSatisfy(\.isFinite), "TwoTowers gradients at \(v)")

            let binary = Binary(seed: 1)  // relu, sigmoid + binary cross-entropy on logits; Float
            let bx = [Float](repeating: Float(v), count: Binary.batchSize * Binary.inputCount)
            let bg = binary.gradients(input: bx, target: [1, 0])
            XCTAssertTrue(bg.loss.isFinite && bg.parameters.allSatisfy(\.isFinite), "Binary at \(v): \(bg.loss)")

            let iris = Iris(seed: 1)  // relu, softmax cross-entropy; Float
            let ix = [Float](repeating: Float(v), count: Iris.batchSize * Iris.inputCount)
            let it = (0..<Iris.outputCount * Iris.batchSize).map { Float($0 % 3 == 0 ? 1 : 0) }
            let ig = iris.gradients(input: ix, target: it)
            XCTAssertTrue(ig.loss.isFinite && ig.parameters.allSatisfy(\.isFinite), "Iris at \(v): \(ig.loss)")
        }
        for x in [Float(-1e4), -100, 100, 1e4] {
            XCTAssertTrue(Math.sigmoid(x).isFinite && Math.softplus(x).isFinite && Math.tanh(x).isFinite, "\(x)")
        }
    }

    func testPredictTakesAnyNumberOfSamples() {
        // Iris copies its small input; MnistMLP reads its input in place, chunk by chunk.
        func check<M: GeneratedModel>(_ model: M, samples: Int) where M.Scalar == Float {
            let ins = M.inputCount, outs = M.outputCount
            let x = (0..<(samples * ins)).map { Float(($0 * 31) % 97) / 97 }  // every sample different
            let all = model.predict(x)
            XCTAssertEqual(all.count, samples * outs)
            // Each sample's output is the same whichever chunk it fell in (up to
            // summation order: a lone sample runs the kernels' one-sample path).
            for s in [0, M.batchSize + 1, samples - 1] {
                let alone = model.predict(Array(x[(s * ins)..<((s + 1) * ins)]))
                for k in 0..<outs {
                    XCTAssertEqual(all[s * outs + k], alone[k], accuracy: 1e-5 * max(1, abs(alone[k])), "\(M.self) sample \(s)")
                }
            }
        }
        check(Iris(seed: 2), samples: 37)
        check(MnistMLP(seed: 2), samples: 70)
    }

    func testHotPathsAllocateNothing() throws {
        guard netc_allocation_count() >= 0 else { throw XCTSkip("allocation counting needs glibc") }
        var model = MnistMLP(seed: 1)
        let input = [Float](repeating: 0.1, count: MnistMLP.batchSize * MnistMLP.inputCount)
        let target = (0..<(MnistMLP.batchSize * 10)).map { Float($0 % 10 == 3 ? 1 : 0) }
        var output = [Float](repeating: 0, count: MnistMLP.batchSize * 10)
        model.trainStep(input: input, target: target)  // warm up (copy-on-write, lazy globals)
        input.withUnsafeBufferPointer { x in
            target.withUnsafeBufferPointer { t in
                output.withUnsafeMutableBufferPointer { y in
                    let fewest = fewestAllocations {
                        for _ in 0..<5 {
                            model.trainStep(input: x, target: t)
                            model.predict(input: x, output: y)
                        }
                    }
                    XCTAssertEqual(fewest, 0, "allocations in 5 training steps and predictions")
                }
            }
        }
        // The counter does see allocations (so 0 above is a measurement, not a broken counter or helper).
        XCTAssertGreaterThan(fewestAllocations { _ = model.predict(input) }, 0)
        // Recurrent layers: through RecurrentKernels (Float) and the ops' loops with their working space (Double).
        checkStepsAllocateNothing(Forecast.self)
        checkStepsAllocateNothing(Recurrent.self)
        // Attention's loops with their working space, Float and Double.
        checkStepsAllocateNothing(Encoder.self, ids: true)
        checkStepsAllocateNothing(Causal.self)
    }

    /// `ids`: the inputs are token ids (0 to 6) for an embedding.
    func checkStepsAllocateNothing<M: GeneratedModel>(_: M.Type, ids: Bool = false) {
        var model = M(seed: 1)
        let input = (0..<(M.batchSize * M.inputCount)).map { M.Scalar(Double($0 % 7) / (ids ? 1 : 7)) }
        let target = [M.Scalar](repeating: 0.5, count: M.batchSize * M.outputCount)
        var output = [M.Scalar](repeating: 0, count: M.batchSize * M.outputCount)
        model.trainStep(input: input, target: target)
        input.withUnsafeBufferPointer { x in
            target.withUnsafeBufferPointer { t in
                output.withUnsafeMutableBufferPointer { y in
                    let fewest = fewestAllocations {
                        model.trainStep(input: x, target: t)
                        model.predict(input: x, output: y)
                    }
                    XCTAssertEqual(fewest, 0, "allocations in a training step and a prediction of \(M.self)")
                }
            }
        }
    }
}

/// A fresh directory under /tmp.
func temporaryDirectory() -> String {
    var template = Array("/tmp/netc-test-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
}

/// Where a named tensor lies in a generated model's flat parameters.
func tensorRange(_ tensors: [(name: String, offset: Int, count: Int)], _ name: String) -> Range<Int> {
    let t = tensors.first { $0.name == name }!
    return t.offset..<(t.offset + t.count)
}
