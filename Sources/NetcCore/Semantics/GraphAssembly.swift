import NetcRuntime

/// Lowers checked declarations into the graph IR: dense layers become a
/// linear node plus an activation node, parameters get their flat offsets.
extension NetworkBuilder {
    func assemble(order: [Int], input: Int, loss: (rule: any LossRule, node: Int, logits: Int),
                  training: Training, initScheme: InitScheme, seed: UInt64, precision: Precision) -> Graph {
        // Parameters in declaration order: each layer's weight, then its bias.
        var parameters: [ParameterTensor] = []
        var layerParameters: [Int: [Int]] = [:]
        var offset = 0
        for (i, d) in declared.enumerated() {
            guard case .dense(let width, _, let bias)? = d.kind else { continue }
            let inSize = declared[d.inputs![0]].size!
            var tensors = [parameters.count]
            parameters.append(ParameterTensor(name: "\(d.name.name).weight", shape: [width, inSize], offset: offset, isWeight: true))
            offset += width * inSize
            if bias {
                tensors.append(parameters.count)
                parameters.append(ParameterTensor(name: "\(d.name.name).bias", shape: [width], offset: offset, isWeight: false))
                offset += width
            }
            layerParameters[i] = tensors
        }

        var nodes: [Node] = []
        var graphID: [Int: Int] = [:]  // declaration → node holding its value
        var preActivation: [Int: Int] = [:]
        func add(_ name: String, _ op: any Op, _ inputs: [Int], _ size: Int, _ params: [Int], _ range: SourceRange) -> Int {
            nodes.append(Node(id: nodes.count, name: name, op: op, inputs: inputs, size: size, parameters: params, range: range))
            return nodes.count - 1
        }
        for i in order {
            let d = declared[i]
            let inputs = d.inputs!.map { graphID[$0]! }
            let range = d.name.range
            switch d.kind! {
            case .input(let n):
                graphID[i] = add(d.name.name, InputOp(), [], n, [], range)
            case .dense(let width, let activation, let bias):
                let isIdentity = (activation as? ElementwiseOp)?.function is Identity
                let linear = add(isIdentity ? d.name.name : "\(d.name.name).linear", LinearOp(outputs: width, hasBias: bias),
                                 inputs, width, layerParameters[i]!, range)
                preActivation[i] = linear
                graphID[i] = isIdentity ? linear : add(d.name.name, activation, [linear], width, [], range)
            case .activation(let op):
                preActivation[i] = inputs[0]
                graphID[i] = add(d.name.name, op, inputs, d.size!, [], range)
            case .dropout(let rate):
                graphID[i] = add(d.name.name, DropoutOp(rate: rate), inputs, d.size!, [], range)
            case .join(let op):
                graphID[i] = add(d.name.name, op, inputs, d.size!, [], range)
            }
        }
        let output = graphID[loss.node]!
        let logits = loss.rule is SigmoidCrossEntropy ? preActivation[loss.logits]! : output
        return Graph(name: decl.name.name, nodes: nodes, parameters: parameters, input: graphID[input]!,
                     loss: LossNode(rule: loss.rule, output: output, logits: logits), training: training,
                     initScheme: initScheme, seed: seed, precision: precision)
    }
}

/// Builds the graphs of every network in a parsed file.
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
                diagnostics.emit(.modelTooLarge(name.name, bytes: bytes, batch: graph.batchSize), at: name.range,
                                 notes: [.init(message: Message.noteModelTooLarge, range: nil)])
                continue
            }
            graphs.append(graph)
        }
        return graphs
    }
}
