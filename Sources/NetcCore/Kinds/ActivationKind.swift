/// `activation a: softmax` or `activation a(h): leaky_relu(0.1)`: an
/// activation as a node of its own.
struct ActivationKind: NodeKind {
    var keyword: String { "activation" }
    var summary: String { "a standalone activation node" }
    var example: String { "activation k(x): elu(alpha: 0.5)" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        guard let e = requireValue(s, "activation", &diagnostics), noArguments(s, &diagnostics),
              let op = Activations.resolve(e, &diagnostics) else { return nil }
        return ActivationDeclaration(op: op)
    }
}

struct ActivationDeclaration: NodeDeclaration {
    let op: any Op
    var finalOp: (any Op)? { op }
    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? { inputs[0] }
    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        (g.add(name.name, op, inputs: inputs, shape: g.shape(inputs[0]), range: name.range), inputs[0])
    }
}

extension Activations {
    /// The op for `name` or `name(arguments)` in the catalogue; nil after reporting.
    static func resolve(_ e: Expression, _ diagnostics: inout DiagnosticBag) -> (any Op)? {
        let catalogue = table.map { (name: $0.name, parameters: $0.parameters) }
        guard let (name, values) = ArgumentReader.resolveCall(e, kind: "activation", catalogue: catalogue, diagnostics: &diagnostics)
        else { return nil }
        return table.first { $0.name == name }!.make(values)
    }
}
