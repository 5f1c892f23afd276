/// Where everything lives in a model's single allocation (offsets in scalars).
///
/// One buffer, allocated once per model: parameters, their gradients,
/// optimizer state, then per-node activations (the input's only when it is
/// not read in place), gradients and dropout masks,
/// the target, and scratch space for kernels that pack their operands.
/// Nothing is allocated during a step.
///
/// The streamed blocks start on 64-byte boundaries (the allocation is 64-byte
/// aligned, their offsets multiples of `alignment`): parameters, gradients,
/// optimizer state, scratch, and every node buffer of at least
/// `alignedNodeBuffer` scalars. A vector load or store then splits no cache
/// line where the rows do not: mnist b128's backward pass took 326–327 µs
/// against 341–343 µs unaligned, its momentum update 16.4–16.6 against
/// 19.5–20.1 µs, iris b1's update 33 against 49–56 ns. Smaller node buffers
/// stay packed: aligned, iris b16's 256-scalar activations led the optimiser
/// to compile its backward pass into slower scalar code (step minimum/median
/// 2.06/2.14 µs against 1.79/1.85 µs; docs/Performance.md).
struct ModelLayout {
    /// Scalars per alignment unit: 64 bytes of Float, 128 of Double.
    static let alignment = 16
    /// The smallest node buffer (value, gradient, mask, target) that is aligned.
    static let alignedNodeBuffer = 1024
    /// Bytes the generated allocation is aligned to.
    static let allocationAlignment = 64

    var size = 0
    /// Named buffers in allocation order: Swift name → (offset, count).
    var buffers: [(name: String, offset: Int, count: Int)] = []
    var parameters = 0, gradients = 0, target = 0
    var firstMoment: Int?, secondMoment: Int?

    init(_ graph: Graph, _ e: EmitContext, gradientNodes: Set<Int>) {
        let p = graph.parameterCount, batch = graph.batchSize
        parameters = allocate("parameters", p, aligned: true)
        gradients = allocate("gradients", p, aligned: true)
        for (t, tensor) in graph.parameters.enumerated() {
            buffers.append((e.parameter(t), parameters + tensor.offset, tensor.count))
            buffers.append((e.parameterGradient(t), gradients + tensor.offset, tensor.count))
        }
        switch graph.training.optimizer {
        case .sgd(_, let momentum, _): if momentum > 0 { firstMoment = allocate("velocity", p, aligned: true) }
        case .adam:
            firstMoment = allocate("firstMoment", p, aligned: true)
            secondMoment = allocate("secondMoment", p, aligned: true)
        }
        for n in graph.nodes where n.id != graph.input || !ModelLayout.readsInputInPlace(graph) {
            _ = allocate(e.value(n.id), batch * n.size)
        }
        for n in graph.nodes where gradientNodes.contains(n.id) { _ = allocate(e.gradient(n.id), batch * n.size) }
        for n in graph.nodes where n.op is DropoutOp { _ = allocate(EmitContext.maskName(e.value(n.id)), batch * n.size) }
        target = allocate("target", batch * graph.nodes[graph.loss.logits].size)
        let scratch = graph.nodes.map { $0.op.scratchSize($0, graph: graph) }.max() ?? 0
        if scratch > 0 { _ = allocate("scratch", scratch, aligned: true) }
    }

    /// Whether kernels read the caller's input where it is (large batches:
    /// no copy per step) or a copy in the model's buffer (small ones: the
    /// copy is cheap, and with every operand at a constant offset from one
    /// pointer the optimiser knows that the unrolled code's stores cannot
    /// alias its inputs — iris b1 took 292 ns per step in place, 271–278 ns copied).
    static func readsInputInPlace(_ graph: Graph) -> Bool { graph.batchSize * graph.inputSize >= 4096 }

    /// Appends a buffer; aligned when asked to or when it is a large node buffer.
    mutating func allocate(_ name: String, _ count: Int, aligned: Bool = false) -> Int {
        if aligned || count >= Self.alignedNodeBuffer {
            size = (size + Self.alignment - 1) / Self.alignment * Self.alignment
        }
        defer { size += count }
        buffers.append((name, size, count))
        return size
    }

    func offset(_ name: String) -> Int { buffers.first { $0.name == name }!.offset }

    /// The names of the optimizer's state buffers (nil where it keeps none).
    var optimizerState: (first: String?, second: String?) {
        let names = Set(buffers.map(\.name))
        return (names.contains("velocity") ? "velocity" : names.contains("firstMoment") ? "firstMoment" : nil,
                names.contains("secondMoment") ? "secondMoment" : nil)
    }
}

extension Graph {
    /// Bytes of the generated model's one allocation (what `init` allocates).
    public var modelBytes: Int { ModelEmitter(graph: self, sourceName: "").layout.size * precision.byteWidth }
}

extension EmitContext {
    static func maskName(_ valueName: String) -> String { "mask_" + valueName.dropFirst(2) }
}

/// Identifiers in a piece of Swift (letters, digits, '_').
func identifiers(in text: String) -> Set<Substring> {
    Set(text.split { !($0.isLetter || $0.isNumber || $0 == "_") })
}
