internal import CNetcRuntime

/// The Float kernels of large dense layers and of softmax, in C
/// (Sources/CNetcRuntime/kernels): compiled for AVX2 + FMA and for the
/// target's baseline, and chosen once when the program loads by what the
/// CPU supports. So a model runs at full speed whatever flags the package
/// using it was built with — SwiftPM's default `swift build -c release`
/// targets baseline x86-64, where Swift's `addingProduct` becomes a library
/// call per lane.
///
/// Operands keep their documented layouts (W [outputs][inputs], activations
/// [batch][features]), or panels of 16 outputs for the `panel` kernels
/// (`PanelLayout`); each function computes what its C function documents in
/// Sources/CNetcRuntime/include/netc_kernels.h, and how in kernels/body.h.
/// Not inlinable: generated code calls them, the C module stays private.
public enum CPUKernels {
    /// A set of kernels: the instruction set they are compiled for.
    public enum Path: Int32, Sendable, CustomStringConvertible {
        case baseline = 0
        case avx2FMA = 1

        public var description: String {
            switch self {
            case .avx2FMA: "avx2+fma"
            case .baseline:
                #if arch(x86_64)
                "baseline (sse2)"
                #else
                "baseline"
                #endif
            }
        }
    }

    /// The set in use: AVX2 + FMA where the CPU has both, unless the
    /// environment variable `NETC_KERNELS=baseline` was set at start.
    public static var path: Path { Path(rawValue: netc_kernels_path()) ?? .baseline }

    /// Whether this CPU can run `path`.
    public static func supports(_ path: Path) -> Bool { netc_kernels_supported(path.rawValue) != 0 }

    /// Uses `path` from now on if the CPU supports it (for tests and
    /// benchmarks that compare the sets in one process); returns the set in use.
    @discardableResult
    public static func select(_ path: Path) -> Path { Path(rawValue: netc_kernels_select(path.rawValue)) ?? .baseline }

    /// Whether `linearTransposed` takes an n → m layer: outputs in whole 16s,
    /// and Wᵀ within 32 kB, so it stays in L1 while every sample block passes.
    public static func transposedFits(n: Int, m: Int) -> Bool {
        m % 16 == 0 && n &* m &* MemoryLayout<Float>.stride <= 32_768
    }

    /// Scalars `weightGradient` needs in `scratch` to pack its operands.
    public static func weightGradientScratch(m: Int, count: Int) -> Int { ((m & ~3) &+ 16) &* count }

    /// Scalars `panelWeightGradient` needs in `scratch`: δ packed by panel.
    public static func panelWeightGradientScratch(m: Int, count: Int) -> Int { m &* count }

    /// Runs `body` with subnormal numbers flushed to zero on this thread (see
    /// `netc_flush_subnormals`), then restores the thread's mode. `gradients`
    /// runs inside it, and a training step does the same, for models whose
    /// `flushesSubnormals` is true.
    @inlinable @inline(__always)
    public static func withSubnormalsFlushed<R>(_ body: () throws -> R) rethrows -> R {
        let saved = flushSubnormals()
        defer { restoreFloatMode(saved) }
        return try body()
    }

    /// Sets how many threads the products this thread calls may split across
    /// (`Threads`); returns the previous budget. Results do not depend on it.
    @discardableResult
    public static func setThreadBudget(_ threads: Int) -> Int { Int(netc_set_thread_budget(Int32(clamping: threads))) }
    /// The cores this process may run on.
    public static var availableCores: Int { Int(netc_available_cores()) }
    /// The smallest part of a product worth a thread, in multiply-adds: a product
    /// splits into parts of at least this much (`netc_parallel_parts`).
    public static var partWork: Int { netc_parallel_part_work() }

    /// Parts of products run on worker threads so far in this process (tests and benchmarks).
    public static var parallelJobs: Int { Int(netc_parallel_jobs()) }

    /// Flushes subnormals on this thread; returns the mode to restore.
    public static func flushSubnormals() -> UInt32 { netc_flush_subnormals() }
    /// Restores a mode `flushSubnormals` returned.
    public static func restoreFloatMode(_ saved: UInt32) { netc_restore_float_mode(saved) }

    public static func linear(
        _ w: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?,
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int
    ) {
        netc_linear(w, bias, x, y, n, m, count)
    }

    public static func linearTransposed(
        _ w: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?,
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        netc_linear_transposed(w, bias, x, y, n, m, count, scratch)
    }

    public static func weightGradient(
        _ dy: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>,
        _ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>?, n: Int, m: Int, count: Int,
        scratch: UnsafeMutablePointer<Float>? = nil
    ) {
        netc_weight_gradient(dy, x, dw, db, n, m, count, scratch)
    }

    public static func inputGradient(
        _ dy: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, accumulate: Bool, n: Int, m: Int, count: Int
    ) {
        netc_input_gradient(dy, w, dx, accumulate ? 1 : 0, n, m, count)
    }

    public static func panelLinear(
        _ wp: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?,
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int
    ) {
        netc_panel_linear(wp, bias, x, y, n, m, count)
    }

    public static func panelWeightGradient(
        _ dy: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>,
        _ dwp: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>?, n: Int, m: Int, count: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        netc_panel_weight_gradient(dy, x, dwp, db, n, m, count, scratch)
    }

    public static func panelInputGradient(
        _ dy: UnsafeMutablePointer<Float>, _ wp: UnsafeMutablePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, accumulate: Bool, n: Int, m: Int, count: Int
    ) {
        netc_panel_input_gradient(dy, wp, dx, accumulate ? 1 : 0, n, m, count)
    }

    /// yᵢ = e^(xᵢ − shift) for i < n (`y` may be `x`), as `Math.exp(_:minus:into:_:)`.
    public static func exp(_ x: UnsafeMutablePointer<Float>, minus shift: Float, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        netc_exp_shifted(x, shift, y, n)
    }

    /// The activations the vector kernels compute, each the formula of `Math`'s
    /// scalar version over 8 lanes at a time, within a few ulp of the exact value
    /// (ActivationKernelTests); NaN stays NaN.
    public enum Activation: Sendable, Equatable {
        case sigmoid, tanh, softplus, silu
        /// x·Φ(x): Φ by its series below |x| = 1, by Numerical Recipes' erfc beyond.
        case gelu
        /// GELU's tanh approximation, as x·σ(2u).
        case geluTanh
        case elu(alpha: Float)

        var kind: Int32 {
            switch self {
            case .sigmoid: Int32(NETC_SIGMOID)
            case .tanh: Int32(NETC_TANH)
            case .softplus: Int32(NETC_SOFTPLUS)
            case .silu: Int32(NETC_SILU)
            case .gelu: Int32(NETC_GELU)
            case .geluTanh: Int32(NETC_GELU_TANH)
            case .elu: Int32(NETC_ELU)
            }
        }

        /// Whether `activationGradient` takes it: the activations whose derivative reads x.
        public var hasGradientKernel: Bool {
            switch self {
            case .softplus, .silu, .gelu, .geluTanh: true
            case .sigmoid, .tanh, .elu: false
            }
        }
    }

    /// yᵢ = f(xᵢ) for i < n (`y` may be `x`).
    public static func activation(_ f: Activation, _ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        var alpha: Float = 0
        if case .elu(let a) = f { alpha = a }
        netc_activation(f.kind, alpha, x, y, n)
    }

    /// dxᵢ (= or +=) dyᵢ·f′(xᵢ) for i < n, for an activation whose derivative reads x
    /// (`hasGradientKernel`): the backward pass, 8 lanes at a time.
    public static func activationGradient(_ f: Activation, _ x: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>,
                                          _ dx: UnsafeMutablePointer<Float>, accumulate: Bool, _ n: Int) {
        precondition(f.hasGradientKernel, "no gradient kernel for \(f)")
        netc_activation_gradient(f.kind, x, dy, dx, accumulate ? 1 : 0, n)
    }

    /// `OptimizerStep.apply` for Float.
    public static func update(_ step: OptimizerStep, _ parameters: UnsafeMutablePointer<Float>,
                              gradients: UnsafeMutablePointer<Float>, first: UnsafeMutablePointer<Float>?,
                              second: UnsafeMutablePointer<Float>?, count: Int, decays: Bool) {
        var u = constants(step, decays: decays)
        netc_update_apply(&u, parameters, gradients, first, second, count)
    }

    /// `OptimizerStep.isFinite` for Float.
    public static func updateIsFinite(_ step: OptimizerStep, _ parameters: UnsafeMutablePointer<Float>,
                                      gradients: UnsafeMutablePointer<Float>, first: UnsafeMutablePointer<Float>?,
                                      second: UnsafeMutablePointer<Float>?, count: Int, decays: Bool) -> Bool {
        var u = constants(step, decays: decays)
        return netc_update_is_finite(&u, parameters, gradients, first, second, count) != 0
    }

    /// One step's constants for the C update, rounded to Float.
    static func constants(_ step: OptimizerStep, decays: Bool) -> netc_update {
        let h = step
        let kind = switch h.optimizer {
        case .sgd: NETC_UPDATE_SGD
        case .adam, .adamw: NETC_UPDATE_ADAM
        case .rmsprop: NETC_UPDATE_RMSPROP
        }
        return netc_update(kind: Int32(kind), nesterov: h.nesterov ? 1 : 0,
                           learning_rate: Float(h.learningRate), momentum: Float(h.momentum), beta1: Float(h.beta1), beta2: Float(h.beta2),
                           one_minus_beta1: Float(1 - h.beta1), one_minus_beta2: Float(1 - h.beta2), epsilon: Float(h.epsilon),
                           correction1: Float(step.correction1), correction2: Float(step.correction2),
                           decay: decays ? Float(h.gradientDecay) : 0, shrink: decays ? Float(h.weightShrink) : 1,
                           gradient_scale: Float(step.gradientScale))
    }

    /// The largest |x[i]| for i < n, or NaN or ∞ if any value is.
    public static func maxMagnitude(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Float { netc_max_magnitude(x, n) }

    /// Σ x[i]² for i < n, accumulated in Double.
    public static func sumOfSquares(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Double { netc_sum_of_squares(x, n) }

    /// The timed body of a multiply-add peak measurement with the kernels'
    /// instructions: `steps` rounds of `peakLoopFLOPs` independent FLOPs in
    /// registers; pass the result back in as `sink` so no call is elided.
    public static func peakLoop(steps: Int, _ sink: Float) -> Float { netc_peak_loop(steps, sink) }

    /// FLOPs per step of `peakLoop`: 10 eight-lane multiply-adds.
    public static let peakLoopFLOPs = 160.0
}
