/// `input x: 784` or `input image: 1x28x28`: the network's one input, its
/// shape per sample.
struct InputKind: NodeKind {
    var keyword: String { "input" }
    var summary: String { "the one input: its features per sample, or its shape" }
    var example: String { "input k: 6" }
    var arity: Arity { .none }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let name = s.name!
        if let inputs = s.inputs, let first = inputs.first ?? Optional(name) {
            diagnostics.emit(.inputGivesNoValue(keyword), at: first.range)
        }
        guard let e = requireValue(s, "size", &diagnostics),
              let shape = ArgumentReader.convert(e, Self.shapeSpec, what: "'input'", diagnostics: &diagnostics)?.shape,
              noArguments(s, &diagnostics) else { return nil }
        return InputDeclaration(shape: shape)
    }

    /// A size, or a shape of up to four dimensions, each within a node's width.
    static let shapeSpec = ParameterSpec("size", .shape(1...Limits.width, maxRank: 4))
}

struct InputDeclaration: NodeDeclaration {
    let shape: Shape
    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? { shape }
    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let id = g.add(name.name, InputOp(), inputs: [], shape: shape, range: name.range)
        return (id, id)
    }
}
