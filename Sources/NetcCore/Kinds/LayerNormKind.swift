/// `layer_norm n(h)` or `layer_norm n(h), epsilon: 1e-6, affine: false`:
/// each sample normalised over all its values, then scaled and shifted.
struct LayerNormKind: NodeKind {
    var keyword: String { "layer_norm" }
    var summary: String { "each sample normalised to mean 0, variance 1 over all its values, then γ ⊙ x̂ + β (γ = 1, β = 0 at start)" }
    var example: String { "layer_norm k(x)" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let specs = [ParameterSpec("epsilon", .number(1e-12...1), default: .number(1e-5)),
                     ParameterSpec("affine", .bool, default: .bool(true))]
        guard let values = options(s, specs, &diagnostics) else { return nil }
        return LayerNormDeclaration(epsilon: values["epsilon"]!.number, affine: values["affine"]!.bool)
    }
}

struct LayerNormDeclaration: NodeDeclaration {
    let epsilon: Double
    let affine: Bool

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? { inputs[0] }

    /// PyTorch's names and shapes; no weight decay on them.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        affine ? [("weight", inputs[0].dimensions, false, .ones), ("bias", inputs[0].dimensions, false, .zeros)] : []
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let shape = g.shape(inputs[0])
        let id = g.add(name.name, LayerNormOp(count: shape.count, epsilon: epsilon, affine: affine), inputs: inputs, shape: shape,
                       parameters: tensors, range: name.range)
        return (id, id)
    }
}
