import Foundation
import NetcRuntime
import XCTest

/// The optimizer update of Float models (`OptimizerStep.apply`: the C kernel,
/// every set this CPU runs) against each optimizer's formula written out here
/// in Double, as PyTorch's `SGD`, `Adam`, `AdamW` and `RMSprop` state it; decayed runs
/// and not, every run length through two vectors and a long one.
final class UpdateKernelTests: XCTestCase {
    static let optimizers: [Hyperparameters] = [
        .sgd(learningRate: 0.1, weightDecay: 0.05),
        .sgd(learningRate: 0.1, momentum: 0.9, weightDecay: 0.05),
        .sgd(learningRate: 0.1, momentum: 0.8, nesterov: true, weightDecay: 0.05),
        .adam(learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.05),
        .adamw(learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.5),
        .rmsprop(learningRate: 0.01, alpha: 0.9, epsilon: 1e-6, weightDecay: 0.05),
        .rmsprop(learningRate: 0.01, alpha: 0.95, epsilon: 1e-6, momentum: 0.7, weightDecay: 0.05),
    ]

    /// One parameter's update in Double: the new parameter and state.
    static func reference(_ h: Hyperparameters, step t: Int, scale: Double, decays: Bool,
                          p: Double, g gradient: Double, s1: Double, s2: Double) -> (p: Double, s1: Double, s2: Double) {
        let lr = h.learningRate, l2 = decays && h.optimizer != .adamw ? h.weightDecay : 0
        let g = scale * gradient + l2 * p
        switch h.optimizer {
        case .sgd where h.momentum == 0:
            return (p - lr * g, s1, s2)
        case .sgd:
            let v = h.momentum * s1 + g
            return (p - lr * (h.nesterov ? g + h.momentum * v : v), v, s2)
        case .rmsprop:
            // torch.optim.RMSprop, not centred: v ← αv + (1 − α)g², then g/(√v + ε), through momentum if any.
            let v = h.alpha * s1 + (1 - h.alpha) * g * g, q = g / (v.squareRoot() + h.epsilon)
            let b = h.momentum * s2 + q
            return (p - lr * (h.momentum > 0 ? b : q), v, h.momentum > 0 ? b : s2)
        case .adam, .adamw:
            // AdamW (torch.optim.AdamW): p ← p·(1 − ηλ), then Adam's step on the gradient alone.
            let decayed = h.optimizer == .adamw && decays ? p * (1 - lr * h.weightDecay) : p
            let m = h.beta1 * s1 + (1 - h.beta1) * g, v = h.beta2 * s2 + (1 - h.beta2) * g * g
            let mHat = m / (1 - Foundation.pow(h.beta1, Double(t))), vHat = v / (1 - Foundation.pow(h.beta2, Double(t)))
            return (decayed - lr * mHat / (vHat.squareRoot() + h.epsilon), m, v)
        }
    }

    func testTheUpdateKernelFollowsEachOptimizersFormula() {
        var random = SplitMix64(seed: 11)
        func draw(_ n: Int, _ spread: Float) -> [Float] { (0..<n).map { _ in spread * (2 * Float(random.nextUnit()) - 1) } }
        KernelSets.forEach { set in
            for h in Self.optimizers {
                for decays in [false, true] {
                    for n in Array(0...19) + [1000] {
                        // RMSprop's first state is its square average, Adam's second its second moment: never negative.
                        let p = draw(n, 2), g = draw(n, 1), s1 = draw(n, 0.5).map { h.optimizer == .rmsprop ? abs($0) : $0 }
                        let s2 = draw(n, 0.01).map { h.optimizer == .rmsprop ? $0 : abs($0) }
                        let step = OptimizerStep(h, step: 3, gradientScale: 0.75)
                        // One more value each side: the kernel must write none of them.
                        var pp = p + [7], gg = g + [7], vv = s1 + [7], ss = s2 + [7]
                        pp.withUnsafeMutableBufferPointer { p in gg.withUnsafeMutableBufferPointer { g in
                            vv.withUnsafeMutableBufferPointer { v in ss.withUnsafeMutableBufferPointer { s in
                                step.apply(p.baseAddress!, gradients: g.baseAddress!, first: h.stateCount > 0 ? v.baseAddress! : nil,
                                           second: h.stateCount > 1 ? s.baseAddress! : nil, count: n, decays: decays)
                            } }
                        } }
                        let what = "\(set) \(h.summary) decays: \(decays) n = \(n)"
                        XCTAssertEqual([pp[n], gg[n], vv[n], ss[n]], [7, 7, 7, 7], "wrote past the run, \(what)")
                        for k in 0..<n {
                            let r = Self.reference(h, step: 3, scale: 0.75, decays: decays, p: Double(p[k]), g: Double(g[k]),
                                                   s1: Double(s1[k]), s2: Double(s2[k]))
                            XCTAssertEqual(Double(pp[k]), r.p, accuracy: 1e-5 * Swift.max(1, abs(r.p)), "parameter \(k), \(what)")
                            if h.stateCount > 0 { XCTAssertEqual(Double(vv[k]), r.s1, accuracy: 1e-5 * Swift.max(1, abs(r.s1)), "state \(k), \(what)") }
                            let secondScale = h.optimizer == .rmsprop ? 1e-5 * Swift.max(1, abs(r.s2)) : 1e-6 * Swift.max(1e-3, r.s2)
                            if h.stateCount > 1 { XCTAssertEqual(Double(ss[k]), r.s2, accuracy: secondScale, "second state \(k), \(what)") }
                        }
                    }
                }
            }
        }
    }

    /// AdamW's decay is the weight's: with a zero gradient, a decayed weight
    /// shrinks by exactly the factor 1 − ηλ and an undecayed one stays.
    func testAdamWShrinksDecayedWeightsOnly() {
        let step = OptimizerStep(.adamw(learningRate: 0.1, weightDecay: 0.5), step: 1)
        XCTAssertEqual(step.weightShrink, 0.95, accuracy: 1e-15)
        XCTAssertEqual(step.gradientDecay, 0)
        for decays in [true, false] {
            var p: [Float] = [2, -4], g: [Float] = [0, 0], m: [Float] = [0, 0], v: [Float] = [0, 0]
            step.apply(&p, gradients: &g, first: &m, second: &v, count: 2, decays: decays)
            XCTAssertEqual(p, decays ? [1.9, -3.8] : [2, -4])
            XCTAssertEqual(m + v, [0, 0, 0, 0], "the decay never enters Adam's moments")
        }
    }

    /// The bound the step carries covers AdamW's update, its shrink factor
    /// past −1 (ηλ > 2) included.
    func testUpdateBoundsCoverAdamW() {
        for (lr, decay) in [(0.1, 0.5), (1.0, 3.0)] {
            let h = Hyperparameters.adamw(learningRate: lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: decay)
            let step = OptimizerStep(h, step: 1)
            let b = step.next(UpdateBounds(parameters: 2, first: 0.5, second: 0.25), gradient: 3)
            let r = Self.reference(h, step: 1, scale: 1, decays: true, p: -2, g: 3, s1: 0.5, s2: 0.25)
            XCTAssertGreaterThanOrEqual(b.parameters, abs(r.p), "η = \(lr), λ = \(decay)")
            XCTAssertGreaterThanOrEqual(b.first, abs(r.s1))
            XCTAssertGreaterThanOrEqual(b.second, r.s2)
        }
    }
}

extension UpdateKernelTests {
    /// RMSprop's step is at most 1/√(1 − α) per value however large the
    /// gradient; the carried bound covers it, with momentum and without.
    func testUpdateBoundsCoverRMSprop() {
        for momentum in [0.0, 0.9] {
            let h = Hyperparameters.rmsprop(learningRate: 0.1, alpha: 0.9, epsilon: 1e-8, momentum: momentum, weightDecay: 0.01)
            let step = OptimizerStep(h, step: 1)
            let b = step.next(UpdateBounds(parameters: 2, first: 0.25, second: 0.5), gradient: 1e3)
            for (p, s1, s2, g) in [(2.0, 0.0, 0.5, 1e3), (-2.0, 0.25, -0.5, -1e3), (2.0, 0.25, 0.5, 1e-3)] {
                let r = Self.reference(h, step: 1, scale: 1, decays: true, p: p, g: g, s1: s1, s2: s2)
                XCTAssertGreaterThanOrEqual(b.parameters, abs(r.p), "μ = \(momentum), g = \(g)")
                XCTAssertGreaterThanOrEqual(b.first, r.s1)
                XCTAssertGreaterThanOrEqual(b.second, abs(r.s2) * (momentum > 0 ? 1 : 0))
            }
            XCTAssertLessThan(b.parameters, 2 + 0.1 * (momentum > 0 ? 0.9 * 0.5 + 3.2 : 3.2), "the bound is of the step's size, not g/ε")
        }
    }
}
