import NetcRuntime

/// Max or average pooling over windows of each channel, as PyTorch's
/// `MaxPool2d`/`AvgPool2d` (and their 1-d forms, height 1): padding, at most
/// half the kernel, is ignored by a max and counted as zeros by a mean
/// (`count_include_pad`). Max pooling propagates NaN (a window holding NaN
/// gives NaN) and sends the gradient to the window's first maximum, as PyTorch does.
public struct PoolOp: Op {
    public enum Reduction: String, Sendable { case max, average }
    public let reduction: Reduction
    public let window: ConvolutionGeometry
    public let sequence: Bool

    public var name: String { reduction == .max ? "max_pool" : "avg_pool" }

    public var outputShape: Shape {
        sequence ? Shape([window.channels, window.outputWidth])
            : Shape([window.channels, window.outputHeight, window.outputWidth])
    }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? outputShape : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let n = outputShape.count * window.kernelArea  // a comparison or an addition per tap, both ways
        return Flops(forward: n, parameterGradient: 0, inputGradient: n)
    }

    /// The input indices of output `index`'s window inside the input, in row-major order.
    func taps(_ index: Int) -> [Int] {
        let w = window, c = index / w.outputPlane, oy = index % w.outputPlane / w.outputWidth, ox = index % w.outputWidth
        return (0..<w.kernelHeight).flatMap { ky in (0..<w.kernelWidth).compactMap { kx in w.input(channel: c, oy: oy, ox: ox, ky: ky, kx: kx) } }
    }

    var padded: Bool { window.padTop + window.padLeft > 0 }

    /// The window's first maximum, or its first NaN.
    static func argmax(_ x: [Double], _ taps: [Int]) -> Int {
        var at = taps[0]
        for i in taps.dropFirst() where x[i] > x[at] || (x[i].isNaN && !x[at].isNaN) { at = i }
        return at
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        let x = inputs[0]
        return (0..<outputShape.count).map { index in
            let taps = taps(index)
            switch reduction {
            case .max: return x[PoolOp.argmax(x, taps)]
            case .average: return taps.reduce(0) { $0 + x[$1] } / Double(window.kernelArea)
            }
        }
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let x = inputs[0]
        var dx = [Double](repeating: 0, count: x.count)
        for index in dy.indices {
            let taps = taps(index)
            switch reduction {
            case .max: dx[PoolOp.argmax(x, taps)] += dy[index]
            case .average: for i in taps { dx[i] += dy[index] / Double(window.kernelArea) }
            }
        }
        return [dx]
    }

    /// Max pooling is not differentiable where a window's maximum moves.
    public func kinkSides(inputs: [[Double]]) -> [Int] {
        reduction == .max ? (0..<outputShape.count).map { PoolOp.argmax(inputs[0], taps($0)) } : []
    }

    /// Loops over every window, with `base` its first input (where it starts
    /// in the padding, the index it would have) and `out` its output index.
    func emitWindows(_ c: inout CodeBuilder, _ body: (inout CodeBuilder) -> Void) {
        let w = window
        c.block("for c in 0..<\(w.channels)") { c in
            c.block("for oy in 0..<\(w.outputHeight)") { c in
                c.block("for ox in 0..<\(w.outputWidth)") { c in
                    if padded {
                        c.line("let top = oy &* \(w.strideY) &- \(w.padTop), left = ox &* \(w.strideX) &- \(w.padLeft)")
                        c.line("let base = c &* \(w.inputPlane) &+ top &* \(w.width) &+ left")
                    } else {
                        c.line("let base = c &* \(w.inputPlane) &+ oy &* \(w.strideY * w.width) &+ ox &* \(w.strideX)")
                    }
                    c.line("let out = (c &* \(w.outputHeight) &+ oy) &* \(w.outputWidth) &+ ox")
                    body(&c)
                }
            }
        }
    }

    /// `body` for each tap of the window inside the input, with `i` its input index.
    func emitTaps(_ c: inout CodeBuilder, _ body: (inout CodeBuilder) -> Void) {
        let w = window
        c.block("for ky in 0..<\(w.kernelHeight)") { c in
            if padded { c.line("if top &+ ky < 0 || top &+ ky >= \(w.height) { continue }") }
            c.block("for kx in 0..<\(w.kernelWidth)") { c in
                if padded { c.line("if left &+ kx < 0 || left &+ kx >= \(w.width) { continue }") }
                c.line("let i = base &+ ky &* \(w.width) &+ kx")
                body(&c)
            }
        }
    }

    /// `at` := the window's first maximum (or first NaN) inside the input, as an input index.
    func emitArgmax(_ c: inout CodeBuilder) {
        c.line(padded ? "var at = -1" : "var at = base")
        emitTaps(&c) { c in
            c.line("if \(padded ? "at < 0 || " : "")\(x0)[i] > \(x0)[at] || (\(x0)[i].isNaN && !\(x0)[at].isNaN) { at = i }")
        }
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let area = window.kernelArea
        emitWindows(&c.code) { c in
            switch reduction {
            case .max:
                emitArgmax(&c)
                c.line("\(y)[out] = \(x0)[at]")
            case .average:
                c.line("var sum: Scalar = 0")
                emitTaps(&c) { $0.line("sum += \(x0)[i]") }
                c.line("\(y)[out] = sum * \(literal(1 / Double(area)))")
            }
        }
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard let edge = edges.first else { return }
        let area = window.kernelArea
        if !edge.accumulates { c.line("for i in 0..<\(window.channels * window.inputPlane) { \(dx0)[i] = 0 }") }
        emitWindows(&c.code) { c in
            switch reduction {
            case .max:
                emitArgmax(&c)
                c.line("\(dx0)[at] += \(dy)[out]")
            case .average:
                c.line("let share = \(dy)[out] * \(literal(1 / Double(area)))")
                emitTaps(&c) { $0.line("\(dx0)[i] += share") }
            }
        }
    }
}

/// The mean of each channel over all its positions: channels × … → channels
/// (PyTorch's `AdaptiveAvgPool2d(1)` followed by `flatten`). With
/// `paddingId`, over a sequence, the mean of the positions whose id (the
/// second input) is not padding: y_c = Σ_t m_t x_ct / max(1, Σ_t m_t), m_t = [id_t ≠ padding]
/// (0 for a sequence of padding alone); the ids get no gradient.
public struct GlobalAveragePoolOp: Op {
    public let channels: Int
    public let plane: Int
    public var paddingId: Double? = nil
    public var name: String { "global_avg_pool" }
    public func differentiates(input k: Int) -> Bool { k == 0 }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == (paddingId == nil ? 1 : 2) ? .vector(channels) : nil }

    /// The positions that are not padding, and the share of a channel's mean each of them gets.
    func open(_ inputs: [[Double]]) -> (positions: [Int], share: Double) {
        let open = PaddingMask.open(0..<plane, ids: inputs.count > 1 ? inputs[1] : nil, paddingId: paddingId)
        return (open, open.isEmpty ? 0 : 1 / Double(open.count))
    }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        Flops(forward: channels * plane, parameterGradient: 0, inputGradient: channels * plane)
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        guard paddingId != nil else { return (0..<channels).map { c in inputs[0][(c * plane)..<((c + 1) * plane)].reduce(0, +) / Double(plane) } }
        let (open, share) = open(inputs)
        return (0..<channels).map { c in open.reduce(0.0) { $0 + inputs[0][c * plane + $1] } * share }
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        guard paddingId != nil else { return [(0..<(channels * plane)).map { dy[$0 / plane] / Double(plane) }] }
        let (open, share) = open(inputs)
        var dx = [Double](repeating: 0, count: channels * plane)
        for c in 0..<channels { for t in open { dx[c * plane + t] = dy[c] * share } }
        return [dx]  // the ids get no edge
    }

    /// The share of a channel's mean each open position gets, `share`, from the sample's ids `x1`.
    func emitShare(_ paddingId: Double, _ c: inout OpCode) {
        c.line("var open: Scalar = 0")
        c.line("for t in 0..<\(plane) where \(Local.input(1))[t] != \(literal(paddingId)) { open += 1 }")
        c.line("let share: Scalar = open > 0 ? 1 / open : 0")
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        guard let paddingId else {
            c.line("for c in 0..<\(channels) { \(y)[c] = Kernels.sum(\(x0) + c &* \(plane), \(plane)) * \(literal(1 / Double(plane))) }")
            return
        }
        // A padded position is left out, not multiplied by 0: a NaN there stays out of the mean.
        emitShare(paddingId, &c)
        c.line("for c in 0..<\(channels) { var sum: Scalar = 0; for t in 0..<\(plane) where \(Local.input(1))[t] != \(literal(paddingId)) { sum += \(x0)[c &* \(plane) &+ t] }; \(y)[c] = sum * share }")
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard let edge = edges.first else { return }
        let assign = c.assign(edge)
        if let paddingId {
            emitShare(paddingId, &c)
            c.line("for c in 0..<\(channels) { let g = \(dy)[c] * share; for t in 0..<\(plane) { \(dx0)[c &* \(plane) &+ t] \(assign) \(Local.input(1))[t] != \(literal(paddingId)) ? g : 0 } }")
            return
        }
        c.block("for c in 0..<\(channels)") { c in
            c.line("let share = \(dy)[c] * \(literal(1 / Double(plane)))")
            c.line("for i in 0..<\(plane) { \(dx0)[c &* \(plane) &+ i] \(assign) share }")
        }
    }
}

/// Each channel's maximum over its `plane` positions; NaN wins, and the
/// gradient goes to the first maximum (the first NaN), where PyTorch's
/// `max(dim)` sends it. With `paddingId`, over a sequence, the maximum of
/// the positions whose id (the second input) is not padding (0 for padding
/// alone); the ids get no gradient.
public struct GlobalMaxPoolOp: Op {
    public let channels: Int
    public let plane: Int
    public var paddingId: Double? = nil
    public var name: String { "global_max_pool" }
    public func differentiates(input k: Int) -> Bool { k == 0 }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == (paddingId == nil ? 1 : 2) ? .vector(channels) : nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        Flops(forward: channels * plane, parameterGradient: 0, inputGradient: channels)
    }

    /// Each channel's first maximum (or first NaN) among its open positions, as an input index; nil when every one is padding.
    func argmax(_ inputs: [[Double]], _ c: Int) -> Int? {
        let open = PaddingMask.open(0..<plane, ids: inputs.count > 1 ? inputs[1] : nil, paddingId: paddingId)
        return open.isEmpty ? nil : PoolOp.argmax(inputs[0], open.map { c * plane + $0 })
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        (0..<channels).map { c in argmax(inputs, c).map { inputs[0][$0] } ?? 0 }
    }

    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        var dx = [Double](repeating: 0, count: channels * plane)
        for c in 0..<channels { if let at = argmax(inputs, c) { dx[at] += dy[c] } }
        return [dx]  // the ids get no edge
    }

    /// Not differentiable where a channel's maximum moves.
    public func kinkSides(inputs: [[Double]]) -> [Int] { (0..<channels).map { argmax(inputs, $0) ?? -1 } }

    /// `at` := channel c's first maximum (or first NaN), as an input index;
    /// with padding, among the open positions (−1 when there are none).
    func emitArgmax(_ c: inout CodeBuilder) {
        guard let paddingId else {
            c.line("var at = c &* \(plane)")
            c.line("for i in (at &+ 1)..<(at &+ \(plane)) where \(x0)[i] > \(x0)[at] || (\(x0)[i].isNaN && !\(x0)[at].isNaN) { at = i }")
            return
        }
        c.line("var at = -1")
        c.block("for t in 0..<\(plane) where \(Local.input(1))[t] != \(literal(paddingId))") { c in
            c.line("let i = c &* \(plane) &+ t")
            c.line("if at < 0 || \(x0)[i] > \(x0)[at] || (\(x0)[i].isNaN && !\(x0)[at].isNaN) { at = i }")
        }
    }

    public func emitForward(_ node: Node, _ c: inout OpCode) {
        c.block("for c in 0..<\(channels)") { c in
            emitArgmax(&c)
            c.line(paddingId == nil ? "\(y)[c] = \(x0)[at]" : "\(y)[c] = at < 0 ? 0 : \(x0)[at]")
        }
    }

    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard let edge = edges.first else { return }
        if c.assign(edge) == "=" { c.line("\(dx0).update(repeating: 0, count: \(channels * plane))") }
        c.block("for c in 0..<\(channels)") { c in
            emitArgmax(&c)
            c.line(paddingId == nil ? "\(dx0)[at] += \(dy)[c]" : "if at >= 0 { \(dx0)[at] += \(dy)[c] }")
        }
    }

    /// Padding filled with −inf, and a sequence of padding alone gives 0, as netc's does.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        guard let paddingId else { return PyTorchForm(value: "\(p.x0).flatten(2).max(2).values") }
        let id = Python.float(paddingId), ids = p.inputs[1]
        return PyTorchForm(value: "torch.where((\(ids) != \(id)).any(1, keepdim=True), "
                           + "\(p.x0).masked_fill((\(ids) == \(id)).unsqueeze(1), -math.inf).max(2).values, 0.0)")
    }
}

extension PoolOp {
    /// Uneven padding goes through `F.pad` first: −inf for a max (which
    /// ignores it), zeros for a mean (which counts it).
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let w = window.pytorch(sequence: sequence)
        let function = "F.\(reduction == .max ? "max" : "avg")_pool\(sequence ? 1 : 2)d"
        let input = w.pad.map { "F.pad(\(p.x0), \($0)\(reduction == .max ? ", value=-math.inf" : ""))" } ?? p.x0
        return PyTorchForm(value: "\(function)(\(input), \(w.kernel), \(w.stride)\(w.padding == "0" ? "" : ", \(w.padding)"))")
    }
}

extension GlobalAveragePoolOp {
    /// Padding left out by `masked_fill` (a NaN there stays out, as in netc), the count of the rest at least 1.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        guard let paddingId else { return PyTorchForm(value: "\(p.x0).flatten(2).mean(2)") }
        let id = Python.float(paddingId), ids = p.inputs[1]
        return PyTorchForm(value: "\(p.x0).masked_fill((\(ids) == \(id)).unsqueeze(1), 0).sum(2) / (\(ids) != \(id)).sum(1, keepdim=True).clamp(min=1)")
    }
}
