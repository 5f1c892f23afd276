/// y = γ ⊙ (x − μ) / √(σ² + ε) + β over all of a sample's values (PyTorch's
/// `LayerNorm(normalized_shape = the sample's shape)`): μ and σ² are the
/// sample's mean and biased variance; γ (`weight`) and β (`bias`) have the
/// sample's shape and start at 1 and 0. With `positions` P > 1 (`over:
/// channels`), each of the sample's P positions is normalised over its
/// channels instead — value c·P + t belongs to position t — and γ and β have
/// one value per channel (PyTorch's `LayerNorm(C)` on the channels-last view).
public struct LayerNormOp: Op {
    public let count: Int
    public let epsilon: Double
    public let affine: Bool
    /// The groups normalised apart: 1 (the whole sample), or the positions of channels × positions.
    public var positions = 1

    public var name: String { "layer_norm" }
    /// The values normalised together.
    var size: Int { count / positions }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? inputs[0] : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        Flops(forward: 7 * count, parameterGradient: affine ? 3 * count : 0, inputGradient: 9 * count)
    }

    /// μ and 1/√(σ² + ε) of one group.
    func statistics(_ x: [Double]) -> (mean: Double, inverse: Double) { Normalisation.statistics(x, epsilon: epsilon) }

    /// The indices of group t's values, in channel order.
    func group(_ t: Int) -> [Int] { (0..<size).map { $0 * positions + t } }

    func affineParameters(_ node: Node, _ parameters: [Double], _ graph: Graph) -> (gamma: ArraySlice<Double>, beta: ArraySlice<Double>) {
        guard affine else { return (ArraySlice(repeating: 1, count: size), ArraySlice(repeating: 0, count: size)) }
        let g = graph.parameters[node.parameters[0]].offset, b = graph.parameters[node.parameters[1]].offset
        return (parameters[g..<(g + size)], parameters[b..<(b + size)])
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let x = inputs[0], (gamma, beta) = affineParameters(node, parameters, graph)
        var y = [Double](repeating: 0, count: count)
        for t in 0..<positions {
            let indices = group(t), (mean, inverse) = statistics(indices.map { x[$0] })
            for (c, i) in indices.enumerated() { y[i] = (x[i] - mean) * inverse * gamma[gamma.startIndex + c] + beta[beta.startIndex + c] }
        }
        return y
    }

    /// With x̂ = (x − μ)/σ̂ and g = δ ⊙ γ per group: dx = (g − mean(g) − x̂·mean(g ⊙ x̂)) / σ̂; dγ += δ ⊙ x̂; dβ += δ.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0], (gamma, _) = affineParameters(node, parameters, graph)
        var dx = [Double](repeating: 0, count: count)
        for t in 0..<positions {
            let indices = group(t), (mean, inverse) = statistics(indices.map { x[$0] })
            let normalised = indices.map { (x[$0] - mean) * inverse }
            let g = indices.enumerated().map { dy[$1] * gamma[gamma.startIndex + $0] }
            if affine {
                let dg = graph.parameters[node.parameters[0]].offset, db = graph.parameters[node.parameters[1]].offset
                for (c, i) in indices.enumerated() {
                    parameterGradient[dg + c] += dy[i] * normalised[c]
                    parameterGradient[db + c] += dy[i]
                }
            }
            for (c, d) in Normalisation.inputGradient(g, normalised: normalised, inverse: inverse).enumerated() { dx[indices[c]] = d }
        }
        return [dx]
    }

    /// The index of channel `i`'s value in the group the emitted loop is at (`t`).
    var at: String { positions == 1 ? "i" : "i &* \(positions) &+ t" }

    /// `mean` and `inverse` of the group of `x0` at `t` (the whole sample when `positions` is 1).
    func emitStatistics(_ c: inout CodeBuilder) { Normalisation.emitStatistics(size: size, epsilon: epsilon, element: at, &c) }

    /// `body` once, or for each position `t`.
    func eachGroup(_ c: inout OpCode, _ body: (inout OpCode) -> Void) {
        guard positions > 1 else { return body(&c) }
        var inner = c
        inner.code = CodeBuilder()
        body(&inner)
        c.block("for t in 0..<\(positions)") { $0.append(contentsOf: inner.code.statements) }
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let gamma = affine ? c.parameter(node.parameters[0]) : nil, beta = affine ? c.parameter(node.parameters[1]) : nil
        eachGroup(&c) { c in
            emitStatistics(&c.code)
            if let gamma, let beta {
                c.line("for i in 0..<\(size) { \(y)[\(at)] = (\(x0)[\(at)] - mean) * inverse * \(gamma)[i] + \(beta)[i] }")
            } else {
                c.line("for i in 0..<\(size) { \(y)[\(at)] = (\(x0)[\(at)] - mean) * inverse }")
            }
        }
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard (affine && parameterGradients) || !edges.isEmpty else { return }
        let g: Code = affine ? "\(dy)[\(at)] * \(c.parameter(node.parameters[0]))[i]" : "\(dy)[\(at)]"
        let gradients = affine && parameterGradients
            ? (c.parameterGradient(node.parameters[0]), c.parameterGradient(node.parameters[1])) : nil
        let assign = edges.first.map { c.assign($0) }
        eachGroup(&c) { c in
            emitStatistics(&c.code)
            if let (dGamma, dBeta) = gradients {
                c.line("for i in 0..<\(size) { \(dGamma)[i] += \(dy)[\(at)] * (\(x0)[\(at)] - mean) * inverse; \(dBeta)[i] += \(dy)[\(at)] }")
            }
            guard let assign else { return }
            c.line("var sumG: Scalar = 0, sumGX: Scalar = 0")
            c.line("for i in 0..<\(size) { let g = \(g); sumG += g; sumGX += g * (\(x0)[\(at)] - mean) * inverse }")
            c.line("let meanG = sumG * \(literal(1 / Double(size))), meanGX = sumGX * \(literal(1 / Double(size)))")
            c.line("for i in 0..<\(size) { \(dx0)[\(at)] \(assign) (\(g) - meanG - (\(x0)[\(at)] - mean) * inverse * meanGX) * inverse }")
        }
    }
}

extension LayerNormOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let eps = Python.float(epsilon)
        if positions > 1 {  // over each position's channels: PyTorch normalises the last dimension
            let view = "\(p.x0).transpose(1, -1)"
            return affine ? PyTorchForm(module: "nn.LayerNorm(\(size), eps=\(eps))", value: "\(p.module)(\(view)).transpose(1, -1)")
                : PyTorchForm(value: "F.layer_norm(\(view), (\(size),), eps=\(eps)).transpose(1, -1)")
        }
        let shape = Python.tuple(node.shape.dimensions)
        return affine ? PyTorchForm(module: "nn.LayerNorm(\(shape), eps=\(eps))", value: "\(p.module)(\(p.x0))")
            : PyTorchForm(value: "F.layer_norm(\(p.x0), \(shape), eps=\(eps))")
    }
}
