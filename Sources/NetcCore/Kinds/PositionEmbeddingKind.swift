/// `position_embedding p(x)`: a learned vector per position of a sequence,
/// added to it (PyTorch's `nn.Embedding(length, channels)` of the positions).
struct PositionEmbeddingKind: NodeKind {
    var keyword: String { "position_embedding" }
    var summary: String { "a learned vector per position added to a sequence of channels × length; P is [length][channels]" }
    var example: String { "position_embedding k(x)" }
    var exampleInput: String { "3x4" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        guard [noValue(s, &diagnostics), noArguments(s, &diagnostics)].allSatisfy({ $0 }) else { return nil }
        return PositionEmbeddingDeclaration()
    }
}

struct PositionEmbeddingDeclaration: NodeDeclaration {
    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        WindowArguments.isSequence(inputs[0], site, &diagnostics) ? inputs[0] : nil
    }

    /// PyTorch's `Embedding.weight` of the positions, initialised as
    /// `embedding`'s table is (fan-in 1, fan-out the channels); weight decay applies.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        let d = inputs[0].dimensions
        guard d.count == 2 else { return [] }  // not a sequence: reported by `shape`
        return [("weight", [d[1], d[0]], true, .scheme(fanIn: 1, fanOut: d[0]))]
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let shape = g.shape(inputs[0])
        let op = PositionEmbeddingOp(channels: shape.dimensions[0], length: shape.dimensions[1])
        let id = g.add(name.name, op, inputs: inputs, shape: shape, parameters: tensors, range: name.range)
        return (id, id)
    }
}
