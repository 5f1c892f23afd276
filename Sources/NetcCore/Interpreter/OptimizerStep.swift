/// The optimizer update in Double, the reference for generated `trainStep`.
public struct OptimizerState: Sendable {
    /// Momentum velocity, or Adam's first moment.
    public var first: [Double]
    /// Adam's second moment.
    public var second: [Double]
    public var step = 0

    public init(count: Int) {
        first = [Double](repeating: 0, count: count)
        second = first
    }
}

extension Interpreter {
    /// Applies one update to `parameters` given the batch gradient: clipped
    /// to the spec's norm, plus λw for weights (not biases), at the
    /// schedule's learning rate for this step.
    public func update(_ parameters: inout [Double], gradient: [Double], state: inout OptimizerState) {
        var g = gradient
        let clip = graph.training.gradientClipNorm
        if clip > 0 {
            let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > clip { g = g.map { $0 * clip / norm } }
        }
        let decay = graph.training.weightDecay
        var decays = [Bool](repeating: false, count: g.count)
        for t in graph.parameters where t.isWeight && decay > 0 {
            for k in t.offset..<(t.offset + t.count) { decays[k] = true }
        }
        // Weight decay as an L2 term in the gradient, except AdamW's, which shrinks the weight below.
        if !graph.training.decouplesWeightDecay {
            for k in g.indices where decays[k] { g[k] += decay * parameters[k] }
        }
        state.step += 1
        let factor = graph.training.schedule.factor(step: state.step)
        switch graph.training.optimizer {
        case .sgd(let base, let momentum, let nesterov):
            let lr = base * factor
            for k in g.indices {
                if momentum == 0 {
                    parameters[k] -= lr * g[k]
                } else {
                    state.first[k] = momentum * state.first[k] + g[k]
                    parameters[k] -= lr * (nesterov ? g[k] + momentum * state.first[k] : state.first[k])
                }
            }
        case .rmsprop(let base, let alpha, let eps, let momentum):
            let lr = base * factor
            for k in g.indices {
                state.first[k] = alpha * state.first[k] + (1 - alpha) * g[k] * g[k]
                let q = g[k] / (state.first[k].squareRoot() + eps)
                if momentum > 0 { state.second[k] = momentum * state.second[k] + q }
                parameters[k] -= lr * (momentum > 0 ? state.second[k] : q)
            }
        case .adam(let base, let b1, let b2, let eps, _):
            let lr = base * factor
            let c1 = 1 - pow(b1, state.step), c2 = 1 - pow(b2, state.step)
            for k in g.indices {
                state.first[k] = b1 * state.first[k] + (1 - b1) * g[k]
                state.second[k] = b2 * state.second[k] + (1 - b2) * g[k] * g[k]
                let shrink = decays[k] && graph.training.decouplesWeightDecay ? 1 - lr * decay : 1
                parameters[k] = shrink * parameters[k] - lr * (state.first[k] / c1) / ((state.second[k] / c2).squareRoot() + eps)
            }
        }
    }

    func pow(_ base: Double, _ n: Int) -> Double { (0..<n).reduce(1) { r, _ in r * base } }
}
