import NetcRuntime

/// How each node of a graph runs, and where everything lives: every decision
/// that makes the generated code fast, apart from what the ops mean. Each
/// threshold is here with the measurement behind it (netc-bench, the 2-core
/// CI VM; docs/Performance.md).
public struct Plan: Sendable {
    public let graph: Graph
    /// The training step's backward graph, and the one that also reaches the input.
    public let training: BackwardGraph
    public let full: BackwardGraph
    /// How each linear node runs, by node id.
    public let linear: [Int: LinearPlan]
    /// How each Float convolution runs through the kernels (the others run as the op's loops), by node id.
    public let convolution: [Int: ConvolutionPlan]
    /// The pools that run through the kernels (`PoolingKernels`): every pool of a
    /// Float model. mnist-cnn b32's step: 1.37 ms with its two max pools as
    /// kernels, 1.52 ms as the op's loops, whose NaN-aware comparisons did not vectorise.
    public let pooling: Set<Int>
    /// relu nodes whose passes a kernel beside them does, by relu node id:
    /// the forward pass by the convolution (planes) that alone feeds the relu
    /// (`rectify`: it writes relu(y) into the relu's value and leaves its own
    /// unwritten), the backward pass by the max pool that alone reads it (each
    /// share times relu′, into the relu's input gradient). Each saves a pass
    /// over the layer's activations: mnist-cnn b128's step 2.37 ms fused, 2.53 ms not
    /// (medians of 5 interleaved runs).
    public let reluInConvolution: [Int: Int]
    public let reluInPool: [Int: Int]
    /// The batch normalisations whose training passes run through
    /// `NormalisationKernels`: Float, over planes of 8 values or more (a
    /// vector's features, plane 1, keep the op's loops). A mnist-cnn with batch
    /// norm after both convolutions: 677 µs per step at batch 32 as kernels (709
    /// with each pass computing the batch statistics again), 1.47 ms
    /// as the op's loops, whose sums waited on each addition.
    public let normalisations: Set<Int>
    /// The layer normalisations that run through `NormalisationKernels`:
    /// Float, over samples of 8 values or more; the forward pass keeps each
    /// sample's statistics for the backward pass (`statistics` buffer). The
    /// op's loops sum as a chain, each addition waiting on the one before, and
    /// the backward pass computes the statistics again: a 64-128-128-10 MLP
    /// with a layer norm after each hidden layer took 111–118 µs per batch-32
    /// step with them, 78 µs through the kernels (default build).
    public let layerNorms: Set<Int>
    /// The recurrent layers that run through `RecurrentKernels` over the
    /// whole batch: Float ones. Each step's recurrent product is then one product of the
    /// batch's states through the dense kernels, not a matrix–vector product
    /// per sample: a 1 → 64 LSTM over 50 steps (batch 32, Adam, default
    /// build) took 8.6 ms per step with the op's loops, themselves 4.9× faster
    /// than dot products per gate (42 ms), and 3.7 ms through the kernels
    /// (PyTorch 2.13 on one thread: 3.5 ms).
    public let recurrent: Set<Int>
    /// The attention layers that run through `AttentionKernels` over the
    /// whole batch: Float ones. Their projections are then one product of
    /// every sample's positions through the dense kernels, where the op's
    /// loops multiply position by position.
    public let attention: Set<Int>
    /// The elementwise activations that run as one call of the runtime's
    /// vector kernel over the whole batch (`ElementwiseActivation.kernel`):
    /// those of Float models that have one, over `vectorActivation` values
    /// or more. The op's loop calls the C library once per value: a
    /// 2-32-32-1 tanh network's step at batch 32 spent 74 % of its time in
    /// `tanhf` and `expm1f`.
    public let activations: Set<Int>
    /// Where every buffer lies in the model's one allocation.
    public let layout: StorageLayout

    public init(_ graph: Graph) {
        self.graph = graph
        training = BackwardGraph(graph, inputGradient: false)
        full = BackwardGraph(graph, inputGradient: true)
        var linear: [Int: LinearPlan] = [:]
        for n in graph.nodes {
            if let op = n.op as? LinearOp { linear[n.id] = LinearPlan(op, n, graph) }
        }
        self.linear = linear
        var convolution: [Int: ConvolutionPlan] = [:]
        for n in graph.nodes {
            if let op = n.op as? ConvolutionOp, let plan = ConvolutionPlan(op, graph) { convolution[n.id] = plan }
            // A transposed convolution runs the planes kernels with its input and output swapped, where
            // its input gradient is written, not added (the kernels' forward pass overwrites).
            if let op = n.op as? TransposedConvolutionOp, let plan = ConvolutionPlan(transposing: op, graph),
               !(training.edges(from: n.id) + full.edges(from: n.id)).contains(where: \.accumulates) {
                convolution[n.id] = plan
            }
        }
        self.convolution = convolution
        let pooling: Set<Int> = graph.precision == .float ? Set(graph.nodes.filter { $0.op is PoolOp }.map(\.id)) : []
        var readers = [Int](repeating: 0, count: graph.nodes.count), reader = [Int](repeating: -1, count: graph.nodes.count)
        for n in graph.nodes {
            for i in n.inputs { readers[i] += 1; reader[i] = n.id }
        }
        let ends: Set<Int> = [graph.input, graph.loss.output, graph.loss.logits]
        var reluInConvolution: [Int: Int] = [:], reluInPool: [Int: Int] = [:]
        for n in graph.nodes where (n.op as? ElementwiseOp)?.function is ReLU && !ends.contains(n.id) {
            let source = n.inputs[0]
            if convolution[source]?.scheme == .planes, graph.nodes[source].op is ConvolutionOp, readers[source] == 1, !ends.contains(source) { reluInConvolution[n.id] = source }
            // Only where the training step itself takes the relu's input gradient
            // (not a relu on the network's input, reached by the input gradient alone).
            if readers[n.id] == 1, case let p = reader[n.id], pooling.contains(p), (graph.nodes[p].op as? PoolOp)?.reduction == .max,
               training.needsGradient[source] {
                reluInPool[n.id] = p
            }
        }
        self.reluInConvolution = reluInConvolution
        self.reluInPool = reluInPool
        self.pooling = pooling
        activations = graph.precision == .float
            ? Set(graph.nodes.filter { ($0.op as? ElementwiseOp)?.function.kernel != nil && $0.size * graph.batchSize >= Plan.vectorActivation }
                .map(\.id)) : []
        layerNorms = graph.precision == .float
            ? Set(graph.nodes.filter { ($0.op as? LayerNormOp).map { $0.count >= 8 && $0.positions == 1 } ?? false }.map(\.id)) : []
        normalisations = graph.precision == .float
            ? Set(graph.nodes.filter { (($0.op as? BatchNormOp)?.plane ?? 0) >= 8 }.map(\.id)) : []
        recurrent = graph.precision == .float ? Set(graph.nodes.filter { $0.op is any RecurrentOp }.map(\.id)) : []
        attention = graph.precision == .float ? Set(graph.nodes.filter { $0.op is AttentionOp }.map(\.id)) : []
        let scratch = (linear.values.map(\.scratch) + convolution.values.map(\.scratch)).max() ?? 0
        let needsGradient = full.needsGradient
        let statistics = Dictionary(uniqueKeysWithValues: normalisations.map { ($0, 2 * (graph.nodes[$0].op as! BatchNormOp).channels) }
                                    + layerNorms.map { ($0, 2 * graph.batchSize) })
        layout = StorageLayout(graph, gradientNodes: Set(graph.nodes.map(\.id).filter { needsGradient[$0] } + [graph.loss.logits, graph.input]),
                               statistics: statistics, workspaces: Plan.workspaces(graph, kernels: recurrent.union(attention)), scratch: scratch, readsInputInPlace: Plan.readsInputInPlace(graph))
    }

    /// Each op's working space (`Op.workspace` per sample, or the layout of
    /// the whole-batch kernels a node in `kernels` runs) and prepared space, by node.
    static func workspaces(_ graph: Graph, kernels: Set<Int>) -> [Buffer: Int] {
        var sizes: [Buffer: Int] = [:]
        for n in graph.nodes {
            if kernels.contains(n.id), let op = n.op as? any RecurrentOp {
                sizes[.workspace(node: n.id)] = op.kernelWorkspace(batch: graph.batchSize)
                continue
            }
            if kernels.contains(n.id), let op = n.op as? AttentionOp {
                sizes[.workspace(node: n.id)] = op.kernelWorkspace(batch: graph.batchSize)
                continue
            }
            if n.op.workspace > 0 { sizes[.workspace(node: n.id)] = graph.batchSize * n.op.workspace }
            if n.op.prepared > 0 { sizes[.prepared(node: n.id)] = n.op.prepared }
        }
        return sizes
    }

    /// Parameter tensors kept in 16-output panels inside the model, with their rows and columns.
    public var panelTensors: [(tensor: Int, rows: Int, columns: Int)] {
        linear.keys.sorted().compactMap { id in
            guard linear[id]!.forward == .panels else { return nil }
            let n = graph.nodes[id]
            return (n.parameters[0], (n.op as! LinearOp).outputs, graph.nodes[n.inputs[0]].size)
        }
    }

    /// Whether kernels read the caller's input where it is (large batches:
    /// no copy per step) or a copy in the model's buffer (small ones: the
    /// copy is cheap, and with every operand at a constant offset from one
    /// pointer the optimiser knows that the unrolled code's stores cannot
    /// alias its inputs — iris b1 took 292 ns per step in place, 271–278 ns copied).
    static func readsInputInPlace(_ graph: Graph) -> Bool { graph.batchSize * graph.inputSize >= 4096 }

    /// Nodes per emitted function at most: `swiftc -O` takes superlinear time
    /// in a function's size (a 997-node tanh chain in one function: 63 s), so
    /// longer passes are emitted as parts of this many nodes, each its own
    /// function, called in order. Every spec in Specs/ fits one part.
    static let nodesPerFunction = 64

    /// Values per batch from which an activation with a vector kernel runs
    /// through it: one vector. Below it the kernel's one pass through its
    /// polynomial costs more latency than the C library's calls: a 4-wide
    /// sigmoid layer's batch-1 prediction took 52 ns through the kernel, 33
    /// as the loop; an 8-wide one 48 and 51, 16-wide 56 and 98 (4 → W → 1
    /// networks, default build, medians of 7 interleaved runs).
    static let vectorActivation = 8

    /// Parameters from which a Float run of the update calls the C kernel
    /// (`OptimizerStep.apply`): shorter runs, and Double, are loops in the
    /// generated code with every buffer at a constant offset, which the
    /// optimiser vectorises in any build; through a call, xor's 17
    /// parameters took 103 ns per step instead of 77.
    static let inlineUpdateLimit = 1024

    /// Whether a training step or prediction may split work across threads:
    /// a Float model with a kernel product (a layer's, or a recurrent or
    /// attention layer's projection of the whole batch) of at least two parts' work at
    /// its batch size (`CPUKernels.partWork` multiply-adds, the threshold the
    /// kernels split by at run time). Smaller models never set a thread
    /// budget, so their calls cost what they did on one thread. The update
    /// alone does not qualify: split while the products are not, it moves
    /// half the parameters to another core's cache and back every step
    /// (mnist at batch 1: 24 µs per step on 1 thread, 61 µs on 2).
    public var usesThreads: Bool {
        guard graph.precision == .float else { return false }
        let parts = 2 * CPUKernels.partWork, batch = graph.batchSize
        for (id, p) in linear where p.forward != .unrolled && p.forward != .perSample {
            let n = graph.nodes[id]
            if graph.nodes[n.inputs[0]].size * n.size * batch >= parts { return true }
        }
        for (id, c) in convolution where c.geometry.patch * graph.nodes[id].size * batch >= parts { return true }
        // The whole-batch products of recurrent and attention layers: every step's input projection, every position's q, k, v.
        for id in recurrent {
            let op = graph.nodes[id].op as! any RecurrentOp
            if op.channels * op.gates * op.length * batch >= parts { return true }
        }
        for id in attention {
            let op = graph.nodes[id].op as! AttentionOp
            if op.channels * 3 * op.channels * op.length * batch >= parts { return true }
        }
        return false
    }

    /// Training FLOPs per step (`Graph.flopsPerSample` times the batch) from
    /// which a step flushes subnormals to zero (`GeneratedModel.flushesSubnormals`).
    /// The flush guards against microcode assists of ~100 cycles per
    /// operation on subnormals, but switching the mode and back costs itself:
    /// xor (115 FLOPs) took 73.5 ns per step with it, 62.5 without, in a
    /// default build. Below this a step computes with subnormals as IEEE
    /// arithmetic does, like the interpreter and PyTorch.
    static let flushWork = 1000

    /// Whether a training step (and `gradients`) flushes subnormals.
    public var flushesSubnormals: Bool {
        graph.flopsPerSample.training * graph.batchSize >= Plan.flushWork
    }

    /// Whether the update of a run of parameters is a loop in generated code.
    func updatesInline(_ run: Range<Int>) -> Bool { graph.precision == .double || run.count < Plan.inlineUpdateLimit }
}

/// How one linear layer runs.
public struct LinearPlan: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// Straight-line code, every product written out with constant indices.
        case unrolled
        /// A dot product per output (forward), an axpy per output (backward): Double layers.
        case perSample
        /// `CPUKernels` over W [outputs][inputs]: 4 samples × 3 rows forward,
        /// 4 rows × 16 columns for dW (packed into scratch when `packs`), 4
        /// samples × 16 columns for dx.
        case rows
        /// Forward over Wᵀ, transposed into scratch on each call.
        case transposed
        /// W kept in panels of 16 outputs inside the model.
        case panels
    }

    public var forward: Form
    /// The weight and input gradients: `.rows` stands for `.transposed` too.
    public var backward: Form
    /// Whether the rows weight gradient packs its operands into scratch.
    public var packs: Bool
    /// Whether the step's check bounds dW from max|δ| and max|x| instead of reading it.
    public var boundsGradient: Bool
    /// Scalars of scratch the layer's kernels use.
    public var scratch: Int

    init(_ op: LinearOp, _ node: Node, _ graph: Graph) {
        let n = graph.nodes[node.inputs[0]].size, m = op.outputs, batch = graph.batchSize
        let float = graph.precision == .float
        if n * m <= LinearPlan.unrollLimit && (batch == 1 || !float) {
            forward = .unrolled
        } else if !float {
            forward = .perSample
        } else if node.inputs[0] == graph.input && PanelLayout.fits(m: m) && n * m >= LinearPlan.panelWeights
                    && batch >= LinearPlan.panelBatch {
            forward = .panels
        } else if CPUKernels.transposedFits(n: n, m: m) && batch >= LinearPlan.transposingBatch {
            forward = .transposed
        } else {
            forward = .rows
        }
        backward = forward == .transposed ? .rows : forward
        packs = forward == .panels || (backward == .rows && m >= 32 && n >= 16 && batch * n * 4 >= LinearPlan.packingBytes)
        boundsGradient = float && (backward == .rows || backward == .panels) && n * m >= LinearPlan.proofWeights
            && 2 * batch * (n + m) <= n * m
        switch forward {
        case .panels: scratch = CPUKernels.panelWeightGradientScratch(m: m, count: batch)
        case .transposed: scratch = Swift.max(n * m, packs ? CPUKernels.weightGradientScratch(m: m, count: batch) : 0)
        default: scratch = packs ? CPUKernels.weightGradientScratch(m: m, count: batch) : 0
        }
    }

    /// Layers with at most this many weights become straight-line code at
    /// batch 1 (and Double at any batch): at that size loop and call overhead,
    /// not arithmetic, dominates. iris b1: kernels everywhere 309 ns per step,
    /// unrolling ≤ 64 weights 287 ns, ≤ 256 weights 318 ns. Float batches
    /// above one use the kernels (iris b16: 2.83 µs unrolled, 1.97 µs kernels).
    static let unrollLimit = 64

    /// The forward pass runs over Wᵀ (transposed into scratch on each call)
    /// for layers whose Wᵀ fits L1 (`CPUKernels.transposedFits`: mnist's
    /// 128→64) at batches of at least this: the dot-product form spends much
    /// of its time on horizontal sums (128→64 at batch 128, transpose
    /// included: 25.3 and 26.0 µs against 33.1 and 33.3 µs); at batch 32 no gain.
    static let transposingBatch = 64

    /// W stays in 16-output panels for Float layers that read the network's
    /// input — so a training step never needs their input gradient, the one
    /// product panels make slow — with at least this many weights (W larger
    /// than L1) and a batch of at least `panelBatch`. mnist's 784→128 at
    /// batch 128: 91.1 and 95.0 % of peak in panels against 83.0 and 80.2 %
    /// in rows.
    static let panelWeights = 16_384
    static let panelBatch = 32

    /// The rows weight gradient packs its operands into scratch when the
    /// batch's inputs span at least 64 kB (16 pages) and the layer has at
    /// least 32 outputs (% of peak, in place → packed): 784→128 at batch 128
    /// 72 → 92, at batch 32 82 → 84; 128→64 at batch 128 63 → 84 but at
    /// batch 32 89 → 86; 64→10 at batch 128 54 → 47.
    static let packingBytes = 65_536

    /// dW's magnitudes are bounded from max|δ| and max|x|
    /// (`Kernels.weightGradientBound`, count·(n + m) scalars read) instead of
    /// read (n·m) where that halves the reading and dW is larger than L1
    /// (64 kB of Float): mnist at batch 32 read 29 k instead of 100 k
    /// scalars, 1.7 µs instead of 5.2–6.1 µs.
    static let proofWeights = 16_384
}

/// A convolution run as matrix products (im2col; `ConvolutionKernels`): its
/// windows as the rows of a matrix in `scratch`, multiplied by the dense
/// kernels. Float only (the C kernels are Float); Double, and convolutions
/// too small for a matrix product to pay, run the op's own loops.
public struct ConvolutionPlan: Sendable, Equatable {
    /// How a Float convolution runs.
    public enum Scheme: Sendable, Equatable {
        /// In the model's layout (`ConvolutionKernels.forward` and its
        /// gradients): the weights times the windows along each row of output
        /// positions. Rows of 8 or more at stride 1, or 8 or more positions
        /// per channel. mnist-cnn b32's step: 2.69 ms with `rows` for c2 and
        /// loops for c1, 1.52 ms with both as planes (medians of 3 interleaved runs).
        case planes
        /// As matrix products through the dense kernels: the batch's windows as
        /// rows of a position-major matrix (im2col). For the few positions
        /// `planes` cannot take, when a window holds `minimumPatch` values or more.
        case rows
    }

    /// Window values (input channels × kernel area) from which the `rows`
    /// form runs: the dense kernels vectorise along a window, so a short one
    /// wastes their lanes, and the op's loops, with constant bounds, win.
    /// Examples/Digits' DigitsCNN, 30 epochs: every convolution as loops
    /// 3.4 s; both as products 1.21 s; c2 (144 values) as a product and c1
    /// (9) as loops 0.89 s.
    static let minimumPatch = 32

    public let scheme: Scheme
    public let geometry: ConvolutionGeometry
    public let outputs: Int
    /// Scalars of scratch the scheme needs at the graph's batch size.
    public let scratch: Int

    init?(_ op: ConvolutionOp, _ graph: Graph) {
        let w = op.window
        // Grouped convolutions run the op's loops: a depthwise one has one input channel per output.
        guard graph.precision == .float, op.groups == 1 else { return nil }
        geometry = w
        outputs = op.outputChannels
        if ConvolutionKernels.planesSupported(w) {
            scheme = .planes
            scratch = ConvolutionKernels.planesScratch(w, outputs: outputs, count: graph.batchSize)
        } else if w.patch >= ConvolutionPlan.minimumPatch {
            scheme = .rows
            scratch = graph.batchSize * w.outputPlane * (w.patch + outputs)
        } else {
            return nil
        }
    }

    /// The planes kernels for a transposed convolution, where they take the
    /// convolution it transposes (`geometry`), whose forward kernel gives its
    /// input gradient and whose input-gradient kernel its value
    /// (`TransposedConvolutionLowering`).
    init?(transposing op: TransposedConvolutionOp, _ graph: Graph) {
        let w = op.convolution.window
        guard graph.precision == .float, op.convolution.groups == 1, ConvolutionKernels.planesSupported(w) else { return nil }
        (scheme, geometry, outputs) = (.planes, w, op.convolution.outputChannels)
        scratch = ConvolutionKernels.planesScratch(w, outputs: outputs, count: graph.batchSize)
    }
}
