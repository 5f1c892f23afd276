/// Where everything lives in a model's single allocation (offsets in scalars).
///
/// One buffer, allocated once per model: parameters, their gradients,
/// optimizer state, then per-node activations (the input's only when it is
/// not read in place), gradients and dropout masks, the statistics the
/// normalisations that run as kernels keep (batch norm's per channel, layer
/// norm's per sample), ops' working space, the target, and scratch
/// space for kernels that pack their operands.
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
public struct StorageLayout: Sendable {
    /// Scalars per alignment unit: 64 bytes of Float, 128 of Double.
    static let alignment = 16
    /// The smallest node buffer (value, gradient, mask, target) that is aligned.
    static let alignedNodeBuffer = 1024
    /// Bytes the generated allocation is aligned to.
    public static let allocationAlignment = 64

    /// Scalars in the allocation.
    public private(set) var size = 0
    /// Every buffer in allocation order, with its offset and scalar count.
    public private(set) var buffers: [(buffer: Buffer, offset: Int, count: Int)] = []
    /// Whether the input is read where the caller keeps it (no buffer of its own).
    public let readsInputInPlace: Bool

    init(_ graph: Graph, gradientNodes: Set<Int>, statistics: [Int: Int] = [:], workspaces: [Buffer: Int] = [:], scratch: Int,
         readsInputInPlace: Bool) {
        self.readsInputInPlace = readsInputInPlace
        let p = graph.parameterCount, batch = graph.batchSize
        allocate(.parameters, p, aligned: true)
        allocate(.gradients, p, aligned: true)
        switch graph.training.optimizer {
        case .sgd(_, let momentum, _): if momentum > 0 { allocate(.state(0), p, aligned: true) }
        case .adam:
            allocate(.state(0), p, aligned: true)
            allocate(.state(1), p, aligned: true)
        case .rmsprop(_, _, _, let momentum):
            allocate(.state(0), p, aligned: true)
            if momentum > 0 { allocate(.state(1), p, aligned: true) }
        }
        for n in graph.nodes where n.id != graph.input || !readsInputInPlace { allocate(.value(n.id), batch * n.size) }
        for n in graph.nodes where gradientNodes.contains(n.id) { allocate(.gradient(n.id), batch * n.size) }
        for n in graph.nodes {
            for k in n.op.auxiliary.indices { allocate(.auxiliary(node: n.id, index: k), batch * n.size) }
        }
        for n in graph.nodes {
            for buffer in [Buffer.workspace(node: n.id), .prepared(node: n.id)] {
                if let count = workspaces[buffer] { allocate(buffer, count, aligned: true) }
            }
        }
        for (node, count) in statistics.sorted(by: { $0.key < $1.key }) { allocate(.statistics(node: node), count) }
        allocate(.target, batch * graph.nodes[graph.loss.logits].size)
        if scratch > 0 { allocate(.scratch, scratch, aligned: true) }
        offsets = Dictionary(uniqueKeysWithValues: buffers.map { ($0.buffer, $0.offset) })
        for (t, tensor) in graph.parameters.enumerated() {
            offsets[.parameter(t)] = tensor.offset
            offsets[.parameterGradient(t)] = offsets[.gradients]! + tensor.offset
        }
    }

    private var offsets: [Buffer: Int] = [:]

    /// Appends a buffer; aligned when asked to or when it is a large node buffer.
    private mutating func allocate(_ buffer: Buffer, _ count: Int, aligned: Bool = false) {
        if aligned || count >= Self.alignedNodeBuffer {
            size = (size + Self.alignment - 1) / Self.alignment * Self.alignment
        }
        buffers.append((buffer, size, count))
        size += count
    }

    /// Where a buffer starts (parameter tensors and their gradients included); nil if it has none.
    public func offset(_ buffer: Buffer) -> Int? { offsets[buffer] }
}

extension Graph {
    /// Bytes of the generated model's one allocation (what `init` allocates).
    public var modelBytes: Int { Plan(self).layout.size * precision.byteWidth }
}
