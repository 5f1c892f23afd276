import NetcRuntime

/// PyTorch's `ConvTranspose2d`/`ConvTranspose1d`: each input value spreads,
/// times the kernel, over a window of the output, y[c, iy·s − p + ky·d,
/// ix·s − p + kx·d] += W[o, c, ky, kx] · x[o, iy, ix] (what falls outside the
/// output is dropped), plus b[c]. It is the transpose of `convolution`, the
/// convolution from this op's output shape to its input shape with the same
/// kernel, stride, padding, dilation and groups: this op's forward pass is
/// that convolution's input gradient, and its input gradient that
/// convolution's forward pass. W is [in][out ÷ groups][kh][kw], PyTorch's
/// layout and the convolution's own.
public struct TransposedConvolutionOp: Op {
    /// The convolution it transposes (its input is this op's output; no bias).
    public let convolution: ConvolutionOp
    public let hasBias: Bool
    /// Extra rows and columns on the bottom and right of the output (PyTorch's `output_padding`).
    public let outputPadding: (height: Int, width: Int)

    public var name: String { convolution.sequence ? "conv_transpose1d" : "conv_transpose2d" }
    var window: ConvolutionGeometry { convolution.window }

    public var outputShape: Shape {
        convolution.sequence ? Shape([window.channels, window.width]) : Shape([window.channels, window.height, window.width])
    }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? outputShape : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let product = convolution.flops(node, inputs: inputs)
        let bias = hasBias ? window.channels * window.inputPlane : 0
        return Flops(forward: product.inputGradient + bias, parameterGradient: product.inputGradient + bias, inputGradient: product.inputGradient)
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset, plane = window.inputPlane
        var y = [Double](repeating: 0, count: window.channels * plane)
        if hasBias {
            let b = graph.parameters[node.parameters[1]].offset
            for i in y.indices { y[i] = parameters[b + i / plane] }
        }
        convolution.forEachTap { o, c, ky, kx, spot, out in y[out] += parameters[w + convolution.weightIndex(o, c, ky, kx)] * x[spot] }
        return y
    }

    /// dx[spot] += W·δ[out], dW += x[spot]·δ[out] over every tap; db[c] += Σ δ[c, ·].
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset
        var dx = [Double](repeating: 0, count: x.count)
        convolution.forEachTap { o, c, ky, kx, spot, out in
            dx[spot] += parameters[w + convolution.weightIndex(o, c, ky, kx)] * dy[out]
            parameterGradient[w + convolution.weightIndex(o, c, ky, kx)] += x[spot] * dy[out]
        }
        if hasBias {
            let b = graph.parameters[node.parameters[1]].offset
            for i in dy.indices { parameterGradient[b + i / window.inputPlane] += dy[i] }
        }
        return [dx]
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let plane = window.inputPlane
        if hasBias {
            let b = c.parameter(node.parameters[1])
            c.line("for c in 0..<\(window.channels) { for i in 0..<\(plane) { \(y)[c &* \(plane) &+ i] = \(b)[c] } }")
        } else {
            c.line("for i in 0..<\(window.channels * plane) { \(y)[i] = 0 }")
        }
        convolution.emitTranspose(&c, weight: c.parameter(node.parameters[0]), output: x0, input: y)
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        if parameterGradients {
            convolution.emitWeightGradient(&c, c.parameterGradient(node.parameters[0]), input: dy, output: x0)
            if hasBias {
                let db = c.parameterGradient(node.parameters[1]), plane = window.inputPlane
                c.line("for c in 0..<\(window.channels) { \(db)[c] += Kernels.sum(\(dy) + c &* \(plane), \(plane)) }")
            }
        }
        guard let edge = edges.first else { return }
        convolution.emitProduct(&c, weight: c.parameter(node.parameters[0]), input: dy, output: dx0, start: edge.accumulates ? nil : "0")
    }

    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let sequence = convolution.sequence, w = window.pytorch(sequence: sequence)  // the padding is even: it crops both sides
        var arguments = ["\(convolution.outputChannels)", "\(window.channels)", w.kernel]
        if w.stride != "1" { arguments.append("stride=\(w.stride)") }
        if w.padding != "0" { arguments.append("padding=\(w.padding)") }
        if outputPadding != (0, 0) {
            arguments.append("output_padding=\(sequence ? "\(outputPadding.width)" : Python.pair(outputPadding.height, outputPadding.width))")
        }
        if convolution.groups != 1 { arguments.append("groups=\(convolution.groups)") }
        if !hasBias { arguments.append("bias=False") }
        if window.dilation != 1 { arguments.append("dilation=\(window.dilation)") }
        return PyTorchForm(module: "nn.ConvTranspose\(sequence ? 1 : 2)d(\(arguments.joined(separator: ", ")))", value: "\(p.module)(\(p.x0))")
    }
}
