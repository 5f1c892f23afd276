import NetcRuntime

/// y[o, oy, ox] = b[o] + Σ_c,ky,kx W[o, c, ky, kx] · x[c, oy·s − p + ky·d, ox·s − p + kx·d]
/// (zero outside the input): PyTorch's `Conv2d` (cross-correlation), W
/// [out][in][kh][kw], b [out]. A sequence (`conv1d`, channels × length) is
/// the same with height 1, W [out][in][k]. With `groups` G, the channels
/// split into G groups and each output channel reads its own group's input
/// channels only (PyTorch's `groups`): W is [out][in ÷ G][kh][kw], and
/// G = in is the depthwise convolution of MobileNet's separable blocks.
///
/// The body is the direct form: for each output channel, input channel and
/// tap, one multiply–add over the output rows and columns the tap reaches, so
/// the innermost loop runs along a row (contiguous for stride 1).
public struct ConvolutionOp: Op {
    public let window: ConvolutionGeometry
    public let outputChannels: Int
    public let hasBias: Bool
    /// Whether samples are sequences (the output is channels × length).
    public let sequence: Bool
    /// Groups of channels that do not mix; both channel counts are multiples of it.
    public let groups: Int

    public init(window: ConvolutionGeometry, outputChannels: Int, hasBias: Bool, sequence: Bool, groups: Int = 1) {
        (self.window, self.outputChannels, self.hasBias, self.sequence, self.groups) = (window, outputChannels, hasBias, sequence, groups)
    }

    /// The input channels each output channel reads, and the output channels of a group.
    public var groupChannels: Int { window.channels / groups }
    var groupOutputs: Int { outputChannels / groups }

    public var name: String { sequence ? "conv1d" : "conv2d" }

    public var outputShape: Shape {
        sequence ? Shape([outputChannels, window.outputWidth]) : Shape([outputChannels, window.outputHeight, window.outputWidth])
    }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? outputShape : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let mac = 2 * outputChannels * window.outputPlane * groupChannels * window.kernelArea
        let bias = hasBias ? outputChannels * window.outputPlane : 0
        return Flops(forward: mac + bias, parameterGradient: mac + bias, inputGradient: mac)
    }

    /// W's index of output channel o's tap (c, ky, kx), c counted within o's group.
    func weightIndex(_ o: Int, _ c: Int, _ ky: Int, _ kx: Int) -> Int {
        ((o * groupChannels + c) * window.kernelHeight + ky) * window.kernelWidth + kx
    }

    /// Calls `body(o, c, ky, kx, outputIndex, inputIndex)` for every tap that
    /// reads the input, c counted within o's group.
    func forEachTap(_ body: (Int, Int, Int, Int, Int, Int) -> Void) {
        let w = window
        for o in 0..<outputChannels {
            let first = o / groupOutputs * groupChannels
            for c in 0..<groupChannels {
                for ky in 0..<w.kernelHeight {
                    for kx in 0..<w.kernelWidth {
                        for oy in w.rows(ky) {
                            for ox in w.columns(kx) {
                                body(o, c, ky, kx, (o * w.outputHeight + oy) * w.outputWidth + ox,
                                     w.input(channel: first + c, oy: oy, ox: ox, ky: ky, kx: kx)!)
                            }
                        }
                    }
                }
            }
        }
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset
        var y = [Double](repeating: 0, count: outputShape.count)
        if hasBias {
            let b = graph.parameters[node.parameters[1]].offset
            for i in y.indices { y[i] = parameters[b + i / window.outputPlane] }
        }
        forEachTap { o, c, ky, kx, out, input in y[out] += parameters[w + weightIndex(o, c, ky, kx)] * x[input] }
        return y
    }

    /// dx[input] += W·δ[out], dW += δ[out]·x[input] over every tap; db[o] += Σ δ[o, ·].
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset
        var dx = [Double](repeating: 0, count: x.count)
        forEachTap { o, c, ky, kx, out, input in
            dx[input] += parameters[w + weightIndex(o, c, ky, kx)] * dy[out]
            parameterGradient[w + weightIndex(o, c, ky, kx)] += dy[out] * x[input]
        }
        if hasBias {
            let b = graph.parameters[node.parameters[1]].offset
            for i in dy.indices { parameterGradient[b + i / window.outputPlane] += dy[i] }
        }
        return [dx]
    }

    /// Loops over (channel of o's group, tap, reachable rows), with `row` the
    /// code of the innermost loop over `ox` given `xr` (the input row, offset
    /// by the tap) and `yr` (the output row).
    func emitTaps(_ c: inout CodeBuilder, input: Local, output: Local, row: @escaping (inout CodeBuilder) -> Void) {
        let w = window
        let channel = groups == 1 ? "c" : times(groupOutputs == 1 ? "o" : "o / \(groupOutputs)", groupChannels) + " &+ c"
        c.block("for c in 0..<\(groupChannels)") { c in
            c.line("let plane = \(input) + \(times(channel, w.inputPlane))")
            c.block("for ky in 0..<\(w.kernelHeight)") { c in
                let rows = w.insideCode("ky", rows: true, low: "yLow")
                c.line("let yLow = \(rows.low), yHigh = \(rows.high)")
                c.block("for kx in 0..<\(w.kernelWidth)") { c in
                    let columns = w.insideCode("kx", rows: false, low: "xLow")
                    c.line("let xLow = \(columns.low), xHigh = \(columns.high)")
                    c.line("let tap = \(times(times(times("o", groupChannels) + " &+ c", w.kernelHeight) + " &+ ky", w.kernelWidth)) &+ kx")
                    c.block("for oy in yLow..<yHigh") { c in
                        let rowStart = times(times("oy", w.strideY) + plus(-w.padTop) + " &+ " + times("ky", w.dilation), w.width)
                        c.line("let xr = plane + (\(rowStart)\(plus(-w.padLeft)) &+ \(times("kx", w.dilation)))")
                        c.line("let yr = \(output) + (o &* \(w.outputPlane) &+ \(times("oy", w.outputWidth)))")
                        row(&c)
                    }
                }
            }
        }
    }

    var xIndex: String { times("ox", window.strideX) }

    /// The row's span of outputs and (at stride 1) the input beside it, for `Kernels`' row helpers.
    static let span = (y: "yr + xLow", x: "xr + xLow", n: "xHigh &- xLow")

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let bias: Ref? = hasBias ? c.parameter(node.parameters[1]) : nil
        emitProduct(&c, weight: c.parameter(node.parameters[0]), input: x0, output: y, start: bias.map { "\($0)[o]" as Code } ?? "0")
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        if parameterGradients {
            let plane = window.outputPlane
            let db: Ref? = hasBias ? c.parameterGradient(node.parameters[1]) : nil
            emitWeightGradient(&c, c.parameterGradient(node.parameters[0]), input: x0, output: dy) { c in
                if let db { c.line("\(db)[o] += Kernels.sum(\(dy) + o &* \(plane), \(plane))") }
            }
        }
        guard let edge = edges.first else { return }
        if !edge.accumulates { c.line("for i in 0..<\(window.channels * window.inputPlane) { \(dx0)[i] = 0 }") }
        emitTranspose(&c, weight: c.parameter(node.parameters[0]), output: dy, input: dx0)
    }

    // The three bodies, over any buffers: a transposed convolution
    // (`TransposedConvolutionOp`) runs them with the roles of its input and
    // output swapped.

    /// output = W ⊛ input, each output channel first set to `start` (code in
    /// `o`), or output += W ⊛ input without one.
    func emitProduct(_ c: inout OpCode, weight w: Ref, input: Local, output: Local, start: Code?) {
        let plane = window.outputPlane
        c.block("for o in 0..<\(outputChannels)") { c in
            if let start { c.line("for i in 0..<\(plane) { \(output)[o &* \(plane) &+ i] = \(start) }") }
            emitTaps(&c, input: input, output: output) { c in
                if window.strideX == 1 {
                    c.line("Kernels.axpy(\(w)[tap], \(Self.span.x), \(Self.span.y), \(Self.span.n))")
                } else {
                    c.line("let weight = \(w)[tap]")
                    c.line("for ox in xLow..<xHigh { yr[ox] += weight * xr[\(xIndex)] }")
                }
            }
        }
    }

    /// dW[tap] += Σ output·input over the positions each tap reaches (after
    /// `perOutput`'s code for each output channel o).
    func emitWeightGradient(_ c: inout OpCode, _ dw: Ref, input: Local, output: Local, perOutput: (inout CodeBuilder) -> Void = { _ in }) {
        c.block("for o in 0..<\(outputChannels)") { c in
            perOutput(&c)
            emitTaps(&c, input: input, output: output) { c in
                if window.strideX == 1 {
                    c.line("\(dw)[tap] += Kernels.dot(\(Self.span.y), \(Self.span.x), \(Self.span.n))")
                } else {
                    c.line("var sum: Scalar = 0")
                    c.line("for ox in xLow..<xHigh { sum += yr[ox] * xr[\(xIndex)] }")
                    c.line("\(dw)[tap] += sum")
                }
            }
        }
    }

    /// input += Wᵀ ⊛ output: each output value spread back over the window it read.
    func emitTranspose(_ c: inout OpCode, weight w: Ref, output: Local, input: Local) {
        c.block("for o in 0..<\(outputChannels)") { c in
            emitTaps(&c, input: input, output: output) { c in
                if window.strideX == 1 {
                    c.line("Kernels.axpy(\(w)[tap], \(Self.span.y), \(Self.span.x), \(Self.span.n))")
                } else {
                    c.line("let weight = \(w)[tap]")
                    c.line("for ox in xLow..<xHigh { xr[\(xIndex)] += weight * yr[ox] }")
                }
            }
        }
    }
}

/// `v &* k`, or `v` for k = 1, parenthesised where it is a sum.
private func times(_ v: String, _ k: Int) -> String {
    k == 1 ? v : v.contains(" ") ? "(\(v)) &* \(k)" : "\(v) &* \(k)"
}

/// ` &+ k`, ` &- |k|`, or nothing for 0.
private func plus(_ k: Int) -> String { k == 0 ? "" : k > 0 ? " &+ \(k)" : " &- \(-k)" }

extension ConvolutionOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let w = window.pytorch(sequence: sequence)
        var arguments = ["\(window.channels)", "\(outputChannels)", w.kernel]
        if w.stride != "1" { arguments.append("stride=\(w.stride)") }
        if w.padding != "0" { arguments.append("padding=\(w.padding)") }
        if window.dilation != 1 { arguments.append("dilation=\(window.dilation)") }
        if groups != 1 { arguments.append("groups=\(groups)") }
        if !hasBias { arguments.append("bias=False") }
        let input = w.pad.map { "F.pad(\(p.x0), \($0))" } ?? p.x0
        return PyTorchForm(module: "nn.Conv\(sequence ? 1 : 2)d(\(arguments.joined(separator: ", ")))", value: "\(p.module)(\(input))")
    }
}
