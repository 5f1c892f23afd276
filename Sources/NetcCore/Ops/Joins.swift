/// Elementwise sum of two or more inputs of one size.
public struct AddOp: Op {
    public var name: String { "add" }
    public func outputSize(inputSizes: [Int]) -> Int? {
        inputSizes.count >= 2 && Set(inputSizes).count == 1 ? inputSizes[0] : nil
    }
    public func flops(_ node: Node, inputSizes: [Int]) -> (forward: Int, backward: Int) {
        ((inputSizes.count - 1) * node.size, 0)
    }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] {
        (0..<node.size).map { i in inputs.reduce(0) { $0 + $1[i] } }
    }
    /// Each input receives the output gradient unchanged.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] {
        inputs.map { _ in gradient }
    }
}

/// Elementwise (Hadamard) product of two or more inputs of one size.
public struct MultiplyOp: Op {
    public var name: String { "multiply" }
    public func outputSize(inputSizes: [Int]) -> Int? {
        inputSizes.count >= 2 && Set(inputSizes).count == 1 ? inputSizes[0] : nil
    }
    public func flops(_ node: Node, inputSizes: [Int]) -> (forward: Int, backward: Int) {
        let k = inputSizes.count
        return ((k - 1) * node.size, k * (k - 1) * node.size)
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
}

/// Concatenation of the inputs' features, in the order listed.
public struct ConcatOp: Op {
    public var name: String { "concat" }
    public func outputSize(inputSizes: [Int]) -> Int? { inputSizes.count >= 2 ? inputSizes.reduce(0, +) : nil }
    public func flops(_ node: Node, inputSizes: [Int]) -> (forward: Int, backward: Int) { (0, 0) }
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
}

/// Inverted dropout: in training, each feature is kept with probability
/// 1 − rate and scaled by 1/(1 − rate); at inference it is the identity.
/// The mask is an input of the training step (drawn from the model's
/// generator), so the op itself is deterministic: y = x ⊙ mask.
public struct DropoutOp: Op {
    public let rate: Double
    public var name: String { "dropout(\(rate))" }
    public func outputSize(inputSizes: [Int]) -> Int? { inputSizes.count == 1 ? inputSizes[0] : nil }
    public func flops(_ node: Node, inputSizes: [Int]) -> (forward: Int, backward: Int) { (node.size, node.size) }
    /// Without a mask (inference) the identity; the interpreter applies masks itself.
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] { inputs[0] }
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] { [gradient] }
}
