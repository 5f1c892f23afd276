#if canImport(Glibc)
import Glibc
#endif
import NetcRuntime

// netc-bench --breakdown: mnist-mlp's batch-128 training step replayed one
// kernel call at a time, each timed on its own, over many steps cycling the
// table's 16 batches — where --phases times whole passes, this separates the
// first layer's two kernels from the rest and shows which parts a noisy
// neighbour slows (the median against the minimum). The calls and offsets
// are copied from the generated MnistB128 (Models/MnistB128.net); before
// timing, one replayed step is compared with the generated step on a twin
// model — every parameter after it, bit for bit — so a change to the emitter
// that this copy misses stops the run instead of timing something else.

/// One replayed part of the step: its name and the code, on the model's memory and the batch's input.
private struct Part: Sendable {
    var name: String
    var run: @Sendable (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
}

/// y = max(0, x) over the batch's 128 rows, as the generated forward writes it.
@inline(__always)
private func relu(_ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, width: Int) {
    for b in 0..<128 {
        let x0 = x + b &* width, y0 = y + b &* width
        for i in 0..<width { y0[i] = max(0, x0[i]) }
    }
}

/// dx = dy where y > 0, else 0, as the generated backward writes it.
@inline(__always)
private func reluBackward(_ y: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>, width: Int) {
    for b in 0..<128 {
        let y0 = y + b &* width, dy0 = dy + b &* width, dx0 = dx + b &* width
        for i in 0..<width { dx0[i] = dy0[i] * (y0[i] > 0 ? 1 : 0) }
    }
}

/// MnistB128's training step, as its generated `forward`, `lossAndSeed`,
/// `backward`, `gradientsAreFinite` and `update` run it.
private let parts: [Part] = [
    Part(name: "h1 forward (panelLinear 784→128)") { m, x in
        BatchKernels.panelLinear(m + 0, m + 100352, x, m + 328176, n: 784, m: 128, count: 128)
    },
    Part(name: "h1 relu") { m, _ in relu(m + 328176, into: m + 344560, width: 128) },
    Part(name: "h2 forward (linearTransposed 128→64)") { m, _ in
        BatchKernels.linearTransposed(m + 100480, m + 108672, m + 344560, m + 360944, n: 128, m: 64, count: 128, scratch: m + 530672)
    },
    Part(name: "h2 relu") { m, _ in relu(m + 360944, into: m + 369136, width: 64) },
    Part(name: "logits forward (linear 64→10)") { m, _ in
        BatchKernels.linear(m + 108736, m + 109376, m + 369136, m + 377328, n: 64, m: 10, count: 128)
    },
    Part(name: "loss and seed") { m, _ in _ = MnistB128.lossAndSeed(m) },
    Part(name: "logits dW (64→10)") { m, _ in
        BatchKernels.weightGradient(m + 528112, m + 369136, m + 218128, m + 218768, n: 64, m: 10, count: 128)
    },
    Part(name: "logits dx (64→10)") { m, _ in
        BatchKernels.inputGradient(m + 528112, m + 108736, m + 519920, accumulate: false, n: 64, m: 10, count: 128)
    },
    Part(name: "h2 relu backward") { m, _ in reluBackward(m + 369136, m + 519920, into: m + 511728, width: 64) },
    Part(name: "h2 dW (128→64)") { m, _ in
        BatchKernels.weightGradient(m + 511728, m + 344560, m + 209872, m + 218064, n: 128, m: 64, count: 128, scratch: m + 530672)
    },
    Part(name: "h2 dx (128→64)") { m, _ in
        BatchKernels.inputGradient(m + 511728, m + 100480, m + 495344, accumulate: false, n: 128, m: 64, count: 128)
    },
    Part(name: "h1 relu backward") { m, _ in reluBackward(m + 344560, m + 495344, into: m + 478960, width: 128) },
    Part(name: "h1 dW (panelWeightGradient 784→128)") { m, x in
        BatchKernels.panelWeightGradient(m + 478960, x, m + 109392, m + 209744, n: 784, m: 128, count: 128, scratch: m + 530672)
    },
    Part(name: "finiteness check") { m, x in
        guard MnistB128.gradientBound(m, x).isFinite else { fatalError("netc-bench --breakdown: a gradient is not finite") }
    },
    Part(name: "update (momentum SGD)") { m, _ in MnistB128.update(m, step: 1) },
]

func benchBreakdown(steps: Int) {
    let (xs, ts) = data(batch: 128, inputs: 784, outputs: 10)
    xs.withUnsafeBufferPointer { xs in
        ts.withUnsafeBufferPointer { ts in
            let input = { (k: Int) in UnsafeMutablePointer(mutating: xs.baseAddress! + k * 128 * 784) }
            let target = { (k: Int) in UnsafeBufferPointer(rebasing: ts[(k * 1280)..<((k + 1) * 1280)]) }
            let batch = { (k: Int) in UnsafeBufferPointer(start: input(k), count: 128 * 784) }
            // The copy's offsets assume this parameter layout; the step's result checks the rest.
            guard MnistB128.parameterTensors.map(\.offset) == [0, 100352, 100480, 108672, 108736, 109376] else {
                printError("netc-bench: error: MnistB128's parameter layout changed; update Benchmarks/netc-bench/Breakdown.swift\n")
                exit(1)
            }
            let replayed = MnistB128(seed: 1), generated = MnistB128(seed: 1)
            let m = replayed.storage.memory, g = generated.storage.memory
            // The check: one step each way from the same state, then every parameter compared.
            MnistB128.load(m, batch(0), target(0))
            for part in parts { part.run(m, input(0)) }
            MnistB128.load(g, batch(0), target(0))
            MnistB128.forward(g, input(0), training: true)
            _ = MnistB128.lossAndSeed(g)
            MnistB128.backward(g, input(0))
            precondition(MnistB128.gradientBound(g, input(0)).isFinite)
            MnistB128.update(g, step: 1)
            let after = (replayed.parameters, generated.parameters)
            if let k = after.0.indices.first(where: { after.0[$0].bitPattern != after.1[$0].bitPattern }) {
                printError("netc-bench: error: --breakdown's copy of MnistB128's step no longer matches the generated one "
                           + "(parameter \(k) differs after one step); update Benchmarks/netc-bench/Breakdown.swift\n")
                exit(1)
            }
            var times = Array(repeating: [Double](), count: parts.count), totals: [Double] = []
            times.indices.forEach { times[$0].reserveCapacity(steps) }
            var cycle = Cycle()
            let warmUp = steps >= 100 ? 20 : 1
            // Only clock reads between the parts; the times are filed after the step.
            var stamps = [Double](repeating: 0, count: parts.count + 1)
            for s in 0..<(steps + warmUp) {
                let k = cycle.next()
                MnistB128.load(m, batch(k), target(k))
                let x = input(k)
                stamps[0] = now()
                for (p, part) in parts.enumerated() {
                    part.run(m, x)
                    stamps[p + 1] = now()
                }
                guard s >= warmUp else { continue }
                for p in parts.indices { times[p].append(stamps[p + 1] - stamps[p]) }
                totals.append(stamps[parts.count] - stamps[0])
            }
            print("mnist b128's training step, part by part: the minimum and median of \(steps) steps (\(variants) batches cycled)\n")
            print("| part | minimum | median |")
            print("|---|---:|---:|")
            for (p, part) in parts.enumerated() {
                print("| \(part.name) | \(formatTime(minimum(times[p]))) | \(formatTime(median(times[p]))) |")
            }
            let sums = (times.map(minimum).reduce(0, +), times.map(median).reduce(0, +))
            print("| sum of the parts | \(formatTime(sums.0)) | \(formatTime(sums.1)) |")
            print("| whole step, timed around the parts | \(formatTime(minimum(totals))) | \(formatTime(median(totals))) |")
        }
    }
}
