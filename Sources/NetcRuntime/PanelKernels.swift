/// Dense-layer kernels over a weight matrix stored in panels of 16 outputs:
/// Wp[p][i][c] = W[16p + c][i], each panel n inputs deep and 16 outputs wide
/// (the blocked `Oi16o` format of oneDNN and the packed B operand of BLIS).
/// The forward pass then broadcasts one input scalar against one contiguous
/// row of a panel — no horizontal sums, and each panel is read in order, 6
/// samples at a time — and the weight gradient comes out in the same order, so the optimizer's
/// element-wise update never sees the difference. Generated code keeps such a
/// weight in panels only inside the model; `parameters`, `gradients`, `save`
/// and `load` convert to and from the documented [outputs][inputs] order.
extension BatchKernels {
    /// Outputs per panel.
    @inlinable public static var panelWidth: Int { 16 }

    /// Inputs per slice in the forward pass, at most. Up to this many run as
    /// one slice: a panel streamed from L2 in order measured faster than
    /// L1-sized slices whose partial sums go back through y (784→128 at batch
    /// 128: 280–282 µs in one slice, 291–303 µs in slices of 196, 296–344 µs
    /// in slices of 98); wider layers are cut so that a 6-sample block's
    /// inputs (6 × 4 kB) still fit in L1.
    @inlinable public static var panelDepth: Int { 1024 }

    /// Whether an n → m layer's weights can be stored in panels: outputs in whole 16s.
    public static func panelsFit(m: Int) -> Bool { m > 0 && m % panelWidth == 0 }

    /// Where row j's first weight, W[j][0], lies in the panels of an n-input
    /// matrix; W[j][i] lies `i·panelWidth` after it.
    static func panelOffset(row j: Int, columns n: Int) -> Int { (j / panelWidth) &* n &* panelWidth &+ j % panelWidth }

    /// Wp from W ([m][n], row-major); m in whole 16s.
    public static func toPanels(_ w: UnsafePointer<Float>, into wp: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) {
        for j in 0..<m {
            let panel = wp + panelOffset(row: j, columns: n)
            for i in 0..<n { panel[i &* panelWidth] = w[j &* n &+ i] }
        }
    }

    /// W ([m][n], row-major) from Wp.
    public static func fromPanels(_ wp: UnsafePointer<Float>, into w: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) {
        for j in 0..<m {
            let panel = wp + panelOffset(row: j, columns: n)
            for i in 0..<n { w[j &* n &+ i] = panel[i &* panelWidth] }
        }
    }

    /// Rearranges m·n row-major scalars at `w` into panels, through a temporary copy
    /// (for initialisers, which draw weights in flat order).
    public static func arrangeInPanels(_ w: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) {
        let flat = Array(UnsafeBufferPointer(start: w, count: m &* n))
        flat.withUnsafeBufferPointer { toPanels($0.baseAddress!, into: w, rows: m, columns: n) }
    }

    /// y[b][j] = bias[j] + Σᵢ W[j][i]·x[b][i] for b < count over W in panels.
    /// Per slice of at most `panelDepth` inputs and per panel, blocks of 6 samples × 16
    /// outputs (12 accumulators; per input, 2 loads of the panel and 6
    /// broadcasts for 12 FMAs); 2–5 samples left over run as one smaller
    /// block, a single one as `panelRow`. Slices after the first add to y.
    @inlinable @inline(__always)
    public static func panelLinear(
        _ wp: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?,
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int
    ) {
        let slices = (n &+ panelDepth &- 1) / panelDepth, depth = (n &+ slices &- 1) / slices
        var i = 0
        while i < n {
            let steps = min(depth, n &- i)
            var j = 0
            while j < m {
                let panel = wp + (j &* n &+ i &* panelWidth), start = i == 0 ? bias.map { $0 + j } : nil
                var b = 0
                while b &+ 6 <= count {
                    panelTile(panel, x + (b &* n &+ i), rowStride: n, step: 1, steps: steps,
                              y + (b &* m &+ j), outputStride: m, rows: 6, start: start, accumulate: i > 0)
                    b &+= 6
                }
                let a = x + (b &* n &+ i), out = y + (b &* m &+ j)
                switch count &- b {
                case 2: panelTile(panel, a, rowStride: n, step: 1, steps: steps, out, outputStride: m, rows: 2, start: start, accumulate: i > 0)
                case 3: panelTile(panel, a, rowStride: n, step: 1, steps: steps, out, outputStride: m, rows: 3, start: start, accumulate: i > 0)
                case 4: panelTile(panel, a, rowStride: n, step: 1, steps: steps, out, outputStride: m, rows: 4, start: start, accumulate: i > 0)
                case 5: panelTile(panel, a, rowStride: n, step: 1, steps: steps, out, outputStride: m, rows: 5, start: start, accumulate: i > 0)
                default: break
                }
                j &+= panelWidth
            }
            if count % 6 == 1 {
                let b = count &- 1
                panelRow(wp + i &* panelWidth, bias, x + (b &* n &+ i), y + b &* m, n: n, m: m, steps: steps, accumulate: i > 0)
            }
            i &+= steps
        }
    }

    /// One sample's outputs over a slice of every panel (the sample left over
    /// after blocks of 6, every sample of a lone prediction): four panels at a
    /// time, so 8 accumulators hide the FMA latency that a 1 × 16 block's two
    /// would expose; then one panel at a time. Like any matrix–vector
    /// product it is bound by loading W, once per weight.
    @inlinable @inline(__always)
    static func panelRow(
        _ wp: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?, _ x: UnsafeMutablePointer<Float>,
        _ y: UnsafeMutablePointer<Float>, n: Int, m: Int, steps: Int, accumulate: Bool
    ) {
        let stride = n &* panelWidth
        var j = 0
        while j &+ 4 &* panelWidth <= m {
            let p0 = wp + j &* n, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride, out = y + j
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
            if accumulate {
                a0 = load(out); a1 = load(out + 8); a2 = load(out + 16); a3 = load(out + 24)
                a4 = load(out + 32); a5 = load(out + 40); a6 = load(out + 48); a7 = load(out + 56)
            } else if let bias {
                a0 = load(bias + j); a1 = load(bias + (j &+ 8)); a2 = load(bias + (j &+ 16)); a3 = load(bias + (j &+ 24))
                a4 = load(bias + (j &+ 32)); a5 = load(bias + (j &+ 40)); a6 = load(bias + (j &+ 48)); a7 = load(bias + (j &+ 56))
            }
            var k = 0
            while k < steps {
                let u = SIMD8(repeating: x[k]), o = k &* panelWidth
                a0 = a0.addingProduct(u, load(p0 + o)); a1 = a1.addingProduct(u, load(p0 + (o &+ 8)))
                a2 = a2.addingProduct(u, load(p1 + o)); a3 = a3.addingProduct(u, load(p1 + (o &+ 8)))
                a4 = a4.addingProduct(u, load(p2 + o)); a5 = a5.addingProduct(u, load(p2 + (o &+ 8)))
                a6 = a6.addingProduct(u, load(p3 + o)); a7 = a7.addingProduct(u, load(p3 + (o &+ 8)))
                k &+= 1
            }
            store(a0, out); store(a1, out + 8); store(a2, out + 16); store(a3, out + 24)
            store(a4, out + 32); store(a5, out + 40); store(a6, out + 48); store(a7, out + 56)
            j &+= 4 &* panelWidth
        }
        while j < m {
            panelTile(wp + j &* n, x, rowStride: n, step: 1, steps: steps, y + j, outputStride: m, rows: 1,
                      start: accumulate ? nil : bias.map { $0 + j }, accumulate: accumulate)
            j &+= panelWidth
        }
    }

    /// Space `panelWeightGradient` needs in `scratch`: δ packed by panel.
    public static func panelScratchSize(m: Int, count: Int) -> Int { m &* count }

    /// dW in panels, Wp[p][i][c] = Σ_b dy[b][16p + c]·x[b][i], and db[j] = Σ_b dy[b][j]
    /// (both overwritten). δ is packed first into `scratch` (`panelScratchSize`)
    /// as one [count][16] block per panel; then, per 24 inputs, blocks of 6
    /// inputs × 16 outputs accumulate over the batch in registers, reading x in
    /// place (6 adjacent scalars of each sample's row).
    @inlinable @inline(__always)
    public static func panelWeightGradient(
        _ dy: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>,
        _ dwp: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>?, n: Int, m: Int, count: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        if let db { biasGradient(dy, db, m: m, count: count) }
        var j = 0
        while j < m {
            let packed = scratch + j &* count
            for b in 0..<count {
                store(load(dy + (b &* m &+ j)), packed + b &* panelWidth)
                store(load(dy + (b &* m &+ j &+ 8)), packed + (b &* panelWidth &+ 8))
            }
            j &+= panelWidth
        }
        var i = 0
        while i < n {
            let slab = min(24, n &- i)
            j = 0
            while j < m {
                let packed = scratch + j &* count, out = dwp + (j &* n &+ i &* panelWidth)
                var r = 0
                while r &+ 6 <= slab {
                    panelTile(packed, x + (i &+ r), rowStride: 1, step: n, steps: count,
                              out + r &* panelWidth, outputStride: panelWidth, rows: 6, start: nil, accumulate: false)
                    r &+= 6
                }
                let a = x + (i &+ r), o = out + r &* panelWidth
                switch slab &- r {
                case 1: panelTile(packed, a, rowStride: 1, step: n, steps: count, o, outputStride: panelWidth, rows: 1, start: nil, accumulate: false)
                case 2: panelTile(packed, a, rowStride: 1, step: n, steps: count, o, outputStride: panelWidth, rows: 2, start: nil, accumulate: false)
                case 3: panelTile(packed, a, rowStride: 1, step: n, steps: count, o, outputStride: panelWidth, rows: 3, start: nil, accumulate: false)
                case 4: panelTile(packed, a, rowStride: 1, step: n, steps: count, o, outputStride: panelWidth, rows: 4, start: nil, accumulate: false)
                case 5: panelTile(packed, a, rowStride: 1, step: n, steps: count, o, outputStride: panelWidth, rows: 5, start: nil, accumulate: false)
                default: break
                }
                j &+= panelWidth
            }
            i &+= slab
        }
    }

    /// dx[b][i] (= or +=) Σⱼ dy[b][j]·W[j][i] over W in panels: per sample and
    /// input, one 16-wide product per panel and one horizontal sum. Plain, for
    /// `gradients(…)`'s input gradient: a training step never needs the input
    /// gradient of a layer the emitter stores in panels.
    @inlinable
    public static func panelInputGradient(
        _ dy: UnsafeMutablePointer<Float>, _ wp: UnsafeMutablePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, accumulate: Bool, n: Int, m: Int, count: Int
    ) {
        for b in 0..<count {
            let d = dy + b &* m
            for i in 0..<n {
                var a0 = SIMD8<Float>(), a1 = a0
                var j = 0
                while j < m {
                    let w = wp + (j &* n &+ i &* panelWidth)
                    a0 = a0.addingProduct(load(d + j), load(w)); a1 = a1.addingProduct(load(d + (j &+ 8)), load(w + 8))
                    j &+= panelWidth
                }
                let s = sum(a0 + a1)
                dx[b &* n &+ i] = accumulate ? dx[b &* n &+ i] + s : s
            }
        }
    }

    /// The 6 × 16 block both panel kernels run: for rows r < `rows` (1…6, a
    /// constant at each call), out_r += Σ_k a[r·rowStride + k·step] · panel[k][0..<16]
    /// over `steps` panel rows 16 scalars apart; out_r starts from `start`
    /// (16 scalars, or zero) unless `accumulate` reads it from `out` first.
    @inlinable @inline(__always)
    static func panelTile(
        _ panel: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>, rowStride: Int, step: Int, steps: Int,
        _ out: UnsafeMutablePointer<Float>, outputStride s: Int, rows: Int, start: UnsafeMutablePointer<Float>?, accumulate: Bool
    ) {
        let c0 = start.map { load($0) } ?? SIMD8(), c1 = start.map { load($0 + 8) } ?? SIMD8()
        var a00 = c0, a01 = c1, a10 = c0, a11 = c1, a20 = c0, a21 = c1
        var a30 = c0, a31 = c1, a40 = c0, a41 = c1, a50 = c0, a51 = c1
        if accumulate {
            a00 = load(out); a01 = load(out + 8)
            if rows > 1 { a10 = load(out + s); a11 = load(out + (s &+ 8)) }
            if rows > 2 { a20 = load(out + 2 &* s); a21 = load(out + (2 &* s &+ 8)) }
            if rows > 3 { a30 = load(out + 3 &* s); a31 = load(out + (3 &* s &+ 8)) }
            if rows > 4 { a40 = load(out + 4 &* s); a41 = load(out + (4 &* s &+ 8)) }
            if rows > 5 { a50 = load(out + 5 &* s); a51 = load(out + (5 &* s &+ 8)) }
        }
        let x0 = a, x1 = x0 + rowStride, x2 = x1 + rowStride, x3 = x2 + rowStride, x4 = x3 + rowStride, x5 = x4 + rowStride
        var r = panel, k = 0
        while k < steps {
            let v0 = load(r), v1 = load(r + 8), o = k &* step
            var u = SIMD8(repeating: x0[o]); a00 = a00.addingProduct(u, v0); a01 = a01.addingProduct(u, v1)
            if rows > 1 { u = SIMD8(repeating: x1[o]); a10 = a10.addingProduct(u, v0); a11 = a11.addingProduct(u, v1) }
            if rows > 2 { u = SIMD8(repeating: x2[o]); a20 = a20.addingProduct(u, v0); a21 = a21.addingProduct(u, v1) }
            if rows > 3 { u = SIMD8(repeating: x3[o]); a30 = a30.addingProduct(u, v0); a31 = a31.addingProduct(u, v1) }
            if rows > 4 { u = SIMD8(repeating: x4[o]); a40 = a40.addingProduct(u, v0); a41 = a41.addingProduct(u, v1) }
            if rows > 5 { u = SIMD8(repeating: x5[o]); a50 = a50.addingProduct(u, v0); a51 = a51.addingProduct(u, v1) }
            r += panelWidth
            k &+= 1
        }
        store(a00, out); store(a01, out + 8)
        if rows > 1 { store(a10, out + s); store(a11, out + (s &+ 8)) }
        if rows > 2 { store(a20, out + 2 &* s); store(a21, out + (2 &* s &+ 8)) }
        if rows > 3 { store(a30, out + 3 &* s); store(a31, out + (3 &* s &+ 8)) }
        if rows > 4 { store(a40, out + 4 &* s); store(a41, out + (4 &* s &+ 8)) }
        if rows > 5 { store(a50, out + 5 &* s); store(a51, out + (5 &* s &+ 8)) }
    }
}
