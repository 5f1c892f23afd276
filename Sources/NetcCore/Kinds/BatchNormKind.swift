/// `batch_norm n(h)` or `batch_norm n(c), momentum: 0.1, epsilon: 1e-5, affine: false`:
/// per-channel normalisation by batch statistics while training and running
/// statistics at inference.
struct BatchNormKind: NodeKind {
    var keyword: String { "batch_norm" }
    var summary: String {
        "per channel (a vector's features, or the first dimension): batch statistics while training, running ones at inference; then γ x̂ + β"
    }
    var example: String { "batch_norm k(x)" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let specs = [ParameterSpec("momentum", .number(0...1), default: .number(0.1)),
                     ParameterSpec("epsilon", .number(1e-12...1), default: .number(1e-5)),
                     ParameterSpec("affine", .bool, default: .bool(true))]
        guard let values = options(s, specs, &diagnostics) else { return nil }
        return BatchNormDeclaration(momentum: values["momentum"]!.number, epsilon: values["epsilon"]!.number, affine: values["affine"]!.bool)
    }
}

struct BatchNormDeclaration: NodeDeclaration {
    let momentum: Double
    let epsilon: Double
    let affine: Bool

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? { inputs[0] }

    /// PyTorch's state: weight and bias (unless `affine: false`), running_mean, running_var — per channel, no weight decay.
    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        let c = [inputs[0].dimensions[0]]
        let statistics: [TensorSpec] = [("running_mean", c, false, .zeros), ("running_var", c, false, .ones)]
        return (affine ? [("weight", c, false, .ones), ("bias", c, false, .zeros)] : []) + statistics
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let shape = g.shape(inputs[0]), channels = shape.dimensions[0]
        let op = BatchNormOp(channels: channels, plane: shape.count / channels, epsilon: epsilon, momentum: momentum, affine: affine)
        let id = g.add(name.name, op, inputs: inputs, shape: shape, parameters: tensors, range: name.range)
        return (id, id)
    }
}
