/// Inverted dropout: in training, each feature is kept with probability
/// 1 − rate and scaled by 1/(1 − rate); at inference it is the identity.
/// With `plane` > 1 (`channels: true`) whole channels are kept or dropped,
/// each channel's `plane` positions together (PyTorch's `Dropout2d` and
/// `Dropout1d`). The mask is an auxiliary buffer drawn from the model's
/// generator before each training forward pass, so the op itself is
/// deterministic: y = x ⊙ mask.
public struct DropoutOp: Op {
    public let rate: Double
    /// Values that share one draw: 1, or a channel's positions.
    public var plane = 1
    public var name: String { plane == 1 ? "dropout(\(rate))" : "dropout(\(rate), channels)" }
    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? inputs[0] : nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops { Flops(forward: node.size, inputGradient: node.size) }
    public var auxiliary: [Auxiliary] { [.dropoutMask(rate: rate, plane: plane)] }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        guard let mask = context.auxiliary.first else { return inputs[0] }  // inference
        return zip(inputs[0], mask).map { $0 * $1 }
    }
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        guard let mask = context.auxiliary.first else { return [gradient] }
        return [zip(gradient, mask).map { $0 * $1 }]
    }
    /// Training multiplies by the sample's mask; inference copies.
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let mask = Local.auxiliary(0)
        c.block("if training") { $0.line("for i in 0..<\(node.size) { \(y)[i] = \(x0)[i] * \(mask)[i] }") }
        c.block("else") { $0.line("for i in 0..<\(node.size) { \(y)[i] = \(x0)[i] }") }
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        for edge in edges { c.line("for i in 0..<\(node.size) { \(dx0)[i] \(c.assign(edge)) \(dy)[i] * \(Local.auxiliary(0))[i] }") }
    }
}

extension DropoutOp {
    /// PyTorch's dropout is inverted dropout too; its masks come from torch's generator, not the model's.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let function = plane == 1 ? "dropout" : node.shape.rank == 2 ? "dropout1d" : "dropout2d"
        return PyTorchForm(value: "F.\(function)(\(p.x0), \(Python.float(rate)), self.training)")
    }
}
