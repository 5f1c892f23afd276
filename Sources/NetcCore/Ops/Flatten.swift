/// A reshape to a vector: the same scalars in the same (row-major) order, so
/// `dense` can follow a multi-dimensional node, as `torch.flatten(x, 1)` does.
public struct FlattenOp: Op {
    public var name: String { "flatten" }
    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? .vector(inputs[0].count) : nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops { Flops() }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        inputs[0]
    }
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] { [gradient] }
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        c.line("for i in 0..<\(node.size) { \(y)[i] = \(x0)[i] }")
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        for edge in edges { c.line("for i in 0..<\(node.size) { \(dx0)[i] \(c.assign(edge)) \(dy)[i] }") }
    }
}

extension FlattenOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm { PyTorchForm(value: "\(p.x0).flatten(1)") }
}
