/// Float LSTM and GRU layers over a whole batch, their products through the dense
/// kernels: one product for every step's input projection, one per step for
/// the recurrent projection of all samples' states (a product of batch rows
/// rather than a matrix–vector product per sample), and, backward, one
/// product per step for the states' gradient and one each for the weight
/// gradients over every step at once.
///
/// Samples are [channels][length] in and [hidden][length] (or [hidden],
/// the last step) out, as the spec lays them out; gates in PyTorch's order
/// i, f, g, o. A `reversed` layer (a bidirectional layer's second
/// direction) runs from the sequence's end; its last step is position 0. The working space holds, step-major so that each step's rows
/// of all samples are contiguous: the inputs transposed, each step's gates,
/// cells, tanh of the cells and states, and the backward pass's gradients.
public enum RecurrentKernels {
    /// Where each part of an LSTM's working space starts.
    public struct LSTMLayout: Sendable {
        public let channels: Int, length: Int, hidden: Int, batch: Int
        var gates: Int { 4 * hidden }
        var rows: Int { length * batch }
        // [length][batch][channels], [length][batch][gates], [length][batch][hidden] twice,
        // [length + 1][batch][hidden] (states, the first zero), [gates], [batch][gates],
        // [length][batch][gates], [batch][hidden] twice, [length][batch][channels].
        var inputs: Int { 0 }
        var gateValues: Int { inputs + rows * channels }
        var cells: Int { gateValues + rows * gates }
        var tanhCells: Int { cells + rows * hidden }
        var states: Int { tanhCells + rows * hidden }
        var bias: Int { states + (length + 1) * batch * hidden }
        var product: Int { bias + gates }
        var gateGradients: Int { product + batch * gates }
        var stateGradient: Int { gateGradients + rows * gates }
        var cellGradient: Int { stateGradient + batch * hidden }
        var inputGradients: Int { cellGradient + batch * hidden }
        var weightPanels: Int { inputGradients + rows * channels }
        /// Scalars of working space for `batch` samples.
        public var size: Int { weightPanels + gates * (channels + hidden) }

        public init(channels: Int, length: Int, hidden: Int, batch: Int) {
            (self.channels, self.length, self.hidden, self.batch) = (channels, length, hidden, batch)
        }
    }

    /// The value of the first `count` samples (at most the layout's batch)
    /// of x; keeps what `lstmBackward` reads in `work`.
    public static func lstmForward(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, lastOnly: Bool, reversed: Bool,
        wi: UnsafeMutablePointer<Float>, wh: UnsafeMutablePointer<Float>,
        bi: UnsafeMutablePointer<Float>, bh: UnsafeMutablePointer<Float>,
        work: UnsafeMutablePointer<Float>, _ l: LSTMLayout, count: Int
    ) {
        let (C, T, H, G) = (l.channels, l.length, l.hidden, l.gates)
        let xs = work + l.inputs, a = work + l.gateValues, cells = work + l.cells, tc = work + l.tanhCells
        let hs = work + l.states, bias = work + l.bias, product = work + l.product
        stepMajor(x, xs, reversed: reversed, channels: C, length: T, count: count)
        for r in 0..<G { bias[r] = bi[r] + bh[r] }
        let panels = work + l.weightPanels
        let inputWeights = ProductWeights(wi, rows: G, columns: C, panels: panels), stateWeights = ProductWeights(wh, rows: G, columns: H, panels: panels + G &* C)
        inputWeights.product(bias, xs, a, count: T &* count)
        hs.update(repeating: 0, count: count &* H)
        for t in 0..<T {
            let at = a + t &* count &* G, h = hs + t &* count &* H, next = h + count &* H
            if t > 0 {
                stateWeights.product(nil, h, product, count: count)
                for k in 0..<(count &* G) { at[k] += product[k] }
            }
            for b in 0..<count {
                let s = at + b &* G, c = cells + (t &* count &+ b) &* H, tanhC = tc + (t &* count &+ b) &* H
                CPUKernels.activation(.sigmoid, s, into: s, 2 &* H)
                CPUKernels.activation(.tanh, s + 2 &* H, into: s + 2 &* H, H)
                CPUKernels.activation(.sigmoid, s + 3 &* H, into: s + 3 &* H, H)
                if t > 0 {
                    let before = c - count &* H
                    for k in 0..<H { c[k] = s[H &+ k] * before[k] + s[k] * s[2 &* H &+ k] }
                } else {
                    for k in 0..<H { c[k] = s[k] * s[2 &* H &+ k] }
                }
                CPUKernels.activation(.tanh, c, into: tanhC, H)
                let state = next + b &* H
                for k in 0..<H { state[k] = s[3 &* H &+ k] * tanhC[k] }
            }
        }
        output(hs + count &* H, y, lastOnly: lastOnly, reversed: reversed, hidden: H, length: T, count: count)
    }

    /// Back through the steps from dy; with `dwi`… the parameter gradients
    /// (overwritten: this layer is their only contributor), with `dx` the
    /// input gradient (assigned, or added with `accumulate`). Reads what
    /// `lstmForward` kept for the same samples.
    public static func lstmBackward(
        _ dy: UnsafeMutablePointer<Float>, lastOnly: Bool, reversed: Bool, dx: UnsafeMutablePointer<Float>?, accumulate: Bool,
        wi: UnsafeMutablePointer<Float>, wh: UnsafeMutablePointer<Float>,
        dwi: UnsafeMutablePointer<Float>?, dwh: UnsafeMutablePointer<Float>?,
        dbi: UnsafeMutablePointer<Float>?, dbh: UnsafeMutablePointer<Float>?,
        work: UnsafeMutablePointer<Float>, _ l: LSTMLayout, count: Int
    ) {
        let (C, T, H, G) = (l.channels, l.length, l.hidden, l.gates)
        let xs = work + l.inputs, a = work + l.gateValues, cells = work + l.cells, tc = work + l.tanhCells
        let hs = work + l.states, da = work + l.gateGradients, dh = work + l.stateGradient, dc = work + l.cellGradient
        let dxs = work + l.inputGradients
        if lastOnly { dh.update(from: dy, count: count &* H) } else { dh.update(repeating: 0, count: count &* H) }
        dc.update(repeating: 0, count: count &* H)
        for t in stride(from: T &- 1, through: 0, by: -1) {
            let dat = da + t &* count &* G
            if !lastOnly { addOutputGradient(dy, dh, step: t, reversed: reversed, hidden: H, length: T, count: count) }
            for b in 0..<count {
                let s = a + (t &* count &+ b) &* G, tanhC = tc + (t &* count &+ b) &* H, d = dat + b &* G
                let dhb = dh + b &* H, dcb = dc + b &* H
                let before: UnsafeMutablePointer<Float>? = t > 0 ? cells + ((t &- 1) &* count &+ b) &* H : nil
                for k in 0..<H {
                    let i = s[k], f = s[H &+ k], g = s[2 &* H &+ k], o = s[3 &* H &+ k], c = tanhC[k]
                    let dhk = dhb[k], dck = dcb[k] + dhk * o * (1 - c * c), cell = before?[k] ?? 0
                    d[k] = dck * g * i * (1 - i)
                    d[H &+ k] = dck * cell * f * (1 - f)
                    d[2 &* H &+ k] = dck * i * (1 - g * g)
                    d[3 &* H &+ k] = dhk * c * o * (1 - o)
                    dcb[k] = dck * f
                }
            }
            if t > 0 { CPUKernels.inputGradient(dat, wh, dh, accumulate: false, n: H, m: G, count: count) }
        }
        if let dwi { CPUKernels.weightGradient(da, xs, dwi, dbi, n: C, m: G, count: T &* count) }
        if let dbi, let dbh { dbh.update(from: dbi, count: G) }
        if let dwh {
            // Step t's gates against the state before it, h_{t−1}: from step 1 on (h₋₁ is zero).
            if T > 1 {
                CPUKernels.weightGradient(da + count &* G, hs + count &* H, dwh, nil, n: H, m: G, count: (T &- 1) &* count)
            } else {
                dwh.update(repeating: 0, count: G &* H)
            }
        }
        guard let dx else { return }
        CPUKernels.inputGradient(da, wi, dxs, accumulate: false, n: C, m: G, count: T &* count)
        sampleMajor(dxs, dx, accumulate: accumulate, reversed: reversed, channels: C, length: T, count: count)
    }

    /// Where each part of a GRU's working space starts.
    public struct GRULayout: Sendable {
        public let channels: Int, length: Int, hidden: Int, batch: Int
        var gates: Int { 3 * hidden }
        var rows: Int { length * batch }
        // [length][batch][channels]; [length][batch][gates] twice: a = W_ih x + b_ih, whose
        // values become r, z, n and then their gradients, and b = W_hh h + b_hh, which becomes
        // its gradient; [length + 1][batch][hidden] states, the first zero; [batch][hidden];
        // [length][batch][channels].
        var inputs: Int { 0 }
        var inputProducts: Int { inputs + rows * channels }
        var stateProducts: Int { inputProducts + rows * gates }
        var states: Int { stateProducts + rows * gates }
        var stateGradient: Int { states + (length + 1) * batch * hidden }
        var inputGradients: Int { stateGradient + batch * hidden }
        var weightPanels: Int { inputGradients + rows * channels }
        /// Scalars of working space for `batch` samples.
        public var size: Int { weightPanels + gates * (channels + hidden) }

        public init(channels: Int, length: Int, hidden: Int, batch: Int) {
            (self.channels, self.length, self.hidden, self.batch) = (channels, length, hidden, batch)
        }
    }

    /// A GRU layer's value for the first `count` samples of x, as `lstmForward`.
    public static func gruForward(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, lastOnly: Bool, reversed: Bool,
        wi: UnsafeMutablePointer<Float>, wh: UnsafeMutablePointer<Float>,
        bi: UnsafeMutablePointer<Float>, bh: UnsafeMutablePointer<Float>,
        work: UnsafeMutablePointer<Float>, _ l: GRULayout, count: Int
    ) {
        let (C, T, H, G) = (l.channels, l.length, l.hidden, l.gates)
        let xs = work + l.inputs, a = work + l.inputProducts, bp = work + l.stateProducts, hs = work + l.states
        stepMajor(x, xs, reversed: reversed, channels: C, length: T, count: count)
        let panels = work + l.weightPanels
        let inputWeights = ProductWeights(wi, rows: G, columns: C, panels: panels), stateWeights = ProductWeights(wh, rows: G, columns: H, panels: panels + G &* C)
        inputWeights.product(bi, xs, a, count: T &* count)
        hs.update(repeating: 0, count: count &* H)
        for t in 0..<T {
            let h = hs + t &* count &* H, next = h + count &* H, bt = bp + t &* count &* G
            stateWeights.product(bh, h, bt, count: count)
            for b in 0..<count {
                let s = a + (t &* count &+ b) &* G, sb = bt + b &* G, before = h + b &* H, state = next + b &* H
                for k in 0..<(2 &* H) { s[k] += sb[k] }
                CPUKernels.activation(.sigmoid, s, into: s, 2 &* H)
                for k in 0..<H { s[2 &* H &+ k] += s[k] * sb[2 &* H &+ k] }
                CPUKernels.activation(.tanh, s + 2 &* H, into: s + 2 &* H, H)
                for k in 0..<H {
                    let z = s[H &+ k], n = s[2 &* H &+ k]
                    state[k] = (1 - z) * n + z * before[k]
                }
            }
        }
        output(hs + count &* H, y, lastOnly: lastOnly, reversed: reversed, hidden: H, length: T, count: count)
    }

    /// A GRU layer's gradients, as `lstmBackward`.
    public static func gruBackward(
        _ dy: UnsafeMutablePointer<Float>, lastOnly: Bool, reversed: Bool, dx: UnsafeMutablePointer<Float>?, accumulate: Bool,
        wi: UnsafeMutablePointer<Float>, wh: UnsafeMutablePointer<Float>,
        dwi: UnsafeMutablePointer<Float>?, dwh: UnsafeMutablePointer<Float>?,
        dbi: UnsafeMutablePointer<Float>?, dbh: UnsafeMutablePointer<Float>?,
        work: UnsafeMutablePointer<Float>, _ l: GRULayout, count: Int
    ) {
        let (C, T, H, G) = (l.channels, l.length, l.hidden, l.gates)
        let xs = work + l.inputs, a = work + l.inputProducts, bp = work + l.stateProducts, hs = work + l.states
        let dh = work + l.stateGradient, dxs = work + l.inputGradients
        if lastOnly { dh.update(from: dy, count: count &* H) } else { dh.update(repeating: 0, count: count &* H) }
        for t in stride(from: T &- 1, through: 0, by: -1) {
            if !lastOnly { addOutputGradient(dy, dh, step: t, reversed: reversed, hidden: H, length: T, count: count) }
            let bt = bp + t &* count &* G
            for b in 0..<count {
                // r, z, n become da; b_n becomes db.
                let s = a + (t &* count &+ b) &* G, sb = bt + b &* G, before = hs + (t &* count &+ b) &* H, dhb = dh + b &* H
                for k in 0..<H {
                    let r = s[k], z = s[H &+ k], n = s[2 &* H &+ k], bn = sb[2 &* H &+ k], dhk = dhb[k]
                    let dn = dhk * (1 - z) * (1 - n * n)
                    s[k] = dn * bn * r * (1 - r)
                    s[H &+ k] = dhk * (before[k] - n) * z * (1 - z)
                    s[2 &* H &+ k] = dn
                    sb[k] = s[k]
                    sb[H &+ k] = s[H &+ k]
                    sb[2 &* H &+ k] = dn * r
                    dhb[k] = dhk * z
                }
            }
            if t > 0 { CPUKernels.inputGradient(bt, wh, dh, accumulate: true, n: H, m: G, count: count) }
        }
        if let dwi { CPUKernels.weightGradient(a, xs, dwi, dbi, n: C, m: G, count: T &* count) }
        // Each step's db against the state before it (h₋₁ = 0 adds nothing to dW_hh but counts for db_hh).
        if let dwh { CPUKernels.weightGradient(bp, hs, dwh, dbh, n: H, m: G, count: T &* count) }
        guard let dx else { return }
        CPUKernels.inputGradient(a, wi, dxs, accumulate: false, n: C, m: G, count: T &* count)
        sampleMajor(dxs, dx, accumulate: accumulate, reversed: reversed, channels: C, length: T, count: count)
    }

    /// x [count][channels][length] as rows [length][count][channels], in
    /// the order the steps run (`reversed`: from the sequence's end).
    static func stepMajor(_ x: UnsafeMutablePointer<Float>, _ rows: UnsafeMutablePointer<Float>, reversed: Bool,
                          channels: Int, length: Int, count: Int) {
        for t in 0..<length {
            let position = reversed ? length &- 1 &- t : t
            for b in 0..<count {
                let row = rows + (t &* count &+ b) &* channels, sample = x + b &* channels &* length
                for ch in 0..<channels { row[ch] = sample[ch &* length &+ position] }
            }
        }
    }

    /// Rows [length][count][channels] in step order as samples
    /// [count][channels][length], assigned or added.
    static func sampleMajor(_ rows: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, accumulate: Bool, reversed: Bool,
                            channels: Int, length: Int, count: Int) {
        for b in 0..<count {
            let sample = x + b &* channels &* length
            for t in 0..<length {
                let row = rows + (t &* count &+ b) &* channels, position = reversed ? length &- 1 &- t : t
                if accumulate {
                    for ch in 0..<channels { sample[ch &* length &+ position] += row[ch] }
                } else {
                    for ch in 0..<channels { sample[ch &* length &+ position] = row[ch] }
                }
            }
        }
    }

    /// The value from each step's states [length][count][hidden]: all of them, or the last step's.
    static func output(_ states: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, lastOnly: Bool, reversed: Bool,
                       hidden: Int, length: Int, count: Int) {
        if lastOnly {
            y.update(from: states + (length &- 1) &* count &* hidden, count: count &* hidden)
        } else {
            sampleMajor(states, y, accumulate: false, reversed: reversed, channels: hidden, length: length, count: count)
        }
    }

    /// dy's share of each step's state gradient at step t: the whole sequence's, or nothing (the last step's is dh's start).
    static func addOutputGradient(_ dy: UnsafeMutablePointer<Float>, _ dh: UnsafeMutablePointer<Float>, step: Int, reversed: Bool,
                                  hidden: Int, length: Int, count: Int) {
        let t = reversed ? length &- 1 &- step : step
        for b in 0..<count {
            let sample = dy + b &* hidden &* length, row = dh + b &* hidden
            for k in 0..<hidden { row[k] += sample[k &* length &+ t] }
        }
    }
}
