/// The same scalars in the same (row-major) order under another shape of as
/// many values: `flatten` (a vector, so `dense` can follow a multi-dimensional
/// node, as `torch.flatten(x, 1)`) and `reshape` (any shape, as
/// `x.reshape(N, …)`, so a dense code can feed a convolution).
public struct ReshapeOp: Op {
    /// The output's shape; a vector for `flatten`.
    public let shape: Shape

    public var name: String { shape.isVector ? "flatten" : "reshape" }
    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 && inputs[0].count == shape.count ? shape : nil }
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

extension ReshapeOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        guard !shape.isVector else { return PyTorchForm(value: "\(p.x0).flatten(1)") }
        return PyTorchForm(value: "\(p.x0).reshape(\(p.x0).shape[0], \(shape.dimensions.map(String.init).joined(separator: ", ")))")
    }
}
