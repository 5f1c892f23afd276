/// Rows of a table picked by integer ids: a sample of L ids becomes width ×
/// L vectors, channels first (PyTorch's `Embedding(ids).transpose(1, 2)`), so
/// `conv1d` and `global_avg_pool` read it as they read any sequence. The
/// table E is [vocabulary][width]. No gradient flows into the ids; an id that
/// is not an integer in 0..<vocabulary stops the program with a message.
/// The padding id's row (PyTorch's `padding_idx`) gets no gradient, so the
/// zero it starts at stays zero: padded positions read zero vectors.
public struct EmbeddingOp: Op {
    public let vocabulary: Int
    public let width: Int
    public let length: Int
    public let padding: Int?
    /// The network's name, for the message about a bad id.
    public let model: String

    public var name: String { "embedding" }
    public func differentiates(input k: Int) -> Bool { false }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? Shape([width, length]) : nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops { Flops(forward: 0, parameterGradient: width * length, inputGradient: 0) }

    /// The table row of each id.
    func rows(_ x: [Double]) -> [Int] {
        x.map { id in
            guard let row = Int(exactly: id), (0..<vocabulary).contains(row) else {
                preconditionFailure("\(model): input id \(id) is not an integer in 0..<\(vocabulary)")
            }
            return row
        }
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let table = graph.parameters[node.parameters[0]].offset, rows = rows(inputs[0])
        var y = [Double](repeating: 0, count: width * length)
        for (i, row) in rows.enumerated() {
            for d in 0..<width { y[d * length + i] = parameters[table + row * width + d] }
        }
        return y
    }

    /// dE[id_i, d] += δ[d, i] but for the padding id; the ids get no gradient.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let table = graph.parameters[node.parameters[0]].offset
        for (i, row) in rows(inputs[0]).enumerated() where row != padding {
            for d in 0..<width { parameterGradient[table + row * width + d] += dy[d * length + i] }
        }
        return [[Double](repeating: 0, count: length)]
    }

    func emitRow(_ c: inout CodeBuilder) {
        c.line("let row = NetcRuntime.ArgumentCheck.id(\(x0)[i], below: \(vocabulary), model: \"\(model)\") &* \(width)")
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let table = c.parameter(node.parameters[0])
        c.block("for i in 0..<\(length)") { c in
            emitRow(&c)
            c.line("for d in 0..<\(width) { \(y)[d &* \(length) &+ i] = \(table)[row &+ d] }")
        }
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard parameterGradients else { return }
        let table = c.parameterGradient(node.parameters[0])
        c.block("for i in 0..<\(length)") { c in
            emitRow(&c)
            if let padding { c.line("if row == \(padding * width) { continue }  // the padding id") }
            c.line("for d in 0..<\(width) { \(table)[row &+ d] += \(dy)[d &* \(length) &+ i] }")
        }
    }
}

extension EmbeddingOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        PyTorchForm(module: "nn.Embedding(\(vocabulary), \(width)\(padding.map { ", padding_idx=\($0)" } ?? ""))", value: "\(p.module)(\(p.x0).long()).transpose(1, 2)")
    }
}
