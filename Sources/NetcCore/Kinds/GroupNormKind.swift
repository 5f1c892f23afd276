/// `group_norm n(h), groups: 4`: each sample's channels split into groups,
/// each group normalised over its channels and positions together, then
/// γ ⊙ x̂ + β per channel (PyTorch's `nn.GroupNorm`); `groups` equal to the
/// channels is instance normalisation, 1 a layer normalisation with
/// per-channel γ and β.
struct GroupNormKind: NodeKind {
    var keyword: String { "group_norm" }
    var summary: String { "the channels in groups, each normalised over its channels and positions, then γ ⊙ x̂ + β per channel" }
    var example: String { "group_norm k(x), groups: 2" }
    var exampleInput: String { "4x3" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let specs = [ParameterSpec("groups", .integer(1...Limits.width)),
                     ParameterSpec("epsilon", .number(1e-12...1), default: .number(1e-5)),
                     ParameterSpec("affine", .bool, default: .bool(true))]
        let note = "its output has its input's shape; the number of groups is an option: '\(keyword) \(s.name?.name ?? "n")(…), groups: 4'"
        guard let values = options(s, specs, &diagnostics, valueNote: note) else { return nil }
        return GroupNormDeclaration(groups: values["groups"]!.integer, epsilon: values["epsilon"]!.number, affine: values["affine"]!.bool)
    }
}

struct GroupNormDeclaration: NodeDeclaration {
    let groups: Int
    let epsilon: Double
    let affine: Bool

    /// The input's shape; its channels (the first dimension, or a vector's values) must split into the groups.
    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        let channels = inputs[0].dimensions[0]
        guard channels % groups == 0 else {
            diagnostics.emit(.groupsDivideChannels(groups, site.inputs.first?.name ?? "", channels), at: site.name.range,
                             notes: [Diagnostic.Note(message: "each group takes channels ÷ groups of them (PyTorch's num_channels % num_groups == 0): "
                                                        + "\(channels) channels take \(WindowArguments.choices((1...channels).filter { channels % $0 == 0 }, near: groups)) groups", range: nil)])
            return nil
        }
        return inputs[0]
    }

    /// PyTorch's names: one γ (`weight`, 1 at start) and β (`bias`, 0) per channel; no weight decay on them.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        let channels = inputs[0].dimensions[0]
        return affine ? [("weight", [channels], false, .ones), ("bias", [channels], false, .zeros)] : []
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let shape = g.shape(inputs[0]), channels = shape.dimensions[0]
        let op = GroupNormOp(channels: channels, positions: shape.count / channels, groups: groups, epsilon: epsilon, affine: affine)
        let id = g.add(name.name, op, inputs: inputs, shape: shape, parameters: tensors, range: name.range)
        return (id, id)
    }
}
