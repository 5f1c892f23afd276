/// The machine's single-core FP32 multiply-add throughput, with the
/// instructions the kernels run (`CPUKernels.peakLoop`: 10 independent
/// eight-lane multiply-adds per step, in registers; neither latency nor
/// memory limits it), in GFLOP/s; a multiply-add counts as 2 FLOPs.
func measurePeakGFLOPS() -> Double {
    let steps = 1 << 20
    var sink: Float = 0
    let seconds = measure(budget: 0.5, rounds: 5) { sink = CPUKernels.peakLoop(steps: steps, sink) }
    if sink == 42 { print("") }  // keeps every call's result alive
    return Double(steps) * CPUKernels.peakLoopFLOPs / seconds / 1e9
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
