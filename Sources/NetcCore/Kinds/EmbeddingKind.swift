/// `embedding e(tokens): 16, vocabulary: 1000`: each id of the input (a
/// vector of ids) picks a row of a table, giving width × length, channels first.
struct EmbeddingKind: NodeKind {
    var keyword: String { "embedding" }
    var summary: String { "a learned vector per id: the input's L ids → width × L (channels first); E is [vocabulary][width]" }
    var example: String { "embedding k(x): 3, vocabulary: 5" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let width = requireValue(s, "width", &diagnostics).flatMap {
            ArgumentReader.convert($0, ParameterSpec("width", .integer(1...Limits.width)), what: "'embedding'", diagnostics: &diagnostics)?.integer
        }
        let specs = [ParameterSpec("vocabulary", .integer(1...Limits.parameters)),
                     ParameterSpec("padding_id", .integer(0...Limits.parameters), optional: true)]
        guard let values = ArgumentReader.read(arguments(s, besides: "width"), specs, what: "'embedding'", at: s.range, diagnostics: &diagnostics),
              let width else { return nil }
        let vocabulary = values["vocabulary"]!.integer
        let padding = values["padding_id"]?.integer
        if let padding, padding >= vocabulary {
            diagnostics.emit(.paddingIdInVocabulary(padding, vocabulary), at: s.arguments.first { $0.label?.name == "padding_id" }?.range ?? s.range)
            return nil
        }
        return EmbeddingDeclaration(width: width, vocabulary: vocabulary, padding: padding)
    }
}

struct EmbeddingDeclaration: NodeDeclaration {
    let width: Int
    let vocabulary: Int
    /// `padding_id`: the id whose row starts at zero and gets no gradient.
    let padding: Int?

    var declaredSize: Int? { nil }

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard site.readsNetworkInput.first ?? true else {
            diagnostics.emit(.embeddingNeedsInput(site.inputs.first?.name ?? ""), at: site.name.range)
            return nil
        }
        guard inputs[0].isVector else {
            diagnostics.emit(.needsRank(site.keyword, "ids (a vector, e.g. 'input tokens: 20')", site.inputs.first?.name ?? "", inputs[0]),
                             at: site.name.range)
            return nil
        }
        return Shape([width, inputs[0].count])
    }

    /// PyTorch's `Embedding.weight`, initialised like a layer with fan-in 1
    /// and fan-out `width` (the spec's scheme; PyTorch draws N(0, 1)), the
    /// padding id's row then zero.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        [("weight", [vocabulary, width], true, .scheme(fanIn: 1, fanOut: width, zeroRow: padding))]
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let length = g.shape(inputs[0]).count
        let op = EmbeddingOp(vocabulary: vocabulary, width: width, length: length, padding: padding, model: g.network)
        let id = g.add(name.name, op, inputs: inputs, shape: Shape([width, length]), parameters: tensors, range: name.range)
        return (id, id)
    }
}
