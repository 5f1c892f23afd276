/// Upper bounds on the magnitudes a model's optimizer works with: its
/// parameters and its state (velocity, or Adam's two moments).
///
/// A training step must never leave a non-finite value behind, yet the
/// update itself can overflow after the loss and gradients passed their
/// checks (`sgd(learning_rate: 1e6)` on a large gradient). Checking every
/// updated value would cost a pass over the parameters and could not undo
/// the values already written. Instead each step carries these bounds
/// forward from the largest gradient magnitude (which the finiteness check
/// reads anyway), a few scalar operations per step; only when the bound
/// reaches `limit` are the true magnitudes read (`updateCarefully`), and
/// only if those cannot prove the step finite is it tried without writing.
public struct UpdateBounds: Sendable, Equatable {
    /// ≥ max |parameter|.
    public var parameters: Double
    /// ≥ max |velocity| (SGD with momentum) or |first moment| (Adam).
    public var first: Double
    /// ≥ max second moment (Adam).
    public var second: Double
    /// The largest value a step formed on its way (checked against the limit).
    public var largest: Double

    @inlinable
    public init(parameters: Double, first: Double, second: Double) {
        self.parameters = parameters
        self.first = first
        self.second = second
        largest = Swift.max(Swift.max(parameters, first), second)
    }

    /// Nothing known: the next step reads the true magnitudes.
    public static let unknown = UpdateBounds(parameters: .infinity, first: .infinity, second: .infinity)

    /// The largest `largest` that proves a step finite in `Scalar`.
    @inlinable
    static func limit<Scalar: BinaryFloatingPoint>(_: Scalar.Type) -> Double { Double(Scalar.greatestFiniteMagnitude) / 16 }
}

extension OptimizerStep {
    /// Bounds after a step with every gradient at most `gradient` in magnitude.
    @inlinable @inline(__always)
    public func next(_ b: UpdateBounds, gradient g: Double) -> UpdateBounds {
        let m = 1.0001  // covers the rounding of the few Float operations per value (each within 2⁻²⁴ relative)
        let d = (g + gradientDecay * b.parameters) * m
        switch optimizer {
        case .sgd:
            if momentum == 0 { return UpdateBounds(parameters: (b.parameters + learningRate * d) * m, first: 0, second: 0) }
            let v = (momentum * b.first + d) * m
            let p = (b.parameters + learningRate * (nesterov ? d + momentum * v : v)) * m
            return UpdateBounds(parameters: p, first: v, second: 0)
        case .rmsprop:
            // q = g/(√v + ε) with v ≥ (1 − α)g² after the update: |q| ≤ 1/√(1 − α), and ≤ |g|/ε. Where
            // (1 − α)g² underflows (below Float's 1.2e-38) v may not hold it, but then |g| < 2e-19/√(1 − α).
            let first = (alpha * b.first + (1 - alpha) * d * d) * m
            let q = Swift.min(d / epsilon, Swift.max(1, 2e-19 / epsilon) / (1 - alpha).squareRoot()) * m
            let second = momentum > 0 ? (momentum * b.second + q) * m : 0
            var next = UpdateBounds(parameters: (b.parameters + learningRate * (momentum > 0 ? second : q)) * m, first: first, second: second)
            next.largest = Swift.max(next.largest, d * d)
            return next
        case .adam, .adamw:
            let first = (beta1 * b.first + (1 - beta1) * d) * m
            let second = (beta2 * b.second + (1 - beta2) * d * d) * m
            // The bias corrections 1 − βᵗ are at least 1 − β (no pow per step); |m̂| / (√v̂ + ε) ≤ |m̂| / ε.
            let c1 = 1 - beta1, c2 = 1 - beta2
            let kept = b.parameters * Swift.max(1, Swift.abs(weightShrink))  // AdamW's shrink, 1 − ηλ, may pass −1
            var next = UpdateBounds(parameters: (kept + learningRate * first / c1 / epsilon) * m, first: first, second: second)
            next.largest = Swift.max(Swift.max(next.largest, first / c1 * m), Swift.max(second / c2 * m, d * d))
            return next
        }
    }
}

extension UpdateBounds {
    /// `OptimizerStep.next` for a step that is the same at every step (SGD,
    /// a constant learning rate, no clipping: `OptimizerStep(steady:)`).
    /// There `next` is linear in the bounds and the gradient bound, so the
    /// rule keeps what `next` makes of each alone, read once, and a step
    /// costs six multiplies and five adds with no branches. For the smallest
    /// models `next`'s branches on the optimizer were most of what the bounds cost.
    public struct SteadyRule: Sendable {
        /// `next` of a parameter bound of 1, of a first-state bound of 1, and of a gradient bound of 1.
        @usableFromInline let ofParameters: UpdateBounds, ofFirst: UpdateBounds, ofGradient: UpdateBounds

        /// The rule of `step`, an SGD step.
        @inlinable
        public init(_ step: OptimizerStep) {
            precondition(step.optimizer == .sgd, "UpdateBounds.SteadyRule is SGD's")
            ofParameters = step.next(UpdateBounds(parameters: 1, first: 0, second: 0), gradient: 0)
            ofFirst = step.next(UpdateBounds(parameters: 0, first: 1, second: 0), gradient: 0)
            ofGradient = step.next(UpdateBounds(parameters: 0, first: 0, second: 0), gradient: 1)
        }

        /// Bounds after a step with every gradient at most `gradient` in
        /// magnitude. `largest` is the sum of the two bounds: at least the
        /// larger, and NaN when either is (0·∞, from unknown bounds).
        @inlinable @inline(__always)
        public func next(_ b: UpdateBounds, gradient g: Double) -> UpdateBounds {
            let first = ofParameters.first * b.parameters + ofFirst.first * b.first + ofGradient.first * g
            let parameters = ofParameters.parameters * b.parameters + ofFirst.parameters * b.first + ofGradient.parameters * g
            var next = UpdateBounds(parameters: parameters, first: first, second: 0)
            next.largest = parameters + first
            return next
        }
    }
}
