/// `add` or `multiply` of a C × … value x and a vector s of C values, one per
/// channel, spread over the channel's positions: y[c][p] = x[c][p] + s[c], or
/// x[c][p] · s[c] (PyTorch's `x * s[:, :, None, None]`): a squeeze-and-
/// excitation block's gate, a per-channel shift. s's gradient sums over each
/// channel's positions.
public struct ChannelBroadcastOp: Op {
    public enum Combine: Sendable { case add, multiply }
    public let combine: Combine
    public let channels: Int
    /// Positions per channel.
    public let plane: Int
    /// Which input (0 or 1) is the vector; the other is x.
    public let vector: Int

    public var name: String { combine == .add ? "add" : "multiply" }
    var full: Int { 1 - vector }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 2 ? inputs[full] : nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        Flops(forward: channels * plane, inputGradient: (combine == .add ? 1 : 2) * channels * plane)
    }

    func combined(_ x: Double, _ s: Double) -> Double { combine == .add ? x + s : x * s }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        (0..<(channels * plane)).map { combined(inputs[full][$0], inputs[vector][$0 / plane]) }
    }

    /// dx = δ (add) or δ · s[c] (multiply); ds[c] = Σₚ δ[c][p] (add) or Σₚ δ[c][p] · x[c][p].
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[full], s = inputs[vector]
        let dx = dy.indices.map { combine == .add ? dy[$0] : dy[$0] * s[$0 / plane] }
        let ds = (0..<channels).map { c in
            (0..<plane).reduce(0.0) { $0 + (combine == .add ? dy[c * plane + $1] : dy[c * plane + $1] * x[c * plane + $1]) }
        }
        return vector == 0 ? [ds, dx] : [dx, ds]
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let x = Local.input(full), s = Local.input(vector), op = combine == .add ? "+" : "*"
        c.block("for c in 0..<\(channels)") { c in
            c.line("let s = \(s)[c], row = c &* \(plane)")
            c.line("for p in 0..<\(plane) { \(y)[row &+ p] = \(x)[row &+ p] \(op) s }")
        }
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        let x = Local.input(full), s = Local.input(vector)
        for edge in edges {
            let assign = c.assign(edge), target = Local.inputGradient(edge.inputIndex)
            c.block("for c in 0..<\(channels)") { c in
                c.line("let row = c &* \(plane)")
                if edge.inputIndex == full {
                    let term: Code = combine == .add ? "\(dy)[row &+ p]" : "\(dy)[row &+ p] * \(s)[c]"
                    c.line("for p in 0..<\(plane) { \(target)[row &+ p] \(assign) \(term) }")
                } else {
                    let term: Code = combine == .add ? "\(dy)[row &+ p]" : "\(dy)[row &+ p] * \(x)[row &+ p]"
                    c.line("var sum: Scalar = 0")
                    c.line("for p in 0..<\(plane) { sum += \(term) }")
                    c.line("\(target)[c] \(assign) sum")
                }
            }
        }
    }

    /// The vector given one trailing axis of length 1 per position dimension.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let rank = node.shape.dimensions.count
        let spread = "\(p.inputs[vector])[:, :\(String(repeating: ", None", count: rank - 1))]"
        let operands = vector == 0 ? [spread, p.inputs[full]] : [p.inputs[full], spread]
        return PyTorchForm(value: operands.joined(separator: combine == .add ? " + " : " * "))
    }
}
