/// Elementwise sum of two or more inputs of one size.
public struct AddOp: Op {
    public var name: String { "add" }
    public func outputSize(inputSizes: [Int]) -> Int? {
        inputSizes.count >= 2 && Set(inputSizes).count == 1 ? inputSizes[0] : nil
    }
    public func flops(_ node: Node, inputSizes: [Int]) -> Flops {
        Flops(forward: (inputSizes.count - 1) * node.size)
    }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] {
        (0..<node.size).map { i in inputs.reduce(0) { $0 + $1[i] } }
    }
    /// Each input receives the output gradient unchanged.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] {
        inputs.map { _ in gradient }
    }
    public func emitForward(_ node: Node, _ e: inout EmitContext) {
        let sum = node.inputs.indices.map { "x\($0)[i]" }.joined(separator: " + ")
        e.w.line("for i in 0..<\(node.size) { y[i] = \(sum) }")
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) {
        for edge in edges { e.w.line("for i in 0..<\(node.size) { dx\(edge.inputIndex)[i] \(e.assign(edge)) dy[i] }") }
    }
}

/// Elementwise (Hadamard) product of two or more inputs of one size.
public struct MultiplyOp: Op {
    public var name: String { "multiply" }
    public func outputSize(inputSizes: [Int]) -> Int? {
        inputSizes.count >= 2 && Set(inputSizes).count == 1 ? inputSizes[0] : nil
    }
    public func flops(_ node: Node, inputSizes: [Int]) -> Flops {
        let k = inputSizes.count
        return Flops(forward: (k - 1) * node.size, inputGradient: k * (k - 1) * node.size)
    }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] {
        (0..<node.size).map { i in inputs.reduce(1) { $0 * $1[i] } }
    }
    /// dxₖ = δ ⊙ Π_{m≠k} xₘ (computed without division, so zeros are safe).
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] {
        inputs.indices.map { k in
            (0..<node.size).map { i in
                var g = gradient[i]
                for m in inputs.indices where m != k { g *= inputs[m][i] }
                return g
            }
        }
    }
    public func emitForward(_ node: Node, _ e: inout EmitContext) {
        let product = node.inputs.indices.map { "x\($0)[i]" }.joined(separator: " * ")
        e.w.line("for i in 0..<\(node.size) { y[i] = \(product) }")
    }
    /// Up to `directInputs` inputs, each gradient is its own product of the
    /// others; past that, one loop forms suffix products and then walks a
    /// running prefix product, so the code grows linearly with the inputs
    /// (a 997-input product once emitted 24 MB).
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) {
        let k = node.inputs.count
        if k <= Self.directInputs {
            for edge in edges {
                let others = node.inputs.indices.filter { $0 != edge.inputIndex }.map { " * x\($0)[i]" }.joined()
                e.w.line("for i in 0..<\(node.size) { dx\(edge.inputIndex)[i] \(e.assign(edge)) dy[i]\(others) }")
            }
            return
        }
        let byInput = Dictionary(edges.map { ($0.inputIndex, $0) }, uniquingKeysWith: { a, _ in a })
        let last = byInput.keys.max() ?? 0
        e.w.line("for i in 0..<\(node.size) {")
        // s_j = x_{j+1} ⋯ x_{k−1}: the product of the inputs after j.
        e.w.line("    let s\(k - 2) = x\(k - 1)[i]")
        for j in stride(from: k - 3, through: 0, by: -1) { e.w.line("    let s\(j) = s\(j + 1) * x\(j + 1)[i]") }
        e.w.line("    var p = dy[i]")
        for j in 0...last {
            if let edge = byInput[j] { e.w.line("    dx\(j)[i] \(e.assign(edge)) \(j == k - 1 ? "p" : "p * s\(j)")") }
            if j < last { e.w.line("    p = p * x\(j)[i]") }
        }
        e.w.line("}")
    }

    /// Inputs up to which each gradient is written as its own product.
    static let directInputs = 4
}

/// Concatenation of the inputs' features, in the order listed.
public struct ConcatOp: Op {
    public var name: String { "concat" }
    public func outputSize(inputSizes: [Int]) -> Int? { inputSizes.count >= 2 ? inputSizes.reduce(0, +) : nil }
    public func flops(_ node: Node, inputSizes: [Int]) -> Flops { Flops() }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] {
        inputs.flatMap { $0 }
    }
    /// Each input receives its slice of the output gradient.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] {
        var offset = 0
        return inputs.map { x in
            defer { offset += x.count }
            return Array(gradient[offset..<(offset + x.count)])
        }
    }
    public func emitForward(_ node: Node, _ e: inout EmitContext) {
        var offset = 0
        for (k, input) in node.inputs.enumerated() {
            let n = e.graph.nodes[input].size
            e.w.line("for i in 0..<\(n) { y[\(offset) + i] = x\(k)[i] }")
            offset += n
        }
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) {
        let offsets = node.inputs.reduce(into: [0]) { $0.append($0.last! + e.graph.nodes[$1].size) }
        for edge in edges {
            let n = e.graph.nodes[edge.to].size, k = edge.inputIndex
            e.w.line("for i in 0..<\(n) { dx\(k)[i] \(e.assign(edge)) dy[\(offsets[k]) + i] }")
        }
    }
}

/// Inverted dropout: in training, each feature is kept with probability
/// 1 − rate and scaled by 1/(1 − rate); at inference it is the identity.
/// The mask is an input of the training step (drawn from the model's
/// generator), so the op itself is deterministic: y = x ⊙ mask.
public struct DropoutOp: Op {
    public let rate: Double
    public var name: String { "dropout(\(rate))" }
    public func outputSize(inputSizes: [Int]) -> Int? { inputSizes.count == 1 ? inputSizes[0] : nil }
    public func flops(_ node: Node, inputSizes: [Int]) -> Flops { Flops(forward: node.size, inputGradient: node.size) }
    /// Without a mask (inference) the identity; the interpreter applies masks itself.
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] { inputs[0] }
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] { [gradient] }
    /// Training multiplies by the sample's mask; inference copies.
    public func emitForward(_ node: Node, _ e: inout EmitContext) {
        e.w.line("if training {")
        e.w.line("    for i in 0..<\(node.size) { y[i] = x0[i] * mask[i] }")
        e.w.line("} else {")
        e.w.line("    for i in 0..<\(node.size) { y[i] = x0[i] }")
        e.w.line("}")
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) {
        for edge in edges { e.w.line("for i in 0..<\(node.size) { dx0[i] \(e.assign(edge)) dy[i] * mask[i] }") }
    }
}
