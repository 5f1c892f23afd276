import NetcRuntime

/// `upsample u(x): 2` or `2x3`: each value of channels × height × width (or
/// channels × length) repeated over a factor × factor block, nearest
/// neighbour, as PyTorch's `nn.Upsample(scale_factor:, mode: "nearest")`
/// with whole factors; what a convolutional decoder or autoencoder needs after
/// pooling. `mode: bilinear` (planes) or `mode: linear` (sequences)
/// interpolates instead (`InterpolateOp`).
struct UpsampleKind: NodeKind {
    var keyword: String { "upsample" }
    var summary: String { "each value repeated over a factor × factor block (nearest neighbour)" }
    var example: String { "upsample k(x): 2" }
    var exampleInput: String { "2x3x3" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let factor = requireValue(s, "factor", &diagnostics).flatMap {
            ArgumentReader.convert($0, ParameterSpec("factor", .shape(1...Limits.kernel, maxRank: 2)), what: "'upsample'",
                                   diagnostics: &diagnostics)?.shape
        }
        let specs = [ParameterSpec("mode", .word(["nearest", "linear", "bilinear"]), default: .word("nearest"))]
        guard let values = ArgumentReader.read(arguments(s, besides: "factor"), specs, what: "'upsample'", at: s.range, diagnostics: &diagnostics),
              let factor else { return nil }
        return UpsampleDeclaration(factor: factor, mode: values["mode"]!.word,
                                   modeRange: s.arguments.first { $0.label?.name == "mode" }?.range)
    }
}

struct UpsampleDeclaration: NodeDeclaration {
    let factor: Shape
    /// `nearest`, or `linear` (sequences) and `bilinear` (planes), which interpolate.
    let mode: String
    let modeRange: SourceRange?

    func op(_ input: Shape) -> any Op {
        let d = input.dimensions, sequence = d.count == 2
        let f = WindowArguments.pair(factor)
        let (channels, height, width) = (d[0], sequence ? 1 : d[1], d[d.count - 1])
        let (factorY, factorX) = (sequence ? 1 : f.0, sequence ? f.0 : f.1)
        guard mode == "nearest" else {
            return InterpolateOp(channels: channels, height: height, width: width, factorY: factorY, factorX: factorX, sequence: sequence)
        }
        return UpsampleOp(channels: channels, height: height, width: width, factorY: factorY, factorX: factorX, sequence: sequence)
    }

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        let rank = inputs[0].rank
        if rank == 2 && factor.rank != 1 {
            diagnostics.emit(.wrongType("the factor of 'upsample' over a sequence (channels × length)", "one number"),
                             at: site.name.range)
            return nil
        }
        guard rank == 3 || rank == 2 else {
            diagnostics.emit(.needsRank(site.keyword, "channels × height × width or channels × length", site.inputs.first?.name ?? "",
                                        inputs[0]), at: site.name.range)
            return nil
        }
        // PyTorch's names: 'linear' along a sequence, 'bilinear' over planes.
        if mode != "nearest" && (mode == "linear") != (rank == 2) {
            diagnostics.emit(.interpolationMode(mode, rank == 2 ? "linear" : "bilinear", inputs[0]), at: modeRange ?? site.name.range)
            return nil
        }
        return op(inputs[0]).outputShape(inputs)
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let op = op(g.shape(inputs[0]))
        let id = g.add(name.name, op, inputs: inputs, shape: op.outputShape(inputs.map(g.shape))!, range: name.range)
        return (id, id)
    }
}
