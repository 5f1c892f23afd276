/// The single definition of an operation: its shape rule and cost, its
/// forward value and local derivative for the reference interpreter, and
/// (in the emitter's extension points) the Swift it becomes.
///
/// Values are per sample; the interpreter and emitter loop over the batch.
public protocol Op: Sendable {
    /// A short name used in graphs, fingerprints and comments.
    var name: String { get }
    /// Output size for the given input sizes, or nil if they do not fit.
    func outputSize(inputSizes: [Int]) -> Int?
    /// FLOPs per sample: forward, and backward split into parameter-gradient
    /// and input-gradient work (the latter is skipped where no input needs δ).
    func flops(_ node: Node, inputSizes: [Int]) -> Flops
    /// The node's value for one sample.
    func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double]
    /// The vector–Jacobian product for one sample: given the gradient of the
    /// loss with respect to the output, the gradient with respect to each
    /// input; parameter gradients are added into `parameterGradient`.
    func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                  parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]]
    /// Writes the per-sample forward body: reads `x0`, `x1`…, writes `y`
    /// (and may read `mask` and `training`).
    func emitForward(_ node: Node, _ e: inout EmitContext)
    /// Writes the per-sample backward body for `edges` (reads `dy`, `y`,
    /// `x0`…; writes `dx<k>` with `e.assign(edge)`), and adds this sample's
    /// parameter gradients into the `dp_` buffers.
    func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext)
    /// Optionally writes the forward over the whole batch at once (the first
    /// `count` samples; inputs are `e.value(node.inputs[k])`, the output
    /// `e.value(node.id)`), returning false to use the per-sample body.
    func emitBatchForward(_ node: Node, count: String, _ e: inout EmitContext) -> Bool
    /// Optionally writes the backward over the whole batch, as above; such
    /// code overwrites (not adds to) the node's parameter gradients.
    func emitBatchBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) -> Bool
    /// Scalars of the model's shared `scratch` buffer this op's batch code
    /// uses (0: none). Ops run one at a time, so they share one buffer.
    func scratchSize(_ node: Node, graph: Graph) -> Int
    /// Optionally, per parameter tensor of the node, a Swift expression for
    /// an upper bound on the magnitudes of the tensor's batch gradient that
    /// is cheaper than reading it; the training step's check then reads the
    /// gradient only when the bound is not finite or too large.
    func gradientBounds(_ node: Node, _ e: EmitContext) -> [Int: String]
    /// Per parameter tensor of the node that the emitted code keeps in an
    /// order other than the documented flat one, that order; the generated
    /// API converts where parameters and gradients cross it.
    func parameterStorage(_ node: Node, graph: Graph) -> [Int: ParameterStorage]
}

/// How emitted code stores a parameter tensor it does not keep row-major.
public enum ParameterStorage: Sendable, Equatable {
    /// A [rows][columns] weight in panels of 16 rows, Wp[p][i][c] = W[16p + c][i]
    /// (`PanelLayout.toPanels`).
    case panels(rows: Int, columns: Int)
}

extension Op {
    public func emitBatchForward(_ node: Node, count: String, _ e: inout EmitContext) -> Bool { false }
    public func emitBatchBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) -> Bool { false }
    public func scratchSize(_ node: Node, graph: Graph) -> Int { 0 }
    public func gradientBounds(_ node: Node, _ e: EmitContext) -> [Int: String] { [:] }
    public func parameterStorage(_ node: Node, graph: Graph) -> [Int: ParameterStorage] { [:] }
}

/// Floating-point operations per sample of one op.
public struct Flops: Sendable, Equatable {
    public var forward = 0
    public var parameterGradient = 0
    public var inputGradient = 0
}

/// The input placeholder.
public struct InputOp: Op {
    public var name: String { "input" }
    public func outputSize(inputSizes: [Int]) -> Int? { nil }
    public func flops(_ node: Node, inputSizes: [Int]) -> Flops { Flops() }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] {
        preconditionFailure("the input node is bound, not computed")
    }
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] { [] }
    public func emitForward(_ node: Node, _ e: inout EmitContext) {}
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) {}
}
