import NetcRuntime

/// Scalar precision of generated code.
public enum Precision: String, Sendable, CaseIterable {
    case float, double
    /// The Swift type name.
    public var swiftType: String { self == .float ? "Float" : "Double" }
    public var byteWidth: Int { self == .float ? 4 : 8 }
}

/// The optimizer and its hyper-parameters, as the spec gives them.
public enum Optimizer: Sendable, Equatable {
    /// v ← μv + g; p ← p − η(g + μv) with Nesterov, p ← p − ηv without (PyTorch's convention).
    case sgd(learningRate: Double, momentum: Double, nesterov: Bool)
    /// Adam (Kingma & Ba) with bias correction; `decoupled`: AdamW (Loshchilov
    /// & Hutter), whose weight decay shrinks the weights rather than joining the gradient.
    case adam(learningRate: Double, beta1: Double, beta2: Double, epsilon: Double, decoupled: Bool)
    /// RMSprop (PyTorch's, not centred): v ← αv + (1−α)g², q = g/(√v + ε); p ← p − ηq, or through momentum.
    case rmsprop(learningRate: Double, alpha: Double, epsilon: Double, momentum: Double)
}

/// Training settings from the spec.
public struct Training: Sendable, Equatable {
    public var optimizer: Optimizer = .sgd(learningRate: 0.01, momentum: 0, nesterov: false)
    public var batchSize = 1
    /// L2 penalty λ: the update uses g + λw for weights (biases are not decayed).
    public var weightDecay = 0.0
    /// How the learning rate changes from step to step.
    public var schedule = LearningRateSchedule.constant
    /// The gradient's largest Euclidean norm, 0 for no clipping.
    public var gradientClipNorm = 0.0

    /// AdamW: weight decay shrinks the weights instead of joining the gradient.
    public var decouplesWeightDecay: Bool {
        if case .adam(_, _, _, _, true) = optimizer { true } else { false }
    }

    /// The runtime's form: what a generated model starts with and can change.
    public var hyperparameters: Hyperparameters {
        switch optimizer {
        case .sgd(let lr, let momentum, let nesterov):
            .sgd(learningRate: lr, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay,
                 schedule: schedule, gradientClipNorm: gradientClipNorm)
        case .adam(let lr, let b1, let b2, let eps, let decoupled):
            decoupled
                ? .adamw(learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: weightDecay,
                         schedule: schedule, gradientClipNorm: gradientClipNorm)
                : .adam(learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: weightDecay,
                        schedule: schedule, gradientClipNorm: gradientClipNorm)
        case .rmsprop(let lr, let alpha, let eps, let momentum):
            .rmsprop(learningRate: lr, alpha: alpha, epsilon: eps, momentum: momentum, weightDecay: weightDecay,
                     schedule: schedule, gradientClipNorm: gradientClipNorm)
        }
    }
}

/// How a parameter tensor starts.
public enum TensorInitializer: Sendable, Equatable {
    /// The spec's `init` scheme, with the tensor's fan-in and fan-out; then
    /// `zeroRow` (an index of the first dimension), if any, set to zero, as
    /// PyTorch's `Embedding` does with its `padding_idx` row. The op gives
    /// that row no gradient, so it stays as it starts.
    case scheme(fanIn: Int, fanOut: Int, zeroRow: Int? = nil)
    case zeros
    case ones
}

/// A parameter tensor: named as PyTorch names it (`hidden.weight`), shaped as
/// PyTorch shapes it (a linear weight is [outputs, inputs]), stored row-major
/// at `offset` in the flat parameter vector.
public struct ParameterTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    /// Weight decay applies (weights, not biases or normalisation parameters).
    public var isWeight: Bool
    public var initializer: TensorInitializer
    public var count: Int { shape.reduce(1, *) }
    /// Flat indices of the entries that get no gradient (an embedding's padding row).
    public var untrained: Range<Int> {
        guard case .scheme(_, _, let row?) = initializer else { return offset..<offset }
        let width = count / shape[0]
        return (offset + row * width)..<(offset + (row + 1) * width)
    }
}

/// One node of the static computation graph.
public struct Node: Sendable {
    public var id: Int
    /// The spec's name for the node; a dense layer with an activation becomes
    /// two nodes, `h.linear` and `h`.
    public var name: String
    public var op: any Op
    public var inputs: [Int]
    /// One sample's value.
    public var shape: Shape
    /// Indices into `Graph.parameters`, in the op's order (a linear node: weight, then bias).
    public var parameters: [Int]
    /// Where the spec declared the node.
    public var range: SourceRange?
    /// Scalars per sample.
    public var size: Int { shape.count }
}

/// The loss: which node it reads, and which node it differentiates.
public struct LossNode: Sendable {
    public var rule: any LossRule
    /// The node named in the spec; `predict` returns its value.
    public var output: Int
    /// The node the fused loss differentiates (the logits for the
    /// sigmoid/softmax cross-entropies, else `output`).
    public var logits: Int
}

/// A node as the spec declares it, for people (`netc check --layers`): one
/// declaration may become several graph nodes (a layer and its activation).
public struct Layer: Sendable, Equatable {
    public var name: String
    /// The keyword, with the activation that ends the layer: "conv2d, relu"; an
    /// `activation` node's function alone: "softmax".
    public var kind: String
    public var shape: Shape
    /// The names of the layers it reads.
    public var inputs: [String]
    public var parameterCount: Int
}

/// A checked network: nodes in topological order with every shape known.
public struct Graph: Sendable {
    public var name: String
    public var nodes: [Node]
    public var parameters: [ParameterTensor]
    public var input: Int
    public var loss: LossNode
    public var training: Training
    public var initScheme: InitScheme
    public var seed: UInt64
    public var precision: Precision
    /// The spec's node declarations in the order written.
    public var layers: [Layer] = []

    public var batchSize: Int { training.batchSize }
    public var inputSize: Int { nodes[input].size }
    /// The bound of the ids an embedding reads from the input (nil: the input holds features).
    public var inputVocabulary: Int? { nodes.compactMap { ($0.op as? EmbeddingOp)?.vocabulary }.min() }
    public var outputSize: Int { nodes[loss.output].size }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// Nodes the value of `target` depends on, itself included.
    public func ancestors(of target: Int) -> Set<Int> {
        var seen: Set<Int> = [target]
        var stack = [target]
        while let n = stack.popLast() {
            for i in nodes[n].inputs where seen.insert(i).inserted { stack.append(i) }
        }
        return seen
    }

    /// A stable 64-bit fingerprint of everything that determines the
    /// parameter layout: name, precision, node ops and shapes, parameter shapes.
    public var fingerprint: UInt64 {
        var text = "netc-params-1|\(name)|\(precision.rawValue)"
        for n in nodes { text += "|\(n.name):\(n.op.name):\(n.shape.isVector ? "\(n.size)" : n.shape.description):\(n.inputs)" }
        for p in parameters { text += "|\(p.name)\(p.shape)" }
        return ParameterFile.fnv1a(Array(text.utf8))
    }

    /// Floating-point operations per sample: forward, and a training step
    /// (forward, the backward work training needs, and the update's share).
    public var flopsPerSample: (forward: Int, training: Int) {
        var forward = 0, backward = 0
        let backwardGraph = BackwardGraph(self, inputGradient: false)
        for n in nodes {
            let f = n.op.flops(n, inputs: n.inputs.map { nodes[$0].shape })
            forward += f.forward
            guard backwardGraph.order.contains(n.id) else { continue }
            backward += f.parameterGradient + (backwardGraph.edges(from: n.id).isEmpty ? 0 : f.inputGradient)
        }
        let perParameter: Int
        switch training.optimizer {
        case .sgd(_, let m, let nesterov): perParameter = m == 0 ? 2 : nesterov ? 5 : 4
        case .adam(_, _, _, _, let decoupled): perParameter = decoupled ? 13 : 12
        case .rmsprop(_, _, _, let momentum): perParameter = momentum > 0 ? 9 : 7
        }
        let update = parameterCount * perParameter / max(1, batchSize)
        return (forward, forward + backward + update)
    }
}
