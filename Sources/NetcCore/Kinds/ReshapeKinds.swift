/// `flatten f(image)`: a multi-dimensional node as a vector, in row-major order.
struct FlattenKind: NodeKind {
    var keyword: String { "flatten" }
    var summary: String { "the input's values as a vector, row-major (for `dense` after a multi-dimensional node)" }
    var example: String { "flatten k(x)" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        guard [noValue(s, &diagnostics), noArguments(s, &diagnostics)].allSatisfy({ $0 }) else { return nil }
        return ReshapeDeclaration(shape: nil)
    }
}

/// `reshape r(code): 8x4x4`: the input's values, row-major, as another shape
/// of as many values (PyTorch's `x.reshape(N, 8, 4, 4)`, `nn.Unflatten`): a
/// dense layer's vector as the channels × height × width a transposed
/// convolution reads, say.
struct ReshapeKind: NodeKind {
    var keyword: String { "reshape" }
    var summary: String { "the input's values, row-major, as another shape of as many values (a vector as C × H × W, say)" }
    var example: String { "reshape k(x): 3x2" }
    var exampleInput: String { "6" }
    var arity: Arity { .one }

    /// A size or a shape of up to three dimensions, as a node's.
    static let shapeSpec = ParameterSpec("shape", .shape(1...Limits.width, maxRank: 3))

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let value = requireValue(s, "shape", &diagnostics).flatMap {
            ArgumentReader.convert($0, Self.shapeSpec, what: "'reshape'", diagnostics: &diagnostics)?.shape
        }
        guard noArguments(s, &diagnostics), let value else { return nil }
        return ReshapeDeclaration(shape: value)
    }
}

/// A reshape to `shape`, or with none (`flatten`) to a vector of the input's values.
struct ReshapeDeclaration: NodeDeclaration {
    let shape: Shape?

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        guard let shape else { return .vector(inputs[0].count) }
        guard shape.count == inputs[0].count else {
            diagnostics.emit(.reshapeCount(site.inputs.first?.name ?? "", inputs[0], shape), at: site.name.range,
                             notes: [Diagnostic.Note(message: "a reshape keeps every value: its shape's dimensions must multiply to \(inputs[0].count)", range: nil)])
            return nil
        }
        return shape
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let output = shape ?? .vector(g.shape(inputs[0]).count)
        let id = g.add(name.name, ReshapeOp(shape: output), inputs: inputs, shape: output, range: name.range)
        return (id, id)
    }
}
