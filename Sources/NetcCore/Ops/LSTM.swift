import NetcRuntime

/// A long short-term memory layer over a sequence of `channels` × `length`
/// (PyTorch's `nn.LSTM(channels, hidden, batch_first=True)` on the
/// transposed sequence), from zero state. At each step t, with x_t the
/// channels at t and gates in PyTorch's order i, f, g, o:
///
///     a = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh
///     i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
///     c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t)
///
/// Its value is every h_t as hidden × length (channels first, so a
/// convolution, a pool or another `lstm` reads it), or h at the last step.
/// The derivative runs back through time: the gradient reaching h_t (from
/// the value and from step t + 1) and c_t gives each step's gate gradients,
/// which give the parameter gradients, x_t's gradient and h_{t−1}'s.
public struct LSTMOp: Op {
    public let channels: Int, length: Int, hidden: Int
    public let lastOnly: Bool
    public let reversed: Bool
    public let bidirectional: Bool
    public var name: String { "lstm" }

    public var gates: Int { 4 * hidden }
    /// A step's record in the working space: i, f, g, o, c, tanh(c), h.
    var step: Int { 7 * hidden }
    /// The working space: each step's record, then the backward pass's
    /// running dh and dc, one step's gate gradients, and one step's input
    /// and input gradient.
    public var workspace: Int { step * length + 6 * hidden + 2 * channels }
    /// The summed bias b_ih + b_hh, then W_ihᵀ [channels][gates] and W_hhᵀ
    /// [hidden][gates]: each step then adds a column of gates per input
    /// value, a loop along contiguous memory the optimiser vectorises, where
    /// a dot product per gate would be a chain of dependent additions.
    public var prepared: Int { gates * (1 + channels + hidden) }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let products = 2 * gates * (channels + hidden) * length
        return Flops(forward: products + 12 * hidden * length, parameterGradient: products,
                     inputGradient: products + 14 * hidden * length)
    }

    /// Each step's i, f, g, o, c and h, for one sample (the interpreter's record).
    func steps(_ x: [Double], _ node: Node, _ parameters: [Double], _ graph: Graph) -> [[Double]] {
        let (wi, wh, bi, bh) = offsets(node, graph)
        var records: [[Double]] = []
        var h = [Double](repeating: 0, count: hidden), c = h
        for t in 0..<length {
            var a = [Double](repeating: 0, count: gates)
            for r in 0..<gates {
                var sum = parameters[bi + r] + parameters[bh + r]
                for ch in 0..<channels { sum += parameters[wi + r * channels + ch] * x[ch * length + t] }
                for k in 0..<hidden { sum += parameters[wh + r * hidden + k] * h[k] }
                a[r] = sum
            }
            var record = [Double](repeating: 0, count: 6 * hidden)
            for k in 0..<hidden {
                let i = Math.sigmoid(a[k]), f = Math.sigmoid(a[hidden + k])
                let g = Math.tanh(a[2 * hidden + k]), o = Math.sigmoid(a[3 * hidden + k])
                c[k] = f * c[k] + i * g
                h[k] = o * Math.tanh(c[k])
                for (slot, v) in [i, f, g, o, c[k], h[k]].enumerated() { record[slot * hidden + k] = v }
            }
            records.append(record)
        }
        return records
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let records = steps(ordered(inputs[0], channels), node, parameters, graph), h = 5 * hidden
        if lastOnly { return Array(records[length - 1][h..<(h + hidden)]) }
        return ordered((0..<(hidden * length)).map { records[$0 % length][h + $0 / length] }, hidden)
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = ordered(inputs[0], channels), dy = lastOnly ? gradient : ordered(gradient, hidden)
        let records = steps(x, node, parameters, graph), (wi, wh, bi, bh) = offsets(node, graph)
        var dx = [Double](repeating: 0, count: channels * length)
        var dh = lastOnly ? dy : [Double](repeating: 0, count: hidden), dc = [Double](repeating: 0, count: hidden)
        for t in stride(from: length - 1, through: 0, by: -1) {
            let s = records[t]
            var da = [Double](repeating: 0, count: gates)
            for k in 0..<hidden {
                let dhk = dh[k] + (lastOnly ? 0 : dy[k * length + t])
                let i = s[k], f = s[hidden + k], g = s[2 * hidden + k], o = s[3 * hidden + k], tc = Math.tanh(s[4 * hidden + k])
                let dck = dc[k] + dhk * o * (1 - tc * tc), previous = t > 0 ? records[t - 1][4 * hidden + k] : 0
                da[k] = dck * g * i * (1 - i)
                da[hidden + k] = dck * previous * f * (1 - f)
                da[2 * hidden + k] = dck * i * (1 - g * g)
                da[3 * hidden + k] = dhk * tc * o * (1 - o)
                dc[k] = dck * f
            }
            for r in 0..<gates {
                parameterGradient[bi + r] += da[r]
                parameterGradient[bh + r] += da[r]
                for ch in 0..<channels { parameterGradient[wi + r * channels + ch] += da[r] * x[ch * length + t] }
                if t > 0 { for k in 0..<hidden { parameterGradient[wh + r * hidden + k] += da[r] * records[t - 1][5 * hidden + k] } }
            }
            for ch in 0..<channels {
                dx[ch * length + t] = (0..<gates).reduce(0) { $0 + parameters[wi + $1 * channels + ch] * da[$1] }
            }
            for k in 0..<hidden { dh[k] = (0..<gates).reduce(0) { $0 + parameters[wh + $1 * hidden + k] * da[$1] } }
        }
        return [ordered(dx, channels)]
    }

    public func emitPrepare(_ node: Node, _ c: inout OpCode) {
        let (wi, wh, bi, bh) = tensors(node, c), pre = c.prepared(node)
        let (G, C, H) = (gates, channels, hidden)
        c.block("for r in 0..<\(G)") { c in
            c.line("\(pre)[r] = \(bi)[r] + \(bh)[r]")
            c.line("for ch in 0..<\(C) { \(pre)[\(G) &+ ch &* \(G) &+ r] = \(wi)[r &* \(C) &+ ch] }")
            c.line("for k in 0..<\(H) { \(pre)[\(G * (1 + C)) &+ k &* \(G) &+ r] = \(wh)[r &* \(H) &+ k] }")
        }
    }

    /// The steps in order, each step's record written into `w`; the value
    /// copied out of the records' h.
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let pre = c.prepared(node)
        let (G, H, C, T, S) = (gates, hidden, channels, length, step)
        let w = Local.workspace, position = self.position
        c.block("for t in 0..<\(T)") { c in
            c.line("let s = \(w) + t &* \(S), previous = t > 0 ? s - \(S) : s  // read only for t > 0")
            c.line("s.update(from: \(pre), count: \(G))")
            c.line("for ch in 0..<\(C) { let v = \(x0)[ch &* \(T) &+ \(position)], column = \(pre) + (\(G) &+ ch &* \(G)); for r in 0..<\(G) { s[r] += column[r] * v } }")
            c.line("if t > 0 { for k in 0..<\(H) { let v = previous[\(6 * H) &+ k], column = \(pre) + (\(G * (1 + C)) &+ k &* \(G)); for r in 0..<\(G) { s[r] += column[r] * v } } }")
            c.line("for k in 0..<\(2 * H) { s[k] = Math.sigmoid(s[k]) }")
            c.line("for k in \(2 * H)..<\(3 * H) { s[k] = Math.tanh(s[k]) }")
            c.line("for k in \(3 * H)..<\(4 * H) { s[k] = Math.sigmoid(s[k]) }")
            c.line("if t > 0 { for k in 0..<\(H) { s[\(4 * H) &+ k] = s[\(H) &+ k] * previous[\(4 * H) &+ k] + s[k] * s[\(2 * H) &+ k] } }")
            c.line("else { for k in 0..<\(H) { s[\(4 * H) &+ k] = s[k] * s[\(2 * H) &+ k] } }")
            c.line("for k in 0..<\(H) { s[\(5 * H) &+ k] = Math.tanh(s[\(4 * H) &+ k]) }")
            c.line("for k in 0..<\(H) { s[\(6 * H) &+ k] = s[\(3 * H) &+ k] * s[\(5 * H) &+ k] }")
            if !lastOnly { c.line("for k in 0..<\(H) { \(y)[k &* \(T) &+ \(position)] = s[\(6 * H) &+ k] }") }
        }
        if lastOnly { c.line("\(y).update(from: \(w) + \((T - 1) * S + 6 * H), count: \(H))") }
    }

    /// Back through the steps, with dh, dc, the step's gate gradients da, x_t
    /// and its gradient after the records in `w`; every product a loop along
    /// contiguous memory.
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard parameterGradients || !edges.isEmpty else { return }
        let (wi, wh, _, _) = tensors(node, c), (dwi, dwh, dbi, dbh) = tensors(node, c, gradients: true)
        let assign = edges.first.map { c.assign($0) }
        let (G, H, C, T, S) = (gates, hidden, channels, length, step)
        let w = Local.workspace, position = self.position
        c.line("let dh = \(w) + \(S * T), dc = dh + \(H), da = dh + \(2 * H)")
        if parameterGradients { c.line("let xt = dh + \(6 * H)") }
        if assign != nil { c.line("let dxt = dh + \(6 * H + C)") }
        c.line(lastOnly ? "dh.update(from: \(dy), count: \(H))" : "dh.update(repeating: 0, count: \(H))")
        c.line("dc.update(repeating: 0, count: \(H))")
        c.block("for t in stride(from: \(T - 1), through: 0, by: -1)") { c in
            c.line("let s = \(w) + t &* \(S), previous = t > 0 ? s - \(S) : s  // read only for t > 0")
            if !lastOnly { c.line("for k in 0..<\(H) { dh[k] += \(dy)[k &* \(T) &+ \(position)] }") }
            c.block("for k in 0..<\(H)") { c in
                c.line("let i = s[k], f = s[\(H) &+ k], g = s[\(2 * H) &+ k], o = s[\(3 * H) &+ k], tc = s[\(5 * H) &+ k]")
                c.line("let dhk = dh[k], dck = dc[k] + dhk * o * (1 - tc * tc), cell: Scalar = t > 0 ? previous[\(4 * H) &+ k] : 0")
                c.line("da[k] = dck * g * i * (1 - i)")
                c.line("da[\(H) &+ k] = dck * cell * f * (1 - f)")
                c.line("da[\(2 * H) &+ k] = dck * i * (1 - g * g)")
                c.line("da[\(3 * H) &+ k] = dhk * tc * o * (1 - o)")
                c.line("dc[k] = dck * f")
            }
            if parameterGradients {
                c.line("for r in 0..<\(G) { \(dbi)[r] += da[r]; \(dbh)[r] += da[r] }")
                c.line("for ch in 0..<\(C) { xt[ch] = \(x0)[ch &* \(T) &+ \(position)] }")
                c.line("for r in 0..<\(G) { let d = da[r], row = \(dwi) + r &* \(C); for ch in 0..<\(C) { row[ch] += d * xt[ch] } }")
                c.line("if t > 0 { let h = previous + \(6 * H); for r in 0..<\(G) { let d = da[r], row = \(dwh) + r &* \(H); for k in 0..<\(H) { row[k] += d * h[k] } } }")
            }
            if let assign {
                c.line("dxt.update(repeating: 0, count: \(C))")
                c.line("for r in 0..<\(G) { let d = da[r], row = \(wi) + r &* \(C); for ch in 0..<\(C) { dxt[ch] += row[ch] * d } }")
                c.line("for ch in 0..<\(C) { \(dx0)[ch &* \(T) &+ \(position)] \(assign) dxt[ch] }")
            }
            c.block("if t > 0") { c in
                c.line("dh.update(repeating: 0, count: \(H))")
                c.line("for r in 0..<\(G) { let d = da[r], row = \(wh) + r &* \(H); for k in 0..<\(H) { dh[k] += row[k] * d } }")
            }
        }
    }
}
