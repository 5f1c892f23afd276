/// `lstm h(x): 32` or `gru h(x): 32` (either with `output: last`): a
/// recurrent layer over a sequence of channels × length, as PyTorch's
/// `nn.LSTM` or `nn.GRU` with `batch_first`, from zero state; its value is
/// every step's hidden state, hidden × length, or the last step's (a vector).
struct RecurrentKind: NodeKind {
    enum Cell: Sendable { case lstm, gru }
    let cell: Cell

    static let lstm = RecurrentKind(cell: .lstm)
    static let gru = RecurrentKind(cell: .gru)

    var keyword: String { cell == .lstm ? "lstm" : "gru" }
    var summary: String {
        (cell == .lstm ? "a long short-term memory layer" : "a gated recurrent unit layer")
            + " over channels × length: every step's hidden state (hidden × length), or the last step's (`output: last`)"
    }
    var example: String { "\(keyword) k(x): 3" }
    var exampleInput: String { "2x4" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let hidden = requireValue(s, "size", &diagnostics).flatMap {
            ArgumentReader.convert($0, ParameterSpec("size", .integer(1...Limits.width)), what: "'\(keyword)'", diagnostics: &diagnostics)?.integer
        }
        let specs = [ParameterSpec("output", .word(["sequence", "last"]), default: .word("sequence")),
                     ParameterSpec("bidirectional", .bool, default: .bool(false))]
        guard let values = ArgumentReader.read(arguments(s, besides: "size"), specs, what: "'\(keyword)'", at: s.range, diagnostics: &diagnostics),
              let hidden else { return nil }
        return RecurrentDeclaration(cell: cell, hidden: hidden, lastOnly: values["output"]!.word == "last",
                                    bidirectional: values["bidirectional"]!.bool)
    }
}

struct RecurrentDeclaration: NodeDeclaration {
    let cell: RecurrentKind.Cell
    let hidden: Int
    let lastOnly: Bool
    /// A second layer runs from the sequence's end, and the value holds both
    /// directions' states, forward first (PyTorch's `bidirectional=True`).
    let bidirectional: Bool

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard WindowArguments.isSequence(inputs[0], site, &diagnostics) else { return nil }
        let one = op(inputs[0], reversed: false).outputShape.dimensions
        return Shape([(bidirectional ? 2 : 1) * one[0]] + one.dropFirst())
    }

    func op(_ input: Shape, reversed: Bool) -> any RecurrentOp {
        let (c, t) = (input.dimensions[0], input.dimensions[1])
        switch cell {
        case .lstm: return LSTMOp(channels: c, length: t, hidden: hidden, lastOnly: lastOnly, reversed: reversed, bidirectional: bidirectional)
        case .gru: return GRUOp(channels: c, length: t, hidden: hidden, lastOnly: lastOnly, reversed: reversed, bidirectional: bidirectional)
        }
    }

    /// PyTorch's tensors and names for one layer; the weights drawn as the
    /// spec's `init` says (fan-in the rows' inputs, fan-out the gates: four
    /// for an LSTM, three for a GRU), the biases zero (PyTorch draws all four
    /// tensors from U(±1/√hidden)); a bidirectional layer's second
    /// direction's after them, named with `_reverse`.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        let c = inputs[0].dimensions[0], g = (cell == .lstm ? 4 : 3) * hidden
        return (bidirectional ? ["", "_reverse"] : [""]).flatMap { suffix -> [TensorSpec] in
            [("weight_ih_l0" + suffix, [g, c], true, .scheme(fanIn: c, fanOut: g)),
             ("weight_hh_l0" + suffix, [g, hidden], true, .scheme(fanIn: hidden, fanOut: g)),
             ("bias_ih_l0" + suffix, [g], false, .zeros), ("bias_hh_l0" + suffix, [g], false, .zeros)]
        }
    }

    /// One node per direction; a bidirectional layer's value is both
    /// directions' values concatenated along the channels.
    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let input = g.shape(inputs[0]), forward = op(input, reversed: false)
        guard bidirectional else {
            let id = g.add(name.name, forward, inputs: inputs, shape: forward.outputShape, parameters: tensors, range: name.range)
            return (id, id)
        }
        let backward = op(input, reversed: true)
        let a = g.add("\(name.name).forward", forward, inputs: inputs, shape: forward.outputShape, parameters: Array(tensors[0..<4]),
                      range: name.range)
        let b = g.add("\(name.name).reverse", backward, inputs: inputs, shape: backward.outputShape, parameters: Array(tensors[4..<8]),
                      range: name.range)
        let dimensions = forward.outputShape.dimensions
        let id = g.add(name.name, ConcatOp(), inputs: [a, b], shape: Shape([2 * dimensions[0]] + dimensions.dropFirst()), range: name.range)
        return (id, id)
    }
}
