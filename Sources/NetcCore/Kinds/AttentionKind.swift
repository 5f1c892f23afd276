/// `attention a(x)`, with `heads: 4` and `causal: true` as options:
/// multi-head scaled dot-product self-attention over a sequence of
/// channels × length, as PyTorch's `nn.MultiheadAttention(channels, heads,
/// batch_first=True)` called with the transposed sequence as query, key and
/// value; its value is another sequence of the same shape. With the
/// network's ids as a second input and `padding_id`, no position attends to
/// a padded one (PyTorch's `key_padding_mask`).
struct AttentionKind: NodeKind {
    var keyword: String { "attention" }
    var summary: String {
        "multi-head self-attention over channels × length (`nn.MultiheadAttention`): every position a softmax-weighted sum of every position's values"
    }
    var example: String { "attention k(x), heads: 2" }
    var exampleInput: String { "4x3" }
    var arity: Arity { .oneOrTwo }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let specs = [ParameterSpec("heads", .integer(1...Limits.width), default: .number(1)),
                     ParameterSpec("causal", .bool, default: .bool(false)),
                     PaddingMask.parameter]
        let note = "its output has its input's channels; the number of heads is an option: '\(keyword) \(s.name?.name ?? "a")(…), heads: 4'"
        guard let values = options(s, specs, &diagnostics, valueNote: note) else { return nil }
        let padding = values["padding_id"]?.integer
        guard PaddingMask.agrees(s, keyword: keyword, padding: padding, masking: "keys", &diagnostics) else { return nil }
        return AttentionDeclaration(heads: values["heads"]!.integer, causal: values["causal"]!.bool, padding: padding)
    }
}

struct AttentionDeclaration: NodeDeclaration {
    let heads: Int
    /// Each position attends only to itself and the positions before it.
    let causal: Bool
    /// The id of padding in the second input, the network's ids: no position attends to a padded one.
    let padding: Int?

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard WindowArguments.isSequence(inputs[0], site, &diagnostics) else { return nil }
        let channels = inputs[0].dimensions[0]
        guard PaddingMask.check(inputs, site, &diagnostics) else { return nil }
        guard channels % heads == 0 else {
            diagnostics.emit(.headsDivide(heads, site.inputs.first?.name ?? "", channels), at: site.name.range,
                             notes: [Diagnostic.Note(message: "each head takes channels ÷ heads of them (PyTorch's embed_dim % num_heads == 0): "
                                                        + "\(channels) channels take \(WindowArguments.choices((1...channels).filter { channels % $0 == 0 }, near: heads)) heads", range: nil)])
            return nil
        }
        return inputs[0]
    }

    /// PyTorch's tensors and names (`in_proj_weight` holds the query's, key's
    /// and value's rows, in that order); the weights drawn as the spec's
    /// `init` says, the biases zero, as PyTorch starts them.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        let e = inputs[0].dimensions[0]
        return [("in_proj_weight", [3 * e, e], true, .scheme(fanIn: e, fanOut: 3 * e)), ("in_proj_bias", [3 * e], false, .zeros),
                ("out_proj.weight", [e, e], true, .scheme(fanIn: e, fanOut: e)), ("out_proj.bias", [e], false, .zeros)]
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let shape = g.shape(inputs[0])
        let op = AttentionOp(channels: shape.dimensions[0], length: shape.dimensions[1], heads: heads, causal: causal,
                             paddingId: padding.map(Double.init))
        let id = g.add(name.name, op, inputs: inputs, shape: shape, parameters: tensors, range: name.range)
        return (id, id)
    }
}
