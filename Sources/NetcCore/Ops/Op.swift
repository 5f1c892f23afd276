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
    /// FLOPs per sample: forward, and backward (all input and parameter gradients).
    func flops(_ node: Node, inputSizes: [Int]) -> (forward: Int, backward: Int)
    /// The node's value for one sample.
    func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double]
    /// The vector–Jacobian product for one sample: given the gradient of the
    /// loss with respect to the output, the gradient with respect to each
    /// input; parameter gradients are added into `parameterGradient`.
    func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                  parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]]
}

/// The input placeholder.
public struct InputOp: Op {
    public var name: String { "input" }
    public func outputSize(inputSizes: [Int]) -> Int? { nil }
    public func flops(_ node: Node, inputSizes: [Int]) -> (forward: Int, backward: Int) { (0, 0) }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] {
        preconditionFailure("the input node is bound, not computed")
    }
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] { [] }
}
