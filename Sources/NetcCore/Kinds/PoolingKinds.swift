import NetcRuntime

/// `max_pool p(x): 2` and `avg_pool p(x): 3x3, stride: 1, padding: 1` over
/// channels × height × width or channels × length: the kernel (a side, or
/// height × width), stride (the kernel's by default) and padding on each side
/// (at most half the kernel), as in PyTorch: a max ignores the padding, a
/// mean counts it as zeros (`count_include_pad`).
struct PoolKind: NodeKind {
    let reduction: PoolOp.Reduction

    static let max = PoolKind(reduction: .max), average = PoolKind(reduction: .average)

    var keyword: String { reduction == .max ? "max_pool" : "avg_pool" }
    var summary: String {
        "the \(reduction == .max ? "maximum" : "mean") of each channel's windows (kernel, stride: the kernel's); NaN "
            + (reduction == .max ? "wins" : "spreads")
    }
    var example: String { reduction == .max ? "max_pool k(x): 2" : "avg_pool k(x): 3x2, stride: 1" }
    var exampleInput: String { "2x5x5" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let what = "'\(keyword)'"
        let kernel = requireValue(s, "kernel", &diagnostics).flatMap {
            ArgumentReader.convert($0, ParameterSpec("kernel", .shape(1...Limits.kernel, maxRank: 2)), what: what, diagnostics: &diagnostics)?.shape
        }
        let specs = [ParameterSpec("stride", .shape(1...Limits.kernel, maxRank: 2), default: .word("kernel")),
                     ParameterSpec("padding", .shape(0...Limits.kernel, maxRank: 2), default: .shape(Shape([0])))]
        guard let values = ArgumentReader.read(arguments(s, besides: "kernel"), specs, what: what, at: s.range, diagnostics: &diagnostics),
              let kernel else { return nil }
        let padding = values["padding"]!.shape!
        let k = WindowArguments.pair(kernel), p = WindowArguments.pair(padding)
        guard p.0 <= k.0 / 2 && p.1 <= k.1 / 2 else {
            diagnostics.emit(.poolPadding(keyword), at: s.range)
            return nil
        }
        return PoolDeclaration(reduction: reduction, kernel: kernel, stride: values["stride"]!.shape ?? kernel, padding: padding)
    }
}

struct PoolDeclaration: NodeDeclaration {
    let reduction: PoolOp.Reduction
    let kernel: Shape, stride: Shape, padding: Shape

    func op(_ input: Shape) -> PoolOp? {
        let d = input.dimensions, sequence = d.count == 2
        guard d.count == 2 || d.count == 3 else { return nil }
        // A single number applies to every spatial dimension; a sequence has one.
        let k = WindowArguments.pair(kernel), s = WindowArguments.pair(stride)
        let p = WindowArguments.pair(padding)
        let w = ConvolutionGeometry(channels: d[0], height: sequence ? 1 : d[1], width: d[d.count - 1],
                                    kernelHeight: sequence ? 1 : k.0, kernelWidth: sequence ? k.0 : k.1,
                                    strideY: sequence ? 1 : s.0, strideX: sequence ? s.0 : s.1,
                                    padTop: sequence ? 0 : p.0, padBottom: sequence ? 0 : p.0, padLeft: sequence ? p.0 : p.1,
                                    padRight: sequence ? p.0 : p.1)
        return PoolOp(reduction: reduction, window: w, sequence: sequence)
    }

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        let rank = inputs[0].rank
        guard rank == 2 || rank == 3, rank == 3 || (kernel.rank == 1 && stride.rank == 1 && padding.rank == 1) else {
            diagnostics.emit(.needsRank(site.keyword, "channels × height × width or channels × length", site.inputs.first?.name ?? "",
                                        inputs[0]), at: site.name.range)
            return nil
        }
        let op = op(inputs[0])!
        guard op.window.fits else {
            diagnostics.emit(.windowTooLarge(site.keyword, "kernel", site.inputs.first?.name ?? "", inputs[0]), at: site.name.range)
            return nil
        }
        return op.outputShape
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let op = op(g.shape(inputs[0]))!
        let id = g.add(name.name, op, inputs: inputs, shape: op.outputShape, range: name.range)
        return (id, id)
    }
}

/// `global_avg_pool g(features)` and `global_max_pool g(features)`: each
/// channel's mean or maximum over all its positions, channels × … → channels
/// (the maximum over time is text CNNs' usual pooling). Either can leave
/// out padding: `global_avg_pool g(x, tokens), padding_id: 0` (`PaddingMask`).
struct GlobalPoolKind: NodeKind {
    let reduction: PoolOp.Reduction

    static let average = GlobalPoolKind(reduction: .average), max = GlobalPoolKind(reduction: .max)

    var keyword: String { reduction == .max ? "global_max_pool" : "global_avg_pool" }
    var summary: String {
        "each channel's \(reduction == .max ? "maximum" : "mean") over all positions: channels × … → a vector of channels"
    }
    var example: String { "\(keyword) k(x)" }
    var exampleInput: String { "3x2x2" }
    var arity: Arity { .oneOrTwo }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        guard let values = options(s, [PaddingMask.parameter], &diagnostics, valueNote: "its output has one value per channel") else { return nil }
        let padding = values["padding_id"]?.integer
        guard PaddingMask.agrees(s, keyword: keyword, padding: padding, masking: "positions", &diagnostics) else { return nil }
        return GlobalPoolDeclaration(reduction: reduction, padding: padding)
    }
}

struct GlobalPoolDeclaration: NodeDeclaration {
    let reduction: PoolOp.Reduction
    /// The pool leaves out the positions whose id (the second input) is this.
    let padding: Int?

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard inputs[0].rank >= 2 else {
            diagnostics.emit(.needsRank(site.keyword, "channels × positions (rank 2 or more)", site.inputs.first?.name ?? "", inputs[0]),
                             at: site.name.range)
            return nil
        }
        guard PaddingMask.check(inputs, site, &diagnostics) else { return nil }
        return .vector(inputs[0].dimensions[0])
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let input = g.shape(inputs[0]), channels = input.dimensions[0]
        let plane = input.count / channels
        let op: any Op = reduction == .max ? GlobalMaxPoolOp(channels: channels, plane: plane, paddingId: padding.map(Double.init))
            : GlobalAveragePoolOp(channels: channels, plane: plane, paddingId: padding.map(Double.init))
        let id = g.add(name.name, op, inputs: inputs, shape: .vector(channels), range: name.range)
        return (id, id)
    }
}
