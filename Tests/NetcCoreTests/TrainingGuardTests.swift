import Dispatch
import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// Issue 19's numerics and value-semantics defects, each reproduced on a
/// generated model (and the interpreter where it has the same rule).
final class TrainingGuardTests: XCTestCase {
    /// 1. relu keeps a NaN (Swift's `max(0, .nan)` is 0): predict is NaN and the step is skipped.
    func testReLUPassesNaNThroughAndTheStepIsSkipped() {
        XCTAssertTrue(ReLU().value(.nan).isNaN)
        var model = NaNReLU(parameters: [1, 1, 0])
        XCTAssertTrue(model.predict([.nan, 1])[0].isNaN)
        XCTAssertFalse(model.trainStep(input: [.nan, 1], target: [0]).isFinite)
        XCTAssertEqual(model.parameters, [1, 1, 0])
        XCTAssertEqual(model.predict([-2, 3]), [3])  // relu(−2) = 0, relu(3) = 3
        var iris = Iris()
        let before = iris.parameters
        var input = [Float](repeating: 0.5, count: 64)
        input[5] = .nan
        XCTAssertTrue(iris.predict(Array(input[4..<8]))[0].isNaN)
        XCTAssertFalse(iris.trainStep(input: input, labels: Array(repeating: 1, count: 16)).isFinite)
        XCTAssertEqual(iris.parameters, before)
    }

    /// A NaN at one step of one sample's sequence reaches that sample's
    /// prediction through the recurrent kernels (Float), the ops' loops
    /// (Double) and causal attention (a NaN score is never the softmax's
    /// largest, yet keeps its row NaN), leaves the other samples' alone, and
    /// the step is skipped.
    func testSequenceLayersKeepNaN() {
        func check<M: GeneratedModel>(_: M.Type) {
            var model = M(seed: 3)
            let before = model.parameters
            var input = (0..<(M.batchSize * M.inputCount)).map { M.Scalar(Double($0 % 11) / 11) }
            input[M.inputCount + 3] = .nan  // sample 1, early in its sequence
            let output = model.predict(input)
            XCTAssertTrue(output[M.outputCount].isNaN, "\(M.self): the NaN's sample")
            XCTAssertTrue(output[0].isFinite && output[2 * M.outputCount].isFinite, "\(M.self): the other samples")
            let target = [M.Scalar](repeating: 0, count: M.batchSize * M.outputCount)
            XCTAssertFalse(model.trainStep(input: input, target: target).isFinite, "\(M.self)")
            XCTAssertEqual(model.parameters, before, "\(M.self): the step is skipped")
        }
        check(Forecast.self)
        check(Recurrent.self)
        check(Causal.self)
    }

    /// 1. Every activation keeps a NaN, in Double and in generated Float code:
    /// a NaN weight in one of Piecewise's branches reaches one activation
    /// alone (a NaN input would reach them all, and NaN·0 is NaN), and the
    /// output must be NaN.
    func testEveryActivationKeepsNaN() {
        for entry in Activations.table {
            let defaults = Dictionary(uniqueKeysWithValues: entry.parameters.compactMap { p in p.defaultValue.map { (p.name, $0) } })
            guard let op = entry.make(defaults) as? ElementwiseOp else { continue }
            XCTAssertTrue(op.function.value(.nan).isNaN, entry.name)
        }
        let base = Piecewise(seed: 2).parameters
        XCTAssertTrue(Piecewise(parameters: base).predict([1, 1, 1, 1]).allSatisfy(\.isFinite))
        for branch in ["a", "b", "c", "d", "e", "f"] {
            var p = base
            p[Piecewise.info.tensors.first { $0.name == "\(branch).weight" }!.offset] = .nan
            XCTAssertTrue(Piecewise(parameters: p).predict([1, 1, 1, 1]).allSatisfy(\.isNaN), "branch \(branch)")
        }
    }

    /// 2. softmax cross-entropy keeps log Σ next to a large top logit.
    func testSoftmaxCrossEntropyKeepsTheLossForLargeLogits() {
        let rule = SoftmaxCrossEntropy()
        XCTAssertEqual(rule.value(logits: [1e30, 1e30, -1e30], target: [1, 0, 0]), Math.log(2.0), accuracy: 1e-15)
        XCTAssertEqual(rule.value(logits: [1e17, 1e17, 0], target: [1, 0, 0]), Math.log(2.0), accuracy: 1e-15)
        // The generated Float code, logits = bias: [1000, 990, 0] → ln(1 + e⁻¹⁰ + e⁻¹⁰⁰⁰) = 4.5398899e-5.
        var p = [Float](repeating: 0, count: Iris.parameterCount)
        p[400] = 1000; p[401] = 990
        let model = Iris(parameters: p)
        var target = [Float](repeating: 0, count: 48)
        for b in 0..<16 { target[b * 3] = 1 }
        let loss = model.loss(input: [Float](repeating: 0, count: 64), target: target)
        XCTAssertEqual(loss, 4.5398899e-5, accuracy: 4.54e-5 * 1e-4)
        p[400] = 1e4; p[401] = 1e4; p[402] = 9999  // exact 0.86199
        XCTAssertEqual(Iris(parameters: p).loss(input: [Float](repeating: 0, count: 64), target: target), 0.86199, accuracy: 1e-5)
    }

    /// 3. binary cross-entropy of a confident correct prediction is tiny, not 0.
    func testBinaryCrossEntropyDoesNotCancel() {
        var p = [Float](repeating: 0, count: Binary.parameterCount)
        p[42] = 17  // z = 17 for every sample
        let model = Binary(parameters: p)
        let input = [Float](repeating: 1, count: 10)
        XCTAssertEqual(model.loss(input: input, target: [1, 1]), 4.139938e-8, accuracy: 4.14e-8 * 1e-4)
        let g = model.gradients(input: input, target: [1, 1])
        XCTAssertEqual(g.parameters[42], -4.139938e-8, accuracy: 4.14e-8 * 1e-4)  // mean over 2 samples of −σ(−17)
        XCTAssertEqual(SigmoidCrossEntropy().value(logits: [40], target: [1]), 4.248354e-18, accuracy: 1e-22)
    }

    /// 4. an update that overflows is skipped, leaving parameters and state as they were.
    func testOverflowingUpdateIsSkipped() {
        var model = HugeStep(parameters: [1, 0])
        // y = 3e16, loss 9e32 and dW = 1.8e33 are finite; 1e6 · dW is not.
        let loss = model.trainStep(input: [3e16], target: [0])
        XCTAssertFalse(loss.isFinite)
        XCTAssertEqual(model.parameters, [1, 0])
        // A finite update still runs, and the bounds then let ordinary steps through.
        XCTAssertTrue(model.trainStep(input: [1e-6], target: [0]).isFinite)
        XCTAssertNotEqual(model.parameters, [1, 0])
        XCTAssertTrue(model.parameters.allSatisfy(\.isFinite))
        // Again with bounds carried from that step: the steady rule's bounds must refuse it too.
        let kept = model.parameters
        XCTAssertFalse(model.trainStep(input: [3e16], target: [0]).isFinite)
        XCTAssertEqual(model.parameters, kept)
        XCTAssertTrue(model.trainStep(input: [1e-6], target: [0]).isFinite)
    }

    /// 4. the bounds that admit a step without reading the parameters are bounds.
    func testUpdateBoundsCoverTheUpdate() {
        let rule = OptimizerStep(.adam(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01), step: 1)
        let b = rule.next(UpdateBounds(parameters: 2, first: 0.5, second: 0.25), gradient: 3)
        let d = 3 + 0.01 * 2.0, m1 = 0.9 * 0.5 + 0.1 * d, m2 = 0.999 * 0.25 + 0.001 * d * d
        XCTAssertGreaterThanOrEqual(b.first, m1)
        XCTAssertGreaterThanOrEqual(b.second, m2)
        XCTAssertGreaterThanOrEqual(b.parameters, 2 + 0.1 * (m1 / 0.1) / ((m2 / 0.001).squareRoot() + 1e-8))
        XCTAssertEqual(UpdateBounds.unknown.largest, .infinity)
    }

    /// 4. the rule a steady SGD step's bounds follow is `next`, worked out once:
    /// the same bounds up to rounding in Double, for every form of SGD; and
    /// unknown bounds stay unproven.
    func testSteadyRuleIsNext() {
        var random = SplitMix64(seed: 3)
        for momentum in [0, 0.9] {
            for nesterov in momentum > 0 ? [false, true] : [false] {
                for weightDecay in [0, 0.01] {
                    let h = Hyperparameters.sgd(learningRate: 0.05, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
                    let step = OptimizerStep(h, step: 1), rule = UpdateBounds.SteadyRule(step)
                    for _ in 0..<100 {
                        let b = UpdateBounds(parameters: 10 * random.nextUnit(), first: momentum > 0 ? random.nextUnit() : 0, second: 0)
                        let g = 100 * random.nextUnit()
                        let exact = step.next(b, gradient: g), fast = rule.next(b, gradient: g)
                        XCTAssertEqual(fast.parameters, exact.parameters, accuracy: 1e-12 * exact.parameters, "\(h)")
                        XCTAssertEqual(fast.first, exact.first, accuracy: 1e-12 * exact.first, "\(h)")
                        XCTAssertGreaterThanOrEqual(fast.largest, exact.largest * (1 - 1e-12), "\(h)")
                        XCTAssertLessThanOrEqual(fast.largest, 2 * exact.largest, "\(h)")
                    }
                    XCTAssertFalse(rule.next(.unknown, gradient: 1).largest <= 1e30, "\(h)")
                }
            }
        }
    }

    /// 5. hinge with a NaN target (or logit) is NaN, not a silently skipped label.
    func testHingeWithNaNTargetIsNotFinite() {
        XCTAssertTrue(Hinge().value(logits: [1, 2, 3], target: [0, .nan, 1]).isNaN)
        XCTAssertTrue(Hinge().value(logits: [1, .nan, 3], target: [0, 0, 1]).isNaN)
        var model = TwoTowers()
        let before = model.parameters
        var target = [Double](repeating: 0, count: 16)
        for b in 0..<4 { target[b * 4 + b % 4] = 1 }
        target[5] = .nan
        let input: [Double] = (0..<32).map { Double($0) / 32 }
        XCTAssertTrue(model.loss(input: input, target: target).isNaN)
        XCTAssertFalse(model.trainStep(input: input, target: target).isFinite)
        XCTAssertEqual(model.parameters, before)
    }

    /// 6. copies used on different threads, and one model used by many, predict correctly.
    func testCopiesAndOneModelPredictOnManyThreadsAtOnce() {
        let model = MnistMLP(seed: 3)
        let inputs: [[Float]] = (0..<8).map { k in (0..<784 * 5).map { (j: Int) -> Float in Float((j * 7 + k * 13) % 97) / 97 } }
        let expected = inputs.map { model.predict($0) }
        let copies = (0..<8).map { _ in model }
        let wrong = Counter()
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let k = i % 8
            let subject = i % 2 == 0 ? copies[k] : model
            for _ in 0..<20 where subject.predict(inputs[k]) != expected[k] { wrong.add() }
        }
        XCTAssertEqual(wrong.value, 0)
    }

    /// 6. `gradients` does not change the model: the same masks every call, and the original's training is unaffected.
    func testGradientsIsNonMutating() {
        let input: [Double] = (0..<32).map { Double($0) / 32 }
        var target = [Double](repeating: 0, count: 16)
        for b in 0..<4 { target[b * 4 + b % 4] = 1 }
        var a = TwoTowers(), b = TwoTowers()
        let copy = a
        let first = copy.gradients(input: input, target: target)
        XCTAssertEqual(copy.gradients(input: input, target: target).parameters, first.parameters)
        for _ in 0..<3 {
            a.trainStep(input: input, target: target)
            b.trainStep(input: input, target: target)
        }
        XCTAssertEqual(a.parameters, b.parameters)
    }

    /// Training flushes subnormal numbers to zero while it computes (a
    /// subnormal input is read as 0, so its weights' gradients are exactly
    /// 0), `predict` does not, and the caller's floating-point mode is the
    /// same afterwards. The smallest models (`Plan.flushesSubnormals`) do not
    /// switch: HugeStep (2 parameters) computes with the subnormal as it is.
    func testTrainingFlushesSubnormalsAndRestoresTheMode() {
        // The mode, without x86's sticky exception flags (bits 0–5): arithmetic on a subnormal raises one.
        func mode() -> UInt32 {
            let m = CPUKernels.flushSubnormals()
            CPUKernels.restoreFloatMode(m)
            #if arch(x86_64)
            return m & ~0x3F
            #else
            return m
            #endif
        }
        let before = mode()
        let x = Float(bitPattern: 0x0001_16C2)  // about 1e-40
        XCTAssertTrue(x.isSubnormal)

        XCTAssertTrue(Iris.flushesSubnormals)
        var iris = Iris(seed: 3)
        var input = [Float](repeating: 0, count: Iris.batchSize * 4), target = [Float](repeating: 0, count: Iris.batchSize * 3)
        for b in 0..<Iris.batchSize { input[b * 4] = x; input[b * 4 + 1] = 1; target[b * 3 + b % 3] = 1 }
        let flushed = iris.gradients(input: input, target: target).parameters
        let column = (0..<16).map { flushed[$0 * 4] }  // h1.weight[j][0], the weights of the subnormal feature
        XCTAssertEqual(column, [Float](repeating: 0, count: 16), "δⱼ·x with x read as 0")
        XCTAssertTrue((0..<16).contains { flushed[$0 * 4 + 1] != 0 }, "the other feature's weights do have gradients")
        XCTAssertEqual(mode(), before, "gradients restored the mode")
        iris.trainStep(input: input, target: target)
        XCTAssertEqual(mode(), before, "trainStep restored the mode")

        XCTAssertFalse(HugeStep.flushesSubnormals)
        var model = HugeStep(parameters: [1e38, 0])
        let y = model.predict([x])[0]
        XCTAssertEqual(y, 1e38 * x, "predict reads the subnormal as it is")
        XCTAssertNotEqual(y, 0)
        let (_, gradient, _) = model.gradients(input: [x], target: [1])
        XCTAssertEqual(gradient[0], 2 * (y - 1) * x, "dL/dw = 2(y − t)·x with x as it is")
        XCTAssertNotEqual(gradient[0], 0)
        model.trainStep(input: [x], target: [1])
        XCTAssertEqual(mode(), before, "the caller's floating-point mode is unchanged")
    }
}

/// A thread-safe count.
final class Counter: @unchecked Sendable {
    private var count = 0
    private let lock = DispatchQueue(label: "counter")
    func add() { lock.sync { count += 1 } }
    var value: Int { lock.sync { count } }
}
