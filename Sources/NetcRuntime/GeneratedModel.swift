/// A model netc generated from a spec.
///
/// The generated file supplies only what is specific to one network: its
/// constants, where its buffers lie in its one allocation, and its kernels —
/// static functions over that allocation with every shape fixed. Everything a
/// user calls (`predict`, `trainStep`, `gradients`, `parameters`, `save`…) is
/// implemented once, here and in the `GeneratedModel+…` files, on top of them;
/// the implementations are `@inlinable`, so each model's calls specialise to
/// its constants.
///
/// Models are values: copies share one `ModelStorage` until one of them
/// changes (copy-on-write), and calls that do not change the model can run on
/// many threads at once (see `ModelStorage`).
public protocol GeneratedModel: Sendable {
    /// Float or Double, as the spec's `precision`.
    associatedtype Scalar: ModelScalar

    /// Features per sample (every input shape flattened, row-major).
    static var inputCount: Int { get }
    /// Outputs per sample: the value of the node the loss names.
    static var outputCount: Int { get }
    /// Samples per training step, fixed by the spec.
    static var batchSize: Int { get }
    /// Target scalars per sample (the loss's logits).
    static var targetCount: Int { get }
    /// Parameters, in the flat order: each layer's tensors in declaration order.
    static var parameterCount: Int { get }
    /// Scalars in the model's one allocation.
    static var storageCount: Int { get }
    /// Offsets in the allocation: the output `forward` leaves, the targets the
    /// loss reads, the input gradient `backwardToInput` leaves, and the
    /// parameter gradients (the parameters start at 0).
    static var outputOffset: Int { get }
    static var targetOffset: Int { get }
    static var inputGradientOffset: Int { get }
    static var gradientOffset: Int { get }
    /// The rest of what is known about the model, for the calls that are not hot.
    static var info: ModelInfo { get }

    /// The model's allocation and training state. Public because protocol
    /// witnesses are; use the API above it.
    var storage: ModelStorage<Scalar> { get set }
    /// A model over `storage` (which `init(seed:)` makes and initialises).
    init(storage: ModelStorage<Scalar>)
    /// Gives this model its own storage if a copy shares it. Each model
    /// implements it on its stored property: through the protocol's setter,
    /// the reference would never look unique (and an unoptimised build would
    /// allocate the accessor's frame on each call).
    mutating func makeUnique()

    /// Writes the initial weights drawn from `seed` with the spec's
    /// initializers into the parameters at `m` (biases and the rest are zero).
    static func initialize(_ m: UnsafeMutablePointer<Scalar>, seed: UInt64)
    /// Every node's value for the first `count` samples of `input`; dropout only when `training`.
    static func forward(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeMutablePointer<Scalar>, training: Bool, count: Int)
    /// The loss of the first `count` samples (their mean), seeding the gradient at the logits.
    static func lossAndSeed(_ m: UnsafeMutablePointer<Scalar>, count: Int) -> Scalar
    /// Every parameter's gradient, from the seeded logits of `count` samples back.
    static func backward(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeMutablePointer<Scalar>, count: Int)
    /// After `backward`: the gradient with respect to the input.
    static func backwardToInput(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeMutablePointer<Scalar>, count: Int)
    /// The largest parameter-gradient magnitude (or a bound on it), NaN if a gradient is not finite.
    static func gradientBound(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeMutablePointer<Scalar>, count: Int) -> Scalar
    /// One optimizer step from the gradients.
    static func update(_ m: UnsafeMutablePointer<Scalar>, _ step: OptimizerStep)
    /// Draws the masks dropout applies in the next training forward pass (none by default).
    static func drawMasks(_ m: UnsafeMutablePointer<Scalar>, _ random: inout SplitMix64)
    /// Whether the model keeps running statistics (batch normalisation); a
    /// constant, so a step of a model without them does not look.
    static var hasRunningStatistics: Bool { get }
    /// Whether a product of the model is large enough to split across threads
    /// (the plan's decision, `Plan.usesThreads`); a constant, so a small
    /// model's calls never touch the thread budget.
    static var usesThreads: Bool { get }
    /// Whether training steps and `gradients` flush subnormals to zero (the
    /// plan's decision, `Plan.flushesSubnormals`); false only for the
    /// smallest models, whose steps the mode switches would slow most.
    static var flushesSubnormals: Bool { get }
    /// After an accepted training step, batch normalisation's running
    /// statistics (none by default); returns the largest magnitude written.
    static func updateStatistics(_ m: UnsafeMutablePointer<Scalar>, count: Int) -> Scalar
    /// The parameters (or gradients) as stored at `source`, into `flat` in the
    /// flat order; a copy unless the model keeps some weights in panels.
    static func flatten(_ source: UnsafeMutablePointer<Scalar>, into flat: UnsafeMutablePointer<Scalar>)
    /// Parameters in the flat order, into the model's storage at `target`.
    static func unflatten(_ flat: UnsafePointer<Scalar>, into target: UnsafeMutablePointer<Scalar>)
}

extension GeneratedModel {
    @inlinable
    public static func drawMasks(_ m: UnsafeMutablePointer<Scalar>, _ random: inout SplitMix64) {}

    @inlinable
    public static var hasRunningStatistics: Bool { false }

    @inlinable
    public static var usesThreads: Bool { false }

    @inlinable
    public static var flushesSubnormals: Bool { true }

    /// Threads this model's training steps, `predict`, `loss` and `gradients`
    /// may use: large products split across them (`Threads`), with results
    /// bit-identical for any count. Starts at `Threads.defaultCount`; 1 keeps
    /// every call on the calling thread.
    @inlinable
    public var threads: Int {
        get { storage.threads }
        set {
            ArgumentCheck.require(newValue >= 1, "\(Self.info.name).threads must be at least 1, not \(newValue)")
            makeUnique()
            storage.threads = newValue
        }
    }

    /// `body` with this thread's budget set to the model's `threads` (when the model splits products at all).
    @inlinable
    func withThreadBudget<R>(_ body: () -> R) -> R {
        guard Self.usesThreads else { return body() }
        let previous = CPUKernels.setThreadBudget(storage.threads)
        defer { CPUKernels.setThreadBudget(previous) }
        return body()
    }

    @inlinable
    public static func updateStatistics(_ m: UnsafeMutablePointer<Scalar>, count: Int) -> Scalar { 0 }

    @inlinable
    public static func flatten(_ source: UnsafeMutablePointer<Scalar>, into flat: UnsafeMutablePointer<Scalar>) {
        flat.update(from: source, count: parameterCount)
    }

    @inlinable
    public static func unflatten(_ flat: UnsafePointer<Scalar>, into target: UnsafeMutablePointer<Scalar>) {
        target.update(from: flat, count: parameterCount)
    }

    /// The parameter tensors: name, offset and count, in flat order.
    public static var parameterTensors: [(name: String, offset: Int, count: Int)] {
        info.tensors.map { ($0.name, $0.offset, $0.count) }
    }

    /// Identifies the parameter layout in saved files.
    public static var fingerprint: UInt64 { info.fingerprint }
}

/// What is known about a generated model beyond its hot constants.
public struct ModelInfo: Sendable {
    /// One parameter tensor, PyTorch's name and shape (`hidden.weight`, [outputs, inputs]).
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        /// Whether weight decay applies to it (weights, not biases).
        public let decays: Bool
        public var count: Int { shape.reduce(1, *) }

        public init(_ name: String, shape: [Int], offset: Int, decays: Bool) {
            self.name = name
            self.shape = shape
            self.offset = offset
            self.decays = decays
        }
    }

    /// The network's name in the spec.
    public let name: String
    /// The spec's `init` seed: what `init()` uses.
    public let seed: UInt64
    public let fingerprint: UInt64
    public let tensors: [Tensor]
    /// The spec's optimizer and hyperparameters, where a new model starts.
    public let hyperparameters: Hyperparameters
    /// Offsets of the optimizer's state arrays (velocity, or Adam's two
    /// moments), each `parameterCount` long; nil where it keeps none.
    public let firstState: Int?
    public let secondState: Int?
    /// The classes the loss names (2 for one sigmoid output); nil when it names none.
    public let classCount: Int?
    /// The positions that each have a class: 1, or for softmax cross-entropy
    /// over C × H × W (segmentation) H·W, the outputs' channel c of position p at c·P + p.
    public let classPositions: Int
    /// The label that marks a position unlabelled, left out of the loss and
    /// of `evaluate` (the loss's `ignore_label`); nil when the loss has none.
    public let ignoredLabel: Int?
    /// The input's shape where it is not a vector (C × L or C × H × W, channels
    /// first, as PyTorch); nil for a vector.
    public let inputShape: [Int]?
    /// The targets' shape where it is not a vector (a label map's, or a
    /// value at each position's: C × L or C × H × W); nil for a vector.
    public let targetShape: [Int]?
    /// The byte alignment of the allocation: a cache line, so that the
    /// blocks a step streams split no line (the generated layout aligns them).
    public var alignment: Int { 64 }

    public init(name: String, seed: UInt64, fingerprint: UInt64, tensors: [Tensor], hyperparameters: Hyperparameters,
                firstState: Int?, secondState: Int?, classCount: Int? = nil, classPositions: Int = 1,
                ignoredLabel: Int? = nil, inputShape: [Int]? = nil, targetShape: [Int]? = nil) {
        self.name = name
        self.seed = seed
        self.fingerprint = fingerprint
        self.tensors = tensors
        self.hyperparameters = hyperparameters
        self.firstState = firstState
        self.secondState = secondState
        self.classCount = classCount
        self.classPositions = classPositions
        self.ignoredLabel = ignoredLabel
        self.inputShape = inputShape
        self.targetShape = targetShape
    }

    /// Runs of adjacent tensors that weight decay treats alike, for the
    /// update's careful path: (offset, count, decays).
    public var updateRuns: [(offset: Int, count: Int, decays: Bool)] {
        var runs: [(offset: Int, count: Int, decays: Bool)] = []
        for t in tensors {
            let decays = t.decays && hyperparameters.weightDecay > 0
            if let last = runs.last, last.decays == decays, last.offset + last.count == t.offset {
                runs[runs.count - 1].count += t.count
            } else {
                runs.append((t.offset, t.count, decays))
            }
        }
        return runs
    }
}

/// The scalar types a model computes in.
public protocol ModelScalar: BinaryFloatingPoint, BitPatternConvertible, MathScalar, Sendable {
    /// The largest |x[i]| for i < n, NaN or ∞ if any value is.
    static func maxMagnitude(_ x: UnsafeMutablePointer<Self>, _ n: Int) -> Self
    /// Σ x[i]² for i < n, accumulated in Double.
    static func sumOfSquares(_ x: UnsafeMutablePointer<Self>, _ n: Int) -> Double
    /// The careful path of an optimizer step, and its trial (see `OptimizerStep`).
    static func applyUpdate(_ step: OptimizerStep, _ p: UnsafeMutablePointer<Self>, gradients: UnsafeMutablePointer<Self>,
                            first: UnsafeMutablePointer<Self>?, second: UnsafeMutablePointer<Self>?, count: Int, decays: Bool)
    static func updateIsFinite(_ step: OptimizerStep, _ p: UnsafeMutablePointer<Self>, gradients: UnsafeMutablePointer<Self>,
                               first: UnsafeMutablePointer<Self>?, second: UnsafeMutablePointer<Self>?, count: Int, decays: Bool) -> Bool
}

extension Float: ModelScalar {
    @inlinable
    public static func maxMagnitude(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Float { Kernels.maxMagnitude(x, n) }
    public static func sumOfSquares(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Double { CPUKernels.sumOfSquares(x, n) }
    public static func applyUpdate(_ step: OptimizerStep, _ p: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                                   first: UnsafeMutablePointer<Float>?, second: UnsafeMutablePointer<Float>?, count: Int, decays: Bool) {
        step.apply(p, gradients: gradients, first: first, second: second, count: count, decays: decays)
    }
    public static func updateIsFinite(_ step: OptimizerStep, _ p: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                                      first: UnsafeMutablePointer<Float>?, second: UnsafeMutablePointer<Float>?, count: Int,
                                      decays: Bool) -> Bool {
        step.isFinite(p, gradients: gradients, first: first, second: second, count: count, decays: decays)
    }
}

extension Double: ModelScalar {
    @inlinable
    public static func maxMagnitude(_ x: UnsafeMutablePointer<Double>, _ n: Int) -> Double { Kernels.maxMagnitude(x, n) }
    public static func sumOfSquares(_ x: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        var sum = 0.0
        for i in 0..<n { sum += x[i] * x[i] }
        return sum
    }
    public static func applyUpdate(_ step: OptimizerStep, _ p: UnsafeMutablePointer<Double>, gradients: UnsafeMutablePointer<Double>,
                                   first: UnsafeMutablePointer<Double>?, second: UnsafeMutablePointer<Double>?, count: Int, decays: Bool) {
        _ = step.visit(p, gradients, first, second, count, decays, write: true)
    }
    public static func updateIsFinite(_ step: OptimizerStep, _ p: UnsafeMutablePointer<Double>, gradients: UnsafeMutablePointer<Double>,
                                      first: UnsafeMutablePointer<Double>?, second: UnsafeMutablePointer<Double>?, count: Int,
                                      decays: Bool) -> Bool {
        step.visit(p, gradients, first, second, count, decays, write: false)
    }
}
