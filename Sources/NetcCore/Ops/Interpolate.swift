/// Linear interpolation by whole factors: PyTorch's `nn.Upsample(scale_factor:,
/// mode: "bilinear")` over channels × height × width, or `mode: "linear"`
/// over channels × length (height 1), with `align_corners=False`. Along each
/// axis, output position o reads source position s = max((o + ½)/f − ½, 0),
/// between i₀ = ⌊s⌋ and i₁ = min(i₀ + 1, n − 1) with weights 1 − λ and λ =
/// s − i₀; over planes, rows then columns. Its derivative sends each output
/// gradient back to the same four (or two) inputs with the same weights.
public struct InterpolateOp: Upsampling {
    public let channels: Int, height: Int, width: Int
    public let factorY: Int, factorX: Int
    public let sequence: Bool

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let n = channels * outputHeight * outputWidth
        return Flops(forward: 7 * n, parameterGradient: 0, inputGradient: 8 * n)
    }

    /// Along an axis of `size` values upsampled by `factor`: output position
    /// o's two source positions and the second's weight λ (PyTorch's
    /// `area_pixel_compute_source_index` with the scale 1/factor).
    static func taps(_ o: Int, size: Int, factor: Int) -> (Int, Int, Double) {
        let s = Swift.max(1 / Double(factor) * (Double(o) + 0.5) - 0.5, 0)
        let i0 = Int(s)
        return (i0, i0 < size - 1 ? i0 + 1 : i0, Swift.min(Swift.max(s - Double(i0), 0), 1))
    }

    /// Each output value's four source indices (within its channel's plane) and weights.
    func sources(_ oy: Int, _ ox: Int) -> [(Int, Double)] {
        let (h0, h1, ly) = Self.taps(oy, size: height, factor: factorY), (w0, w1, lx) = Self.taps(ox, size: width, factor: factorX)
        return [(h0 * width + w0, (1 - ly) * (1 - lx)), (h0 * width + w1, (1 - ly) * lx),
                (h1 * width + w0, ly * (1 - lx)), (h1 * width + w1, ly * lx)]
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let x = inputs[0], plane = height * width
        var y: [Double] = []
        for c in 0..<channels {
            for oy in 0..<outputHeight {
                for ox in 0..<outputWidth {
                    let s = sources(oy, ox)
                    let top = s[0].1 * x[c * plane + s[0].0] + s[1].1 * x[c * plane + s[1].0]
                    y.append(top + (s[2].1 * x[c * plane + s[2].0] + s[3].1 * x[c * plane + s[3].0]))
                }
            }
        }
        return y
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let plane = height * width, outputPlane = outputHeight * outputWidth
        var dx = [Double](repeating: 0, count: channels * plane)
        for c in 0..<channels {
            for oy in 0..<outputHeight {
                for ox in 0..<outputWidth {
                    let g = dy[c * outputPlane + oy * outputWidth + ox]
                    for (i, weight) in sources(oy, ox) { dx[c * plane + i] += weight * g }
                }
            }
        }
        return [dx]
    }

    /// `let <axis>0, <axis>1, l<axis>, k<axis>` for output position `o` along one axis.
    func emitTaps(_ c: inout CodeBuilder, axis: String, o: String, size: Int, factor: Int) {
        c.line("let s\(axis) = Swift.max(\(literal(1 / Double(factor))) * (Scalar(\(o)) + 0.5) - 0.5, 0)")
        c.line("let \(axis)0 = Swift.Int(s\(axis)), \(axis)1 = \(axis)0 < \(size - 1) ? \(axis)0 &+ 1 : \(axis)0")
        c.line("let l\(axis) = Swift.min(Swift.max(s\(axis) - Scalar(\(axis)0), 0), 1), k\(axis) = 1 - l\(axis)")
    }

    /// Per channel, row and column: the source positions, then the weighted sum or its scatter.
    func emitLoops(_ c: inout CodeBuilder, _ body: (inout CodeBuilder) -> Void) {
        c.block("for c in 0..<\(channels)") { c in
            c.line("let input = c &* \(height * width), output = c &* \(outputHeight * outputWidth)")
            c.block("for oy in 0..<\(outputHeight)") { c in
                emitTaps(&c, axis: "h", o: "oy", size: height, factor: factorY)
                c.line("let top = input &+ h0 &* \(width), bottom = input &+ h1 &* \(width)")
                c.block("for ox in 0..<\(outputWidth)") { c in
                    emitTaps(&c, axis: "w", o: "ox", size: width, factor: factorX)
                    c.line("let at = output &+ oy &* \(outputWidth) &+ ox")
                    body(&c)
                }
            }
        }
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        emitLoops(&c.code) { c in
            c.line("\(y)[at] = kh * (kw * \(x0)[top &+ w0] + lw * \(x0)[top &+ w1]) + lh * (kw * \(x0)[bottom &+ w0] + lw * \(x0)[bottom &+ w1])")
        }
    }

    /// The input's gradient is written by scattering, so a written one starts at zero.
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard let edge = edges.first else { return }
        if !edge.accumulates { c.line("\(dx0).update(repeating: 0, count: \(channels * height * width))") }
        emitLoops(&c.code) { c in
            c.line("let g = \(dy)[at], gh = kh * g, gl = lh * g")
            c.line("\(dx0)[top &+ w0] += kw * gh; \(dx0)[top &+ w1] += lw * gh")
            c.line("\(dx0)[bottom &+ w0] += kw * gl; \(dx0)[bottom &+ w1] += lw * gl")
        }
    }

    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let factors = sequence ? "\(factorX)" : "(\(factorY), \(factorX))"
        return PyTorchForm(value: "F.interpolate(\(p.x0), scale_factor=\(factors), mode=\"\(sequence ? "linear" : "bilinear")\", align_corners=False)")
    }
}
