/// y = W x + b: a dense layer without its activation. W is [outputs][inputs], row-major.
public struct LinearOp: Op {
    public let outputs: Int
    public let hasBias: Bool
    public var name: String { hasBias ? "linear" : "linear(no bias)" }

    public func outputSize(inputSizes: [Int]) -> Int? { inputSizes.count == 1 ? outputs : nil }

    public func flops(_ node: Node, inputSizes: [Int]) -> (forward: Int, backward: Int) {
        let mac = 2 * inputSizes[0] * outputs
        return (mac + (hasBias ? outputs : 0), 2 * mac + (hasBias ? outputs : 0))
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset
        return (0..<outputs).map { j in
            var s = hasBias ? parameters[graph.parameters[node.parameters[1]].offset + j] : 0
            for i in x.indices { s += parameters[w + j * x.count + i] * x[i] }
            return s
        }
    }

    /// dx = Wᵀ δ, dW += δ xᵀ, db += δ.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] {
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
}
