import NetcRuntime

/// Lowers checked declarations into the graph IR: each declaration
/// numbers its parameter tensors (in declaration order, so the flat order
/// follows the spec), then lowers to graph nodes in topological order.
extension NetworkBuilder {
    func assemble(order: [Int], input: Int, loss: (rule: any LossRule, node: Int, logits: Int),
                  training: Training, initScheme: InitScheme, seed: UInt64, precision: Precision) -> Graph {
        var parameters: [ParameterTensor] = []
        var tensors: [Int: [Int]] = [:]
        var offset = 0
        for (i, d) in declared.enumerated() {
            let shapes = d.inputs!.map { declared[$0].shape! }
            for spec in d.declaration!.parameters(shapes) {
                tensors[i, default: []].append(parameters.count)
                parameters.append(ParameterTensor(name: "\(d.name.name).\(spec.suffix)", shape: spec.shape, offset: offset,
                                                  isWeight: spec.isWeight, initializer: spec.initializer))
                offset += spec.shape.reduce(1, *)
            }
        }
        var g = GraphLowering(network: decl.name.name)
        var lowered: [Int: (value: Int, logits: Int)] = [:]  // declaration → its nodes
        for i in order {
            let d = declared[i]
            lowered[i] = d.declaration!.lower(&g, name: d.name, inputs: d.inputs!.map { lowered[$0]!.value }, tensors: tensors[i] ?? [])
        }
        let output = lowered[loss.node]!.value
        let logits = loss.rule.fusedActivation == .sigmoid ? lowered[loss.logits]!.logits : output
        let layers = declared.indices.compactMap { i -> Layer? in
            guard let nodes = lowered[i] else { return nil }
            let d = declared[i], final = g.nodes[nodes.value].op.name
            let kind = d.keyword == "activation" ? final : nodes.value != nodes.logits ? "\(d.keyword), \(final)" : d.keyword
            return Layer(name: d.name.name, kind: kind, shape: d.shape!, inputs: d.inputs!.map { declared[$0].name.name },
                         parameterCount: (tensors[i] ?? []).reduce(0) { $0 + parameters[$1].count })
        }
        return Graph(name: decl.name.name, nodes: g.nodes, parameters: parameters, input: lowered[input]!.value,
                     loss: LossNode(rule: loss.rule, output: output, logits: logits), training: training,
                     initScheme: initScheme, seed: seed, precision: precision, layers: layers)
    }
}

public enum GraphBuilder {
    /// Names a network cannot take: Swift keywords and the two modules generated code qualifies names with.
    static let reservedNames: Set<String> = [
        "Any", "Protocol", "Self", "Type", "actor", "any", "as", "associatedtype", "async", "await", "borrowing",
        "break", "case", "catch", "class", "consume", "consuming", "continue", "copy", "default", "defer", "deinit",
        "discard", "do", "each", "else", "enum", "extension", "fallthrough", "false", "fileprivate", "for", "func",
        "guard", "if", "import", "in", "indirect", "init", "inout", "internal", "is", "let", "macro", "nil",
        "nonisolated", "open", "operator", "precedencegroup", "private", "protocol", "public", "repeat", "rethrows",
        "return", "self", "some", "static", "struct", "subscript", "super", "switch", "throw", "throws", "true",
        "try", "typealias", "var", "where", "while",
        // Generated code qualifies every other name it uses (`QualifiedNames`) with one of these.
        "NetcRuntime", "Swift",
    ]

    /// Checks every network and returns the graphs of those without errors.
    public static func build(_ spec: SpecFile, diagnostics: inout DiagnosticBag) -> [Graph] {
        var graphs: [Graph] = []
        var seen: [String: Identifier] = [:]
        var nodesSoFar = 0
        for (k, network) in spec.networks.enumerated() {
            let name = network.name
            guard network.isValid else {
                var builder = NetworkBuilder(decl: network, diagnostics: diagnostics)
                _ = builder.build()
                diagnostics = builder.diagnostics
                continue
            }
            if k == Limits.networksPerFile {
                diagnostics.emit(.tooLarge("the number of networks in one file", Limits.networksPerFile), at: name.range)
            }
            let nodes = network.statements.filter { $0.name != nil }.count
            if nodesSoFar <= Limits.nodesPerFile && nodesSoFar + nodes > Limits.nodesPerFile {
                diagnostics.emit(.tooLarge("the number of nodes in one file (\(nodesSoFar + nodes) so far)", Limits.nodesPerFile),
                                 at: name.range)
            }
            nodesSoFar += nodes
            if reservedNames.contains(name.name) {
                diagnostics.emit(.reservedName(name.name, "it is a Swift keyword or a name generated code uses"), at: name.range)
            }
            if let first = seen[name.name.lowercased()] {
                let message: Message = first.name == name.name ? .duplicateNetwork(name.name)
                    : .reservedName(name.name, "it differs only in case from '\(first.name)', and output files would clash")
                diagnostics.emit(message, at: name.range, notes: [.init(message: Message.noteFirstDefined, range: first.range)])
                continue
            }
            seen[name.name.lowercased()] = name
            var builder = NetworkBuilder(decl: network, diagnostics: diagnostics)
            let graph = builder.build()
            diagnostics = builder.diagnostics
            guard let graph, !reservedNames.contains(name.name) else { continue }
            let bytes = graph.modelBytes
            if bytes > Limits.modelBytes {
                var notes: [Diagnostic.Note] = [.init(message: Message.noteModelTooLarge, range: nil)]
                if let (node, share) = Self.largestNode(graph), share >= 0.5 {
                    notes.append(.init(message: Message.noteLargestNode(node.name, node.op.name, share), range: node.range))
                }
                diagnostics.emit(.modelTooLarge(name.name, bytes: bytes, batch: graph.batchSize), at: name.range, notes: notes)
                continue
            }
            graphs.append(graph)
        }
        return graphs
    }

    /// The node whose buffers (value, gradient, masks, working space) take
    /// most of the model's memory, and its share of it.
    static func largestNode(_ graph: Graph) -> (Node, Double)? {
        let layout = Plan(graph).layout
        var sizes = [Int](repeating: 0, count: graph.nodes.count)
        for b in layout.buffers { if let n = b.buffer.node { sizes[n] += b.count } }
        guard let top = sizes.indices.max(by: { sizes[$0] < sizes[$1] }), layout.size > 0 else { return nil }
        return (graph.nodes[top], Double(sizes[top]) / Double(layout.size))
    }
}
