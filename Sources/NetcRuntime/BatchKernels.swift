/// Register-blocked Float kernels for dense layers over a whole batch, used by
/// generated code for every Float layer too large to unroll (batch 1 included:
/// leftover samples and rows fall back to smaller blocks). Operands keep their
/// documented layouts — weights W[outputs][inputs], activations
/// [batch][features]; only the weight gradient, at large batches, packs its
/// operands into a caller-provided scratch buffer.
///
/// Each micro-kernel holds 8–12 SIMD8 accumulators in registers and feeds
/// them with fused multiply-adds, loading fewer vectors than it issues FMAs,
/// so on AVX2/FMA hardware the FMA units, not the loads, bound it.
/// Build with `-Xswiftc -target-cpu -Xswiftc native` (or another AVX2 target)
/// for the hardware FMA; on baseline x86-64 `addingProduct` is emulated.
///
/// All concrete (no generics), so debug builds do not box vectors either.
public enum BatchKernels {
    @inlinable @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func sum(_ v: SIMD8<Float>) -> Float {
        ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]))
    }

    /// The lane sums of four vectors, as one vector: halves added, then
    /// pairwise sums of neighbouring lanes (shuffles and adds, no scalar chain).
    @inlinable @inline(__always)
    static func sum4(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> SIMD4<Float> {
        let p = a.lowHalf + a.highHalf, q = b.lowHalf + b.highHalf, r = c.lowHalf + c.highHalf, t = d.lowHalf + d.highHalf
        let pq = SIMD4(lowHalf: p.evenHalf, highHalf: q.evenHalf) + SIMD4(lowHalf: p.oddHalf, highHalf: q.oddHalf)
        let rt = SIMD4(lowHalf: r.evenHalf, highHalf: t.evenHalf) + SIMD4(lowHalf: r.oddHalf, highHalf: t.oddHalf)
        return SIMD4(lowHalf: pq.evenHalf, highHalf: rt.evenHalf) + SIMD4(lowHalf: pq.oddHalf, highHalf: rt.oddHalf)
    }

    /// The lane sums of eight vectors, as one vector (lane k: the sum of the
    /// k-th argument): 128-bit halves exchanged and added, then two rounds of
    /// pairwise sums of neighbouring lanes, as AVX's `vhaddps` does.
    @inlinable @inline(__always)
    static func sum8(
        _ a0: SIMD8<Float>, _ a1: SIMD8<Float>, _ a2: SIMD8<Float>, _ a3: SIMD8<Float>,
        _ a4: SIMD8<Float>, _ a5: SIMD8<Float>, _ a6: SIMD8<Float>, _ a7: SIMD8<Float>
    ) -> SIMD8<Float> {
        let t0 = SIMD8(lowHalf: a0.lowHalf, highHalf: a4.lowHalf) + SIMD8(lowHalf: a0.highHalf, highHalf: a4.highHalf)
        let t1 = SIMD8(lowHalf: a1.lowHalf, highHalf: a5.lowHalf) + SIMD8(lowHalf: a1.highHalf, highHalf: a5.highHalf)
        let t2 = SIMD8(lowHalf: a2.lowHalf, highHalf: a6.lowHalf) + SIMD8(lowHalf: a2.highHalf, highHalf: a6.highHalf)
        let t3 = SIMD8(lowHalf: a3.lowHalf, highHalf: a7.lowHalf) + SIMD8(lowHalf: a3.highHalf, highHalf: a7.highHalf)
        return pairSums(pairSums(t0, t1), pairSums(t2, t3))
    }

    /// Per 128-bit half: (a₀+a₁, a₂+a₃, b₀+b₁, b₂+b₃), the lane order of `vhaddps`.
    @inlinable @inline(__always)
    static func pairSums(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[0], a[2], b[0], b[2], a[4], a[6], b[4], b[6]) + SIMD8(a[1], a[3], b[1], b[3], a[5], a[7], b[5], b[7])
    }

    /// y[b][j] = bias[j] + Σᵢ W[j][i]·x[b][i] for b < count, j < m; n inputs.
    /// Blocks of 4 samples × 3 rows (12 accumulators, 7 loads per 12 FMAs),
    /// then 4 × 2 or 4 × 1 for the rows left over; samples left over run
    /// one at a time (`linearSample`).
    @inlinable @inline(__always)
    public static func linear(
        _ w: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?,
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int
    ) {
        var b = 0
        while b + 4 <= count {
            var j = 0
            while j &+ 3 <= m {
                linearBlock(w, bias, x, y, n: n, m: m, sample: b, row: j, rows: 3)
                j &+= 3
            }
            if m &- j == 2 { linearBlock(w, bias, x, y, n: n, m: m, sample: b, row: j, rows: 2) }
            if m &- j == 1 { linearBlock(w, bias, x, y, n: n, m: m, sample: b, row: j, rows: 1) }
            b &+= 4
        }
        while b < count {
            linearSample(w, bias, x + b &* n, y + b &* m, n: n, m: m)
            b &+= 1
        }
    }

    /// y[j] = bias[j] + Σᵢ W[j][i]·x[i] for one sample: blocks of 8 rows whose
    /// lane sums come out as one vector (`sum8`; when n is a whole number of
    /// vectors), then 4 rows with scalar sums, then single dot products. A
    /// function of its own, apart from `linear`'s blocked loop: vector sums
    /// written inside that loop once made the optimiser restructure all of it
    /// (docs/Performance.md).
    @inlinable
    static func linearSample(
        _ w: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?,
        _ xb: UnsafeMutablePointer<Float>, _ yb: UnsafeMutablePointer<Float>, n: Int, m: Int
    ) {
        let vectorEnd = n & ~7
        var j = 0
        if n == vectorEnd {
            while j &+ 8 <= m {
                let w0 = w + j &* n
                var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
                var i = 0
                while i < vectorEnd {
                    let u = load(xb + i)
                    a0 = a0.addingProduct(u, load(w0 + i)); a1 = a1.addingProduct(u, load(w0 + (n &+ i)))
                    a2 = a2.addingProduct(u, load(w0 + (2 &* n &+ i))); a3 = a3.addingProduct(u, load(w0 + (3 &* n &+ i)))
                    a4 = a4.addingProduct(u, load(w0 + (4 &* n &+ i))); a5 = a5.addingProduct(u, load(w0 + (5 &* n &+ i)))
                    a6 = a6.addingProduct(u, load(w0 + (6 &* n &+ i))); a7 = a7.addingProduct(u, load(w0 + (7 &* n &+ i)))
                    i &+= 8
                }
                var s = sum8(a0, a1, a2, a3, a4, a5, a6, a7)
                if let bias { s += load(bias + j) }
                store(s, yb + j)
                j &+= 8
            }
        }
        while j &+ 4 <= m {
            let w0 = w + j &* n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
            var i = 0
            while i < vectorEnd {
                let u = load(xb + i)
                a0 = a0.addingProduct(u, load(w0 + i)); a1 = a1.addingProduct(u, load(w1 + i))
                a2 = a2.addingProduct(u, load(w2 + i)); a3 = a3.addingProduct(u, load(w3 + i))
                i &+= 8
            }
            var s0 = sum(a0), s1 = sum(a1), s2 = sum(a2), s3 = sum(a3)
            while i < n {
                s0 += xb[i] * w0[i]; s1 += xb[i] * w1[i]; s2 += xb[i] * w2[i]; s3 += xb[i] * w3[i]
                i &+= 1
            }
            yb[j] = (bias?[j] ?? 0) + s0; yb[j &+ 1] = (bias?[j &+ 1] ?? 0) + s1
            yb[j &+ 2] = (bias?[j &+ 2] ?? 0) + s2; yb[j &+ 3] = (bias?[j &+ 3] ?? 0) + s3
            j &+= 4
        }
        while j < m {
            yb[j] = (bias?[j] ?? 0) + Kernels.dot(w + j &* n, xb, n)
            j &+= 1
        }
    }

    /// Wᵀ[i][j] = W[j][i] for W with `rows` rows of `columns` scalars
    /// (contiguous stores: strided ones cost 1–2 µs more for 128→64).
    @inlinable
    public static func transpose(_ w: UnsafeMutablePointer<Float>, into wt: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for i in 0..<columns {
            let column = wt + i &* rows
            for j in 0..<rows { column[j] = w[j &* columns &+ i] }
        }
    }

    /// Whether `linearTransposed` takes an n → m layer: outputs in whole 16s,
    /// and Wᵀ within 32 kB, so it stays in L1 while every sample block passes.
    public static func transposedFits(n: Int, m: Int) -> Bool {
        m % 16 == 0 && n &* m &* MemoryLayout<Float>.stride <= 32_768
    }

    /// `linear` for layers that `transposedFits`: W is transposed into
    /// `scratch` (n·m scalars), then blocks of 6 samples × 16 outputs run over
    /// Wᵀ, each step one x scalar broadcast against a row of it — 12
    /// accumulators, no horizontal sums. Samples left over run `linear` on W;
    /// under 6 samples nothing is transposed.
    @inlinable @inline(__always)
    public static func linearTransposed(
        _ w: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?,
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int,
        scratch wt: UnsafeMutablePointer<Float>
    ) {
        if count >= 6 { transpose(w, into: wt, rows: m, columns: n) }
        var b = 0
        while b &+ 6 <= count {
            let x0 = x + b &* n, x1 = x0 + n, x2 = x1 + n, x3 = x2 + n, x4 = x3 + n, x5 = x4 + n
            var j = 0
            while j < m {
                let c0 = bias.map { load($0 + j) } ?? SIMD8(), c1 = bias.map { load($0 + (j &+ 8)) } ?? SIMD8()
                var a00 = c0, a01 = c1, a10 = c0, a11 = c1, a20 = c0, a21 = c1
                var a30 = c0, a31 = c1, a40 = c0, a41 = c1, a50 = c0, a51 = c1
                var r = wt + j
                for i in 0..<n {
                    let v0 = load(r), v1 = load(r + 8)
                    var s = SIMD8(repeating: x0[i]); a00 = a00.addingProduct(s, v0); a01 = a01.addingProduct(s, v1)
                    s = SIMD8(repeating: x1[i]); a10 = a10.addingProduct(s, v0); a11 = a11.addingProduct(s, v1)
                    s = SIMD8(repeating: x2[i]); a20 = a20.addingProduct(s, v0); a21 = a21.addingProduct(s, v1)
                    s = SIMD8(repeating: x3[i]); a30 = a30.addingProduct(s, v0); a31 = a31.addingProduct(s, v1)
                    s = SIMD8(repeating: x4[i]); a40 = a40.addingProduct(s, v0); a41 = a41.addingProduct(s, v1)
                    s = SIMD8(repeating: x5[i]); a50 = a50.addingProduct(s, v0); a51 = a51.addingProduct(s, v1)
                    r += m
                }
                let y0 = y + (b &* m &+ j)
                store(a00, y0); store(a01, y0 + 8)
                store(a10, y0 + m); store(a11, y0 + (m &+ 8))
                store(a20, y0 + 2 &* m); store(a21, y0 + (2 &* m &+ 8))
                store(a30, y0 + 3 &* m); store(a31, y0 + (3 &* m &+ 8))
                store(a40, y0 + 4 &* m); store(a41, y0 + (4 &* m &+ 8))
                store(a50, y0 + 5 &* m); store(a51, y0 + (5 &* m &+ 8))
                j &+= 16
            }
            b &+= 6
        }
        if b < count { linear(w, bias, x + b &* n, y + b &* m, n: n, m: m, count: count &- b) }
    }

    /// y for samples b…b+3 and `rows` (1…3, a constant at each call) rows from j.
    @inlinable @inline(__always)
    static func linearBlock(
        _ w: UnsafeMutablePointer<Float>, _ bias: UnsafeMutablePointer<Float>?,
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, m: Int, sample b: Int, row j: Int, rows: Int
    ) {
        let vectorEnd = n & ~7
        let x0 = x + b &* n, x1 = x0 + n, x2 = x1 + n, x3 = x2 + n
        let w0 = w + j &* n, w1 = rows > 1 ? w0 + n : w0, w2 = rows > 2 ? w1 + n : w0
        var a00 = SIMD8<Float>(), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00
        var a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00
        var i = 0
        while i < vectorEnd {
            let v0 = load(w0 + i), v1 = rows > 1 ? load(w1 + i) : v0, v2 = rows > 2 ? load(w2 + i) : v0
            accumulate(load(x0 + i), v0, v1, v2, rows: rows, &a00, &a01, &a02)
            accumulate(load(x1 + i), v0, v1, v2, rows: rows, &a10, &a11, &a12)
            accumulate(load(x2 + i), v0, v1, v2, rows: rows, &a20, &a21, &a22)
            accumulate(load(x3 + i), v0, v1, v2, rows: rows, &a30, &a31, &a32)
            i &+= 8
        }
        let q0 = sum4(a00, a10, a20, a30), q1 = sum4(a01, a11, a21, a31), q2 = sum4(a02, a12, a22, a32)
        var s = (q0[0], q1[0], q2[0], q0[1], q1[1], q2[1], q0[2], q1[2], q2[2], q0[3], q1[3], q2[3])
        while i < n {
            let v0 = w0[i], v1 = w1[i], v2 = w2[i]
            s.0 += x0[i] * v0; s.1 += x0[i] * v1; s.2 += x0[i] * v2
            s.3 += x1[i] * v0; s.4 += x1[i] * v1; s.5 += x1[i] * v2
            s.6 += x2[i] * v0; s.7 += x2[i] * v1; s.8 += x2[i] * v2
            s.9 += x3[i] * v0; s.10 += x3[i] * v1; s.11 += x3[i] * v2
            i &+= 1
        }
        let y0 = y + (b &* m &+ j), y1 = y0 + m, y2 = y1 + m, y3 = y2 + m
        let c0 = bias?[j] ?? 0
        y0[0] = c0 + s.0; y1[0] = c0 + s.3; y2[0] = c0 + s.6; y3[0] = c0 + s.9
        if rows > 1 {
            let c1 = bias?[j &+ 1] ?? 0
            y0[1] = c1 + s.1; y1[1] = c1 + s.4; y2[1] = c1 + s.7; y3[1] = c1 + s.10
        }
        if rows > 2 {
            let c2 = bias?[j &+ 2] ?? 0
            y0[2] = c2 + s.2; y1[2] = c2 + s.5; y2[2] = c2 + s.8; y3[2] = c2 + s.11
        }
    }

    /// One sample's slice `u` times up to three rows' slices, into their accumulators.
    @inlinable @inline(__always)
    static func accumulate(
        _ u: SIMD8<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, rows: Int,
        _ a0: inout SIMD8<Float>, _ a1: inout SIMD8<Float>, _ a2: inout SIMD8<Float>
    ) {
        a0 = a0.addingProduct(u, v0)
        if rows > 1 { a1 = a1.addingProduct(u, v1) }
        if rows > 2 { a2 = a2.addingProduct(u, v2) }
    }

    /// dW[j][i] = Σ_b dy[b][j]·x[b][i] and db[j] = Σ_b dy[b][j] (overwritten,
    /// so the caller need not zero them): blocks of 4 rows × 16 columns,
    /// accumulated over the batch in registers.
    ///
    /// With `scratch` (room for `scratchSize(m:count:)` scalars) the operands
    /// are packed first: δ as 4-row panels [m/4][count][4], and each 16-column
    /// slice of x as [count][16] before its blocks run, so a block reads two
    /// contiguous streams. In place, a block's operands are one line per
    /// sample, `m` and `n` scalars apart: at large batches those lines crowd a
    /// few L1 sets and more pages than the L1 TLB holds (784→128 at batch 128:
    /// 72 % of peak in place, 92 % packed; see docs/Performance.md).
    @inlinable @inline(__always)
    public static func weightGradient(
        _ dy: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>,
        _ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>?, n: Int, m: Int, count: Int,
        scratch: UnsafeMutablePointer<Float>? = nil
    ) {
        if let db { biasGradient(dy, db, m: m, count: count) }
        let fullRows = m & ~3
        // (while loops, not stride(from:to:by:): the generic iterator allocates in debug builds)
        if let scratch {
            var j = 0
            while j < fullRows {
                let p = scratch + j &* count
                for b in 0..<count {
                    UnsafeMutableRawPointer(p + b &* 4).storeBytes(
                        of: UnsafeRawPointer(dy + (b &* m &+ j)).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                }
                j &+= 4
            }
        }
        var i = 0
        while i &+ 16 <= n {
            // Both calls pass constant strides, so each specialises; one call with
            // strides chosen at run time measured 72 % instead of 84 % at batch 32.
            if let scratch {
                let panel = scratch + fullRows &* count
                for b in 0..<count {
                    store(load(x + (b &* n &+ i)), panel + b &* 16)
                    store(load(x + (b &* n &+ i &+ 8)), panel + (b &* 16 &+ 8))
                }
                weightColumns(panel, xStride: 16, scratch, blockStride: count, sampleStride: 4, dy, dw + i, n: n, m: m, count: count)
            } else {
                weightColumns(x + i, xStride: n, dy, blockStride: 1, sampleStride: m, dy, dw + i, n: n, m: m, count: count)
            }
            i &+= 16
        }
        while i < n {
            for j in 0..<m {
                var s: Float = 0
                for b in 0..<count { s += dy[b &* m &+ j] * x[b &* n &+ i] }
                dw[j &* n &+ i] = s
            }
            i &+= 1
        }
    }

    /// db[j] = Σ_b dy[b][j] (overwritten), for both weight-gradient kernels.
    @inlinable @inline(__always)
    static func biasGradient(_ dy: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>, m: Int, count: Int) {
        for j in 0..<m { db[j] = 0 }
        for b in 0..<count {
            let d = dy + b &* m
            for j in 0..<m { db[j] += d[j] }
        }
    }

    /// An upper bound on every |dW[j][i]| = |Σ_b dy[b][j]·x[b][i]| that
    /// `weightGradient` computes, from magnitudes alone: count·max|dy|·max|x|,
    /// doubled so that rounding (one per term, relative 2⁻²⁴) cannot exceed it
    /// for a batch under 8 million samples; NaN or ∞ when an operand is.
    /// Reads count·(n + m) scalars instead of n·m: the training step's gradient
    /// check uses it for layers whose weights outnumber their batch's inputs
    /// and outputs, and reads dW only when the bound is above half the largest Float.
    @inlinable @inline(__always)
    public static func weightGradientBound(
        _ dy: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int
    ) -> Float {
        2 * Float(count) * Kernels.maxMagnitude(dy, count &* m) * Kernels.maxMagnitude(x, count &* n)
    }

    /// Space `weightGradient` needs in `scratch` to pack its operands.
    public static func scratchSize(m: Int, count: Int) -> Int { ((m & ~3) &+ 16) &* count }

    /// One 16-column slice of dW, every row: blocks of 4 rows read δ for block j
    /// from `d + j·blockStride` (rows 1 apart, samples `sampleStride` apart); the
    /// rows left over read `dy` in place.
    @inlinable @inline(__always)
    static func weightColumns(
        _ x: UnsafeMutablePointer<Float>, xStride: Int, _ d: UnsafeMutablePointer<Float>, blockStride: Int, sampleStride: Int,
        _ dy: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int
    ) {
        let fullRows = m & ~3
        var j = 0
        while j < fullRows {
            weightBlock(x, xStride: xStride, d + j &* blockStride, rowStride: 1, sampleStride: sampleStride, dw + j &* n, n: n, count: count)
            j &+= 4
        }
        while j < m {
            weightRow(x, xStride: xStride, dy + j, sampleStride: m, dw + j &* n, count: count)
            j &+= 1
        }
    }

    /// dW rows j…j+3, 16 columns: x[b] at `x + b·xStride`, δ(b, row r) at `d[b·sampleStride + r·rowStride]`.
    @inlinable @inline(__always)
    static func weightBlock(
        _ x: UnsafeMutablePointer<Float>, xStride: Int, _ d: UnsafeMutablePointer<Float>, rowStride: Int, sampleStride: Int,
        _ r0: UnsafeMutablePointer<Float>, n: Int, count: Int
    ) {
        var tile = Tile4x16()
        for b in 0..<count {
            let xb = x + b &* xStride, e = d + b &* sampleStride
            tile.add(e[0], e[rowStride], e[2 &* rowStride], e[3 &* rowStride], load(xb), load(xb + 8))
        }
        tile.store(r0, rowStride: n)
    }

    /// One dW row, 16 columns (the rows left over after blocks of 4).
    @inlinable @inline(__always)
    static func weightRow(
        _ x: UnsafeMutablePointer<Float>, xStride: Int, _ d: UnsafeMutablePointer<Float>, sampleStride: Int,
        _ r0: UnsafeMutablePointer<Float>, count: Int
    ) {
        var a0 = SIMD8<Float>(), a1 = a0
        for b in 0..<count {
            let xb = x + b &* xStride, s = SIMD8<Float>(repeating: d[b &* sampleStride])
            a0 = a0.addingProduct(s, load(xb)); a1 = a1.addingProduct(s, load(xb + 8))
        }
        store(a0, r0); store(a1, r0 + 8)
    }

    /// dx[b][i] (= or +=) Σⱼ dy[b][j]·W[j][i]: blocks of 4 samples × 16
    /// columns, accumulated over the rows of W in registers.
    @inlinable @inline(__always)
    public static func inputGradient(
        _ dy: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, accumulate: Bool, n: Int, m: Int, count: Int
    ) {
        var i = 0
        while i &+ 16 <= n {
            var b = 0
            while b &+ 4 <= count {
                let r0 = dx + (b &* n &+ i)
                var tile = accumulate ? Tile4x16(loading: r0, rowStride: n) : Tile4x16()
                let d = dy + b &* m
                for j in 0..<m {
                    let wj = w + (j &* n &+ i)
                    tile.add(d[j], d[m &+ j], d[2 &* m &+ j], d[3 &* m &+ j], load(wj), load(wj + 8))
                }
                tile.store(r0, rowStride: n)
                b &+= 4
            }
            while b < count {
                let r0 = dx + (b &* n &+ i)
                var a0 = accumulate ? load(r0) : SIMD8<Float>(), a1 = accumulate ? load(r0 + 8) : SIMD8<Float>()
                for j in 0..<m {
                    let wj = w + (j &* n &+ i), d = SIMD8<Float>(repeating: dy[b &* m &+ j])
                    a0 = a0.addingProduct(d, load(wj)); a1 = a1.addingProduct(d, load(wj + 8))
                }
                store(a0, r0); store(a1, r0 + 8)
                b &+= 1
            }
            i &+= 16
        }
        while i < n {
            for b in 0..<count {
                var s: Float = accumulate ? dx[b &* n &+ i] : 0
                for j in 0..<m { s += dy[b &* m &+ j] * w[j &* n &+ i] }
                dx[b &* n &+ i] = s
            }
            i &+= 1
        }
    }
}

/// A 4 × 16 block of Float accumulators in eight SIMD8 registers: four rows
/// of two vectors, each row grown by a scalar times the same 16 values —
/// the outer-product step of the weight- and input-gradient kernels.
@usableFromInline @frozen
struct Tile4x16 {
    @usableFromInline var a00, a01, a10, a11, a20, a21, a30, a31: SIMD8<Float>

    @inlinable @inline(__always)
    init() {
        a00 = SIMD8(); a01 = a00; a10 = a00; a11 = a00; a20 = a00; a21 = a00; a30 = a00; a31 = a00
    }

    /// The four rows of 16 at `r`, `rowStride` scalars apart.
    @inlinable @inline(__always)
    init(loading r: UnsafeMutablePointer<Float>, rowStride: Int) {
        let r1 = r + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride
        a00 = BatchKernels.load(r); a01 = BatchKernels.load(r + 8); a10 = BatchKernels.load(r1); a11 = BatchKernels.load(r1 + 8)
        a20 = BatchKernels.load(r2); a21 = BatchKernels.load(r2 + 8); a30 = BatchKernels.load(r3); a31 = BatchKernels.load(r3 + 8)
    }

    /// Row k += s_k · (u0, u1), as eight fused multiply-adds.
    @inlinable @inline(__always)
    mutating func add(_ s0: Float, _ s1: Float, _ s2: Float, _ s3: Float, _ u0: SIMD8<Float>, _ u1: SIMD8<Float>) {
        let d0 = SIMD8<Float>(repeating: s0), d1 = SIMD8<Float>(repeating: s1)
        let d2 = SIMD8<Float>(repeating: s2), d3 = SIMD8<Float>(repeating: s3)
        a00 = a00.addingProduct(d0, u0); a01 = a01.addingProduct(d0, u1)
        a10 = a10.addingProduct(d1, u0); a11 = a11.addingProduct(d1, u1)
        a20 = a20.addingProduct(d2, u0); a21 = a21.addingProduct(d2, u1)
        a30 = a30.addingProduct(d3, u0); a31 = a31.addingProduct(d3, u1)
    }

    /// Writes the four rows to `r`, `rowStride` scalars apart.
    @inlinable @inline(__always)
    func store(_ r: UnsafeMutablePointer<Float>, rowStride: Int) {
        let r1 = r + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride
        BatchKernels.store(a00, r); BatchKernels.store(a01, r + 8); BatchKernels.store(a10, r1); BatchKernels.store(a11, r1 + 8)
        BatchKernels.store(a20, r2); BatchKernels.store(a21, r2 + 8); BatchKernels.store(a30, r3); BatchKernels.store(a31, r3 + 8)
    }
}
