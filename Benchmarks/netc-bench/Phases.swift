import GeneratedModels
import NetcRuntime

// netc-bench --phases: times each pass of a generated training step on its
// own (mnist-mlp at batch 128, 32 and 1, iris at batch 1), to show where a
// step's time goes, through the kernels every generated model supplies.

func phases<M: GeneratedModel>(_ name: String, _: M.Type) where M.Scalar == Float {
    let model = M(seed: 1), m = model.storage.memory
    let x = [Float](repeating: 0.3, count: M.batchSize * M.inputCount)
    let t = [Float](repeating: 0.1, count: M.batchSize * M.targetCount)
    let step = OptimizerStep(model.hyperparameters, step: 1)
    x.withUnsafeBufferPointer { x in
        let input = UnsafeMutablePointer(mutating: x.baseAddress!)
        let times = [
            ("targets", measure(budget: 0.2) { for k in t.indices { m[M.targetOffset + k] = t[k] } }),
            ("forward", measure(budget: 0.2) { M.forward(m, input, training: true, count: M.batchSize) }),
            ("loss", measure(budget: 0.2) { _ = M.lossAndSeed(m, count: M.batchSize) }),
            ("backward", measure(budget: 0.2) { M.backward(m, input, count: M.batchSize) }),
            ("finiteness check", measure(budget: 0.2) { _ = M.gradientBound(m, input, count: M.batchSize).isFinite }),
            ("update", measure(budget: 0.2) { M.update(m, step) }),
        ]
        let total = times.map(\.1).reduce(0, +)
        print("\(name): " + times.map { "\($0.0) \(formatTime($0.1))" }.joined(separator: ", ") + "; sum \(formatTime(total))")
    }
}

func benchPhases(threads: Int) {
    CPUKernels.setThreadBudget(threads)
    print("on \(threads) thread\(threads == 1 ? "" : "s")")
    phases("mnist b128", MnistB128.self)
    phases("mnist b32", MnistMLP.self)
    phases("mnist b1", MnistB1.self)
    phases("iris b1", IrisB1.self)
}
