/// A learned vector per position added to a sequence of channels × length:
/// y[c][t] = x[c][t] + P[t][c], with P [length][channels] as PyTorch's
/// `nn.Embedding(length, channels)` holds the vectors of positions 0…L − 1
/// (GPT-2's `wpe`). Attention knows no order by itself; this gives it one.
public struct PositionEmbeddingOp: Op {
    public let channels: Int, length: Int
    public var name: String { "position_embedding" }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? Shape([channels, length]) : nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        Flops(forward: channels * length, parameterGradient: channels * length, inputGradient: 0)
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let table = graph.parameters[node.parameters[0]].offset
        return (0..<(channels * length)).map { i in inputs[0][i] + parameters[table + (i % length) * channels + i / length] }
    }

    /// dx = δ; dP[t][c] += δ[c][t].
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let table = graph.parameters[node.parameters[0]].offset
        for i in 0..<(channels * length) { parameterGradient[table + (i % length) * channels + i / length] += dy[i] }
        return [dy]
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let table = c.parameter(node.parameters[0])
        c.line("for ch in 0..<\(channels) { for t in 0..<\(length) { \(y)[ch &* \(length) &+ t] = \(x0)[ch &* \(length) &+ t] + \(table)[t &* \(channels) &+ ch] } }")
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        if parameterGradients {
            let table = c.parameterGradient(node.parameters[0])
            c.line("for ch in 0..<\(channels) { for t in 0..<\(length) { \(table)[t &* \(channels) &+ ch] += \(dy)[ch &* \(length) &+ t] } }")
        }
        if let edge = edges.first {
            c.line("for i in 0..<\(channels * length) { \(dx0)[i] \(c.assign(edge)) \(dy)[i] }")
        }
    }

    /// The table's rows are the positions': transposed, it adds to every sample.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        PyTorchForm(module: "nn.Embedding(\(length), \(channels))", value: "\(p.x0) + \(p.module).weight.t()")
    }
}
