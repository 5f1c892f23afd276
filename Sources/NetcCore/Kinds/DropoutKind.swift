/// `dropout d: 0.3`: inverted dropout with rate 0.3, in training only.
struct DropoutKind: NodeKind {
    var keyword: String { "dropout" }
    var summary: String { "inverted dropout with the given rate, training only" }
    var example: String { "dropout k(x): 0.5" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        guard let e = requireValue(s, "rate", &diagnostics), noArguments(s, &diagnostics) else { return nil }
        guard let v = ArgumentReader.convert(e, ParameterSpec("rate", .number(0...1)), what: "'dropout'", diagnostics: &diagnostics)
        else { return nil }
        guard v.number < 1 else {
            diagnostics.emit(.outOfRange("'rate' of 'dropout'", "at least 0 and less than 1"), at: e.range)
            return nil
        }
        return DropoutDeclaration(rate: v.number)
    }
}

struct DropoutDeclaration: NodeDeclaration {
    let rate: Double
    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? { inputs[0] }
    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let id = g.add(name.name, DropoutOp(rate: rate), inputs: inputs, shape: g.shape(inputs[0]), range: name.range)
        return (id, id)
    }
}
