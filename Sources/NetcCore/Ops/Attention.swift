import NetcRuntime

/// Multi-head scaled dot-product self-attention over a sequence of
/// `channels` (E) × `length` (L), as PyTorch's
/// `nn.MultiheadAttention(E, heads, batch_first=True)` called with the
/// transposed sequence as query, key and value. With X the sequence as rows
/// (one per position) and each head h taking D = E / heads of the channels:
///
///     [Q K V] = X W_inᵀ + b_in;  P_h = softmax(Q_h K_hᵀ / √D) by rows
///     O_h = P_h V_h;  Y = O W_outᵀ + b_out
///
/// A causal layer masks the scores of later positions (PyTorch's
/// upper-triangular `attn_mask`); with `paddingId`, the second input's ids
/// mask the keys of padded positions (PyTorch's `key_padding_mask`). A
/// masked key's probability is 0, so no gradient reaches it through P; a
/// query left with no key mixes nothing (O = 0, where PyTorch gives NaN).
/// The value is Y transposed back,
/// channels × length. The derivative: with dY, dO = dY W_out; per head
/// dP = dO_h V_hᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ_h = dS K_h / √D,
/// dK_h = dSᵀ Q_h / √D, dV_h = Pᵀ dO_h; then dX = [dQ dK dV] W_in.
public struct AttentionOp: Op {
    public let channels: Int, length: Int, heads: Int, causal: Bool
    /// The id of padding in the second input; nil: no second input.
    public var paddingId: Double? = nil
    public var name: String { "attention" }
    /// The ids that mask padding get no gradient.
    public func differentiates(input k: Int) -> Bool { k == 0 }

    /// D, the channels of one head.
    var width: Int { channels / heads }
    var scale: Double { 1 / Double(width).squareRoot() }
    /// The positions query i attends to: 0..<keys(i).
    func keys(_ i: Int) -> Int { causal ? i + 1 : length }
    /// Those of them whose keys are not padding, given the sample's ids.
    func keys(_ i: Int, ids: [Double]?) -> [Int] { PaddingMask.open(0..<keys(i), ids: ids, paddingId: paddingId) }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == (paddingId == nil ? 1 : 2) ? Shape([channels, length]) : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let (e, l) = (channels, length), pairs = causal ? l * (l + 1) / 2 : l * l
        return Flops(forward: 8 * e * e * l + 4 * pairs * e + 5 * pairs * heads, parameterGradient: 8 * e * e * l,
                     inputGradient: 8 * e * e * l + 8 * pairs * e + 4 * pairs * heads)
    }

    // MARK: Working space of the generated bodies

    /// Each position's q, k and v ([L][3E]), each head's P ([heads][L][L]),
    /// O ([L][E]) and one output row; then the backward pass's dO, dQ dK dV,
    /// one row of dP, one position's input and its gradient, and room for K
    /// and V transposed.
    var qkv: Int { 0 }
    var probabilities: Int { 3 * length * channels }
    var mixed: Int { probabilities + heads * length * length }
    var outputRow: Int { mixed + length * channels }
    var mixedGradient: Int { outputRow + channels }
    var qkvGradient: Int { mixedGradient + length * channels }
    var scoreGradient: Int { qkvGradient + 3 * length * channels }
    var inputRow: Int { scoreGradient + length }
    var inputRowGradient: Int { inputRow + channels }
    var transposed: Int { inputRowGradient + channels }
    public var workspace: Int { transposed + 2 * length * channels }
    /// W_inᵀ [E][3E] and W_outᵀ [E][E]: each product adds a column per input
    /// value, a loop along contiguous memory the optimiser vectorises.
    public var prepared: Int { 4 * channels * channels }

    /// Scalars of working space `AttentionKernels` needs for `batch` samples (Float layers, `Plan.attention`).
    public func kernelWorkspace(batch: Int) -> Int {
        AttentionKernels.Layout(channels: channels, length: length, heads: heads, batch: batch).size
    }

    // MARK: Reference

    /// Where W_in, b_in, W_out and b_out start in the flat parameters.
    func offsets(_ node: Node, _ graph: Graph) -> (Int, Int, Int, Int) {
        let o = node.parameters.map { graph.parameters[$0].offset }
        return (o[0], o[1], o[2], o[3])
    }

    /// One sample's [Q K V] by position, each head's P, and O by position.
    func record(_ x: [Double], ids: [Double]?, _ node: Node, _ parameters: [Double], _ graph: Graph) -> (qkv: [Double], p: [Double], o: [Double]) {
        let (wi, bi, _, _) = offsets(node, graph), (e, l, d) = (channels, length, width)
        var qkv = [Double](repeating: 0, count: 3 * e * l)
        for t in 0..<l {
            for r in 0..<(3 * e) {
                var sum = parameters[bi + r]
                for c in 0..<e { sum += parameters[wi + r * e + c] * x[c * l + t] }
                qkv[t * 3 * e + r] = sum
            }
        }
        var p = [Double](repeating: 0, count: heads * l * l), o = [Double](repeating: 0, count: l * e)
        for h in 0..<heads {
            for i in 0..<l {
                let open = keys(i, ids: ids)
                guard !open.isEmpty else { continue }
                let scores = open.map { j in
                    scale * (0..<d).reduce(0.0) { $0 + qkv[i * 3 * e + h * d + $1] * qkv[j * 3 * e + e + h * d + $1] }
                }
                let top = scores.max()!, exponentials = scores.map { Math.exp($0 - top) }, sum = exponentials.reduce(0, +)
                for (j, v) in zip(open, exponentials) {
                    p[(h * l + i) * l + j] = v / sum
                    for k in 0..<d { o[i * e + h * d + k] += v / sum * qkv[j * 3 * e + 2 * e + h * d + k] }
                }
            }
        }
        return (qkv, p, o)
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let (_, _, wo, bo) = offsets(node, graph), (e, l) = (channels, length)
        let o = record(inputs[0], ids: inputs.count > 1 ? inputs[1] : nil, node, parameters, graph).o
        return (0..<(e * l)).map { index in
            let (r, t) = (index / l, index % l)
            return (0..<e).reduce(parameters[bo + r]) { $0 + parameters[wo + r * e + $1] * o[t * e + $1] }
        }
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0], (wi, bi, wo, bo) = offsets(node, graph), (e, l, d) = (channels, length, width)
        let (qkv, p, o) = record(x, ids: inputs.count > 1 ? inputs[1] : nil, node, parameters, graph)
        var dO = [Double](repeating: 0, count: l * e)
        for r in 0..<e {
            for t in 0..<l {
                let g = gradient[r * l + t]
                parameterGradient[bo + r] += g
                for c in 0..<e {
                    parameterGradient[wo + r * e + c] += g * o[t * e + c]
                    dO[t * e + c] += g * parameters[wo + r * e + c]
                }
            }
        }
        var dqkv = [Double](repeating: 0, count: 3 * e * l)
        for h in 0..<heads {
            for i in 0..<l {
                let n = keys(i), row = (h * l + i) * l  // a masked key's P is 0
                let dp = (0..<n).map { j in (0..<d).reduce(0.0) { $0 + dO[i * e + h * d + $1] * qkv[j * 3 * e + 2 * e + h * d + $1] } }
                let dot = (0..<n).reduce(0.0) { $0 + p[row + $1] * dp[$1] }
                for j in 0..<n {
                    let ds = p[row + j] * (dp[j] - dot) * scale
                    for k in 0..<d {
                        dqkv[i * 3 * e + h * d + k] += ds * qkv[j * 3 * e + e + h * d + k]
                        dqkv[j * 3 * e + e + h * d + k] += ds * qkv[i * 3 * e + h * d + k]
                        dqkv[j * 3 * e + 2 * e + h * d + k] += p[row + j] * dO[i * e + h * d + k]
                    }
                }
            }
        }
        var dx = [Double](repeating: 0, count: e * l)
        for t in 0..<l {
            for r in 0..<(3 * e) {
                let g = dqkv[t * 3 * e + r]
                parameterGradient[bi + r] += g
                for c in 0..<e {
                    parameterGradient[wi + r * e + c] += g * x[c * l + t]
                    dx[c * l + t] += g * parameters[wi + r * e + c]
                }
            }
        }
        return [dx]  // the ids get no edge (differentiates(input:))
    }

    // MARK: Generated code

    /// W_in, b_in, W_out and b_out as the op's code names them, or their gradients.
    func tensors(_ node: Node, _ c: OpCode, gradients: Bool = false) -> (wi: Ref, bi: Ref, wo: Ref, bo: Ref) {
        let refs = node.parameters.map { gradients ? c.parameterGradient($0) : c.parameter($0) }
        return (refs[0], refs[1], refs[2], refs[3])
    }

    public func emitPrepare(_ node: Node, _ c: inout OpCode) {
        let (wi, _, wo, _) = tensors(node, c), pre = c.prepared(node), (E, G) = (channels, 3 * channels)
        c.line("for r in 0..<\(G) { for ch in 0..<\(E) { \(pre)[ch &* \(G) &+ r] = \(wi)[r &* \(E) &+ ch] } }")
        c.line("for r in 0..<\(E) { for ch in 0..<\(E) { \(pre)[\(G * E) &+ ch &* \(E) &+ r] = \(wo)[r &* \(E) &+ ch] } }")
    }

    /// The shape arguments of `AttentionKernels.mix` and `mixBackward`.
    var arguments: String { "channels: \(channels), length: \(length), heads: \(heads), causal: \(causal), scale: \(literal(scale))" }

    /// The projections, position by position, around each head's softmax
    /// rows and mix (`AttentionKernels.mix`); q, k, v, P and O stay in `w`
    /// for the backward body.
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let (_, bi, _, bo) = tensors(node, c), pre = c.prepared(node), w = Local.workspace
        let (E, L, G) = (channels, length, 3 * channels)
        c.line("let qkv = \(w), p = \(w) + \(probabilities), o = \(w) + \(mixed), row = \(w) + \(outputRow)")
        c.block("for t in 0..<\(L)") { c in
            c.line("let s = qkv + t &* \(G)")
            c.line("s.update(from: \(bi), count: \(G))")
            c.line("for ch in 0..<\(E) { let v = \(x0)[ch &* \(L) &+ t], column = \(pre) + ch &* \(G); for r in 0..<\(G) { s[r] += column[r] * v } }")
        }
        let mask: Code = paddingId.map { ", ids: \(Local.input(1)), paddingId: \(literal($0))" } ?? ""
        c.line("AttentionKernels.mix(qkv, p, o, \(w) + \(transposed), \(arguments)\(mask))")
        c.block("for t in 0..<\(L)") { c in
            c.line("row.update(from: \(bo), count: \(E))")
            c.line("let mixed = o + t &* \(E)")
            c.line("for ch in 0..<\(E) { let v = mixed[ch], column = \(pre) + (\(G * E) &+ ch &* \(E)); for r in 0..<\(E) { row[r] += column[r] * v } }")
            c.line("for r in 0..<\(E) { \(y)[r &* \(L) &+ t] = row[r] }")
        }
    }

    /// dO from dY, each head's derivative into dQ, dK and dV
    /// (`AttentionKernels.mixBackward`), then the input's gradient through
    /// W_in; every product a loop along contiguous memory.
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard parameterGradients || !edges.isEmpty else { return }
        let (wi, _, wo, _) = tensors(node, c), (dwi, dbi, dwo, dbo) = tensors(node, c, gradients: true)
        let assign = edges.first.map { c.assign($0) }, w = Local.workspace
        let (E, L, G) = (channels, length, 3 * channels)
        c.line("let qkv = \(w), p = \(w) + \(probabilities)")
        if parameterGradients { c.line("let o = \(w) + \(mixed)") }
        c.line("let dO = \(w) + \(mixedGradient), dqkv = \(w) + \(qkvGradient), dp = \(w) + \(scoreGradient)")
        c.line("dO.update(repeating: 0, count: \(L * E))")
        c.block("for r in 0..<\(E)") { c in
            c.line("let weights = \(wo) + r &* \(E)")
            if parameterGradients { c.line("let gradients = \(dwo) + r &* \(E)") }
            c.block("for t in 0..<\(L)") { c in
                c.line("let g = \(dy)[r &* \(L) &+ t], mixedGradient = dO + t &* \(E)")
                c.line("for ch in 0..<\(E) { mixedGradient[ch] += g * weights[ch] }")
                if parameterGradients {
                    c.line("\(dbo)[r] += g")
                    c.line("let mixed = o + t &* \(E)")
                    c.line("for ch in 0..<\(E) { gradients[ch] += g * mixed[ch] }")
                }
            }
        }
        c.line("AttentionKernels.mixBackward(qkv, p, dO, dqkv, dp, \(w) + \(transposed), \(arguments))")
        if parameterGradients {
            c.line("let xt = \(w) + \(inputRow)")
            c.block("for t in 0..<\(L)") { c in
                c.line("let g = dqkv + t &* \(G)")
                c.line("for ch in 0..<\(E) { xt[ch] = \(x0)[ch &* \(L) &+ t] }")
                c.line("for r in 0..<\(G) { let d = g[r], gradients = \(dwi) + r &* \(E); \(dbi)[r] += d; for ch in 0..<\(E) { gradients[ch] += d * xt[ch] } }")
            }
        }
        if let assign {
            c.line("let dxt = \(w) + \(inputRowGradient)")
            c.block("for t in 0..<\(L)") { c in
                c.line("let g = dqkv + t &* \(G)")
                c.line("dxt.update(repeating: 0, count: \(E))")
                c.line("for r in 0..<\(G) { let d = g[r], weights = \(wi) + r &* \(E); for ch in 0..<\(E) { dxt[ch] += weights[ch] * d } }")
                c.line("for ch in 0..<\(E) { \(dx0)[ch &* \(L) &+ t] \(assign) dxt[ch] }")
            }
        }
    }

    /// The module reads batch × length × channels: the sequence is transposed
    /// in and out; a causal layer passes PyTorch's boolean mask (true: masked),
    /// and padding its `key_padding_mask` (true: a padded key).
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let s = "\(p.x0).transpose(1, 2)"
        var mask = causal ? ", attn_mask=torch.ones(\(length), \(length), dtype=torch.bool, device=\(p.x0).device).triu(1)" : ""
        if let paddingId { mask += ", key_padding_mask=\(p.inputs[1]) == \(Python.float(paddingId))" }
        return PyTorchForm(module: "nn.MultiheadAttention(\(channels), \(heads), batch_first=True)",
                           value: "\(p.module)(\(s), \(s), \(s), need_weights=False\(mask))[0].transpose(1, 2)")
    }
}
