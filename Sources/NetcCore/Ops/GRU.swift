import NetcRuntime

/// A gated recurrent unit layer over a sequence of `channels` × `length`
/// (PyTorch's `nn.GRU(channels, hidden, batch_first=True)` on the
/// transposed sequence), from zero state. At each step t, gates in PyTorch's
/// order r, z, n, with a = W_ih x_t + b_ih and b = W_hh h_{t−1} + b_hh:
///
///     r = σ(a_r + b_r);  z = σ(a_z + b_z);  n = tanh(a_n + r ⊙ b_n)
///     h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
///
/// Its value is every h_t as hidden × length, or h at the last step. The
/// derivative runs back through time as `LSTMOp`'s does.
public struct GRUOp: Op {
    public let channels: Int, length: Int, hidden: Int
    public let lastOnly: Bool
    public let reversed: Bool
    public let bidirectional: Bool
    public var name: String { "gru" }

    public var gates: Int { 3 * hidden }
    /// A step's record in the working space: r, z, n, b_n, h.
    var step: Int { 5 * hidden }
    /// The working space: each step's record, then the backward pass's
    /// running dh, one step's gradients of a and b, and one step's input gradient.
    public var workspace: Int { step * length + 7 * hidden + channels }
    /// W_ihᵀ [channels][gates] and W_hhᵀ [hidden][gates], as `LSTMOp.prepared`.
    public var prepared: Int { gates * (channels + hidden) }

    public func emitPrepare(_ node: Node, _ c: inout OpCode) {
        let (wi, wh, _, _) = tensors(node, c), pre = c.prepared(node)
        let (G, C, H) = (gates, channels, hidden)
        c.block("for r in 0..<\(G)") { c in
            c.line("for ch in 0..<\(C) { \(pre)[ch &* \(G) &+ r] = \(wi)[r &* \(C) &+ ch] }")
            c.line("for k in 0..<\(H) { \(pre)[\(G * C) &+ k &* \(G) &+ r] = \(wh)[r &* \(H) &+ k] }")
        }
    }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let products = 2 * gates * (channels + hidden) * length
        return Flops(forward: products + 10 * hidden * length, parameterGradient: products,
                     inputGradient: products + 14 * hidden * length)
    }

    /// Each step's r, z, n, b_n and h, for one sample.
    func steps(_ x: [Double], _ node: Node, _ p: [Double], _ graph: Graph) -> [[Double]] {
        let (wi, wh, bi, bh) = offsets(node, graph)
        var records: [[Double]] = []
        var h = [Double](repeating: 0, count: hidden)
        for t in 0..<length {
            var a = [Double](repeating: 0, count: gates), b = a
            for r in 0..<gates {
                a[r] = p[bi + r] + (0..<channels).reduce(0) { $0 + p[wi + r * channels + $1] * x[$1 * length + t] }
                b[r] = p[bh + r] + (0..<hidden).reduce(0) { $0 + p[wh + r * hidden + $1] * h[$1] }
            }
            var record = [Double](repeating: 0, count: step)
            for k in 0..<hidden {
                let r = Math.sigmoid(a[k] + b[k]), z = Math.sigmoid(a[hidden + k] + b[hidden + k])
                let n = Math.tanh(a[2 * hidden + k] + r * b[2 * hidden + k])
                h[k] = (1 - z) * n + z * h[k]
                for (slot, v) in [r, z, n, b[2 * hidden + k], h[k]].enumerated() { record[slot * hidden + k] = v }
            }
            records.append(record)
        }
        return records
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let records = steps(ordered(inputs[0], channels), node, parameters, graph), h = 4 * hidden
        if lastOnly { return Array(records[length - 1][h..<(h + hidden)]) }
        return ordered((0..<(hidden * length)).map { records[$0 % length][h + $0 / length] }, hidden)
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters p: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = ordered(inputs[0], channels), dy = lastOnly ? gradient : ordered(gradient, hidden)
        let records = steps(x, node, p, graph), (wi, wh, bi, bh) = offsets(node, graph)
        var dx = [Double](repeating: 0, count: channels * length)
        var dh = lastOnly ? dy : [Double](repeating: 0, count: hidden)
        for t in stride(from: length - 1, through: 0, by: -1) {
            let s = records[t]
            var da = [Double](repeating: 0, count: gates), db = da, direct = [Double](repeating: 0, count: hidden)
            for k in 0..<hidden {
                let dhk = dh[k] + (lastOnly ? 0 : dy[k * length + t])
                let r = s[k], z = s[hidden + k], n = s[2 * hidden + k], bn = s[3 * hidden + k]
                let previous = t > 0 ? records[t - 1][4 * hidden + k] : 0
                let dn = dhk * (1 - z) * (1 - n * n)
                da[k] = dn * bn * r * (1 - r)
                da[hidden + k] = dhk * (previous - n) * z * (1 - z)
                da[2 * hidden + k] = dn
                direct[k] = dhk * z
            }
            for k in 0..<gates { db[k] = k < 2 * hidden ? da[k] : da[k] * s[k - 2 * hidden] }
            for r in 0..<gates {
                parameterGradient[bi + r] += da[r]
                parameterGradient[bh + r] += db[r]
                for ch in 0..<channels { parameterGradient[wi + r * channels + ch] += da[r] * x[ch * length + t] }
                if t > 0 { for k in 0..<hidden { parameterGradient[wh + r * hidden + k] += db[r] * records[t - 1][4 * hidden + k] } }
            }
            for ch in 0..<channels { dx[ch * length + t] = (0..<gates).reduce(0) { $0 + p[wi + $1 * channels + ch] * da[$1] } }
            for k in 0..<hidden { dh[k] = direct[k] + (0..<gates).reduce(0) { $0 + p[wh + $1 * hidden + k] * db[$1] } }
        }
        return [ordered(dx, channels)]
    }

    /// The steps in order, each step's record written into `w`, the gate
    /// pre-activations a and b in the backward pass's space after the records;
    /// each product a loop along contiguous memory, as `LSTMOp`'s.
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let (_, _, bi, bh) = tensors(node, c), pre = c.prepared(node)
        let (G, H, C, T, S) = (gates, hidden, channels, length, step)
        let w = Local.workspace, position = self.position
        c.line("let a = \(w) + \(S * T + H), b = a + \(G)")
        c.block("for t in 0..<\(T)") { c in
            c.line("let s = \(w) + t &* \(S), previous = t > 0 ? s - \(S) : s  // read only for t > 0")
            c.line("a.update(from: \(bi), count: \(G)); b.update(from: \(bh), count: \(G))")
            c.line("for ch in 0..<\(C) { let v = \(x0)[ch &* \(T) &+ \(position)], column = \(pre) + ch &* \(G); for r in 0..<\(G) { a[r] += column[r] * v } }")
            c.line("if t > 0 { for k in 0..<\(H) { let v = previous[\(4 * H) &+ k], column = \(pre) + (\(G * C) &+ k &* \(G)); for r in 0..<\(G) { b[r] += column[r] * v } } }")
            c.block("for k in 0..<\(H)") { c in
                c.line("let r = Math.sigmoid(a[k] + b[k]), z = Math.sigmoid(a[\(H) &+ k] + b[\(H) &+ k])")
                c.line("let bn = b[\(2 * H) &+ k], n = Math.tanh(a[\(2 * H) &+ k] + r * bn)")
                c.line("let h = t > 0 ? (1 - z) * n + z * previous[\(4 * H) &+ k] : (1 - z) * n")
                c.line("s[k] = r; s[\(H) &+ k] = z; s[\(2 * H) &+ k] = n; s[\(3 * H) &+ k] = bn; s[\(4 * H) &+ k] = h")
                if !lastOnly { c.line("\(y)[k &* \(T) &+ \(position)] = h") }
            }
        }
        if lastOnly { c.line("for k in 0..<\(H) { \(y)[k] = \(w)[\((T - 1) * S + 4 * H) &+ k] }") }
    }

    /// Back through the steps, with dh and the step's gradients of a and b
    /// after the records in `w`.
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard parameterGradients || !edges.isEmpty else { return }
        let (wi, wh, _, _) = tensors(node, c), (dwi, dwh, dbi, dbh) = tensors(node, c, gradients: true)
        let assign = edges.first.map { c.assign($0) }
        let (H, C, T, S) = (hidden, channels, length, step)
        let w = Local.workspace, position = self.position
        c.line("let dh = \(w) + \(S * T), da = dh + \(H), db = da + \(gates)")
        if assign != nil { c.line("let dxt = dh + \(7 * H)") }
        c.line(lastOnly ? "dh.update(from: \(dy), count: \(H))" : "dh.update(repeating: 0, count: \(H))")
        c.block("for t in stride(from: \(T - 1), through: 0, by: -1)") { c in
            c.line("let s = \(w) + t &* \(S), previous = t > 0 ? s - \(S) : s  // read only for t > 0")
            c.block("for k in 0..<\(H)") { c in
                c.line(lastOnly ? "let dhk = dh[k]" : "let dhk = dh[k] + \(dy)[k &* \(T) &+ \(position)]")
                c.line("let r = s[k], z = s[\(H) &+ k], n = s[\(2 * H) &+ k], bn = s[\(3 * H) &+ k]")
                c.line("let before: Scalar = t > 0 ? previous[\(4 * H) &+ k] : 0, dn = dhk * (1 - z) * (1 - n * n)")
                c.line("da[k] = dn * bn * r * (1 - r); db[k] = da[k]")
                c.line("da[\(H) &+ k] = dhk * (before - n) * z * (1 - z); db[\(H) &+ k] = da[\(H) &+ k]")
                c.line("da[\(2 * H) &+ k] = dn; db[\(2 * H) &+ k] = dn * r")
                c.line("dh[k] = dhk * z")
            }
            if parameterGradients {
                c.block("for r in 0..<\(gates)") { c in
                    c.line("\(dbi)[r] += da[r]; \(dbh)[r] += db[r]")
                    c.line("for ch in 0..<\(C) { \(dwi)[r &* \(C) &+ ch] += da[r] * \(x0)[ch &* \(T) &+ \(position)] }")
                    c.line("if t > 0 { for k in 0..<\(H) { \(dwh)[r &* \(H) &+ k] += db[r] * previous[\(4 * H) &+ k] } }")
                }
            }
            if let assign {
                c.line("dxt.update(repeating: 0, count: \(C))")
                c.line("for r in 0..<\(gates) { let d = da[r], row = \(wi) + r &* \(C); for ch in 0..<\(C) { dxt[ch] += row[ch] * d } }")
                c.line("for ch in 0..<\(C) { \(dx0)[ch &* \(T) &+ \(position)] \(assign) dxt[ch] }")
            }
            c.line("if t > 0 { for r in 0..<\(gates) { let d = db[r], row = \(wh) + r &* \(H); for k in 0..<\(H) { dh[k] += row[k] * d } } }")
        }
    }
}
