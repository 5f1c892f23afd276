/// `layer_norm n(h)` or `layer_norm n(h), epsilon: 1e-6, affine: false`:
/// each sample normalised over all its values, then scaled and shifted; with
/// `over: channels`, each position of a sequence or image over its channels.
struct LayerNormKind: NodeKind {
    var keyword: String { "layer_norm" }
    var summary: String { "each sample normalised to mean 0, variance 1 over all its values, then γ ⊙ x̂ + β (γ = 1, β = 0 at start)" }
    var example: String { "layer_norm k(x)" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let specs = [ParameterSpec("epsilon", .number(1e-12...1), default: .number(1e-5)),
                     ParameterSpec("affine", .bool, default: .bool(true)),
                     ParameterSpec("over", .word(["all", "channels"]), default: .word("all"))]
        guard let values = options(s, specs, &diagnostics) else { return nil }
        return LayerNormDeclaration(epsilon: values["epsilon"]!.number, affine: values["affine"]!.bool,
                                    channels: values["over"]!.word == "channels")
    }
}

struct LayerNormDeclaration: NodeDeclaration {
    let epsilon: Double
    let affine: Bool
    /// Each position normalised over its channels (the first dimension), not the whole sample.
    let channels: Bool

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard channels, inputs[0].isVector else { return inputs[0] }
        diagnostics.emit(.needsRank(site.keyword + "' with 'over: channels", "channels × positions (e.g. 16x50 or 8x28x28)",
                                    site.inputs.first?.name ?? "", inputs[0]), at: site.name.range,
                         notes: [Diagnostic.Note(message: "a vector's features are normalised together without 'over: channels'", range: nil)])
        return nil
    }

    /// PyTorch's names and shapes (one value per channel with `over:
    /// channels`); no weight decay on them.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        let shape = channels ? [inputs[0].dimensions[0]] : inputs[0].dimensions
        return affine ? [("weight", shape, false, .ones), ("bias", shape, false, .zeros)] : []
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let shape = g.shape(inputs[0])
        let id = g.add(name.name, LayerNormOp(count: shape.count, epsilon: epsilon, affine: affine,
                                                   positions: channels ? shape.count / shape.dimensions[0] : 1), inputs: inputs, shape: shape,
                       parameters: tensors, range: name.range)
        return (id, id)
    }
}
