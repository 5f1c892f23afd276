/// Where everything lives in a model's single allocation (offsets in scalars).
///
/// One buffer, allocated once per model: parameters, their gradients,
/// optimizer state, then per-node activations, gradients and dropout masks,
/// and the target. Nothing is allocated during a step.
struct ModelLayout {
    var size = 0
    /// Named buffers in allocation order: Swift name → (offset, count).
    var buffers: [(name: String, offset: Int, count: Int)] = []
    var parameters = 0, gradients = 0, target = 0
    var firstMoment: Int?, secondMoment: Int?

    init(_ graph: Graph, _ e: EmitContext, gradientNodes: Set<Int>) {
        let p = graph.parameterCount, batch = graph.batchSize
        parameters = allocate("parameters", p)
        gradients = allocate("gradients", p)
        for (t, tensor) in graph.parameters.enumerated() {
            buffers.append((e.parameter(t), parameters + tensor.offset, tensor.count))
            buffers.append((e.parameterGradient(t), gradients + tensor.offset, tensor.count))
        }
        switch graph.training.optimizer {
        case .sgd(_, let momentum, _): if momentum > 0 { firstMoment = allocate("velocity", p) }
        case .adam:
            firstMoment = allocate("firstMoment", p)
            secondMoment = allocate("secondMoment", p)
        }
        for n in graph.nodes { _ = allocate(e.value(n.id), batch * n.size) }
        for n in graph.nodes where gradientNodes.contains(n.id) { _ = allocate(e.gradient(n.id), batch * n.size) }
        for n in graph.nodes where n.op is DropoutOp { _ = allocate(EmitContext.maskName(e.value(n.id)), batch * n.size) }
        target = allocate("target", batch * graph.nodes[graph.loss.logits].size)
    }

    mutating func allocate(_ name: String, _ count: Int) -> Int {
        defer { size += count }
        buffers.append((name, size, count))
        return size
    }

    func offset(_ name: String) -> Int { buffers.first { $0.name == name }!.offset }
}

extension EmitContext {
    static func maskName(_ valueName: String) -> String { "mask_" + valueName.dropFirst(2) }
}

/// Identifiers in a piece of Swift (letters, digits, '_').
func identifiers(in text: String) -> Set<Substring> {
    Set(text.split { !($0.isLetter || $0.isNumber || $0 == "_") })
}
