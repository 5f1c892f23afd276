extension GeneratedModel {
    /// A model initialised from `seed` with the spec's initializers: weights
    /// drawn in flat order from one generator, biases zero. Dropout masks
    /// come from a second generator seeded with `~seed`.
    @inlinable
    public init(seed: UInt64) {
        let storage = ModelStorage<Scalar>(count: Self.storageCount, alignment: Self.info.alignment,
                                           random: SplitMix64(seed: ~seed), hyperparameters: Self.info.hyperparameters)
        Self.initialize(storage.memory, seed: seed)
        self.init(storage: storage)
    }

    /// A model initialised from the spec's seed.
    @inlinable
    public init() { self.init(seed: Self.info.seed) }

    /// A model with the given parameters, `parameterCount` values in flat order.
    @inlinable
    public init(parameters: [Scalar]) {
        ArgumentCheck.require(parameters.count == Self.parameterCount,
                              "\(Self.info.name)(parameters:) needs \(Self.parameterCount) values, got \(parameters.count)")
        self.init(seed: 0)
        self.parameters = parameters
    }

    /// The parameters in flat order: each layer's tensors in declaration
    /// order, each row-major in PyTorch's layout (`parameterTensors`).
    @inlinable
    public var parameters: [Scalar] {
        get {
            Array(unsafeUninitializedCapacity: Self.parameterCount) {
                Self.flatten(storage.memory, into: $0.baseAddress!)
                $1 = Self.parameterCount
            }
        }
        set {
            ArgumentCheck.require(newValue.count == Self.parameterCount,
                                  "\(Self.info.name).parameters needs \(Self.parameterCount) values, got \(newValue.count)")
            makeUnique()
            newValue.withUnsafeBufferPointer { Self.unflatten($0.baseAddress!, into: storage.memory) }
            storage.bounds = .unknown
        }
    }

    /// The optimizer and its hyperparameters the next training step applies,
    /// from the spec's `train` statement until set. The optimizer, whether
    /// it keeps state (SGD's momentum, Adam's moments) and whether weight decay
    /// reaches the weights at all (the spec's `weight_decay` above 0) are fixed
    /// by the spec; the values may change between any two steps.
    @inlinable
    public var hyperparameters: Hyperparameters {
        get { storage.hyperparameters }
        set {
            let spec = Self.info.hyperparameters
            ArgumentCheck.require(newValue.optimizer == spec.optimizer && newValue.stateCount == spec.stateCount,
                                  "\(Self.info.name).hyperparameters: the spec trains with \(spec.summary); "
                                  + "only its values can change, not to \(newValue.summary)")
            ArgumentCheck.require(spec.weightDecay > 0 || newValue.weightDecay == 0,
                                  "\(Self.info.name).hyperparameters: the spec sets no weight_decay, so its update decays no "
                                  + "tensor; give 'train' a weight_decay (any value above 0) to set weightDecay from Swift")
            makeUnique()
            storage.hyperparameters = newValue
            storage.bounds = .unknown
        }
    }

    /// The base learning rate (`hyperparameters.learningRate`), which the schedule scales at each step.
    @inlinable
    public var learningRate: Double {
        get { storage.hyperparameters.learningRate }
        set { hyperparameters.learningRate = newValue }
    }
}
