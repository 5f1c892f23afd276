import NetcRuntime

/// `conv2d c(x): 16, relu, kernel: 3, stride: 1, padding: same, dilation: 1, groups: 1, bias: true`
/// over channels × height × width, and `conv1d` over channels × length: a
/// convolution layer (PyTorch's `Conv2d`/`Conv1d`), then an optional activation.
/// `conv1d` also takes `padding: causal`: (k − 1)·dilation zeros before the
/// sequence and none after, so step t reads steps t and before only.
struct ConvolutionKind: NodeKind {
    /// Whether samples are sequences (channels × length).
    let sequence: Bool

    static let conv1d = ConvolutionKind(sequence: true), conv2d = ConvolutionKind(sequence: false)

    var keyword: String { sequence ? "conv1d" : "conv2d" }
    var summary: String {
        sequence ? "1-d convolution over channels × length; W [out][in][k], then an optional activation"
            : "2-d convolution over channels × height × width; W [out][in][kh][kw], then an optional activation"
    }
    var example: String { sequence ? "conv1d k(x): 3, tanh, kernel: 3, padding: same" : "conv2d k(x): 2, tanh, kernel: 3, stride: 2, padding: 1" }
    var exampleInput: String { sequence ? "2x7" : "2x5x5" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let what = "'\(keyword)'"
        let specs = WindowArguments.layerSpecs(rank: sequence ? 1 : 2, padding: [ParameterSpec("padding", .expression, default: .word("valid"))])
        let channels = requireValue(s, "output channels", &diagnostics).flatMap {
            ArgumentReader.convert($0, ParameterSpec("output channels", .integer(1...Limits.width)), what: what, diagnostics: &diagnostics)?.integer
        }
        guard let values = ArgumentReader.read(s.arguments, specs, what: what, at: s.range, diagnostics: &diagnostics) else { return nil }
        let activation = values["activation"]!.expression.map { Activations.resolve($0, &diagnostics) } ?? ElementwiseOp(function: Identity())
        guard let padding = WindowArguments.padding(values["padding"]!, keyword, sequence: sequence, &diagnostics) else { return nil }
        let kernel = WindowArguments.pair(values["kernel"]!.shape!), stride = WindowArguments.pair(values["stride"]!.shape!)
        if padding == .same && stride != (1, 1) {
            diagnostics.emit(.sameNeedsStrideOne(keyword), at: s.range)
            return nil
        }
        guard let channels, let activation else { return nil }
        return ConvolutionDeclaration(keyword: keyword, sequence: sequence, channels: channels, activation: activation,
                                      kernel: sequence ? (1, kernel.1) : kernel, stride: sequence ? (1, stride.1) : stride,
                                      padding: padding, dilation: values["dilation"]!.integer, groups: values["groups"]!.integer,
                                      bias: values["bias"]!.bool)
    }
}

/// The padding argument: `valid`, `same`, `causal` (a sequence's start
/// only), or zeros on each side.
enum Padding: Equatable, Sendable {
    case valid, same, causal
    case zeros(Int, Int)
}

/// Reading the arguments that place a window.
enum WindowArguments {
    /// A convolution layer's arguments, in positional order: the activation,
    /// the kernel, the stride, `padding` (its own kind's), dilation, groups, bias.
    static func layerSpecs(rank: Int, padding: [ParameterSpec]) -> [ParameterSpec] {
        [ParameterSpec("activation", .expression, default: .word("identity")),
         ParameterSpec("kernel", .shape(1...Limits.kernel, maxRank: rank)),
         ParameterSpec("stride", .shape(1...Limits.kernel, maxRank: rank), default: .shape(Shape([1])))]
            + padding
            + [ParameterSpec("dilation", .integer(1...Limits.kernel), default: .number(1)),
               ParameterSpec("groups", .integer(1...Limits.width), default: .number(1)),
               ParameterSpec("bias", .bool, default: .bool(true))]
    }

    /// (height, width) of a kernel or stride given as `3` or `3x5`.
    static func pair(_ shape: Shape) -> (Int, Int) {
        shape.rank == 1 ? (shape.dimensions[0], shape.dimensions[0]) : (shape.dimensions[0], shape.dimensions[1])
    }

    static func padding(_ value: Value, _ keyword: String, sequence: Bool, _ diagnostics: inout DiagnosticBag) -> Padding? {
        guard case .expression(let e) = value else { return value.word == "same" ? .same : .valid }
        switch e {
        case .word(let id) where id.name == "valid": return .valid
        case .word(let id) where id.name == "same": return .same
        case .word(let id) where id.name == "causal" && sequence: return .causal
        case .word(let id) where id.name == "causal":
            diagnostics.emit(.causalNeedsSequence(keyword), at: e.range,
                             notes: [.init(message: "'conv1d' pads a sequence's start alone; an image is padded on every side", range: nil)])
            return nil
        case .number(let v, true, _) where (0...Double(Limits.kernel)).contains(v): return .zeros(Int(v), Int(v))
        case .shape(let d, _) where !sequence && d.count == 2 && d.allSatisfy({ (0...Limits.kernel).contains($0) }): return .zeros(d[0], d[1])
        case .word(let id):
            let words = sequence ? ["valid", "same", "causal"] : ["valid", "same"]
            diagnostics.emit(.badPadding(keyword, sequence: sequence, hint: Suggestions.hint(id.name, words)), at: e.range)
            return nil
        default:
            diagnostics.emit(.badPadding(keyword, sequence: sequence, hint: ""), at: e.range)
            return nil
        }
    }

    /// Whether `groups` divides both channel counts of a convolution; reports
    /// it if not, with the counts that do.
    static func groupsDivide(_ groups: Int, _ inputs: Int, _ outputs: Int, _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Bool {
        guard inputs % groups != 0 || outputs % groups != 0 else { return true }
        let choices = Self.choices((1...Swift.min(inputs, outputs)).filter { inputs % $0 == 0 && outputs % $0 == 0 }, near: groups)
        diagnostics.emit(.groupsDivide(site.keyword, groups, site.inputs.first?.name ?? "", inputs, outputs), at: site.name.range,
                         notes: [Diagnostic.Note(message: "each group reads input channels ÷ groups and writes output channels ÷ groups "
                                                    + "(as in PyTorch): \(inputs) input and \(outputs) output channels take \(choices) groups",
                                                 range: nil)])
        return false
    }

    /// Counts that would do, for a note: all of them if few, else the nearest below and above `wanted`.
    static func choices(_ all: [Int], near wanted: Int) -> String {
        let shown = all.count <= 6 ? all : [all.last { $0 < wanted }, all.first { $0 > wanted }].compactMap { $0 }
        return shown.count == 1 ? "\(shown[0])" : shown.dropLast().map(String.init).joined(separator: ", ") + " or \(shown.last!)"
    }

    /// The sample layout a kind reads, for diagnostics.
    static func layout(sequence: Bool) -> String { sequence ? "channels × length (e.g. 3x100)" : "channels × height × width (e.g. 1x28x28)" }

    /// Whether the input is a sequence (channels × length), for the kinds
    /// that read one step at a time; reports it if not, with a note on a
    /// vector read from the network's input, which is one channel.
    static func isSequence(_ input: Shape, _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Bool {
        guard input.rank != 2 else { return true }
        let name = site.inputs.first?.name ?? "", n = input.count
        let notes = input.isVector && site.readsNetworkInput.first == true
            ? [Diagnostic.Note(message: "a series of \(n) single values is one channel: declare it as 'input \(name): 1x\(n)'", range: nil)]
            : []
        diagnostics.emit(.needsRank(site.keyword, layout(sequence: true), name, input), at: site.name.range, notes: notes)
        return false
    }

    /// The input's (channels, height, width), or a diagnostic when its rank is not the kind's.
    static func planes(_ input: Shape, sequence: Bool, _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> (Int, Int, Int)? {
        let d = input.dimensions
        if sequence && d.count == 2 { return (d[0], 1, d[1]) }
        if !sequence && d.count == 3 { return (d[0], d[1], d[2]) }
        diagnostics.emit(.needsRank(site.keyword, layout(sequence: sequence), site.inputs.first?.name ?? "", input), at: site.name.range)
        return nil
    }
}

struct ConvolutionDeclaration: NodeDeclaration {
    let keyword: String
    let sequence: Bool
    let channels: Int
    let activation: any Op
    let kernel: (Int, Int), stride: (Int, Int)
    let padding: Padding
    let dilation: Int
    let groups: Int
    let bias: Bool

    var finalOp: (any Op)? { activation }

    func window(_ input: Shape) -> ConvolutionGeometry? {
        let d = input.dimensions
        guard d.count == (sequence ? 2 : 3) else { return nil }
        let pads: (top: Int, bottom: Int, left: Int, right: Int)
        switch padding {
        case .valid: pads = (0, 0, 0, 0)
        case .same:  // PyTorch: the total (k − 1)·d, the smaller half before
            let totalY = dilation * (kernel.0 - 1), totalX = dilation * (kernel.1 - 1)
            pads = (totalY / 2, totalY - totalY / 2, totalX / 2, totalX - totalX / 2)
        case .causal:  // every zero before the sequence: step t reads steps t − (k − 1)·d … t
            pads = (0, 0, dilation * (kernel.1 - 1), 0)
        case .zeros(let py, let px):
            pads = sequence ? (0, 0, px, px) : (py, py, px, px)
        }
        return ConvolutionGeometry(channels: d[0], height: sequence ? 1 : d[1], width: d[d.count - 1], kernelHeight: kernel.0,
                                   kernelWidth: kernel.1, strideY: stride.0, strideX: stride.1, dilation: dilation,
                                   padTop: pads.top, padBottom: pads.bottom, padLeft: pads.left, padRight: pads.right)
    }

    func op(_ input: Shape) -> ConvolutionOp? {
        window(input).map { ConvolutionOp(window: $0, outputChannels: channels, hasBias: bias, sequence: sequence, groups: groups) }
    }

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard WindowArguments.planes(inputs[0], sequence: sequence, site, &diagnostics) != nil, let w = window(inputs[0]) else { return nil }
        guard w.fits else {
            diagnostics.emit(.windowTooLarge(site.keyword, "kernel", site.inputs.first?.name ?? "", inputs[0]), at: site.name.range)
            return nil
        }
        guard WindowArguments.groupsDivide(groups, w.channels, channels, site, &diagnostics) else { return nil }
        return op(inputs[0])!.outputShape
    }

    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        guard let w = window(inputs[0]), w.channels % groups == 0 else { return [] }
        let reads = w.channels / groups
        let shape = sequence ? [channels, reads, w.kernelWidth] : [channels, reads, w.kernelHeight, w.kernelWidth]
        // PyTorch's fans for a convolution, from W's shape: in ÷ groups × kernel area, out × kernel area.
        let weight: TensorSpec = ("weight", shape, true, .scheme(fanIn: reads * w.kernelArea, fanOut: channels * w.kernelArea))
        return bias ? [weight, ("bias", [channels], false, .zeros)] : [weight]
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let op = op(g.shape(inputs[0]))!
        return g.addLayer(name, op, part: "conv", activation: activation, inputs: inputs, shape: op.outputShape, tensors: tensors)
    }
}
