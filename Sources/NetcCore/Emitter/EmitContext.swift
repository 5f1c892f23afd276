/// What an op's emitter needs: the writer, the graph, and the Swift names of
/// buffers. Inside a per-sample block an op reads its inputs as `x0`, `x1`…,
/// writes its output `y`; in backward it reads `dy` and writes `dx0`, `dx1`….
public struct EmitContext {
    public var w = SwiftWriter()
    public let graph: Graph
    /// Swift names of value buffers, and of gradient buffers, per node.
    let valueNames: [String]
    let gradientNames: [String]
    let tensorNames: [String]

    init(graph: Graph) {
        self.graph = graph
        var used = Set<String>()
        func unique(_ base: String, _ id: Int) -> String {
            let name = used.contains(base) ? "\(base)_\(id)" : base
            used.insert(name)
            return name
        }
        let bases = graph.nodes.map { unique(safeIdentifier($0.name), $0.id) }
        valueNames = bases.map { "v_" + $0 }
        gradientNames = bases.map { "g_" + $0 }
        tensorNames = graph.parameters.map { safeIdentifier($0.name) }
    }

    /// Value buffer of a node ([batch][size]).
    public func value(_ node: Int) -> String { valueNames[node] }
    /// Gradient buffer of a node.
    public func gradient(_ node: Int) -> String { gradientNames[node] }
    /// A parameter tensor, and its gradient.
    public func parameter(_ tensor: Int) -> String { "p_" + tensorNames[tensor] }
    public func parameterGradient(_ tensor: Int) -> String { "dp_" + tensorNames[tensor] }
    /// `=` for the first contribution to a gradient, `+=` for later ones.
    public func assign(_ edge: BackwardGraph.Edge) -> String { edge.accumulates ? "+=" : "=" }

    /// A loop over the batch (or a plain scope for batch 1) binding per-sample
    /// pointers; `count` names a variable bounding the loop instead of the batch size.
    mutating func perSample(_ bindings: [(String, String, Int)], count: String? = nil, _ body: (inout EmitContext) -> Void) {
        let batch = graph.batchSize
        let lets = bindings.map { batch == 1 ? "\($0.0) = \($0.1)" : "\($0.0) = \($0.1) + b &* \($0.2)" }
        w.line(batch == 1 ? "do {" : "for b in 0..<\(count ?? String(batch)) {")
        w.level += 1
        w.line("let " + lets.joined(separator: ", "))
        body(&self)
        w.level -= 1
        w.line("}")
    }
}

/// A spec name as a Swift identifier fragment: '.' becomes '_'.
func safeIdentifier(_ name: String) -> String {
    String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
}
