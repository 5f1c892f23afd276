/// A name as written, with where it was written.
public struct Identifier: Sendable, Equatable {
    public var name: String
    public var range: SourceRange
}

/// A value in a spec: a number, a shape such as `1x28x28`, a word, or a call
/// such as `leaky_relu(slope: 0.2)`.
public indirect enum Expression: Sendable, Equatable {
    case number(Double, isInteger: Bool, range: SourceRange)
    case shape([Int], range: SourceRange)
    case word(Identifier)
    case call(Identifier, [Argument], range: SourceRange)
    /// `[1, 2.5, 4]`: a list of values.
    case list([Expression], range: SourceRange)

    public var range: SourceRange {
        switch self {
        case .number(_, _, let r), .shape(_, let r), .call(_, _, let r), .list(_, let r): return r
        case .word(let id): return id.range
        }
    }

    /// The name in `name` or `name(arguments)`; nil for a number, a shape or a list.
    public var name: Identifier? {
        switch self {
        case .word(let id), .call(let id, _, _): return id
        case .number, .shape, .list: return nil
        }
    }
}

/// `label: value` or a positional `value`.
public struct Argument: Sendable, Equatable {
    public var label: Identifier?
    public var value: Expression
    public var range: SourceRange { label.map { $0.range.union(value.range) } ?? value.range }
}

/// One line of a network body.
///
/// Node statements (`dense h(x): 16, relu`) have a name, optional inputs and an
/// optional `: value`; settings (`train sgd(...), batch: 16`) have only arguments.
public struct Statement: Sendable, Equatable {
    public var keyword: Identifier
    public var name: Identifier?
    /// The explicit inputs in parentheses; nil when omitted (the previous node).
    public var inputs: [Identifier]?
    public var value: Expression?
    public var arguments: [Argument]
    public var range: SourceRange
    /// False when the statement had a syntax error or an unknown keyword: its
    /// name is still declared (so later references do not cascade into
    /// "unknown node" errors) but nothing else about it is checked.
    public var isValid = true
}

/// `network Name { ... }`.
public struct NetworkDecl: Sendable, Equatable {
    public var name: Identifier
    public var statements: [Statement]
    public var range: SourceRange
    /// False when the header was malformed (`network 3Net {`): the body is
    /// still checked, so its errors are reported, but no graph is built.
    public var isValid = true
}

/// A parsed spec file.
public struct SpecFile: Sendable {
    public var source: SourceFile
    public var networks: [NetworkDecl]
}

/// Statement keywords and what follows them.
public enum Keyword {
    /// Keywords that declare a node: `KEYWORD name [(inputs)] [: value] {, argument}`.
    public static var nodes: [String] { NodeKinds.all.map(\.keyword) }
    /// Keywords that configure the network: `KEYWORD argument {, argument}`.
    public static let settings = ["loss", "train", "init", "precision"]
    public static var all: [String] { nodes + settings }
}
