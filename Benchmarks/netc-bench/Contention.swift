import NetcRuntime

// netc-bench --contention: how much a noisy neighbour slows code by what it
// touches. Four bodies take turns, one call each per round, so every one
// sees the same stretch of the VM's history: the peak's register-only FMA
// loop; a 6 × 16 panel block whose operands all sit in L1; and mnist b128's
// two first-layer kernels, in cache (`--kernels`' setting). Each one's median
// against its own minimum says how much of its time a neighbour takes.

/// One interleaved body: its name, FLOPs per call and the call.
private struct Body {
    var name: String
    var flops: Double
    var run: () -> Void
}

/// `calls` forward passes of a 256 → 16 layer at batch 6: one 6 × 16 block
/// over 256 panel rows, 16 kB of weights and 6 kB of inputs. Not inlined,
/// so the optimiser cannot tell that the calls repeat one another.
@inline(never)
private func blockInL1(_ w: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>,
                       _ y: UnsafeMutablePointer<Float>, calls: Int) {
    for _ in 0..<calls { CPUKernels.panelLinear(w, bias, x, y, n: 256, m: 16, count: 6) }
}

func benchContention(rounds: Int) {
    let (n, m, batch) = (784, 128, 128)
    let w = filledBuffer(n * m, 0.01), bias = filledBuffer(m, 0), x = filledBuffer(batch * n, 0.5), y = filledBuffer(batch * m, 0.1)
    // db apart from bias: the forward reads bias, so a gradient written into it would grow every round.
    let dw = filledBuffer(n * m, 0), db = filledBuffer(m, 0), scratch = filledBuffer(CPUKernels.panelWeightGradientScratch(m: m, count: batch), 0)
    let small = (w: filledBuffer(256 * 16, 0.01), bias: filledBuffer(16, 0), x: filledBuffer(6 * 256, 0.5), y: filledBuffer(6 * 16, 0))
    defer { for p in [w, bias, x, y, dw, db, scratch, small.w, small.bias, small.x, small.y] { p.deallocate() } }
    var sink: Float = 0
    let layer = Double(2 * n * m * batch)
    let bodies = [
        Body(name: "register-only FMA loop (the peak's)", flops: 12_000 * CPUKernels.peakLoopFLOPs) { sink = CPUKernels.peakLoop(steps: 12_000, sink) },
        Body(name: "6 × 16 block, operands in L1 (panelLinear 256→16, batch 6, ×32)", flops: 32 * 2 * 256 * 16 * 6) {
            blockInL1(small.w, small.bias, small.x, small.y, calls: 32)
        },
        Body(name: "h1 forward (panelLinear 784→128, batch 128)", flops: layer) {
            CPUKernels.panelLinear(w, bias, x, y, n: n, m: m, count: batch)
        },
        Body(name: "h1 dW (panelWeightGradient 784→128, batch 128)", flops: layer) {
            CPUKernels.panelWeightGradient(y, x, dw, db, n: n, m: m, count: batch, scratch: scratch)
        },
    ]
    var times = Array(repeating: [Double](), count: bodies.count)
    let warmUp = rounds >= 100 ? 20 : 1
    for round in 0..<(rounds + warmUp) {
        for (k, body) in bodies.enumerated() {
            let start = now()
            body.run()
            let elapsed = now() - start
            if round >= warmUp { times[k].append(elapsed) }
        }
    }
    print("Each body once per round, \(rounds) rounds interleaved: minimum, median and their ratio\n")
    print("| body | minimum | GFLOP/s at minimum | median | median / minimum |")
    print("|---|---:|---:|---:|---:|")
    for (k, body) in bodies.enumerated() {
        let low = minimum(times[k]), middle = median(times[k])
        print("| \(body.name) | \(formatTime(low)) | \(fixed(body.flops / low / 1e9, 1)) | \(formatTime(middle)) | \(fixed(middle / low, 3)) |")
    }
    if sink == 42 { print("") }  // keeps the peak loop's result alive
}
