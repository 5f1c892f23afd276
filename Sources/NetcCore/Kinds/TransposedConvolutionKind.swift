import NetcRuntime

/// `conv_transpose2d u(x): 16, relu, kernel: 4, stride: 2, padding: 1, output_padding: 0, dilation: 1, groups: 1, bias: true`
/// and `conv_transpose1d`: a transposed convolution (PyTorch's
/// `ConvTranspose2d`/`ConvTranspose1d`), the learned upsampling of decoders,
/// then an optional activation.
struct TransposedConvolutionKind: NodeKind {
    /// Whether samples are sequences (channels × length).
    let sequence: Bool

    static let conv1d = TransposedConvolutionKind(sequence: true), conv2d = TransposedConvolutionKind(sequence: false)

    var keyword: String { sequence ? "conv_transpose1d" : "conv_transpose2d" }
    var summary: String {
        sequence ? "1-d transposed convolution over channels × length; W [in][out][k], then an optional activation"
            : "2-d transposed convolution over channels × height × width; W [in][out][kh][kw], then an optional activation"
    }
    var example: String {
        sequence ? "conv_transpose1d k(x): 2, tanh, kernel: 3, stride: 2, padding: 1, output_padding: 1"
            : "conv_transpose2d k(x): 2, tanh, kernel: 3, stride: 2, padding: 1"
    }
    var exampleInput: String { sequence ? "2x4" : "2x3x3" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let what = "'\(keyword)'", rank = sequence ? 1 : 2
        let specs = WindowArguments.layerSpecs(rank: rank, padding: [
            ParameterSpec("padding", .shape(0...Limits.kernel, maxRank: rank), default: .shape(Shape([0]))),
            ParameterSpec("output_padding", .shape(0...Limits.kernel, maxRank: rank), default: .shape(Shape([0]))),
        ])
        let channels = requireValue(s, "output channels", &diagnostics).flatMap {
            ArgumentReader.convert($0, ParameterSpec("output channels", .integer(1...Limits.width)), what: what, diagnostics: &diagnostics)?.integer
        }
        // 'same' or 'valid' padding: said plainly, and the rest still checked.
        let wordPadding = s.arguments.first { $0.label?.name == "padding" && isWord($0.value) }
        if let wordPadding {
            diagnostics.emit(.transposedPadding(keyword), at: wordPadding.value.range,
                             notes: [Diagnostic.Note(message: "the output side is (side − 1)·stride − 2·padding + dilation·(kernel − 1) + "
                                                        + "output_padding + 1; kernel 4, stride 2, padding 1 doubles it", range: nil)])
        }
        let arguments = s.arguments.filter { $0.label?.name != "padding" || !isWord($0.value) }
        guard let values = ArgumentReader.read(arguments, specs, what: what, at: s.range, diagnostics: &diagnostics),
              wordPadding == nil else { return nil }
        let activation = values["activation"]!.expression.map { Activations.resolve($0, &diagnostics) } ?? ElementwiseOp(function: Identity())
        // A sequence's height: one row, with no padding.
        let pick = { (name: String, none: Int) -> (Int, Int) in
            let p = WindowArguments.pair(values[name]!.shape!)
            return self.sequence ? (none, p.1) : p
        }
        let stride = pick("stride", 1), extra = pick("output_padding", 0)
        // PyTorch also takes an output padding below the dilation; netc only below the stride.
        if extra.0 >= stride.0 && extra.0 > 0 || extra.1 >= stride.1 && extra.1 > 0 {
            diagnostics.emit(.outputPaddingBelowStride(keyword), at: s.arguments.first { $0.label?.name == "output_padding" }?.range ?? s.range)
            return nil
        }
        guard let channels, let activation else { return nil }
        return TransposedConvolutionDeclaration(sequence: sequence, channels: channels, activation: activation,
                                                kernel: pick("kernel", 1), stride: stride, padding: pick("padding", 0), outputPadding: extra,
                                                dilation: values["dilation"]!.integer, groups: values["groups"]!.integer,
                                                bias: values["bias"]!.bool)
    }
}

/// Whether an argument's value is a bare word (`same`).
private func isWord(_ e: Expression) -> Bool {
    if case .word = e { return true }
    return false
}

struct TransposedConvolutionDeclaration: NodeDeclaration {
    let sequence: Bool
    let channels: Int
    let activation: any Op
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int)
    let dilation: Int
    let groups: Int
    let bias: Bool

    var finalOp: (any Op)? { activation }

    /// The output's (height, width): (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1, as in PyTorch.
    func sides(_ input: Shape) -> (Int, Int)? {
        let d = input.dimensions
        guard d.count == (sequence ? 2 : 3) else { return nil }
        let side = { (n: Int, k: Int, s: Int, p: Int, e: Int) in (n - 1) * s - 2 * p + dilation * (k - 1) + e + 1 }
        let height = sequence ? 1 : side(d[1], kernel.0, stride.0, padding.0, outputPadding.0)
        return (height, side(d[d.count - 1], kernel.1, stride.1, padding.1, outputPadding.1))
    }

    /// The convolution it transposes: from the output's shape back to the input's.
    func op(_ input: Shape) -> TransposedConvolutionOp? {
        guard let (height, width) = sides(input), height >= 1, width >= 1, input.dimensions[0] % groups == 0, channels % groups == 0 else {
            return nil
        }
        let window = ConvolutionGeometry(channels: channels, height: height, width: width, kernelHeight: kernel.0, kernelWidth: kernel.1,
                                         strideY: stride.0, strideX: stride.1, dilation: dilation, padTop: padding.0,
                                         padBottom: padding.0, padLeft: padding.1, padRight: padding.1)
        let convolution = ConvolutionOp(window: window, outputChannels: input.dimensions[0], hasBias: false, sequence: sequence, groups: groups)
        return TransposedConvolutionOp(convolution: convolution, hasBias: bias, outputPadding: outputPadding)
    }

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard let (inC, _, _) = WindowArguments.planes(inputs[0], sequence: sequence, site, &diagnostics),
              let (height, width) = sides(inputs[0]) else { return nil }
        guard height >= 1 && width >= 1 else {
            diagnostics.emit(.transposedOutputEmpty(site.keyword, site.inputs.first?.name ?? "", inputs[0]), at: site.name.range)
            return nil
        }
        guard WindowArguments.groupsDivide(groups, inC, channels, site, &diagnostics) else { return nil }
        return op(inputs[0])!.outputShape
    }

    /// W [in][out ÷ groups][kh][kw] as PyTorch lays it out, and its fans from that shape as PyTorch computes them.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        guard let op = op(inputs[0]) else { return [] }
        let w = op.convolution.window, inC = op.convolution.outputChannels, writes = channels / groups
        let shape = sequence ? [inC, writes, w.kernelWidth] : [inC, writes, w.kernelHeight, w.kernelWidth]
        let weight: TensorSpec = ("weight", shape, true, .scheme(fanIn: writes * w.kernelArea, fanOut: inC * w.kernelArea))
        return bias ? [weight, ("bias", [channels], false, .zeros)] : [weight]
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let op = op(g.shape(inputs[0]))!
        return g.addLayer(name, op, part: "conv", activation: activation, inputs: inputs, shape: op.outputShape, tensors: tensors)
    }
}
