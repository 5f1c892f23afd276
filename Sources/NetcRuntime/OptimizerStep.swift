/// One optimizer step: the hyperparameters at step t (from 1) with the
/// schedule's learning rate applied and what follows from them (Adam's bias
/// corrections, the clipping scale), applied to runs of a model's flat
/// parameters — in C for Float (`CPUKernels`, chosen for the CPU), in Swift
/// for Double. Flat and small: a step builds one and passes it by value.
public struct OptimizerStep: Sendable {
    public let optimizer: Hyperparameters.Optimizer
    public let nesterov: Bool
    /// The scheduled learning rate for this step.
    public let learningRate: Double
    public let momentum: Double
    public let beta1: Double, beta2: Double, epsilon: Double
    /// RMSprop's α, kept as β₂ (`Hyperparameters.alpha`).
    @inlinable public var alpha: Double { beta2 }
    public let weightDecay: Double
    /// 1 − β₁ᵗ and 1 − β₂ᵗ (1 for SGD).
    public let correction1: Double, correction2: Double
    /// Multiplies every gradient (1, or less when clipping by norm).
    public let gradientScale: Double

    @inlinable @inline(__always)
    public init(_ h: Hyperparameters, step: Int, gradientScale: Double = 1) {
        optimizer = h.optimizer
        nesterov = h.nesterov
        learningRate = h.schedule.isConstant ? h.learningRate : h.learningRate(atStep: step)
        momentum = h.momentum
        beta1 = h.beta1
        beta2 = h.beta2
        epsilon = h.epsilon
        weightDecay = h.weightDecay
        correction1 = h.usesMoments ? 1 - Math.pow(h.beta1, Double(step)) : 1
        correction2 = h.usesMoments ? 1 - Math.pow(h.beta2, Double(step)) : 1
        self.gradientScale = gradientScale
    }

    /// AdamW's factor on a decayed weight before its Adam step, 1 − ηλ (with
    /// this step's η); 1 for the other optimizers, whose decay is in the gradient.
    @inlinable public var weightShrink: Double { optimizer == .adamw ? 1 - learningRate * weightDecay : 1 }

    /// λ as the gradient of a decayed weight takes it, g + λw: SGD's and
    /// Adam's L2 penalty; 0 for AdamW, which decays the weight instead.
    @inlinable public var gradientDecay: Double { optimizer == .adamw ? 0 : weightDecay }

    /// The step at every step of `h`, when it does not depend on the step:
    /// SGD with a constant learning rate and no clipping; nil otherwise.
    @inlinable
    init?(steady h: Hyperparameters) {
        guard h.optimizer == .sgd, h.schedule.isConstant, !(h.gradientClipNorm > 0) else { return nil }
        self.init(h, step: 1)
    }

    /// Applies the step to `count` Float parameters at `parameters`, with their gradients and the
    /// optimizer's state (`first`, `second`; nil where it keeps none); `decays`: whether weight decay
    /// applies (weights). Generated code calls it for runs of at least 1024 parameters, and writes
    /// the same formulas as a loop for shorter runs and for Double.
    @inlinable
    public func apply(_ parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                      first: UnsafeMutablePointer<Float>?, second: UnsafeMutablePointer<Float>?, count: Int, decays: Bool) {
        CPUKernels.update(self, parameters, gradients: gradients, first: first, second: second, count: count, decays: decays)
    }

    /// Whether `apply` with the same arguments would leave every value it writes finite; writes nothing.
    @inlinable
    public func isFinite(_ parameters: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                         first: UnsafeMutablePointer<Float>?, second: UnsafeMutablePointer<Float>?, count: Int, decays: Bool) -> Bool {
        CPUKernels.updateIsFinite(self, parameters, gradients: gradients, first: first, second: second, count: count, decays: decays)
    }

    /// The update in Swift for Double (`write`), or its trial: the C kernel's
    /// formulas, one parameter at a time (the careful path; generated code
    /// writes the fast loop itself).
    func visit<T: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<T>, _ gradient: UnsafeMutablePointer<T>,
                                       _ first: UnsafeMutablePointer<T>?, _ second: UnsafeMutablePointer<T>?,
                                       _ count: Int, _ decays: Bool, write: Bool) -> Bool {
        let h = self
        let lr = T(h.learningRate), scale = T(gradientScale)
        let decay = T(decays ? gradientDecay : 0), shrink = T(decays ? weightShrink : 1)
        for k in 0..<count {
            let g = scale * gradient[k] + decay * p[k]
            var s1: T = 0, s2: T = 0, q: T
            switch h.optimizer {
            case .adam, .adamw:
                s1 = T(h.beta1) * first![k] + T(1 - h.beta1) * g
                s2 = T(h.beta2) * second![k] + T(1 - h.beta2) * g * g
                q = shrink * p[k] - lr * (s1 / T(correction1)) / ((s2 / T(correction2)).squareRoot() + T(h.epsilon))
            case .rmsprop:
                s1 = T(h.alpha) * first![k] + T(1 - h.alpha) * g * g
                let r = g / (s1.squareRoot() + T(h.epsilon))
                if h.momentum != 0 { s2 = T(h.momentum) * second![k] + r }
                q = p[k] - lr * (h.momentum != 0 ? s2 : r)
            case .sgd where h.momentum != 0:
                s1 = T(h.momentum) * first![k] + g
                q = p[k] - lr * (h.nesterov ? g + T(h.momentum) * s1 : s1)
            case .sgd:
                q = p[k] - lr * g
            }
            if write {
                p[k] = q
                first?[k] = s1
                second?[k] = s2
            } else if !(q.isFinite && s1.isFinite && s2.isFinite) {
                return false
            }
        }
        return true
    }
}
