import NetcRuntime

// netc-bench --phases: times each pass of a generated training step on its
// own (mnist-mlp at batch 128, 32 and 1, iris at batch 1), to show where a
// step's time goes. Uses the generated types' internal entry points, so it
// lives in this module with its own generated copies (Models/*.net).

/// The passes of one training step, as the generated `step` runs them.
struct Passes {
    var load: (UnsafeMutablePointer<Float>, UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void
    var forward: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    var loss: (UnsafeMutablePointer<Float>) -> Float
    var backward: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    var finite: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Bool
    var update: (UnsafeMutablePointer<Float>) -> Void
}

func phases(_ name: String, memory m: UnsafeMutablePointer<Float>, batch: Int, inputs: Int, outputs: Int, _ p: Passes) {
    let x = [Float](repeating: 0.3, count: batch * inputs), t = [Float](repeating: 0.1, count: batch * outputs)
    x.withUnsafeBufferPointer { x in
        t.withUnsafeBufferPointer { t in
            let input = UnsafeMutablePointer(mutating: x.baseAddress!)
            let times = [
                ("targets", measure(budget: 0.2) { p.load(m, x, t) }),
                ("forward", measure(budget: 0.2) { p.forward(m, input) }),
                ("loss", measure(budget: 0.2) { _ = p.loss(m) }),
                ("backward", measure(budget: 0.2) { p.backward(m, input) }),
                ("finiteness check", measure(budget: 0.2) { _ = p.finite(m, input) }),
                ("update", measure(budget: 0.2) { p.update(m) }),
            ]
            let total = times.map(\.1).reduce(0, +)
            print("\(name): " + times.map { "\($0.0) \(formatTime($0.1))" }.joined(separator: ", ") + "; sum \(formatTime(total))")
        }
    }
}

func benchPhases() {
    let b128 = MnistB128(seed: 1), b32 = MnistB32(seed: 1)
    phases("mnist b128", memory: b128.storage.memory, batch: 128, inputs: 784, outputs: 10, Passes(
        load: MnistB128.load, forward: { MnistB128.forward($0, $1, training: true) }, loss: MnistB128.lossAndSeed,
        backward: MnistB128.backward, finite: { MnistB128.gradientBound($0, $1).isFinite },
        update: { MnistB128.update($0, OptimizerStep(MnistB128.hyperparameters, step: 1)) }))
    phases("mnist b32", memory: b32.storage.memory, batch: 32, inputs: 784, outputs: 10, Passes(
        load: MnistB32.load, forward: { MnistB32.forward($0, $1, training: true) }, loss: MnistB32.lossAndSeed,
        backward: MnistB32.backward, finite: { MnistB32.gradientBound($0, $1).isFinite },
        update: { MnistB32.update($0, OptimizerStep(MnistB32.hyperparameters, step: 1)) }))
    let m1 = MnistB1(seed: 1)
    phases("mnist b1", memory: m1.storage.memory, batch: 1, inputs: 784, outputs: 10, Passes(
        load: MnistB1.load, forward: { MnistB1.forward($0, $1, training: true) }, loss: MnistB1.lossAndSeed,
        backward: MnistB1.backward, finite: { MnistB1.gradientBound($0, $1).isFinite },
        update: { MnistB1.update($0, OptimizerStep(MnistB1.hyperparameters, step: 1)) }))
    let b1 = IrisB1(seed: 1)
    phases("iris b1", memory: b1.storage.memory, batch: 1, inputs: 4, outputs: 3, Passes(
        load: IrisB1.load, forward: { IrisB1.forward($0, $1, training: true) }, loss: IrisB1.lossAndSeed,
        backward: IrisB1.backward, finite: { IrisB1.gradientBound($0, $1).isFinite },
        update: { IrisB1.update($0, OptimizerStep(IrisB1.hyperparameters, step: 1)) }))
}
