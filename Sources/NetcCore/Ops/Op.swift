/// The single definition of an operation's meaning: its shape rule and cost,
/// its forward value and local derivative for the reference interpreter, and
/// the Swift its per-sample body becomes. How a node runs fast (whole-batch
/// kernels, unrolling, packing) is not the op's business: the plan decides
/// it (`Planning/Plan.swift`) and the emitter lowers it.
///
/// Values are per sample; the interpreter and emitter loop over the batch.
public protocol Op: Sendable {
    /// A short name used in graphs, fingerprints and comments.
    var name: String { get }
    /// Output shape for the given input shapes, or nil if they do not fit.
    func outputShape(_ inputs: [Shape]) -> Shape?
    /// FLOPs per sample: forward, and backward split into parameter-gradient
    /// and input-gradient work (the latter is skipped where no input needs δ).
    func flops(_ node: Node, inputs: [Shape]) -> Flops
    /// Per-sample buffers the op reads besides its inputs (a dropout mask),
    /// each the node's size, drawn before each training forward pass.
    var auxiliary: [Auxiliary] { get }
    /// Scalars per sample of working space (`w`) the op's generated bodies
    /// share: what the forward body keeps for the backward body (a recurrent
    /// layer's gates at every step) and the backward body's running sums.
    /// No other node reads it; the interpreter has no use for it.
    var workspace: Int { get }
    /// Scalars the op derives from its parameters once per forward pass,
    /// before its per-sample bodies run (`emitPrepare`; an LSTM's weights
    /// transposed), read by them as `OpCode.prepared`.
    var prepared: Int { get }
    /// Writes what the per-sample forward bodies read from `c.prepared(node)`.
    func emitPrepare(_ node: Node, _ c: inout OpCode)
    /// The node's value for one sample.
    func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double]
    /// The vector–Jacobian product for one sample: given the gradient of the
    /// loss with respect to the output, the gradient with respect to each
    /// input; parameter gradients are added into `parameterGradient`.
    func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                  parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]]
    /// Writes the per-sample forward body: reads `x0`, `x1`… (and `a0`…), writes `y`.
    func emitForward(_ node: Node, _ c: inout OpCode)
    /// Writes the per-sample backward body for `edges` (reads `dy`, `y`,
    /// `x0`…; writes `dx<k>` with `c.assign(edge)`), and with
    /// `parameterGradients` adds this sample's parameter gradients into the
    /// tensors' gradient buffers.
    func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode)
    /// Where one sample's inputs lie relative to the points at which the op
    /// is not differentiable (relu's 0), as numbers that change exactly when
    /// an input crosses one: a gradient check skips a finite difference
    /// across which they change. Empty for smooth ops.
    func kinkSides(inputs: [[Double]]) -> [Int]
    /// Whether gradients flow into input `k` (not into ids: an embedding's, or those that mask padding).
    func differentiates(input k: Int) -> Bool
    /// The op in PyTorch (`netc export-pytorch`): its submodule and the expression of its value.
    func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm
}

extension Op {
    public func differentiates(input k: Int) -> Bool { true }
    public var auxiliary: [Auxiliary] { [] }
    public var workspace: Int { 0 }
    public var prepared: Int { 0 }
    public func emitPrepare(_ node: Node, _ c: inout OpCode) {}
    public func kinkSides(inputs: [[Double]]) -> [Int] { [] }
}

/// An op whose value for one sample depends on the others in the batch
/// (batch normalisation while training). The interpreter and the emitter
/// hand it the whole batch; its per-sample `forward` is its inference form.
public protocol BatchOp: Op {
    /// Every sample's value, from every sample's input (the op's one input).
    func forwardBatch(_ node: Node, inputs: [[Double]], parameters: [Double], training: Bool, graph: Graph) -> [[Double]]
    /// Every sample's input gradient from every sample's output gradient, in
    /// a training pass; parameter gradients are added into `parameterGradient`.
    func backwardBatch(_ node: Node, inputs: [[Double]], gradients: [[Double]], parameters: [Double],
                       parameterGradient: inout [Double], graph: Graph) -> [[Double]]
    /// After an accepted training step: the running statistics from the batch's inputs.
    func updateStatistics(_ node: Node, inputs: [[Double]], parameters: inout [Double], graph: Graph)
    /// The whole-batch forward code (`training` tells which form).
    func emitBatchForward(_ node: Node, _ c: inout BatchCode)
    /// The whole-batch backward code, writing the input gradient by `edge` if there is one.
    func emitBatchBackward(_ node: Node, edge: BackwardGraph.Edge?, parameterGradients: Bool, _ c: inout BatchCode)
    /// The running-statistics update; leaves the largest magnitude it wrote in `written`.
    func emitStatisticsUpdate(_ node: Node, _ c: inout BatchCode)
}

extension BatchOp {
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        preconditionFailure("\(name) differentiates whole batches (backwardBatch)")
    }
    public func emitForward(_ node: Node, _ c: inout OpCode) { preconditionFailure("\(name) is emitted for whole batches") }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        preconditionFailure("\(name) is emitted for whole batches")
    }
}

/// What a batch op's code is written into: the statements, the parameter
/// names, and the per-sample bindings of its locals (`x0`, `y`, `dy`, `dx0`)
/// for the loops over the samples it writes with `eachSample`.
public struct BatchCode {
    public var op: OpCode
    let bindings: [SwiftStatement.Binding]

    init(op: OpCode, bindings: [SwiftStatement.Binding]) {
        self.op = op
        self.bindings = bindings
    }

    public mutating func line(_ c: Code) { op.line(c) }
    public mutating func block(_ header: Code, _ body: (inout CodeBuilder, BatchCode) -> Void) {
        let copy = self
        op.block(header) { body(&$0, copy) }
    }

    /// `body` for each of the first `count` samples, its locals bound to that sample.
    public func eachSample(_ c: inout CodeBuilder, _ body: (inout CodeBuilder) -> Void) {
        var inner = CodeBuilder()
        body(&inner)
        c.append(.perSample(count: "count", bindings: bindings, body: inner.statements))
    }
}

/// A per-sample auxiliary buffer an op reads.
public enum Auxiliary: Sendable, Equatable {
    /// Inverted dropout's mask: 0 with probability `rate`, else 1/(1 − rate),
    /// one draw for each run of `plane` values (a channel's positions, or 1).
    case dropoutMask(rate: Double, plane: Int)
}

/// What a sample's forward or backward pass knows besides its values.
public struct SampleContext: Sendable {
    /// The op's auxiliary buffers for this sample (masks), in `auxiliary` order.
    public var auxiliary: [[Double]]
    /// Whether this is a training pass (dropout active).
    public var training: Bool

    public init(auxiliary: [[Double]] = [], training: Bool) {
        self.auxiliary = auxiliary
        self.training = training
    }
}

/// Floating-point operations per sample of one op.
public struct Flops: Sendable, Equatable {
    public var forward = 0
    public var parameterGradient = 0
    public var inputGradient = 0
}

/// What an op's body is written into: statements, the graph, and the names
/// of the node's parameter tensors.
public struct OpCode {
    public var code = CodeBuilder()
    public let graph: Graph
    let names: BufferNames

    init(graph: Graph, names: BufferNames) {
        self.graph = graph
        self.names = names
    }

    public mutating func line(_ c: Code) { code.line(c) }
    public mutating func block(_ header: Code, _ body: (inout CodeBuilder) -> Void) { code.block(header, body) }

    /// A parameter tensor, and its gradient.
    public func parameter(_ tensor: Int) -> Ref { names.ref(.parameter(tensor)) }
    public func parameterGradient(_ tensor: Int) -> Ref { names.ref(.parameterGradient(tensor)) }
    /// What the op's `emitPrepare` wrote for this pass (`Op.prepared`).
    public func prepared(_ node: Node) -> Ref { names.ref(.prepared(node: node.id)) }
    /// `=` for the first contribution to a gradient, `+=` for later ones.
    public func assign(_ edge: BackwardGraph.Edge) -> String { edge.accumulates ? "+=" : "=" }
}

/// The input placeholder.
public struct InputOp: Op {
    public var name: String { "input" }
    public func outputShape(_ inputs: [Shape]) -> Shape? { nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops { Flops() }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        preconditionFailure("the input node is bound, not computed")
    }
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] { [] }
    public func emitForward(_ node: Node, _ c: inout OpCode) {}
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {}
    /// The argument (the one operand), as a batch of samples of the input's shape.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        PyTorchForm(value: "\(p.x0).reshape(-1, \(node.shape.dimensions.map(String.init).joined(separator: ", ")))")
    }
}
