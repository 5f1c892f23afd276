/// The backward graph: which vector–Jacobian products run, in which order,
/// and where their results go.
///
/// Textbook backpropagation as a dynamic program: the loss seeds δ at its
/// logits; nodes are visited in reverse topological order; each visited
/// node's δ flows through its local derivative to every input that needs
/// a gradient. The first contribution to an input assigns, later ones add
/// (`accumulates`), which is "gradients add where branches meet".
public struct BackwardGraph: Sendable {
    /// One gradient contribution: δ[to] (=|+=) VJPₖ(from).
    public struct Edge: Sendable, Equatable {
        public var from: Int
        public var to: Int
        /// Which input of `from` this is.
        public var inputIndex: Int
        /// Adds to an earlier contribution instead of assigning.
        public var accumulates: Bool
    }

    /// Nodes whose VJP runs, in reverse topological order.
    public var order: [Int]
    /// Gradient contributions in execution order.
    public var edges: [Edge]
    /// (node, parameter tensor) pairs whose gradients the visit of `node` produces.
    public var parameterGradients: [(node: Int, tensor: Int)]
    /// Whether δ of each node is needed.
    public var needsGradient: [Bool]
    /// Whether the gradient with respect to the input is computed.
    public var inputGradient: Bool

    /// Derives the backward graph. Nodes that neither depend on a parameter
    /// nor (with `inputGradient`) on the input get no δ: no work nobody needs.
    public init(_ graph: Graph, inputGradient: Bool) {
        self.inputGradient = inputGradient
        // Nodes from which the loss is reached along edges gradients flow through.
        var onLossPath: Set<Int> = [graph.loss.logits]
        for n in graph.nodes.reversed() where onLossPath.contains(n.id) {
            for (k, i) in n.inputs.enumerated() where n.op.differentiates(input: k) { onLossPath.insert(i) }
        }
        var dependsOnVariable = [Bool](repeating: false, count: graph.nodes.count)
        for n in graph.nodes {
            dependsOnVariable[n.id] = n.id == graph.input ? inputGradient
                : !n.parameters.isEmpty || n.inputs.contains { dependsOnVariable[$0] }
        }
        needsGradient = graph.nodes.map { dependsOnVariable[$0.id] && onLossPath.contains($0.id) }
        order = []
        edges = []
        parameterGradients = []
        var assigned = Set<Int>()
        for n in graph.nodes.reversed() where needsGradient[n.id] && n.id != graph.input {
            order.append(n.id)
            for (k, i) in n.inputs.enumerated() where needsGradient[i] && n.op.differentiates(input: k) {
                edges.append(Edge(from: n.id, to: i, inputIndex: k, accumulates: !assigned.insert(i).inserted))
            }
            for t in n.parameters { parameterGradients.append((n.id, t)) }
        }
    }

    /// The edges leaving `node` (its VJP's outputs).
    public func edges(from node: Int) -> [Edge] { edges.filter { $0.from == node } }

    /// The work that gives the gradient with respect to the input once the
    /// parameter gradients are done (`backward` computed them with a graph
    /// built without `inputGradient`): in the order of this full graph, each
    /// visit's edges into nodes the training graph gives no δ (the input, and
    /// nodes computed from it alone). Those nodes' δ were never written by
    /// the training pass, so each edge keeps its own assign-or-add.
    public func inputTail(after training: BackwardGraph) -> [(node: Int, edges: [Edge])] {
        order.compactMap { id in
            let edges = edges(from: id).filter { !training.needsGradient[$0.to] }
            return edges.isEmpty ? nil : (id, edges)
        }
    }
}
