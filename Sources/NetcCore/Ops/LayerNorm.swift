/// y = γ ⊙ (x − μ) / √(σ² + ε) + β over all of a sample's values (PyTorch's
/// `LayerNorm(normalized_shape = the sample's shape)`): μ and σ² are the
/// sample's mean and biased variance; γ (`weight`) and β (`bias`) have the
/// sample's shape and start at 1 and 0.
public struct LayerNormOp: Op {
    public let count: Int
    public let epsilon: Double
    public let affine: Bool

    public var name: String { "layer_norm" }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? inputs[0] : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        Flops(forward: 7 * count, parameterGradient: affine ? 3 * count : 0, inputGradient: 9 * count)
    }

    /// μ and 1/√(σ² + ε) of one sample.
    func statistics(_ x: [Double]) -> (mean: Double, inverse: Double) {
        let mean = x.reduce(0, +) / Double(count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)
        return (mean, 1 / (variance + epsilon).squareRoot())
    }

    func affineParameters(_ node: Node, _ parameters: [Double], _ graph: Graph) -> (gamma: ArraySlice<Double>, beta: ArraySlice<Double>) {
        guard affine else { return (ArraySlice(repeating: 1, count: count), ArraySlice(repeating: 0, count: count)) }
        let g = graph.parameters[node.parameters[0]].offset, b = graph.parameters[node.parameters[1]].offset
        return (parameters[g..<(g + count)], parameters[b..<(b + count)])
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let x = inputs[0], (mean, inverse) = statistics(x), (gamma, beta) = affineParameters(node, parameters, graph)
        return (0..<count).map { i in (x[i] - mean) * inverse * gamma[gamma.startIndex + i] + beta[beta.startIndex + i] }
    }

    /// With x̂ = (x − μ)/σ̂ and g = δ ⊙ γ: dx = (g − mean(g) − x̂·mean(g ⊙ x̂)) / σ̂; dγ += δ ⊙ x̂; dβ += δ.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0], (mean, inverse) = statistics(x), (gamma, _) = affineParameters(node, parameters, graph)
        let normalised = x.map { ($0 - mean) * inverse }
        let g = (0..<count).map { dy[$0] * gamma[gamma.startIndex + $0] }
        let meanG = g.reduce(0, +) / Double(count)
        let meanGX = zip(g, normalised).reduce(0) { $0 + $1.0 * $1.1 } / Double(count)
        if affine {
            let dg = graph.parameters[node.parameters[0]].offset, db = graph.parameters[node.parameters[1]].offset
            for i in 0..<count {
                parameterGradient[dg + i] += dy[i] * normalised[i]
                parameterGradient[db + i] += dy[i]
            }
        }
        return [(0..<count).map { (g[$0] - meanG - normalised[$0] * meanGX) * inverse }]
    }

    /// `mean` and `inverse` of the sample in `x0`.
    func emitStatistics(_ c: inout CodeBuilder) {
        c.line("var mean: Scalar = 0")
        c.line("for i in 0..<\(count) { mean += \(x0)[i] }")
        c.line("mean *= \(literal(1 / Double(count)))")
        c.line("var variance: Scalar = 0")
        c.line("for i in 0..<\(count) { let d = \(x0)[i] - mean; variance += d * d }")
        c.line("let inverse = 1 / (variance * \(literal(1 / Double(count))) + \(literal(epsilon))).squareRoot()")
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        emitStatistics(&c.code)
        if affine {
            let gamma = c.parameter(node.parameters[0]), beta = c.parameter(node.parameters[1])
            c.line("for i in 0..<\(count) { \(y)[i] = (\(x0)[i] - mean) * inverse * \(gamma)[i] + \(beta)[i] }")
        } else {
            c.line("for i in 0..<\(count) { \(y)[i] = (\(x0)[i] - mean) * inverse }")
        }
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard (affine && parameterGradients) || !edges.isEmpty else { return }
        emitStatistics(&c.code)
        let g: Code = affine ? "\(dy)[i] * \(c.parameter(node.parameters[0]))[i]" : "\(dy)[i]"
        if affine && parameterGradients {
            let dGamma = c.parameterGradient(node.parameters[0]), dBeta = c.parameterGradient(node.parameters[1])
            c.line("for i in 0..<\(count) { \(dGamma)[i] += \(dy)[i] * (\(x0)[i] - mean) * inverse; \(dBeta)[i] += \(dy)[i] }")
        }
        guard let edge = edges.first else { return }
        c.line("var sumG: Scalar = 0, sumGX: Scalar = 0")
        c.line("for i in 0..<\(count) { let g = \(g); sumG += g; sumGX += g * (\(x0)[i] - mean) * inverse }")
        c.line("let meanG = sumG * \(literal(1 / Double(count))), meanGX = sumGX * \(literal(1 / Double(count)))")
        c.line("for i in 0..<\(count) { \(dx0)[i] \(c.assign(edge)) (\(g) - meanG - (\(x0)[i] - mean) * inverse * meanGX) * inverse }")
    }
}

extension LayerNormOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let shape = Python.tuple(node.shape.dimensions), eps = Python.float(epsilon)
        return affine ? PyTorchForm(module: "nn.LayerNorm(\(shape), eps=\(eps))", value: "\(p.module)(\(p.x0))")
            : PyTorchForm(value: "F.layer_norm(\(p.x0), \(shape), eps=\(eps))")
    }
}
