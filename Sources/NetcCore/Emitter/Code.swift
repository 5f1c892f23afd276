/// The code model the emitter builds: Swift source as small values that know
/// which buffers and per-sample locals they name, rendered once
/// (`Renderer`). A function binds exactly the buffers its statements refer
/// to, and a per-sample block exactly the locals its body uses — read from
/// the references, never from the rendered text.

/// A buffer in the model's one allocation.
public enum Buffer: Hashable, Sendable {
    /// All parameters, all parameter gradients (flat order).
    case parameters, gradients
    /// Optimizer state array 0 (velocity, or Adam's first moment) or 1.
    case state(Int)
    /// One parameter tensor, or its gradient.
    case parameter(Int), parameterGradient(Int)
    /// A node's value or gradient, [batch][size].
    case value(Int), gradient(Int)
    /// A node's auxiliary buffer (a dropout mask), [batch][size].
    case auxiliary(node: Int, index: Int)
    /// A batch normalisation's batch statistics, mean and biased variance per
    /// channel, from the training forward pass to the backward pass and update.
    case statistics(node: Int)
    /// An op's working space (`Op.workspace`), [batch][workspace].
    case workspace(node: Int)
    /// What an op derives from its parameters each forward pass (`Op.prepared`).
    case prepared(node: Int)
    /// The loss's targets, [batch][logits].
    case target
    /// Space kernels pack operands into; ops run one at a time and share it.
    case scratch

    /// The node whose buffer this is, if it is one node's.
    public var node: Int? {
        switch self {
        case .value(let n), .gradient(let n), .auxiliary(let n, _), .statistics(let n), .workspace(let n), .prepared(let n): n
        default: nil
        }
    }
}

/// A buffer with the Swift name it has in generated code.
public struct Ref: Hashable, Sendable, CustomStringConvertible {
    public let buffer: Buffer
    public let name: String
    public var description: String { name }
}

/// A per-sample pointer in an op's body: its inputs `x0`, `x1`…, output `y`,
/// output gradient `dy`, input gradients `dx0`…, auxiliary buffers `a0`…,
/// working space `w`; in
/// a loss's body the logits `z`, targets `t` and the seeded gradient `gz`.
public enum Local: Hashable, Sendable, CustomStringConvertible {
    case input(Int), output, outputGradient, inputGradient(Int), auxiliary(Int), workspace
    case logits, target, seed

    public var description: String {
        switch self {
        case .input(let k): "x\(k)"
        case .output: "y"
        case .outputGradient: "dy"
        case .inputGradient(let k): "dx\(k)"
        case .auxiliary(let k): "a\(k)"
        case .workspace: "w"
        case .logits: "z"
        case .target: "t"
        case .seed: "gz"
        }
    }
}

/// The locals op and loss bodies write most.
public let x0 = Local.input(0), y = Local.output, dy = Local.outputGradient, dx0 = Local.inputGradient(0)

/// Swift source, and the buffers and locals it names.
public struct Code: Sendable, ExpressibleByStringInterpolation {
    public var text: String
    var refs: Set<Ref> = []
    var locals: Set<Local> = []

    public init(stringLiteral value: String) { text = value }

    public init(stringInterpolation: StringInterpolation) {
        text = stringInterpolation.text
        refs = stringInterpolation.refs
        locals = stringInterpolation.locals
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""
        var refs: Set<Ref> = []
        var locals: Set<Local> = []

        public init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + 8 * interpolationCount) }
        public mutating func appendLiteral(_ literal: String) { text += literal }
        /// A buffer: its name, remembered for the function's bindings.
        public mutating func appendInterpolation(_ ref: Ref) {
            text += ref.name
            refs.insert(ref)
        }
        /// A per-sample local: its name, remembered for the block's bindings.
        public mutating func appendInterpolation(_ local: Local) {
            text += local.description
            locals.insert(local)
        }
        /// Code inside code keeps its references.
        public mutating func appendInterpolation(_ code: Code) {
            text += code.text
            refs.formUnion(code.refs)
            locals.formUnion(code.locals)
        }
        public mutating func appendInterpolation(_ value: some CustomStringConvertible) { text += value.description }
    }
}

/// One statement of a generated function.
public indirect enum SwiftStatement: Sendable {
    /// A line of code.
    case line(Code)
    /// `header {`, the body one level deeper, `}`.
    case block(Code, [SwiftStatement])
    /// A loop over the first `count` samples of the batch (a plain scope at
    /// batch 1) binding each local the body uses to its buffer's sample:
    /// `let x0 = v_h + b &* 16`.
    case perSample(count: String, bindings: [Binding], body: [SwiftStatement])

    /// A per-sample local and the buffer it points into, `stride` scalars per sample.
    public struct Binding: Sendable {
        public let local: Local
        public let ref: Ref
        public let stride: Int
    }

    /// The buffers the statement names, bound locals included only where used.
    var refs: Set<Ref> {
        switch self {
        case .line(let c): return c.refs
        case .block(let header, let body): return body.reduce(header.refs) { $0.union($1.refs) }
        case .perSample(_, let bindings, let body):
            let used = body.reduce(into: Set<Local>()) { $0.formUnion($1.locals) }
            return body.reduce(Set(bindings.filter { used.contains($0.local) }.map(\.ref))) { $0.union($1.refs) }
        }
    }

    /// The locals the statement uses.
    var locals: Set<Local> {
        switch self {
        case .line(let c): return c.locals
        case .block(let header, let body): return body.reduce(header.locals) { $0.union($1.locals) }
        case .perSample: return []  // bound inside
        }
    }
}

/// Collects statements; nested blocks through closures.
public struct CodeBuilder {
    public private(set) var statements: [SwiftStatement] = []

    public init() {}

    public mutating func line(_ code: Code) { statements.append(.line(code)) }

    public mutating func block(_ header: Code, _ body: (inout CodeBuilder) -> Void) {
        var inner = CodeBuilder()
        body(&inner)
        statements.append(.block(header, inner.statements))
    }

    public mutating func append(_ statement: SwiftStatement) { statements.append(statement) }
    public mutating func append(contentsOf more: [SwiftStatement]) { statements += more }
}
