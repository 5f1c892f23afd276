/// The machine's single-core FP32 FMA throughput: 10 independent SIMD8
/// accumulators (more than FMA latency × throughput), local to the timed
/// body so they live in registers, each updated with a fused multiply-add a += a·x that
/// the optimiser cannot split or hoist;
/// neither latency nor memory limits it. Returns GFLOP/s (an FMA counts as 2
/// FLOPs). Needs a build for the host CPU (`-target-cpu native`), else FMA is
/// emulated in software and the number is meaningless — main.swift warns.
func measurePeakGFLOPS() -> Double {
    let steps = 1 << 20
    var sink: Float = 0
    let seconds = measure(budget: 0.5, rounds: 5) {
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
        sink = ((a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7) + (a8 + a9)).sum() * 1e-30
    }
    return Double(steps) * 10 * 8 * 2 / seconds / 1e9
}
