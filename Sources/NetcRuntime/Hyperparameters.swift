/// An optimizer and its hyperparameters: what a model's training step applies
/// to its parameters, initialised from the spec's `train` statement.
///
/// Per parameter, with g the gradient (plus `weightDecay`·p for weights):
/// - SGD: v ← μv + g; p ← p − η(g + μv) with Nesterov, p ← p − ηv without
///   (PyTorch's convention; μ = 0 is plain gradient descent, p ← p − ηg);
/// - Adam (Kingma & Ba): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
///   p ← p − η(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε), t counting steps from 1;
/// - AdamW (Loshchilov & Hutter): Adam on the gradient alone, with the decay
///   applied to the weight itself, p ← p(1 − ηλ) − η(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε),
///   as PyTorch's `AdamW`;
/// - RMSprop (Tieleman & Hinton): v ← αv + (1−α)g², q = g / (√v + ε), then
///   p ← p − ηq, or with momentum b ← μb + q and p ← p − ηb (PyTorch's `RMSprop`,
///   not centred).
public struct Hyperparameters: Sendable, Equatable, Hashable {
    public enum Optimizer: String, Sendable, Hashable {
        case sgd, adam, adamw, rmsprop
    }

    public var optimizer: Optimizer
    /// η.
    public var learningRate: Double
    /// μ (SGD, RMSprop).
    public var momentum: Double
    public var nesterov: Bool
    /// β₁, β₂ (Adam), ε (Adam, RMSprop).
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// α, RMSprop's square-average decay: the same role as Adam's β₂ (the
    /// second moment without its bias correction), and kept there.
    public var alpha: Double {
        get { beta2 }
        set { beta2 = newValue }
    }
    /// λ, on weights only (biases are not decayed): SGD and Adam add λw to the
    /// gradient (L2); AdamW shrinks the weight by ηλ instead (decoupled).
    public var weightDecay: Double
    /// How the learning rate changes from step to step.
    public var schedule: LearningRateSchedule
    /// When positive, a step whose gradient's Euclidean norm (over every
    /// parameter) exceeds it scales the gradient down to that norm, as
    /// PyTorch's `clip_grad_norm_` does; 0 leaves gradients alone.
    public var gradientClipNorm: Double

    public static func sgd(learningRate: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0,
                           schedule: LearningRateSchedule = .constant, gradientClipNorm: Double = 0) -> Self {
        Self(optimizer: .sgd, learningRate: learningRate, momentum: momentum, nesterov: nesterov,
             beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: weightDecay, schedule: schedule, gradientClipNorm: gradientClipNorm)
    }

    public static func adam(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                            weightDecay: Double = 0, schedule: LearningRateSchedule = .constant, gradientClipNorm: Double = 0) -> Self {
        Self(optimizer: .adam, learningRate: learningRate, momentum: 0, nesterov: false,
             beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, schedule: schedule, gradientClipNorm: gradientClipNorm)
    }

    /// RMSprop: PyTorch's defaults.
    public static func rmsprop(learningRate: Double, alpha: Double = 0.99, epsilon: Double = 1e-8, momentum: Double = 0,
                               weightDecay: Double = 0, schedule: LearningRateSchedule = .constant, gradientClipNorm: Double = 0) -> Self {
        Self(optimizer: .rmsprop, learningRate: learningRate, momentum: momentum, nesterov: false, beta1: 0.9, beta2: alpha,
             epsilon: epsilon, weightDecay: weightDecay, schedule: schedule, gradientClipNorm: gradientClipNorm)
    }

    /// AdamW: PyTorch's defaults, weight decay 0.01 included.
    public static func adamw(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                             weightDecay: Double = 0.01, schedule: LearningRateSchedule = .constant, gradientClipNorm: Double = 0) -> Self {
        var h = adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                     schedule: schedule, gradientClipNorm: gradientClipNorm)
        h.optimizer = .adamw
        return h
    }

    /// Whether the optimizer is Adam or AdamW: two moments, bias-corrected.
    public var usesMoments: Bool { optimizer == .adam || optimizer == .adamw }

    /// The learning rate the schedule gives at optimizer step `t` (from 1).
    public func learningRate(atStep t: Int) -> Double { learningRate * schedule.factor(step: t) }

    /// The optimizer in a few words, for messages: "sgd with momentum", "adam".
    public var summary: String {
        switch optimizer {
        case .sgd: momentum > 0 ? "sgd with momentum" : "sgd without momentum"
        case .adam, .adamw: optimizer.rawValue
        case .rmsprop: momentum > 0 ? "rmsprop with momentum" : "rmsprop without momentum"
        }
    }

    /// How many arrays of state, each as large as the parameters, the optimizer keeps.
    public var stateCount: Int {
        switch optimizer {
        case .sgd: momentum > 0 ? 1 : 0
        case .adam, .adamw: 2
        case .rmsprop: momentum > 0 ? 2 : 1
        }
    }
}
