/// A node statement as the builder checks it: its kind, its checked
/// declaration, its resolved inputs and its inferred shape (each nil until
/// known, or when it could not be).
struct DeclaredNode {
    var statement: Statement
    var name: Identifier
    var kind: (any NodeKind)?
    var declaration: (any NodeDeclaration)?
    /// Indices of input declarations; nil if they could not be resolved.
    var inputs: [Int]?
    var shape: Shape?
    var keyword: String { statement.keyword.name }
    var isInput: Bool { kind.map { if case .none = $0.arity { true } else { false } } ?? false }
}

extension NetworkBuilder {
    /// Resolves a node's inputs: the names in parentheses, or the previous node.
    mutating func resolveInputs(_ index: Int) -> [Int]? {
        let node = declared[index]
        guard let kind = node.kind else { return nil }
        switch kind.arity {
        case .none: return []
        case .twoOrMore:
            guard let names = node.statement.inputs else {
                diagnostics.emit(.inputCount(node.keyword, "two or more inputs in parentheses", 0), at: node.name.range)
                return nil
            }
            guard names.count >= 2 else {
                diagnostics.emit(.inputCount(node.keyword, "two or more inputs", names.count), at: node.name.range)
                return nil
            }
            return lookUp(names)
        case .one, .oneOrTwo:
            guard let names = node.statement.inputs else {
                guard index > 0 else {
                    diagnostics.emit(.noPreviousNode, at: node.name.range)
                    return nil
                }
                return [index - 1]
            }
            let most = if case .oneOrTwo = kind.arity { 2 } else { 1 }
            guard (1...most).contains(names.count) else {
                diagnostics.emit(.inputCount(node.keyword, most == 1 ? "one input" : "one or two inputs", names.count), at: node.name.range)
                return nil
            }
            return lookUp(names)
        }
    }

    /// The declarations named, or nil after reporting the first unknown name.
    mutating func lookUp(_ names: [Identifier]) -> [Int]? {
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
