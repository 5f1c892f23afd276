import NetcRuntime

/// L = f · Σᵢ |zᵢ − tᵢ|, f = 1/n (reduction mean, PyTorch's `L1Loss`) or 1
/// (sum); ∂L/∂z = f · sign(z − t), 0 where z = t (as PyTorch's sign).
public struct AbsoluteError: LossRule {
    public let mean: Bool
    public var name: String { "absolute_error(reduction: \(mean ? "mean" : "sum"))" }
    public var targets: LossTargets { .real }
    func factor(_ n: Int) -> Double { mean ? 1 / Double(n) : 1 }

    public func pytorch(z: String, t: String, n: Int) -> String {
        mean ? "F.l1_loss(\(z), \(t))" : "F.l1_loss(\(z), \(t), reduction=\"sum\") / \(z).shape[0]"
    }
    public func value(logits z: [Double], target t: [Double]) -> Double {
        factor(z.count) * zip(z, t).reduce(0) { $0 + ($1.0 - $1.1).magnitude }
    }
    public func gradient(logits z: [Double], target t: [Double]) -> [Double] {
        let f = factor(z.count)
        return zip(z, t).map { f * Self.sign($0 - $1) }
    }
    /// Not differentiable where z = t.
    public func kinkSides(logits z: [Double], target t: [Double]) -> [Int] { zip(z, t).map { $0 > $1 ? 1 : 0 } }
    public func emitSample(_ n: Int, _ c: inout CodeBuilder) {
        c.block("for i in 0..<\(n)") {
            $0.line("let d = \(z)[i] - \(t)[i]")
            $0.line("loss += \(literal(factor(n))) * d.magnitude")
            // d itself where it is 0 or NaN: NaN stays NaN.
            $0.line("\(gz)[i] = (d > 0 ? 1 : d < 0 ? -1 : d) * (\(literal(factor(n))) * invBatch)")
        }
    }

    /// 1, −1, or d itself (0 or NaN).
    static func sign(_ d: Double) -> Double { d > 0 ? 1 : d < 0 ? -1 : d }
}

/// Huber's loss with threshold δ: per output ½d² where |d| ≤ δ and
/// δ(|d| − ½δ) beyond (d = z − t), so one large error pulls with at most δ;
/// L = f · Σᵢ of them, f = 1/n (reduction mean, PyTorch's `HuberLoss`) or 1;
/// ∂L/∂z = f · clamp(d, −δ, δ). (PyTorch's `SmoothL1Loss(beta: β)` is this
/// with δ = β, divided by β.)
public struct Huber: LossRule {
    public let delta: Double
    public let mean: Bool
    public var name: String { "huber(delta: \(delta), reduction: \(mean ? "mean" : "sum"))" }
    public var targets: LossTargets { .real }
    func factor(_ n: Int) -> Double { mean ? 1 / Double(n) : 1 }

    public func pytorch(z: String, t: String, n: Int) -> String {
        let d = Python.float(delta)
        return mean ? "F.huber_loss(\(z), \(t), delta=\(d))" : "F.huber_loss(\(z), \(t), reduction=\"sum\", delta=\(d)) / \(z).shape[0]"
    }
    public func value(logits z: [Double], target t: [Double]) -> Double {
        factor(z.count) * zip(z, t).reduce(0) {
            let a = ($1.0 - $1.1).magnitude
            return $0 + (a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta))
        }
    }
    public func gradient(logits z: [Double], target t: [Double]) -> [Double] {
        let f = factor(z.count)
        return zip(z, t).map {
            let d = $0 - $1
            return f * (d.magnitude <= delta ? d : delta * AbsoluteError.sign(d))
        }
    }
    /// Twice differentiable except where |z − t| = δ (the gradient check's differences stay on one side).
    public func kinkSides(logits z: [Double], target t: [Double]) -> [Int] {
        zip(z, t).map { ($0 - $1).magnitude <= delta ? 0 : $0 > $1 ? 1 : 2 }
    }
    public func emitSample(_ n: Int, _ c: inout CodeBuilder) {
        let f = factor(n)
        c.block("for i in 0..<\(n)") {
            $0.line("let d = \(z)[i] - \(t)[i]")
            $0.line("let a = d.magnitude")
            $0.block("if a <= \(literal(delta))") {
                $0.line("loss += \(literal(0.5 * f)) * d * d")
                $0.line("\(gz)[i] = \(literal(f)) * invBatch * d")
            }
            // Beyond δ, or NaN: the loss is NaN then, and so is d, which the gradient keeps.
            $0.block("else") {
                $0.line("loss += \(literal(f * delta)) * (a - \(literal(0.5 * delta)))")
                $0.line("\(gz)[i] = (d > 0 ? \(literal(f * delta)) : d < 0 ? \(literal(-f * delta)) : d) * invBatch")
            }
        }
    }
}
