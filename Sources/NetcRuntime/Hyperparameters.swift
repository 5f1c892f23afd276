/// An optimizer and its hyperparameters: what a model's training step applies
/// to its parameters, initialised from the spec's `train` statement.
///
/// Per parameter, with g the gradient (plus `weightDecay`·p for weights):
/// - SGD: v ← μv + g; p ← p − η(g + μv) with Nesterov, p ← p − ηv without
///   (PyTorch's convention; μ = 0 is plain gradient descent, p ← p − ηg);
/// - Adam (Kingma & Ba): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
///   p ← p − η(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε), t counting steps from 1.
public struct Hyperparameters: Sendable, Equatable, Hashable {
    public enum Optimizer: String, Sendable, Hashable {
        case sgd, adam
    }

    public var optimizer: Optimizer
    /// η.
    public var learningRate: Double
    /// μ (SGD).
    public var momentum: Double
    public var nesterov: Bool
    /// β₁, β₂, ε (Adam).
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// λ: the update uses g + λw for weights (biases are not decayed).
    public var weightDecay: Double

    public static func sgd(learningRate: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) -> Self {
        Self(optimizer: .sgd, learningRate: learningRate, momentum: momentum, nesterov: nesterov,
             beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: weightDecay)
    }

    public static func adam(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                            weightDecay: Double = 0) -> Self {
        Self(optimizer: .adam, learningRate: learningRate, momentum: 0, nesterov: false,
             beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
    }

    /// The optimizer in a few words, for messages: "sgd with momentum", "adam".
    public var summary: String {
        switch optimizer {
        case .sgd: momentum > 0 ? "sgd with momentum" : "sgd without momentum"
        case .adam: "adam"
        }
    }

    /// How many arrays of state, each as large as the parameters, the optimizer keeps.
    public var stateCount: Int {
        switch optimizer {
        case .sgd: momentum > 0 ? 1 : 0
        case .adam: 2
        }
    }
}

/// One optimizer step: the hyperparameters and the step number t (from 1)
/// with what follows from them (Adam's bias corrections), applied to runs
/// of a model's flat parameters — in C for Float (`CPUKernels`, chosen for
/// the CPU), in Swift for Double.
public struct OptimizerStep: Sendable {
    public let hyperparameters: Hyperparameters
    /// 1 − β₁ᵗ and 1 − β₂ᵗ (1 for SGD).
    public let correction1: Double, correction2: Double
    /// Multiplies every gradient (1, or less when clipping by norm).
    public var gradientScale: Double = 1

    @inlinable
    public init(_ h: Hyperparameters, step: Int) {
        hyperparameters = h
        correction1 = h.optimizer == .adam ? 1 - Math.pow(h.beta1, Double(step)) : 1
        correction2 = h.optimizer == .adam ? 1 - Math.pow(h.beta2, Double(step)) : 1
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
        let h = hyperparameters
        let decay = T(decays ? h.weightDecay : 0), lr = T(h.learningRate), scale = T(gradientScale)
        for k in 0..<count {
            let g = scale * gradient[k] + decay * p[k]
            var s1: T = 0, s2: T = 0, q: T
            switch h.optimizer {
            case .adam:
                s1 = T(h.beta1) * first![k] + T(1 - h.beta1) * g
                s2 = T(h.beta2) * second![k] + T(1 - h.beta2) * g * g
                q = p[k] - lr * (s1 / T(correction1)) / ((s2 / T(correction2)).squareRoot() + T(h.epsilon))
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
