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

    /// Along a row, the columns in phases: output column f·i + r reads input
    /// columns i + `offsets` with `weights`, the same for every i inside the
    /// row (r's source lies δ = (r + ½)/f − ½ from column i); at the row's
    /// ends, where PyTorch clamps, the columns and weights it uses.
    struct Phase {
        let r: Int
        let weights: (Double, Double)
        let offsets: (Int, Int)
        /// The columns i of the loop, and the end column with its own columns and weights.
        let interior: Range<Int>
        let end: (i: Int, columns: (Int, Int), weights: (Double, Double))
    }

    var phases: [Phase] {
        (0..<factorX).map { r in
            let delta = 1 / Double(factorX) * (Double(r) + 0.5) - 0.5
            if delta >= 0 {  // between i and i + 1; the last column reads itself twice
                return Phase(r: r, weights: (1 - delta, delta), offsets: (0, 1), interior: 0..<(width - 1),
                             end: (width - 1, (width - 1, width - 1), (1 - delta, delta)))
            }
            // Between i − 1 and i; before column 0 the source clamps to 0.
            return Phase(r: r, weights: (-delta, 1 + delta), offsets: (-1, 0), interior: 1..<width,
                         end: (0, (0, Swift.min(1, width - 1)), (1, 0)))
        }
    }

    /// Per channel and output row: the row's two input rows and weights, then `body` for each phase.
    func emitLoops(_ c: inout CodeBuilder, _ body: (inout CodeBuilder, Phase) -> Void) {
        c.block("for c in 0..<\(channels)") { c in
            c.line("let input = c &* \(height * width), output = c &* \(outputHeight * outputWidth)")
            c.block("for oy in 0..<\(outputHeight)") { c in
                emitTaps(&c, axis: "h", o: "oy", size: height, factor: factorY)
                c.line("let top = input &+ h0 &* \(width), bottom = input &+ h1 &* \(width), row = output &+ oy &* \(outputWidth)")
                for phase in phases { body(&c, phase) }
            }
        }
    }

    /// `(a * v[top + i] + b * v[top + j])` for the top row, and the same for the bottom.
    func terms(_ v: Local, _ i: String, _ j: String, _ w: (Double, Double)) -> (Code, Code) {
        func row(_ r: String) -> Code { "(\(literal(w.0)) * \(v)[\(r) &+ \(i)] + \(literal(w.1)) * \(v)[\(r) &+ \(j)])" }
        return (row("top"), row("bottom"))
    }

    static func shifted(_ offset: Int) -> String { offset == 0 ? "i" : offset > 0 ? "(i &+ \(offset))" : "(i &- \(-offset))" }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        emitLoops(&c.code) { c, phase in
            let (top, bottom) = terms(x0, Self.shifted(phase.offsets.0), Self.shifted(phase.offsets.1), phase.weights)
            if !phase.interior.isEmpty {
                c.line("for i in \(phase.interior.lowerBound)..<\(phase.interior.upperBound) { \(y)[row &+ i &* \(factorX) &+ \(phase.r)] = kh * \(top) + lh * \(bottom) }")
            }
            let end = phase.end, (t, b) = terms(x0, "\(end.columns.0)", "\(end.columns.1)", end.weights)
            c.line("\(y)[row &+ \(end.i * factorX + phase.r)] = kh * \(t) + lh * \(b)")
        }
    }

    /// The input's gradient is written by scattering, so a written one
    /// starts at zero. Inside a row each phase's two weights and two input
    /// rows get a loop of their own: every iteration then adds to a
    /// different value, a loop the optimiser vectorises.
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard let edge = edges.first else { return }
        if !edge.accumulates { c.line("\(dx0).update(repeating: 0, count: \(channels * height * width))") }
        emitLoops(&c.code) { c, phase in
            if !phase.interior.isEmpty {
                let range = "\(phase.interior.lowerBound)..<\(phase.interior.upperBound)"
                for (rowName, rowWeight) in [("top", "kh"), ("bottom", "lh")] {
                    for (offset, weight) in [(phase.offsets.0, phase.weights.0), (phase.offsets.1, phase.weights.1)] {
                        c.line("do { let w = \(rowWeight) * \(literal(weight)); for i in \(range) { \(dx0)[\(rowName) &+ \(Self.shifted(offset))] += w * \(dy)[row &+ i &* \(factorX) &+ \(phase.r)] } }")
                    }
                }
            }
            let end = phase.end, (i, j, w) = (end.columns.0, end.columns.1, end.weights)
            c.block("do") { c in
                c.line("let g = \(dy)[row &+ \(end.i * factorX + phase.r)], gh = kh * g, gl = lh * g")
                c.line("\(dx0)[top &+ \(i)] += \(literal(w.0)) * gh; \(dx0)[top &+ \(j)] += \(literal(w.1)) * gh")
                c.line("\(dx0)[bottom &+ \(i)] += \(literal(w.0)) * gl; \(dx0)[bottom &+ \(j)] += \(literal(w.1)) * gl")
            }
        }
    }

    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let factors = sequence ? "\(factorX)" : "(\(factorY), \(factorX))"
        return PyTorchForm(value: "F.interpolate(\(p.x0), scale_factor=\(factors), mode=\"\(sequence ? "linear" : "bilinear")\", align_corners=False)")
    }
}
