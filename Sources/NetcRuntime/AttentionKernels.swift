internal import CNetcRuntime

/// Multi-head self-attention's kernels. The core — each head's softmax rows
/// and the mix they weight, and its derivative — runs per sample, for any
/// scalar (`mix`, `mixBackward`: generated Double code calls them from its
/// per-sample bodies). A Float layer runs over the whole batch
/// (`forward`, `backward`): its projections are single products of every
/// sample's positions through the dense kernels.
///
/// One sample's rows, position by position: q, k, v as [length][3·channels]
/// (query, key and value of position t side by side), each head's
/// probabilities as [heads][length][length] (a causal layer's row i holds
/// i + 1 of them), and the mix O as [length][channels]; head h owns
/// channels h·D ..< (h + 1)·D of q, k, v and O, D = channels / heads.
public enum AttentionKernels {
    /// O_h = softmax(Q_h K_hᵀ · scale) V_h for every head, the probabilities
    /// kept in `p`; `kv` is room for K and V transposed (2 · channels · length).
    /// With `ids`, the sample's, a key whose id is `paddingId` gets
    /// probability 0 (`maskPadding`).
    @inlinable
    public static func mix<T: BinaryFloatingPoint & MathScalar>(
        _ qkv: UnsafeMutablePointer<T>, _ p: UnsafeMutablePointer<T>, _ o: UnsafeMutablePointer<T>, _ kv: UnsafeMutablePointer<T>,
        channels E: Int, length L: Int, heads H: Int, causal: Bool, scale: T, ids: UnsafeMutablePointer<T>? = nil, paddingId: T = 0
    ) {
        let D = E / H, G = 3 &* E, kt = kv
        transposeKeysAndValues(qkv, kv, channels: E, length: L)
        for h in 0..<H {
            for i in 0..<L {
                let q = qkv + (i &* G &+ h &* D), scores = p + (h &* L &+ i) &* L, out = o + (i &* E &+ h &* D)
                let n = causal ? i &+ 1 : L
                // A row of scores as a sum of key rows (K transposed), each step independent across keys.
                scores.update(repeating: 0, count: n)
                for d in 0..<D {
                    let qd = q[d] * scale, keys = kt + (h &* D &+ d) &* L
                    for j in 0..<n { scores[j] += qd * keys[j] }
                }
                if let ids, !maskPadding(scores, n, ids, paddingId) {
                    for d in 0..<D { out[d] = 0 }
                    continue
                }
                var top = -T.infinity
                for j in 0..<n { top = scores[j] > top ? scores[j] : top }  // a NaN score is not the top, and its exponential is NaN
                T.mathExp(scores, minus: top, into: scores, n)
                var sum: T = 0
                for j in 0..<n { sum += scores[j] }
                let inverse = 1 / sum
                for d in 0..<D { out[d] = 0 }
                for j in 0..<n {
                    let pj = scores[j] * inverse, v = qkv + (j &* G &+ 2 &* E &+ h &* D)
                    scores[j] = pj
                    for d in 0..<D { out[d] += pj * v[d] }
                }
            }
        }
    }

    /// Sets the scores of padded keys (id `paddingId`) to −∞, so their
    /// exponentials, and probabilities, are 0; when every key is padding,
    /// sets the whole row to 0 and returns false: the query mixes nothing
    /// (PyTorch's softmax of −∞ alone gives NaN).
    @inlinable
    static func maskPadding<T: BinaryFloatingPoint>(_ scores: UnsafeMutablePointer<T>, _ n: Int, _ ids: UnsafeMutablePointer<T>, _ paddingId: T) -> Bool {
        var open = 0
        for j in 0..<n {
            if ids[j] == paddingId { scores[j] = -T.infinity } else { open &+= 1 }
        }
        if open == 0 { scores.update(repeating: 0, count: n) }
        return open > 0
    }

    /// dQ, dK, dV (overwritten in `dqkv`, laid out as q, k, v) from dO:
    /// dP = dO_h V_hᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ_h = dS K_h · scale,
    /// dK_h = dSᵀ Q_h · scale, dV_h = Pᵀ dO_h. `dp` holds one row (`length`),
    /// `kv` is room for K and V transposed.
    @inlinable
    public static func mixBackward<T: BinaryFloatingPoint & MathScalar>(
        _ qkv: UnsafeMutablePointer<T>, _ p: UnsafeMutablePointer<T>, _ dO: UnsafeMutablePointer<T>,
        _ dqkv: UnsafeMutablePointer<T>, _ dp: UnsafeMutablePointer<T>, _ kv: UnsafeMutablePointer<T>,
        channels E: Int, length L: Int, heads H: Int, causal: Bool, scale: T
    ) {
        let D = E / H, G = 3 &* E, vt = kv + E &* L
        transposeKeysAndValues(qkv, kv, channels: E, length: L)
        dqkv.update(repeating: 0, count: L &* G)
        for h in 0..<H {
            for i in 0..<L {
                let q = qkv + (i &* G &+ h &* D), dq = dqkv + (i &* G &+ h &* D)
                let scores = p + (h &* L &+ i) &* L, go = dO + (i &* E &+ h &* D)
                let n = causal ? i &+ 1 : L
                dp.update(repeating: 0, count: n)
                for d in 0..<D {
                    let g = go[d], values = vt + (h &* D &+ d) &* L
                    for j in 0..<n { dp[j] += g * values[j] }
                }
                var dot: T = 0
                for j in 0..<n { dot += scores[j] * dp[j] }
                for j in 0..<n {
                    let pj = scores[j], ds = pj * (dp[j] - dot) * scale
                    let k = qkv + (j &* G &+ E &+ h &* D), dk = dqkv + (j &* G &+ E &+ h &* D), dv = dk + E
                    for d in 0..<D {
                        dq[d] += ds * k[d]
                        dk[d] += ds * q[d]
                        dv[d] += pj * go[d]
                    }
                }
            }
        }
    }

    /// K and V of one sample transposed into `kv`: [channels][length] each.
    @inlinable
    static func transposeKeysAndValues<T>(_ qkv: UnsafeMutablePointer<T>, _ kv: UnsafeMutablePointer<T>, channels E: Int, length L: Int) {
        let vt = kv + E &* L
        for t in 0..<L {
            let k = qkv + (t &* 3 &* E &+ E), v = k + E
            for ch in 0..<E {
                kv[ch &* L &+ t] = k[ch]
                vt[ch &* L &+ t] = v[ch]
            }
        }
    }

    /// Where each part of a Float layer's working space starts, for `batch` samples.
    public struct Layout: Sendable {
        public let channels: Int, length: Int, heads: Int, batch: Int
        var rows: Int { length * batch }
        // [batch][length][channels] rows: the inputs; [rows][3·channels]: q, k, v; [batch][heads][length][length]: P;
        // [rows][channels] each: O, the output (then dY), dO; [rows][3·channels]: dQ, dK, dV;
        // [rows][channels]: the inputs' gradient; each sample's room for one head's operands (`HeadRoom`); W_in and W_out in panels.
        var inputs: Int { 0 }
        var qkv: Int { inputs + rows * channels }
        var probabilities: Int { qkv + rows * 3 * channels }
        var mixed: Int { probabilities + batch * heads * length * length }
        var outputs: Int { mixed + rows * channels }
        var mixedGradient: Int { outputs + rows * channels }
        var qkvGradient: Int { mixedGradient + rows * channels }
        var inputGradients: Int { qkvGradient + rows * 3 * channels }
        var head: Int { inputGradients + rows * channels }
        /// One head's operands (`HeadRoom`), per sample: samples run in parallel parts.
        var headRoom: Int { 7 * length * (channels / heads) + length * length }
        var weightPanels: Int { head + batch * headRoom }
        /// Scalars of working space.
        public var size: Int { weightPanels + 4 * channels * channels }

        public init(channels: Int, length: Int, heads: Int, batch: Int) {
            (self.channels, self.length, self.heads, self.batch) = (channels, length, heads, batch)
        }
    }

    /// The value of the first `count` samples of x ([count][channels][length]
    /// in and out); keeps what `backward` reads in `work`. With `ids`
    /// ([count][length]), a key whose id is `paddingId` is masked (`maskPadding`).
    public static func forward(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, causal: Bool, scale: Float,
        ids: UnsafeMutablePointer<Float>? = nil, paddingId: Float = 0,
        wi: UnsafeMutablePointer<Float>, bi: UnsafeMutablePointer<Float>, wo: UnsafeMutablePointer<Float>, bo: UnsafeMutablePointer<Float>,
        work: UnsafeMutablePointer<Float>, _ l: Layout, count: Int
    ) {
        let (E, L) = (l.channels, l.length), rows = count &* L
        let xs = work + l.inputs, qkv = work + l.qkv, p = work + l.probabilities, o = work + l.mixed, ys = work + l.outputs
        transpose(x, into: xs, channels: E, length: L, count: count)
        let panels = work + l.weightPanels
        ProductWeights(wi, rows: 3 &* E, columns: E, panels: panels).product(bi, xs, qkv, count: rows)
        var job = MixJob(qkv: qkv, p: p, mixed: o, qkvGradient: qkv, rooms: work + l.head, layout: l, causal: causal, scale: scale,
                         ids: ids, paddingId: paddingId, count: count, backward: false)
        job.run(work: 2 * Double(count * L * L * E))
        ProductWeights(wo, rows: E, columns: E, panels: panels + 3 &* E &* E).product(bo, o, ys, count: rows)
        for b in 0..<count {
            let sample = y + b &* E &* L, rowsOf = ys + b &* L &* E
            for t in 0..<L { for ch in 0..<E { sample[ch &* L &+ t] = rowsOf[t &* E &+ ch] } }
        }
    }

    /// From dy, the parameter gradients (overwritten: the layer is their
    /// only contributor; nil when not wanted) and with `dx` the input
    /// gradient (assigned, or added with `accumulate`). Reads what `forward`
    /// kept for the same samples.
    public static func backward(
        _ dy: UnsafeMutablePointer<Float>, causal: Bool, scale: Float, dx: UnsafeMutablePointer<Float>?, accumulate: Bool,
        wi: UnsafeMutablePointer<Float>, wo: UnsafeMutablePointer<Float>,
        dwi: UnsafeMutablePointer<Float>?, dbi: UnsafeMutablePointer<Float>?, dwo: UnsafeMutablePointer<Float>?, dbo: UnsafeMutablePointer<Float>?,
        work: UnsafeMutablePointer<Float>, _ l: Layout, count: Int
    ) {
        let (E, L) = (l.channels, l.length), rows = count &* L
        let xs = work + l.inputs, qkv = work + l.qkv, p = work + l.probabilities, o = work + l.mixed
        let dys = work + l.outputs, dO = work + l.mixedGradient, dqkv = work + l.qkvGradient
        transpose(dy, into: dys, channels: E, length: L, count: count)
        if let dwo { CPUKernels.weightGradient(dys, o, dwo, dbo, n: E, m: E, count: rows) }
        CPUKernels.inputGradient(dys, wo, dO, accumulate: false, n: E, m: E, count: rows)
        var job = MixJob(qkv: qkv, p: p, mixed: dO, qkvGradient: dqkv, rooms: work + l.head, layout: l, causal: causal, scale: scale,
                         ids: nil, paddingId: 0, count: count, backward: true)
        job.run(work: 4 * Double(count * L * L * E))
        if let dwi { CPUKernels.weightGradient(dqkv, xs, dwi, dbi, n: E, m: 3 &* E, count: rows) }
        guard let dx else { return }
        let dxs = work + l.inputGradients
        CPUKernels.inputGradient(dqkv, wi, dxs, accumulate: false, n: E, m: 3 &* E, count: rows)
        for b in 0..<count {
            let sample = dx + b &* E &* L, rowsOf = dxs + b &* L &* E
            for t in 0..<L {
                if accumulate {
                    for ch in 0..<E { sample[ch &* L &+ t] += rowsOf[t &* E &+ ch] }
                } else {
                    for ch in 0..<E { sample[ch &* L &+ t] = rowsOf[t &* E &+ ch] }
                }
            }
        }
    }

    /// Each head's softmax rows and mix (`mixHeads`), or their derivative
    /// (`mixHeadsBackward`), for every sample: samples run in parts across
    /// the thread budget when the work is worth it, each in its own room.
    /// `mixed` is O, or dO when `backward`.
    struct MixJob {
        let qkv, p, mixed, qkvGradient, rooms: UnsafeMutablePointer<Float>
        let layout: Layout, causal: Bool, scale: Float
        /// The samples' ids, when padding is masked (forward only: a masked key's P is 0, so the backward pass needs no mask).
        let ids: UnsafeMutablePointer<Float>?, paddingId: Float
        let count: Int, backward: Bool

        func run(_ samples: Range<Int>) {
            let (E, L, H) = (layout.channels, layout.length, layout.heads)
            for b in samples {
                let s = b &* L &* 3 &* E, probabilities = p + b &* H &* L &* L, m = mixed + b &* L &* E
                let room = HeadRoom(rooms + b &* layout.headRoom, layout)
                if backward {
                    mixHeadsBackward(qkv + s, probabilities, m, qkvGradient + s, room, layout, causal: causal, scale: scale)
                } else {
                    mixHeads(qkv + s, probabilities, m, room, layout, causal: causal, scale: scale,
                             ids: ids.map { $0 + b &* L }, paddingId: paddingId)
                }
            }
        }

        /// `run` over every sample, split as a product of `work` multiply-adds would be (`netc_parallel_parts`).
        mutating func run(work: Double) {
            let parts = min(count, netc_parallel_parts(work))
            guard parts > 1 else { return run(0..<count) }
            withUnsafeMutablePointer(to: &self) { job in
                netc_parallel_run(parts, { context, part, parts in
                    let job = context!.assumingMemoryBound(to: MixJob.self).pointee
                    job.run((job.count &* part / parts)..<(job.count &* (part &+ 1) / parts))
                }, job)
            }
        }
    }

    /// One head's operands as contiguous matrices, [length][D] each (V also
    /// [D][length]), and a [length][length] matrix, for the dense kernels.
    struct HeadRoom {
        let q, k, v, vt, dO, dq, dk, dv, dp: UnsafeMutablePointer<Float>
        init(_ base: UnsafeMutablePointer<Float>, _ l: Layout) {
            let n = l.length &* (l.channels / l.heads)
            (q, k, v, vt, dO, dq, dk) = (base, base + n, base + 2 &* n, base + 3 &* n, base + 4 &* n, base + 5 &* n, base + 6 &* n)
            dv = vt  // V transposed is read forward only
            dp = base + 7 &* n
        }
    }

    /// `mix` for one Float sample through the dense kernels: per head,
    /// S = Q_h K_hᵀ and O_h = P V_h are each one product.
    static func mixHeads(_ qkv: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ o: UnsafeMutablePointer<Float>,
                         _ room: HeadRoom, _ l: Layout, causal: Bool, scale: Float, ids: UnsafeMutablePointer<Float>?, paddingId: Float) {
        let (E, L, H) = (l.channels, l.length, l.heads), D = E / H, G = 3 &* E
        for h in 0..<H {
            for t in 0..<L {
                let row = qkv + (t &* G &+ h &* D)
                for d in 0..<D {
                    room.q[t &* D &+ d] = row[d]
                    room.k[t &* D &+ d] = row[E &+ d]
                    room.vt[d &* L &+ t] = row[2 &* E &+ d]
                }
            }
            let scores = p + h &* L &* L
            CPUKernels.linear(room.k, nil, room.q, scores, n: D, m: L, count: L)
            for i in 0..<L {
                let row = scores + i &* L, n = causal ? i &+ 1 : L
                var top = -Float.infinity
                if let ids {
                    for j in 0..<n { row[j] *= scale }
                    guard maskPadding(row, n, ids, paddingId) else {
                        for j in n..<L { row[j] = 0 }
                        continue
                    }
                    for j in 0..<n { top = row[j] > top ? row[j] : top }
                } else {
                    for j in 0..<n {
                        row[j] *= scale
                        top = row[j] > top ? row[j] : top  // a NaN score is not the top, and its exponential is NaN
                    }
                }
                Math.exp(row, minus: top, into: row, n)
                var sum: Float = 0
                for j in 0..<n { sum += row[j] }
                let inverse = 1 / sum
                for j in 0..<n { row[j] *= inverse }
                for j in n..<L { row[j] = 0 }
            }
            CPUKernels.linear(room.vt, nil, scores, room.q, n: L, m: D, count: L)  // O_h, over Q_h
            for t in 0..<L { for d in 0..<D { o[t &* E &+ h &* D &+ d] = room.q[t &* D &+ d] } }
        }
    }

    /// `mixBackward` for one Float sample through the dense kernels: per
    /// head, dP = dO_h V_hᵀ, dQ_h = dS K_h, dK_h = dSᵀ Q_h and dV_h = Pᵀ dO_h
    /// are each one product.
    static func mixHeadsBackward(_ qkv: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ dO: UnsafeMutablePointer<Float>,
                                 _ dqkv: UnsafeMutablePointer<Float>, _ room: HeadRoom, _ l: Layout, causal: Bool, scale: Float) {
        let (E, L, H) = (l.channels, l.length, l.heads), D = E / H, G = 3 &* E
        for h in 0..<H {
            for t in 0..<L {
                let row = qkv + (t &* G &+ h &* D), gradient = dO + (t &* E &+ h &* D)
                for d in 0..<D {
                    room.q[t &* D &+ d] = row[d]
                    room.k[t &* D &+ d] = row[E &+ d]
                    room.v[t &* D &+ d] = row[2 &* E &+ d]
                    room.dO[t &* D &+ d] = gradient[d]
                }
            }
            let scores = p + h &* L &* L, dp = room.dp
            CPUKernels.linear(room.v, nil, room.dO, dp, n: D, m: L, count: L)
            for i in 0..<L {
                let row = scores + i &* L, d = dp + i &* L, n = causal ? i &+ 1 : L
                var dot: Float = 0
                for j in 0..<n { dot += row[j] * d[j] }
                for j in 0..<n { d[j] = row[j] * (d[j] - dot) * scale }
                for j in n..<L { d[j] = 0 }
            }
            CPUKernels.inputGradient(dp, room.k, room.dq, accumulate: false, n: D, m: L, count: L)
            CPUKernels.weightGradient(dp, room.q, room.dk, nil, n: D, m: L, count: L)
            CPUKernels.weightGradient(scores, room.dO, room.dv, nil, n: D, m: L, count: L)
            for t in 0..<L {
                let row = dqkv + (t &* G &+ h &* D)
                for d in 0..<D {
                    row[d] = room.dq[t &* D &+ d]
                    row[E &+ d] = room.dk[t &* D &+ d]
                    row[2 &* E &+ d] = room.dv[t &* D &+ d]
                }
            }
        }
    }

    /// Samples [count][channels][length] as rows [count][length][channels].
    static func transpose(_ x: UnsafeMutablePointer<Float>, into rows: UnsafeMutablePointer<Float>, channels: Int, length: Int, count: Int) {
        for b in 0..<count {
            let sample = x + b &* channels &* length, out = rows + b &* length &* channels
            for ch in 0..<channels { for t in 0..<length { out[t &* channels &+ ch] = sample[ch &* length &+ t] } }
        }
    }
}
