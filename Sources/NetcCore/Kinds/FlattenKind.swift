/// `flatten f(image)`: a multi-dimensional node as a vector, in row-major order.
struct FlattenKind: NodeKind {
    var keyword: String { "flatten" }
    var summary: String { "the input's values as a vector, row-major (for `dense` after a multi-dimensional node)" }
    var example: String { "flatten k(x)" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        guard [noValue(s, &diagnostics), noArguments(s, &diagnostics)].allSatisfy({ $0 }) else { return nil }
        return FlattenDeclaration()
    }
}

struct FlattenDeclaration: NodeDeclaration {
    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? { .vector(inputs[0].count) }
    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let id = g.add(name.name, FlattenOp(), inputs: inputs, shape: .vector(g.shape(inputs[0]).count), range: name.range)
        return (id, id)
    }
}
