/// `lstm h(x): 32` (or `…, output: last`): a long short-term memory layer
/// over a sequence of channels × length, as PyTorch's `nn.LSTM` with
/// `batch_first`, from zero state; its value is every step's hidden state,
/// hidden × length, or the last step's (a vector).
struct LSTMKind: NodeKind {
    var keyword: String { "lstm" }
    var summary: String {
        "a long short-term memory layer over channels × length: every step's hidden state (hidden × length), or the last step's (`output: last`)"
    }
    var example: String { "lstm k(x): 3" }
    var exampleInput: String { "2x4" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let hidden = requireValue(s, "size", &diagnostics).flatMap {
            ArgumentReader.convert($0, ParameterSpec("size", .integer(1...Limits.width)), what: "'lstm'", diagnostics: &diagnostics)?.integer
        }
        let specs = [ParameterSpec("output", .word(["sequence", "last"]), default: .word("sequence"))]
        guard let values = ArgumentReader.read(arguments(s, besides: "size"), specs, what: "'lstm'", at: s.range, diagnostics: &diagnostics),
              let hidden else { return nil }
        return LSTMDeclaration(hidden: hidden, lastOnly: values["output"]!.word == "last")
    }
}

struct LSTMDeclaration: NodeDeclaration {
    let hidden: Int
    let lastOnly: Bool

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard inputs[0].rank == 2 else {
            let name = site.inputs.first?.name ?? "", n = inputs[0].count
            let notes = inputs[0].isVector && site.readsNetworkInput.first == true
                ? [Diagnostic.Note(message: "a series of \(n) single values is one channel: declare it as 'input \(name): 1x\(n)'", range: nil)]
                : []
            diagnostics.emit(.needsRank(site.keyword, WindowArguments.layout(sequence: true), name, inputs[0]), at: site.name.range,
                             notes: notes)
            return nil
        }
        return op(inputs[0]).outputShape
    }

    func op(_ input: Shape) -> LSTMOp {
        LSTMOp(channels: input.dimensions[0], length: input.dimensions[1], hidden: hidden, lastOnly: lastOnly)
    }

    /// PyTorch's tensors and names for one layer; the weights drawn as the
    /// spec's `init` says (fan-in the rows' inputs, fan-out the four gates),
    /// the biases zero (PyTorch draws all four from U(±1/√hidden)).
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        let c = inputs[0].dimensions[0], g = 4 * hidden
        return [("weight_ih_l0", [g, c], true, .scheme(fanIn: c, fanOut: g)),
                ("weight_hh_l0", [g, hidden], true, .scheme(fanIn: hidden, fanOut: g)),
                ("bias_ih_l0", [g], false, .zeros), ("bias_hh_l0", [g], false, .zeros)]
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let op = op(g.shape(inputs[0]))
        let id = g.add(name.name, op, inputs: inputs, shape: op.outputShape, parameters: tensors, range: name.range)
        return (id, id)
    }
}
