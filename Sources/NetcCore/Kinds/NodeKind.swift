/// One kind of node statement — `dense`, `add`, `flatten`… — and everything
/// the compiler knows about it: its keyword and inputs, the value and
/// arguments it takes, its shape rule, its parameters, and the graph nodes it
/// lowers to. The parser, the builder, the docs test and the fuzzer read
/// `NodeKinds.all`; adding a kind is one file here (plus its op, if new) and
/// its entry there.
public protocol NodeKind: Sendable {
    /// The statement's keyword.
    var keyword: String { get }
    /// What it declares, one line (docs/Language.md's table has a row per kind).
    var summary: String { get }
    /// A statement using it that reads a node `x` of shape `exampleInput` and
    /// names its node `k`, for the gradient checks of every kind.
    var example: String { get }
    /// The shape of `x` in `example` ("6", "2x5x5").
    var exampleInput: String { get }
    /// How many inputs it takes.
    var arity: Arity { get }
    /// Checks the statement's value (after `:`) and arguments; nil after
    /// reporting what is wrong.
    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)?
}

/// How many inputs a node kind takes.
public enum Arity: Sendable {
    /// The network's input: none.
    case none
    /// One: the node named in parentheses, else the one declared before.
    case one
    /// One as `one`, or two named in parentheses (the second an auxiliary input, such as ids that mask padding).
    case oneOrTwo
    /// Two or more, named in parentheses.
    case twoOrMore
}

/// A checked node statement: what it computes, given its inputs.
public protocol NodeDeclaration: Sendable {
    /// The node's shape from its inputs' shapes; reports a mismatch at `site` and returns nil.
    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape?
    /// The parameter tensors the node owns, given its input shapes, in flat
    /// order: name suffix (`weight`), shape, whether weight decay applies, and how it starts.
    func parameters(_ inputs: [Shape]) -> [TensorSpec]
    /// The op whose output is the node's value, where the loss checks it (sigmoid, softmax).
    var finalOp: (any Op)? { get }
    /// The node's size when the statement fixes it whatever its inputs
    /// (`dense h: 8`), so checks can use it when an input has an error.
    var declaredSize: Int? { get }
    /// Appends the node's graph nodes (their parameters already numbered in
    /// `tensors`): the node that holds its value, and the one before its
    /// final activation, where a fused loss (binary cross-entropy) reads logits.
    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int)

    typealias TensorSpec = (suffix: String, shape: [Int], isWeight: Bool, initializer: TensorInitializer)
}

extension NodeDeclaration {
    public func parameters(_ inputs: [Shape]) -> [TensorSpec] { [] }
    public var finalOp: (any Op)? { nil }
    public var declaredSize: Int? { nil }
}

/// Where a node's shape is checked: its name and the names of its inputs.
public struct ShapeSite {
    public let keyword: String
    public let name: Identifier
    public let inputs: [Identifier]
    /// Whether each input is the network's input.
    public var readsNetworkInput: [Bool] = []
}

/// Graph nodes as the builder lowers declarations, in topological order.
public struct GraphLowering {
    /// The network's name.
    public let network: String
    public private(set) var nodes: [Node] = []

    /// Appends a node; returns its id.
    public mutating func add(_ name: String, _ op: any Op, inputs: [Int], shape: Shape, parameters: [Int] = [],
                             range: SourceRange?) -> Int {
        nodes.append(Node(id: nodes.count, name: name, op: op, inputs: inputs, shape: shape, parameters: parameters, range: range))
        return nodes.count - 1
    }

    /// A node's shape.
    public func shape(_ id: Int) -> Shape { nodes[id].shape }

    /// A layer: `op`'s node (named `name.<part>` when an activation
    /// follows, else `name`), then the activation unless it is the identity.
    /// Returns the value's node and the one before the activation.
    mutating func addLayer(_ name: Identifier, _ op: any Op, part: String, activation: any Op, inputs: [Int], shape: Shape,
                           tensors: [Int]) -> (value: Int, logits: Int) {
        let isIdentity = (activation as? ElementwiseOp)?.function is Identity
        let layer = add(isIdentity ? name.name : "\(name.name).\(part)", op, inputs: inputs, shape: shape, parameters: tensors, range: name.range)
        guard !isIdentity else { return (layer, layer) }
        return (add(name.name, activation, inputs: [layer], shape: shape, range: name.range), layer)
    }
}

/// Every node kind, in the order docs/Language.md lists them.
public enum NodeKinds {
    public static let all: [any NodeKind] = [
        InputKind(), DenseKind(), ActivationKind(), DropoutKind(), JoinKind.add, JoinKind.multiply, JoinKind.concat, FlattenKind(), ReshapeKind(),
        ConvolutionKind.conv2d, ConvolutionKind.conv1d, TransposedConvolutionKind.conv2d,
        TransposedConvolutionKind.conv1d, PoolKind.max, PoolKind.average, GlobalPoolKind.average,
        GlobalPoolKind.max, UpsampleKind(),
        LayerNormKind(), GroupNormKind(), BatchNormKind(), EmbeddingKind(), PositionEmbeddingKind(), RecurrentKind.lstm, RecurrentKind.gru,
        AttentionKind(),
    ]

    /// The kind with this keyword.
    public static func named(_ keyword: String) -> (any NodeKind)? { all.first { $0.keyword == keyword } }
}

extension NodeKind {
    public var exampleInput: String { "6" }

    /// Reports and refuses a value after ':' for kinds that take none, with `note` if given.
    func noValue(_ s: Statement, _ diagnostics: inout DiagnosticBag, note: String? = nil) -> Bool {
        guard let v = s.value else { return true }
        diagnostics.emit(.unexpectedToken(":", "after '\(s.name!.name)': '\(keyword)' takes no size"), at: v.range,
                         notes: note.map { [Diagnostic.Note(message: $0, range: nil)] } ?? [])
        return false
    }

    /// The options of a kind that takes no size: a value after ':' and every
    /// wrong argument are reported together; nil if anything was wrong.
    func options(_ s: Statement, _ specs: [ParameterSpec], _ diagnostics: inout DiagnosticBag, valueNote: String? = nil) -> [String: Value]? {
        let valueless = noValue(s, &diagnostics, note: valueNote)
        let values = ArgumentReader.read(s.arguments, specs, what: "'\(keyword)'", at: s.range, diagnostics: &diagnostics)
        return valueless ? values : nil
    }

    /// Reports any argument, for kinds that take none.
    func noArguments(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> Bool {
        _ = ArgumentReader.read(s.arguments, [], what: "'\(keyword)'", at: s.range, diagnostics: &diagnostics)
        return s.arguments.isEmpty
    }

    /// The statement's arguments but a labelled one named as its missing
    /// value (`dense h, size: 8`), which `requireValue` has reported already.
    func arguments(_ s: Statement, besides value: String) -> [Argument] {
        s.value == nil ? s.arguments.filter { $0.label?.name != value } : s.arguments
    }

    /// The value after ':', or a report that it is missing (`what` names it:
    /// "size", "rate"), pointing at a labelled `rate: 0.1` written in its place.
    func requireValue(_ s: Statement, _ what: String, _ diagnostics: inout DiagnosticBag) -> Expression? {
        if s.value == nil {
            let labelled = s.arguments.first { $0.label?.name == what }
            let notes = labelled == nil ? [] : [Diagnostic.Note(message: "'\(what)' is written after ':', not as a labelled argument: \(example)", range: nil)]
            diagnostics.emit(.missingArgument(what, "'\(keyword)'"), at: labelled?.range ?? s.name!.range, notes: notes)
        }
        return s.value
    }
}
