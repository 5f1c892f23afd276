/// The geometry the two ways of `upsample` share: channels × height × width
/// (a sequence: height 1, factorY 1) made factorY and factorX times larger.
public protocol Upsampling: Op {
    var channels: Int { get }
    var height: Int { get }
    var width: Int { get }
    var factorY: Int { get }
    var factorX: Int { get }
    /// Channels × length rather than channels × height × width.
    var sequence: Bool { get }
}

extension Upsampling {
    public var name: String { "upsample" }
    var outputHeight: Int { height * factorY }
    var outputWidth: Int { width * factorX }
    public var outputShape: Shape {
        sequence ? Shape([channels, outputWidth]) : Shape([channels, outputHeight, outputWidth])
    }
    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? outputShape : nil }
}

/// Nearest-neighbour upsampling by whole factors: y[c][i][j] = x[c][i / fy][j / fx]
/// over channels × height × width (a sequence: height 1, fy = 1). Its
/// derivative sums each block of output gradients into the value it copied.
public struct UpsampleOp: Upsampling {
    public let channels: Int, height: Int, width: Int
    public let factorY: Int, factorX: Int
    public let sequence: Bool

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let n = channels * outputHeight * outputWidth
        return Flops(forward: 0, parameterGradient: 0, inputGradient: n)
    }

    /// The input index an output index copies.
    func source(_ o: Int) -> Int {
        let plane = outputHeight * outputWidth, c = o / plane, i = (o % plane) / outputWidth, j = o % outputWidth
        return (c * height + i / factorY) * width + j / factorX
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        (0..<(channels * outputHeight * outputWidth)).map { inputs[0][source($0)] }
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        var dx = [Double](repeating: 0, count: channels * height * width)
        for o in dy.indices { dx[source(o)] += dy[o] }
        return [dx]
    }

    /// Per input row: each value written factorX times across, then the row copied down factorY − 1 times.
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let wo = outputWidth
        c.block("for r in 0..<\(channels * height)") { c in
            c.line("let source = \(x0) + r &* \(width), row = \(y) + r &* \(factorY * wo)")
            c.block("for j in 0..<\(width)") {
                $0.line("let v = source[j]")
                $0.line(factorX == 1 ? "row[j] = v" : "for k in 0..<\(factorX) { row[j &* \(factorX) &+ k] = v }")
            }
            if factorY > 1 { c.line("for a in 1..<\(factorY) { (row + a &* \(wo)).update(from: row, count: \(wo)) }") }
        }
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard let edge = edges.first else { return }
        let assign = c.assign(edge), wo = outputWidth
        c.block("for r in 0..<\(channels * height)") { c in
            c.line("let rows = \(dy) + r &* \(factorY * wo), target = \(dx0) + r &* \(width)")
            c.block("for j in 0..<\(width)") {
                $0.line("var sum: Scalar = 0")
                $0.line("for a in 0..<\(factorY) { for k in 0..<\(factorX) { sum += rows[a &* \(wo) &+ j &* \(factorX) &+ k] } }")
                $0.line("target[j] \(assign) sum")
            }
        }
    }

    /// `repeat_interleave` along each spatial dimension: the same copies,
    /// with no scale factor rounded in floating point.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        var value = p.x0
        if !sequence && factorY > 1 { value += ".repeat_interleave(\(factorY), dim=2)" }
        if factorX > 1 { value += ".repeat_interleave(\(factorX), dim=\(sequence ? 2 : 3))" }
        return PyTorchForm(value: value)
    }
}
