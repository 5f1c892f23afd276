/// Elementwise sum of two or more inputs of one shape.
public struct AddOp: Op {
    public var name: String { "add" }
    public func outputShape(_ inputs: [Shape]) -> Shape? {
        inputs.count >= 2 && Set(inputs).count == 1 ? inputs[0] : nil
    }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops { Flops(forward: (inputs.count - 1) * node.size) }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        (0..<node.size).map { i in inputs.reduce(0) { $0 + $1[i] } }
    }
    /// Each input receives the output gradient unchanged.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        inputs.map { _ in gradient }
    }
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let sum = node.inputs.indices.map { "\(Local.input($0))[i]" as Code }.joined(" + ")
        c.line("for i in 0..<\(node.size) { \(y)[i] = \(sum) }")
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        for edge in edges {
            c.line("for i in 0..<\(node.size) { \(Local.inputGradient(edge.inputIndex))[i] \(c.assign(edge)) \(dy)[i] }")
        }
    }
}

/// Elementwise (Hadamard) product of two or more inputs of one shape.
public struct MultiplyOp: Op {
    public var name: String { "multiply" }
    public func outputShape(_ inputs: [Shape]) -> Shape? {
        inputs.count >= 2 && Set(inputs).count == 1 ? inputs[0] : nil
    }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let k = inputs.count
        return Flops(forward: (k - 1) * node.size, inputGradient: k * (k - 1) * node.size)
    }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        (0..<node.size).map { i in inputs.reduce(1) { $0 * $1[i] } }
    }
    /// dxₖ = δ ⊙ Π_{m≠k} xₘ (computed without division, so zeros are safe).
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        inputs.indices.map { k in
            (0..<node.size).map { i in
                var g = gradient[i]
                for m in inputs.indices where m != k { g *= inputs[m][i] }
                return g
            }
        }
    }
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let product = node.inputs.indices.map { "\(Local.input($0))[i]" as Code }.joined(" * ")
        c.line("for i in 0..<\(node.size) { \(y)[i] = \(product) }")
    }
    /// Up to `directInputs` inputs, each gradient is its own product of the
    /// others; past that, one loop forms suffix products and then walks a
    /// running prefix product, so the code grows linearly with the inputs
    /// (a 997-input product once emitted 24 MB).
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        let k = node.inputs.count
        if k <= Self.directInputs {
            for edge in edges {
                let others = node.inputs.indices.filter { $0 != edge.inputIndex }.map { " * \(Local.input($0))[i]" as Code }.joined("")
                c.line("for i in 0..<\(node.size) { \(Local.inputGradient(edge.inputIndex))[i] \(c.assign(edge)) \(dy)[i]\(others) }")
            }
            return
        }
        let byInput = Dictionary(edges.map { ($0.inputIndex, $0) }, uniquingKeysWith: { a, _ in a })
        let last = byInput.keys.max() ?? 0
        c.block("for i in 0..<\(node.size)") { c in
            // s_j = x_{j+1} ⋯ x_{k−1}: the product of the inputs after j.
            c.line("let s\(k - 2) = \(Local.input(k - 1))[i]")
            for j in stride(from: k - 3, through: 0, by: -1) { c.line("let s\(j) = s\(j + 1) * \(Local.input(j + 1))[i]") }
            c.line("var p = \(dy)[i]")
            for j in 0...last {
                if let edge = byInput[j] {
                    c.line("\(Local.inputGradient(j))[i] \(edge.accumulates ? "+=" : "=") \(j == k - 1 ? "p" : "p * s\(j)")")
                }
                if j < last { c.line("p = p * \(Local.input(j))[i]") }
            }
        }
    }

    /// Inputs up to which each gradient is written as its own product.
    static let directInputs = 4
}

/// Concatenation of the inputs' features, in the order listed.
public struct ConcatOp: Op {
    public var name: String { "concat" }
    /// Vectors end to end; shapes that differ only in their first dimension
    /// (channels) along it, which in a sample's row-major layout is the same
    /// thing: the inputs' values one after another (`torch.cat(…, 1)`).
    public func outputShape(_ inputs: [Shape]) -> Shape? {
        guard inputs.count >= 2 else { return nil }
        if inputs.allSatisfy(\.isVector) { return .vector(inputs.reduce(0) { $0 + $1.count }) }
        let positions = inputs[0].dimensions.dropFirst()
        guard !positions.isEmpty, inputs.allSatisfy({ $0.dimensions.dropFirst() == positions }) else { return nil }
        return Shape([inputs.reduce(0) { $0 + $1.dimensions[0] }] + positions)
    }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops { Flops() }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        inputs.flatMap { $0 }
    }
    /// Each input receives its slice of the output gradient.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        var offset = 0
        return inputs.map { x in
            defer { offset += x.count }
            return Array(gradient[offset..<(offset + x.count)])
        }
    }
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        var offset = 0
        for (k, input) in node.inputs.enumerated() {
            let n = c.graph.nodes[input].size
            c.line("for i in 0..<\(n) { \(y)[\(offset) + i] = \(Local.input(k))[i] }")
            offset += n
        }
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        let offsets = node.inputs.reduce(into: [0]) { $0.append($0.last! + c.graph.nodes[$1].size) }
        for edge in edges {
            let n = c.graph.nodes[edge.to].size, k = edge.inputIndex
            c.line("for i in 0..<\(n) { \(Local.inputGradient(k))[i] \(c.assign(edge)) \(dy)[\(offsets[k]) + i] }")
        }
    }
}

extension Array where Element == Code {
    /// The codes with `separator` between them, their references kept.
    func joined(_ separator: String) -> Code {
        var result: Code = ""
        for (k, code) in enumerated() { result = k == 0 ? code : "\(result)\(separator)\(code)" }
        return result
    }
}

extension AddOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm { PyTorchForm(value: p.inputs.joined(separator: " + ")) }
}

extension MultiplyOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm { PyTorchForm(value: p.inputs.joined(separator: " * ")) }
}

extension ConcatOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        PyTorchForm(value: "torch.cat([\(p.inputs.joined(separator: ", "))], 1)")
    }
}
