/// y = W x + b: a dense layer without its activation. W is [outputs][inputs],
/// row-major (PyTorch's `Linear`), b is [outputs].
///
/// Its body here is the plain per-sample form (a dot product per output, an
/// axpy per output backward); how a layer runs — unrolled, or whole-batch
/// kernels in rows, transposed or in panels — is the plan's decision
/// (`Planning/Plan.swift`), lowered by `Emitter/LinearLowering.swift`.
public struct LinearOp: Op {
    public let outputs: Int
    public let hasBias: Bool
    public var name: String { hasBias ? "linear" : "linear(no bias)" }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 && inputs[0].isVector ? .vector(outputs) : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let mac = 2 * inputs[0].count * outputs, bias = hasBias ? outputs : 0
        return Flops(forward: mac + bias, parameterGradient: mac + bias, inputGradient: mac)
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset
        return (0..<outputs).map { j in
            var s = hasBias ? parameters[graph.parameters[node.parameters[1]].offset + j] : 0
            for i in x.indices { s += parameters[w + j * x.count + i] * x[i] }
            return s
        }
    }

    /// dx = Wᵀ δ, dW += δ xᵀ, db += δ.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset
        var dx = [Double](repeating: 0, count: x.count)
        for j in 0..<outputs {
            for i in x.indices {
                dx[i] += parameters[w + j * x.count + i] * dy[j]
                parameterGradient[w + j * x.count + i] += dy[j] * x[i]
            }
            if hasBias { parameterGradient[graph.parameters[node.parameters[1]].offset + j] += dy[j] }
        }
        return [dx]
    }

    /// y[j] = b[j] + W[j,:]·x, one dot product per output.
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let n = c.graph.nodes[node.inputs[0]].size, w = c.parameter(node.parameters[0])
        let bias: Code = hasBias ? "\(c.parameter(node.parameters[1]))[j] + " : ""
        c.block("for j in 0..<\(outputs)") { $0.line("\(y)[j] = \(bias)Kernels.dot(\(w) + j &* \(n), \(x0), \(n))") }
    }

    /// dW[j,:] += δ[j]·x, db[j] += δ[j], and dx = Σⱼ δ[j]·W[j,:] (axpy form, vectorisable).
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        let n = c.graph.nodes[node.inputs[0]].size, w = c.parameter(node.parameters[0])
        if parameterGradients {
            let dw = c.parameterGradient(node.parameters[0])
            let db = hasBias ? c.parameterGradient(node.parameters[1]) : nil
            c.block("for j in 0..<\(outputs)") { c in
                if let db { c.line("\(db)[j] += \(dy)[j]") }
                c.line("Kernels.axpy(\(dy)[j], \(x0), \(dw) + j &* \(n), \(n))")
            }
        }
        guard let edge = edges.first else { return }
        if !edge.accumulates { c.line("for i in 0..<\(n) { \(dx0)[i] = 0 }") }
        c.line("for j in 0..<\(outputs) { Kernels.axpy(\(dy)[j], \(w) + j &* \(n), \(dx0), \(n)) }")
    }
}

extension LinearOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        PyTorchForm(module: "nn.Linear(\(p.shapes[0].count), \(outputs)\(hasBias ? "" : ", bias=False"))", value: "\(p.module)(\(p.x0))")
    }
}
