/// The machine's single-core FP32 FMA throughput, timing `peakLoop`: 10
/// independent SIMD8 accumulators (more than FMA latency × throughput),
/// local to it so they live in registers, each updated with a fused
/// multiply-add a += a·x that the optimiser cannot split or hoist;
/// neither latency nor memory limits it. Returns GFLOP/s (an FMA counts as 2
/// FLOPs). Needs a build for the host CPU (`-target-cpu native`), else FMA is
/// emulated in software and the number is meaningless — main.swift warns
/// when it reads under 10 GFLOP/s, and in every debug build.
func measurePeakGFLOPS() -> Double {
    let steps = 1 << 20
    var sink: Float = 0
    let seconds = measure(budget: 0.5, rounds: 5) { sink = peakLoop(steps: steps, sink) }
    if sink == 42 { print("") }  // keeps every call's result alive
    return Double(steps) * peakLoopFLOPs / seconds / 1e9
}

/// FLOPs per step of `peakLoop`: 10 SIMD8 FMAs.
let peakLoopFLOPs = 10.0 * 8 * 2

/// The peak's timed body: `steps` rounds of 10 independent FMAs, no loads;
/// returns a value derived from every accumulator (pass it back in as `sink`).
/// Not inlined, so the accumulators stay in registers whatever the caller.
@inline(never)
func peakLoop(steps: Int, _ sink: Float) -> Float {
    var a0 = SIMD8<Float>(repeating: 1 + sink), a1 = a0, a2 = a0, a3 = a0, a4 = a0
    var a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0
    let x = SIMD8<Float>(repeating: 1e-7 + sink)
    for _ in 0..<steps {
        a0 = a0.addingProduct(a0, x); a1 = a1.addingProduct(a1, x)
        a2 = a2.addingProduct(a2, x); a3 = a3.addingProduct(a3, x)
        a4 = a4.addingProduct(a4, x); a5 = a5.addingProduct(a5, x)
        a6 = a6.addingProduct(a6, x); a7 = a7.addingProduct(a7, x)
        a8 = a8.addingProduct(a8, x); a9 = a9.addingProduct(a9, x)
    }
    return ((a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7) + (a8 + a9)).sum() * 1e-30
}

import NetcRuntime

/// `--kernels`: the dense-layer kernels alone on mnist-mlp's layer shapes
/// and batches, as a share of the peak (the weight gradient both in place
/// and packed into scratch, and both over W in panels where the outputs
/// come in whole 16s) — separates the kernels' own efficiency from
/// everything else a training step does.
func benchKernels(peak: Double) {
    for (n, m, count) in [(784, 128, 1), (784, 128, 32), (784, 128, 128), (128, 64, 32), (128, 64, 128), (64, 10, 128)] {
        benchKernels(n: n, m: m, count: count, peak: peak)
    }
}

func benchKernels(n: Int, m: Int, count: Int, peak: Double) {
    let w = filledBuffer(n * m, 0.01), x = filledBuffer(count * n, 0.5), y = filledBuffer(count * m, 0.1), b = filledBuffer(m, 0)
    let dw = filledBuffer(n * m, 0), dx = filledBuffer(count * n, 0)
    let flops = Double(2 * n * m * count)
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(CPUKernels.weightGradientScratch(m: m, count: count), n * m,
                                                                      CPUKernels.panelWeightGradientScratch(m: m, count: count)))
    defer { scratch.deallocate() }
    let transposed = CPUKernels.transposedFits(n: n, m: m) ? ["linearTransposed"] : []
    let panels = PanelLayout.fits(m: m) ? ["panelLinear", "panelWeightGradient"] : []
    for name in ["linear"] + transposed + panels + ["weightGradient", "weightGradient+scratch", "inputGradient"] {
        let t = measure(budget: 0.3) {
            switch name {
            case "linear": CPUKernels.linear(w, b, x, y, n: n, m: m, count: count)
            case "linearTransposed": CPUKernels.linearTransposed(w, b, x, y, n: n, m: m, count: count, scratch: scratch)
            case "panelLinear": CPUKernels.panelLinear(w, b, x, y, n: n, m: m, count: count)
            case "panelWeightGradient": CPUKernels.panelWeightGradient(y, x, dw, b, n: n, m: m, count: count, scratch: scratch)
            case "weightGradient": CPUKernels.weightGradient(y, x, dw, b, n: n, m: m, count: count)
            case "weightGradient+scratch": CPUKernels.weightGradient(y, x, dw, b, n: n, m: m, count: count, scratch: scratch)
            default: CPUKernels.inputGradient(y, w, dx, accumulate: false, n: n, m: m, count: count)
            }
        }
        print("\(name) \(n)→\(m), batch \(count): \(formatTime(t)), \(fixed(flops / t / 1e9, 1)) GFLOP/s, \(fixed(100 * flops / t / 1e9 / peak, 1)) % of peak")
    }
    for p in [w, x, y, b, dw, dx] { p.deallocate() }
}
