/// What a node statement declares, after its arguments are checked.
enum DeclaredKind {
    case input(size: Int)
    case dense(width: Int, activation: any Op, bias: Bool)
    case activation(any Op)
    case dropout(rate: Double)
    case join(any Op)

    /// The op whose output the node's value is (for "does it end in sigmoid").
    var finalOp: (any Op)? {
        switch self {
        case .dense(_, let a, _), .activation(let a): return a
        default: return nil
        }
    }
}

/// A node statement with its resolved inputs and inferred size.
struct DeclaredNode {
    var statement: Statement
    var name: Identifier
    var kind: DeclaredKind?
    /// Indices of input declarations; nil if they could not be resolved.
    var inputs: [Int]?
    var size: Int?
    var keyword: String { statement.keyword.name }
}

extension NetworkBuilder {
    /// Checks one node statement's value and arguments.
    mutating func declaredKind(of s: Statement) -> DeclaredKind? {
        let keyword = s.keyword.name
        let what = "'\(keyword)'"
        let name = s.name!
        func requireValue() -> Expression? {
            if s.value == nil {
                diagnostics.emit(.missingArgument(keyword == "dropout" ? "rate" : "size", what), at: name.range)
            }
            return s.value
        }
        func width(_ e: Expression) -> Int? {
            let spec = ParameterSpec("size", .integer(1...Limits.width))
            return ArgumentReader.convert(e, spec, what: what, diagnostics: &diagnostics)?.integer
        }
        func noArguments() -> Bool {
            _ = ArgumentReader.read(s.arguments, [], what: what, at: s.range, diagnostics: &diagnostics)
            return s.arguments.isEmpty
        }
        switch keyword {
        case "input":
            if let inputs = s.inputs, let first = inputs.first ?? Optional(name) {
                diagnostics.emit(.inputGivesNoValue(keyword), at: first.range)
            }
            guard let e = requireValue(), let n = width(e), noArguments() else { return nil }
            return .input(size: n)
        case "dense":
            let specs = [ParameterSpec("activation", .expression, default: .word("identity")),
                         ParameterSpec("bias", .bool, default: .bool(true))]
            let e = requireValue()
            let n = e.flatMap(width)
            guard let values = ArgumentReader.read(s.arguments, specs, what: what, at: s.range, diagnostics: &diagnostics)
            else { return nil }
            let activation: (any Op)?
            if let ex = values["activation"]!.expression {
                activation = resolveActivation(ex)
            } else {
                activation = ElementwiseOp(function: Identity())
            }
            guard let n, let activation else { return nil }
            return .dense(width: n, activation: activation, bias: values["bias"]!.bool)
        case "activation":
            guard let e = requireValue(), noArguments(), let a = resolveActivation(e) else { return nil }
            return .activation(a)
        case "dropout":
            guard let e = requireValue(), noArguments() else { return nil }
            guard let v = ArgumentReader.convert(e, ParameterSpec("rate", .number(0...1)), what: what,
                                                 diagnostics: &diagnostics) else { return nil }
            guard v.number < 1 else {
                diagnostics.emit(.outOfRange("'rate' of 'dropout'", "at least 0 and less than 1"), at: e.range)
                return nil
            }
            return .dropout(rate: v.number)
        default:  // add, multiply, concat
            if let v = s.value {
                diagnostics.emit(.unexpectedToken(":", "after '\(name.name)': '\(keyword)' takes no size"), at: v.range)
                return nil
            }
            guard noArguments() else { return nil }
            switch keyword {
            case "add": return .join(AddOp())
            case "multiply": return .join(MultiplyOp())
            default: return .join(ConcatOp())
            }
        }
    }

    mutating func resolveActivation(_ e: Expression) -> (any Op)? {
        let catalogue = Activations.table.map { (name: $0.name, parameters: $0.parameters) }
        guard let (name, values) = ArgumentReader.resolveCall(e, kind: "activation", catalogue: catalogue,
                                                             diagnostics: &diagnostics) else { return nil }
        return Activations.table.first { $0.name == name }!.make(values)
    }

    /// Resolves a node's inputs: the names in parentheses, or the previous node.
    mutating func resolveInputs(_ index: Int) -> [Int]? {
        let node = declared[index]
        guard node.keyword != "input" else { return [] }
        let isJoin = ["add", "multiply", "concat"].contains(node.keyword)
        guard let names = node.statement.inputs else {
            if isJoin {
                diagnostics.emit(.inputCount(node.keyword, "two or more inputs in parentheses", 0), at: node.name.range)
                return nil
            }
            guard index > 0 else {
                diagnostics.emit(.noPreviousNode, at: node.name.range)
                return nil
            }
            return [index - 1]
        }
        if isJoin && names.count < 2 {
            diagnostics.emit(.inputCount(node.keyword, "two or more inputs", names.count), at: node.name.range)
            return nil
        }
        if !isJoin && names.count != 1 {
            diagnostics.emit(.inputCount(node.keyword, "one input", names.count), at: node.name.range)
            return nil
        }
        var result: [Int] = []
        for id in names {
            guard let i = nodeIndex[id.name] else {
                diagnostics.emit(.unknown("node", id.name, Array(nodeIndex.keys)), at: id.range)
                return nil
            }
            result.append(i)
        }
        return result
    }
}
