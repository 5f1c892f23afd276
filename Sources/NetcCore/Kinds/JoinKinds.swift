/// The joins: `add s(a, b)`, `multiply m(a, b)`, `concat c(a, b)` — two or
/// more inputs, no value, no arguments; their shape rule is their op's. `add`
/// and `multiply` also take a C × … value beside a vector of C values, one
/// per channel (`ChannelBroadcastOp`).
struct JoinKind: NodeKind {
    let keyword: String
    let summary: String
    let op: any Op
    var broadcast: ChannelBroadcastOp.Combine? = nil
    var example: String { "\(keyword) k(x, x)" }
    var arity: Arity { .twoOrMore }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        if let v = s.value {
            diagnostics.emit(.unexpectedToken(":", "after '\(s.name!.name)': '\(keyword)' takes no size"), at: v.range)
            return nil
        }
        guard noArguments(s, &diagnostics) else { return nil }
        return JoinDeclaration(op: op, broadcast: broadcast)
    }
}

extension JoinKind {
    static let add = JoinKind(keyword: "add", summary: "elementwise sum of two or more nodes of one shape, or of C × … and one value per channel",
                              op: AddOp(), broadcast: .add)
    static let multiply = JoinKind(keyword: "multiply", summary: "elementwise product of two or more nodes of one shape, or of C × … and one value per channel",
                                   op: MultiplyOp(), broadcast: .multiply)
    static let concat = JoinKind(keyword: "concat", summary: "two or more vectors end to end, or shapes along their channels (first dimension)", op: ConcatOp())
}

struct JoinDeclaration: NodeDeclaration {
    let op: any Op
    let broadcast: ChannelBroadcastOp.Combine?

    /// A C × … input and a vector of C values, in either order: the op that spreads the vector.
    func channelBroadcast(_ inputs: [Shape]) -> ChannelBroadcastOp? {
        guard let broadcast, inputs.count == 2, let v = inputs.firstIndex(where: \.isVector) else { return nil }
        let x = inputs[1 - v]
        guard !x.isVector, x.dimensions[0] == inputs[v].count else { return nil }
        return ChannelBroadcastOp(combine: broadcast, channels: x.dimensions[0], plane: x.count / x.dimensions[0], vector: v)
    }

    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        if let op = channelBroadcast(inputs) { return op.outputShape(inputs) }
        if let shape = op.outputShape(inputs) {
            guard shape.count <= Limits.width else {
                diagnostics.emit(.tooLarge("the size of '\(site.name.name)' (\(shape.count))", Limits.width), at: site.name.range)
                return nil
            }
            return shape
        }
        // Sizes, as before shapes, when every input is a vector; shapes otherwise.
        let vectors = inputs.allSatisfy(\.isVector)
        let listed = inputs.map(\.description).joined(separator: " and ")
        let concat = op is ConcatOp
        // Vectors and shapes mixed: the shape is what to flatten.
        if concat, inputs.contains(where: \.isVector), let k = inputs.firstIndex(where: { !$0.isVector }) {
            diagnostics.emit(.needsVector(site.keyword, site.inputs[k].name, inputs[k]), at: site.inputs[k].range)
            return nil
        }
        let message: Message = concat ? .concatPositions(listed)
            : vectors ? .shapeMismatch(site.keyword, listed) : .shapesMismatch(site.keyword, listed)
        var notes: [Diagnostic.Note] = zip(site.inputs, inputs).map {
            .init(message: "'\($0.name)' has \(vectors ? "size" : "shape") \($1)", range: $0.range)
        }
        if broadcast != nil, inputs.contains(where: \.isVector), let x = inputs.first(where: { !$0.isVector }) {
            notes.append(.init(message: Message.noteChannelBroadcast(site.keyword, x), range: nil))
        }
        diagnostics.emit(message, at: site.name.range, notes: notes)
        return nil
    }

    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let shapes = inputs.map(g.shape), op: any Op = channelBroadcast(shapes) ?? op
        let id = g.add(name.name, op, inputs: inputs, shape: op.outputShape(shapes)!, range: name.range)
        return (id, id)
    }
}
