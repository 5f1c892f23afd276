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
    /// The value is h at the last step only (a vector).
    public let lastOnly: Bool
    public var name: String { "lstm" }

    var gates: Int { 4 * hidden }
    /// A step's record in the working space: i, f, g, o, c, h.
    var step: Int { 6 * hidden }
    /// The working space: each step's record, then the backward pass's
    /// running dh and dc and one step's gate gradients (6 × hidden).
    public var workspace: Int { step * (length + 1) }
    public var outputShape: Shape { lastOnly ? .vector(hidden) : Shape([hidden, length]) }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? outputShape : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let products = 2 * gates * (channels + hidden) * length
        return Flops(forward: products + 12 * hidden * length, parameterGradient: products,
                     inputGradient: products + 14 * hidden * length)
    }

    /// Each step's i, f, g, o, c and h, for one sample.
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
            var record = [Double](repeating: 0, count: step)
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

    /// Where W_ih, W_hh, b_ih and b_hh start in the flat parameters.
    func offsets(_ node: Node, _ graph: Graph) -> (Int, Int, Int, Int) {
        let o = node.parameters.map { graph.parameters[$0].offset }
        return (o[0], o[1], o[2], o[3])
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let records = steps(inputs[0], node, parameters, graph), h = 5 * hidden
        if lastOnly { return Array(records[length - 1][h..<(h + hidden)]) }
        return (0..<(hidden * length)).map { records[$0 % length][h + $0 / length] }
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0], records = steps(x, node, parameters, graph), (wi, wh, bi, bh) = offsets(node, graph)
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
        return [dx]
    }

    /// The steps in order, each step's record written into `w`; the value
    /// copied out of the records' h.
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let wi = c.parameter(node.parameters[0]), wh = c.parameter(node.parameters[1])
        let bi = c.parameter(node.parameters[2]), bh = c.parameter(node.parameters[3])
        let (H, C, T, S) = (hidden, channels, length, step)
        let w = Local.workspace
        c.block("for t in 0..<\(T)") { c in
            c.line("let s = \(w) + t &* \(S), previous = t > 0 ? s - \(S) : s  // read only for t > 0")
            c.block("for r in 0..<\(gates)") { c in
                c.line("var sum = \(bi)[r] + \(bh)[r]")
                c.line("for ch in 0..<\(C) { sum += \(wi)[r &* \(C) &+ ch] * \(x0)[ch &* \(T) &+ t] }")
                c.line("if t > 0 { for k in 0..<\(H) { sum += \(wh)[r &* \(H) &+ k] * previous[\(5 * H) &+ k] } }")
                c.line("s[r] = sum")
            }
            c.block("for k in 0..<\(H)") { c in
                c.line("let i = Math.sigmoid(s[k]), f = Math.sigmoid(s[\(H) &+ k])")
                c.line("let g = Math.tanh(s[\(2 * H) &+ k]), o = Math.sigmoid(s[\(3 * H) &+ k])")
                c.line("let cell = t > 0 ? f * previous[\(4 * H) &+ k] + i * g : i * g, h = o * Math.tanh(cell)")
                c.line("s[k] = i; s[\(H) &+ k] = f; s[\(2 * H) &+ k] = g; s[\(3 * H) &+ k] = o; s[\(4 * H) &+ k] = cell; s[\(5 * H) &+ k] = h")
                if !lastOnly { c.line("\(y)[k &* \(T) &+ t] = h") }
            }
        }
        if lastOnly { c.line("for k in 0..<\(H) { \(y)[k] = \(w)[\((T - 1) * S + 5 * H) &+ k] }") }
    }

    /// Back through the steps, with dh, dc and the step's gate gradients da
    /// after the records in `w`.
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard parameterGradients || !edges.isEmpty else { return }
        let wi = c.parameter(node.parameters[0]), wh = c.parameter(node.parameters[1])
        let dwi = c.parameterGradient(node.parameters[0]), dwh = c.parameterGradient(node.parameters[1])
        let dbi = c.parameterGradient(node.parameters[2]), dbh = c.parameterGradient(node.parameters[3])
        let assign = edges.first.map { c.assign($0) }
        let (H, C, T, S) = (hidden, channels, length, step)
        let w = Local.workspace
        c.line("let dh = \(w) + \(S * T), dc = dh + \(H), da = dh + \(2 * H)")
        c.line(lastOnly ? "dh.update(from: \(dy), count: \(H))" : "dh.update(repeating: 0, count: \(H))")
        c.line("dc.update(repeating: 0, count: \(H))")
        c.block("for t in stride(from: \(T - 1), through: 0, by: -1)") { c in
            c.line("let s = \(w) + t &* \(S), previous = t > 0 ? s - \(S) : s  // read only for t > 0")
            c.block("for k in 0..<\(H)") { c in
                c.line(lastOnly ? "let dhk = dh[k]" : "let dhk = dh[k] + \(dy)[k &* \(T) &+ t]")
                c.line("let i = s[k], f = s[\(H) &+ k], g = s[\(2 * H) &+ k], o = s[\(3 * H) &+ k], tc = Math.tanh(s[\(4 * H) &+ k])")
                c.line("let dck = dc[k] + dhk * o * (1 - tc * tc), cell: Scalar = t > 0 ? previous[\(4 * H) &+ k] : 0")
                c.line("da[k] = dck * g * i * (1 - i)")
                c.line("da[\(H) &+ k] = dck * cell * f * (1 - f)")
                c.line("da[\(2 * H) &+ k] = dck * i * (1 - g * g)")
                c.line("da[\(3 * H) &+ k] = dhk * tc * o * (1 - o)")
                c.line("dc[k] = dck * f")
            }
            if parameterGradients {
                c.block("for r in 0..<\(gates)") { c in
                    c.line("let d = da[r]")
                    c.line("\(dbi)[r] += d; \(dbh)[r] += d")
                    c.line("for ch in 0..<\(C) { \(dwi)[r &* \(C) &+ ch] += d * \(x0)[ch &* \(T) &+ t] }")
                    c.line("if t > 0 { for k in 0..<\(H) { \(dwh)[r &* \(H) &+ k] += d * previous[\(5 * H) &+ k] } }")
                }
            }
            if let assign {
                c.block("for ch in 0..<\(C)") { c in
                    c.line("var sum: Scalar = 0")
                    c.line("for r in 0..<\(gates) { sum += \(wi)[r &* \(C) &+ ch] * da[r] }")
                    c.line("\(dx0)[ch &* \(T) &+ t] \(assign) sum")
                }
            }
            c.block("if t > 0") { c in
                c.block("for k in 0..<\(H)") { c in
                    c.line("var sum: Scalar = 0")
                    c.line("for r in 0..<\(gates) { sum += \(wh)[r &* \(H) &+ k] * da[r] }")
                    c.line("dh[k] = sum")
                }
            }
        }
    }

    /// `nn.LSTM` reads batch × length × channels: the sequence is transposed in and out.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let sequence = "\(p.module)(\(p.x0).transpose(1, 2))[0]"
        return PyTorchForm(module: "nn.LSTM(\(channels), \(hidden), batch_first=True)",
                           value: lastOnly ? "\(sequence)[:, -1]" : "\(sequence).transpose(1, 2)")
    }
}
