#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the learning rate changes over training: a factor on
/// `Hyperparameters.learningRate` at each optimizer step t (counting from 1),
/// a linear warm-up first, then a decay. The spec's `train` statement can
/// declare one (`schedule: cosine(steps: 2000), warmup: 100`); Swift can set
/// `model.hyperparameters.schedule`.
///
/// With W warm-up steps and u = t − W steps after them:
/// - warm-up (t ≤ W): t / W;
/// - `.constant`: 1;
/// - `.step(every: k, factor: γ)`: γ^⌊(u − 1)/k⌋ (PyTorch's `StepLR`, counted in steps);
/// - `.exponential(factor: γ)`: γ^(u − 1) (`ExponentialLR`);
/// - `.cosine(steps: T, minimum: m)`: m + (1 − m)(1 + cos(π·min(u − 1, T)/T))/2
///   (`CosineAnnealingLR` with η_min = m·η, held at m after T steps).
public struct LearningRateSchedule: Sendable, Equatable, Hashable {
    public enum Decay: Sendable, Equatable, Hashable {
        case constant
        case step(every: Int, factor: Double)
        case exponential(factor: Double)
        case cosine(steps: Int, minimum: Double)
    }

    public var decay: Decay
    /// Steps of linear warm-up before the decay starts.
    public var warmup: Int

    public init(_ decay: Decay = .constant, warmup: Int = 0) {
        self.decay = decay
        self.warmup = warmup
    }

    /// A constant learning rate.
    public static let constant = LearningRateSchedule()

    /// Whether every step's factor is 1.
    @inlinable
    public var isConstant: Bool {
        guard warmup == 0, case .constant = decay else { return false }
        return true
    }

    /// The factor at optimizer step `t` (from 1).
    public func factor(step t: Int) -> Double {
        if warmup > 0 && t <= warmup { return Double(t) / Double(warmup) }
        let u = Double(Swift.max(t - warmup, 1) - 1)
        switch decay {
        case .constant: return 1
        case .step(let every, let factor): return pow(factor, (u / Double(Swift.max(every, 1))).rounded(.down))
        case .exponential(let factor): return pow(factor, u)
        case .cosine(let steps, let minimum):
            let progress = Swift.min(u, Double(steps)) / Double(Swift.max(steps, 1))
            return minimum + (1 - minimum) * (1 + cos(Double.pi * progress)) / 2
        }
    }
}
