/// y = γ_c (x − μ_g) / √(σ²_g + ε) + β_c (PyTorch's `GroupNorm`): a sample's
/// C channels fall into G groups of C/G adjacent channels, and μ_g and σ²_g
/// are the mean and biased variance of group g's (C/G)·P values — all its
/// channels at all P positions, which lie together, channel c's P values at
/// c·P. γ (`weight`) and β (`bias`) have one value per channel.
public struct GroupNormOp: Op {
    public let channels: Int
    /// Values per channel: H·W, L, or 1 for a vector.
    public let positions: Int
    public let groups: Int
    public let epsilon: Double
    public let affine: Bool

    public var name: String { "group_norm" }
    var count: Int { channels * positions }
    /// Channels per group.
    var width: Int { channels / groups }
    /// Values per group, normalised together.
    var size: Int { width * positions }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? inputs[0] : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        Flops(forward: 7 * count, parameterGradient: affine ? 3 * count : 0, inputGradient: 9 * count)
    }

    /// μ and 1/√(σ² + ε) of the values of group g.
    func statistics(_ x: [Double], _ g: Int) -> (mean: Double, inverse: Double) {
        Normalisation.statistics(Array(x[(g * size)..<((g + 1) * size)]), epsilon: epsilon)
    }

    /// γ_c and β_c (1 and 0 without `affine`).
    func affineParameters(_ node: Node, _ parameters: [Double], _ graph: Graph) -> (gamma: [Double], beta: [Double]) {
        guard affine else { return ([Double](repeating: 1, count: channels), [Double](repeating: 0, count: channels)) }
        let g = graph.parameters[node.parameters[0]].offset, b = graph.parameters[node.parameters[1]].offset
        return (Array(parameters[g..<(g + channels)]), Array(parameters[b..<(b + channels)]))
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let x = inputs[0], (gamma, beta) = affineParameters(node, parameters, graph)
        var y = [Double](repeating: 0, count: count)
        for g in 0..<groups {
            let (mean, inverse) = statistics(x, g)
            for i in (g * size)..<((g + 1) * size) { y[i] = (x[i] - mean) * inverse * gamma[i / positions] + beta[i / positions] }
        }
        return y
    }

    /// Per group, with x̂ = (x − μ)/σ̂ and gᵢ = δᵢγ_c: dx = (g − mean(g) − x̂·mean(g ⊙ x̂)) / σ̂;
    /// per channel, dγ_c += Σ δ ⊙ x̂ and dβ_c += Σ δ over its positions.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0], (gamma, _) = affineParameters(node, parameters, graph)
        var dx = [Double](repeating: 0, count: count)
        for g in 0..<groups {
            let (mean, inverse) = statistics(x, g), range = (g * size)..<((g + 1) * size)
            let normalised = range.map { (x[$0] - mean) * inverse }
            let gs = range.map { dy[$0] * gamma[$0 / positions] }
            if affine {
                let dg = graph.parameters[node.parameters[0]].offset, db = graph.parameters[node.parameters[1]].offset
                for (k, i) in range.enumerated() {
                    parameterGradient[dg + i / positions] += dy[i] * normalised[k]
                    parameterGradient[db + i / positions] += dy[i]
                }
            }
            dx.replaceSubrange(range, with: Normalisation.inputGradient(gs, normalised: normalised, inverse: inverse))
        }
        return [dx]
    }

    /// `mean` and `inverse` of the group of `x0` that starts at `base`.
    func emitStatistics(_ c: inout OpCode) {
        c.line("let base = group &* \(size)")
        Normalisation.emitStatistics(size: size, epsilon: epsilon, element: "base &+ i", &c.code)
    }

    /// `body` for each channel of the group, its values from `row`; `channel`
    /// its index among all channels, when γ or β is read.
    func eachChannel(_ c: inout OpCode, _ body: (inout OpCode) -> Void) {
        var inner = c
        inner.code = CodeBuilder()
        inner.line(affine ? "let channel = group &* \(width) &+ k, row = base &+ k &* \(positions)" : "let row = base &+ k &* \(positions)")
        body(&inner)
        c.block("for k in 0..<\(width)") { $0.append(contentsOf: inner.code.statements) }
    }

    /// `body` for each group (`group`).
    func eachGroup(_ c: inout OpCode, _ body: (inout OpCode) -> Void) {
        var inner = c
        inner.code = CodeBuilder()
        body(&inner)
        c.block("for group in 0..<\(groups)") { $0.append(contentsOf: inner.code.statements) }
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let gamma = affine ? c.parameter(node.parameters[0]) : nil, beta = affine ? c.parameter(node.parameters[1]) : nil
        eachGroup(&c) { c in
            emitStatistics(&c)
            eachChannel(&c) { c in
                if let gamma, let beta {
                    c.line("let scale = inverse * \(gamma)[channel], shift = \(beta)[channel]")
                    c.line("for p in 0..<\(positions) { \(y)[row &+ p] = (\(x0)[row &+ p] - mean) * scale + shift }")
                } else {
                    c.line("for p in 0..<\(positions) { \(y)[row &+ p] = (\(x0)[row &+ p] - mean) * inverse }")
                }
            }
        }
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard (affine && parameterGradients) || !edges.isEmpty else { return }
        let gamma = affine ? c.parameter(node.parameters[0]) : nil
        let gradients = affine && parameterGradients
            ? (c.parameterGradient(node.parameters[0]), c.parameterGradient(node.parameters[1])) : nil
        let assign = edges.first.map { c.assign($0) }
        eachGroup(&c) { c in
            emitStatistics(&c)
            if let (dGamma, dBeta) = gradients {
                eachChannel(&c) { c in
                    c.line("var sumX: Scalar = 0, sum: Scalar = 0")
                    c.line("for p in 0..<\(positions) { let d = \(dy)[row &+ p]; sumX += d * (\(x0)[row &+ p] - mean) * inverse; sum += d }")
                    c.line("\(dGamma)[channel] += sumX")
                    c.line("\(dBeta)[channel] += sum")
                }
            }
            guard let assign else { return }
            // g = δ ⊙ γ: γ of the channel, or δ alone without affine.
            let scaled: Code = gamma != nil ? " * gain" : ""
            c.line("var sumG: Scalar = 0, sumGX: Scalar = 0")
            eachChannel(&c) { c in
                if let gamma { c.line("let gain = \(gamma)[channel]") }
                c.line("for p in 0..<\(positions) { let g = \(dy)[row &+ p]\(scaled); sumG += g; sumGX += g * (\(x0)[row &+ p] - mean) * inverse }")
            }
            c.line("let meanG = sumG * \(literal(1 / Double(size))), meanGX = sumGX * \(literal(1 / Double(size)))")
            eachChannel(&c) { c in
                if let gamma { c.line("let gain = \(gamma)[channel]") }
                c.line("for p in 0..<\(positions) { let i = row &+ p; \(dx0)[i] \(assign) (\(dy)[i]\(scaled) - meanG - (\(x0)[i] - mean) * inverse * meanGX) * inverse }")
            }
        }
    }
}

extension GroupNormOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let eps = Python.float(epsilon)
        return affine ? PyTorchForm(module: "nn.GroupNorm(\(groups), \(channels), eps=\(eps))", value: "\(p.module)(\(p.x0))")
            : PyTorchForm(value: "F.group_norm(\(p.x0), \(groups), eps=\(eps))")
    }
}
