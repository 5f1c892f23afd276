/// `dense h: 128, relu, bias: false`: a fully connected layer, h = f(W x + b),
/// W [outputs][inputs]. Lowers to a linear node, and an activation node
/// unless the activation is the identity.
struct DenseKind: NodeKind {
    var keyword: String { "dense" }
    var summary: String { "fully connected: h = W·x + b, W [outputs][inputs], then an optional activation" }
    var example: String { "dense k(x): 4, tanh" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let specs = [ParameterSpec("activation", .expression, default: .word("identity")),
                     ParameterSpec("bias", .bool, default: .bool(true))]
        let e = requireValue(s, "size", &diagnostics)
        let width = e.flatMap {
            ArgumentReader.convert($0, ParameterSpec("size", .integer(1...Limits.width)), what: "'dense'", diagnostics: &diagnostics)?.integer
        }
        guard let values = ArgumentReader.read(arguments(s, besides: "size"), specs, what: "'dense'", at: s.range, diagnostics: &diagnostics)
        else { return nil }
        let activation = values["activation"]!.expression.map { Activations.resolve($0, &diagnostics) }
            ?? ElementwiseOp(function: Identity())
        guard let width, let activation else { return nil }
        return DenseDeclaration(width: width, activation: activation, bias: values["bias"]!.bool)
    }
}

struct DenseDeclaration: NodeDeclaration {
    let width: Int
    let activation: any Op
    let bias: Bool

    var finalOp: (any Op)? { activation }
    var declaredSize: Int? { width }

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard inputs[0].isVector else {
            diagnostics.emit(.needsVector(site.keyword, site.inputs.first?.name ?? "", inputs[0]), at: site.name.range)
            return nil
        }
        return .vector(width)
    }

    func parameters(_ inputs: [Shape]) -> [TensorSpec] {
        let n = inputs[0].count
        let weight: TensorSpec = ("weight", [width, n], true, .scheme(fanIn: n, fanOut: width))
        return bias ? [weight, ("bias", [width], false, .zeros)] : [weight]
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        g.addLayer(name, LinearOp(outputs: width, hasBias: bias), part: "linear", activation: activation, inputs: inputs,
                   shape: .vector(width), tensors: tensors)
    }
}
