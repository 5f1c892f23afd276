// Internal: clients (and swiftc runs over generated files) need not see the C module.
internal import CNetcRuntime

/// A generated model's single allocation: parameters, gradients, optimizer
/// state, activations and scratch, at offsets the generated code fixes.
///
/// Models are values: copies share one `ModelStorage` until one of them
/// changes (`makeUnique`, copy-on-write). Calls that do not change the model
/// (`predict`, `loss`, `gradients`) still write activations and gradients, so
/// they run under a lease (`withExclusiveMemory`): the storage itself when no
/// other thread is using it, otherwise a private copy made for that call.
/// Copies of a model, or one model, can therefore be used from many threads
/// at once; only the uncontended case is allocation-free.
public final class ModelStorage<Scalar: BinaryFloatingPoint>: @unchecked Sendable {
    // @unchecked: `memory` is written only by the holder of the lease or by a
    // mutating call on a uniquely referenced storage, `state` only by the
    // latter (Swift's exclusivity rules then keep other threads out).
    public let memory: UnsafeMutablePointer<Scalar>
    /// Scalars in `memory`.
    public let count: Int
    /// What a training step reads and writes besides `memory`. It lives in
    /// memory of its own, not in stored `var`s: Swift checks every access to
    /// a class's stored `var` at run time (exclusivity), which cost xor
    /// about 10 of its 93 ns per step in a default release build; a `let`
    /// pointer needs no check, and the rules that keep `memory` safe keep
    /// this safe too.
    @usableFromInline let state: UnsafeMutablePointer<State>
    @usableFromInline let lease: UnsafeMutablePointer<Int32>

    /// The fields behind `step`, `random`, `bounds`, `hyperparameters` and `threads`.
    @usableFromInline
    struct State {
        @usableFromInline var step = 0
        @usableFromInline var random: SplitMix64
        @usableFromInline var bounds = UpdateBounds.unknown
        @usableFromInline var hyperparameters: Hyperparameters {
            didSet { (isSteady, steadyStep, steadyRule) = Self.steady(hyperparameters) }
        }
        /// Whether every step's `OptimizerStep` is the same, `steadyStep`, with
        /// bounds that follow `steadyRule` (plain fields, not an optional
        /// tuple: a step reads them in place instead of copying them out).
        @usableFromInline var isSteady: Bool
        @usableFromInline var steadyStep: OptimizerStep
        @usableFromInline var steadyRule: UpdateBounds.SteadyRule
        @usableFromInline var threads = Threads.defaultCount

        @usableFromInline
        init(random: SplitMix64, hyperparameters: Hyperparameters) {
            self.random = random
            self.hyperparameters = hyperparameters
            (isSteady, steadyStep, steadyRule) = Self.steady(hyperparameters)
        }

        /// `isSteady`, `steadyStep` and `steadyRule` for `h` (the last two unused when not steady).
        @usableFromInline
        static func steady(_ h: Hyperparameters) -> (Bool, OptimizerStep, UpdateBounds.SteadyRule) {
            guard let step = OptimizerStep(steady: h) else {
                let sgd = OptimizerStep(.sgd(learningRate: 0, momentum: 0, nesterov: false, weightDecay: 0), step: 1)
                return (false, sgd, UpdateBounds.SteadyRule(sgd))
            }
            return (true, step, UpdateBounds.SteadyRule(step))
        }
    }

    /// Optimizer steps taken (Adam's bias correction counts from 1).
    @inlinable public var step: Int {
        get { state.pointee.step }
        set { state.pointee.step = newValue }
    }
    /// Draws dropout masks for training steps.
    @inlinable public var random: SplitMix64 {
        get { state.pointee.random }
        set { state.pointee.random = newValue }
    }
    /// What is known of the largest parameter and optimizer-state magnitudes (see `UpdateBounds`).
    @inlinable public var bounds: UpdateBounds {
        get { state.pointee.bounds }
        set { state.pointee.bounds = newValue }
    }
    /// The optimizer and its hyperparameters the next step applies.
    @inlinable public var hyperparameters: Hyperparameters {
        get { state.pointee.hyperparameters }
        set { state.pointee.hyperparameters = newValue }
    }
    /// Threads a call may split its products across (`Threads`).
    @inlinable public var threads: Int {
        get { state.pointee.threads }
        set { state.pointee.threads = newValue }
    }

    /// Bytes the allocation is aligned to.
    public let alignment: Int

    /// A zeroed allocation of `count` scalars, aligned to `alignment` bytes.
    public init(count: Int, alignment: Int, random: SplitMix64, hyperparameters: Hyperparameters) {
        self.count = count
        self.alignment = alignment
        memory = UnsafeMutableRawPointer.allocate(byteCount: count &* MemoryLayout<Scalar>.stride, alignment: alignment)
            .bindMemory(to: Scalar.self, capacity: count)
        memory.initialize(repeating: 0, count: count)
        state = .allocate(capacity: 1)
        state.initialize(to: State(random: random, hyperparameters: hyperparameters))
        lease = .allocate(capacity: 1)
        lease.initialize(to: 0)
    }

    /// A copy of everything (the caller holds the storage or a lease on it).
    public func copy() -> ModelStorage {
        let copy = ModelStorage(count: count, alignment: alignment, random: random, hyperparameters: hyperparameters)
        copy.memory.update(from: memory, count: count)
        copy.state.pointee = state.pointee
        return copy
    }

    deinit {
        memory.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
        lease.deallocate()
    }

    /// Runs `body` with memory no other call is using: this storage's when it
    /// is free (the usual case, no allocation), else that of a fresh storage
    /// holding a copy of the first `parameters` scalars (the parameters, which
    /// lease holders only read; every other buffer is written before it is read).
    /// With `flushingSubnormals`, subnormal numbers are flushed to zero
    /// meanwhile (`CPUKernels.withSubnormalsFlushed`).
    @inlinable
    public func withExclusiveMemory<R>(parameters: Int, flushingSubnormals: Bool, _ body: (UnsafeMutablePointer<Scalar>) -> R) -> R {
        if flushingSubnormals { return CPUKernels.withSubnormalsFlushed { withExclusiveMemory(parameters: parameters, body) } }
        return withExclusiveMemory(parameters: parameters, body)
    }

    @inlinable
    func withExclusiveMemory<R>(parameters: Int, _ body: (UnsafeMutablePointer<Scalar>) -> R) -> R {
        if acquireLease() {
            defer { releaseLease() }
            return body(memory)
        }
        let copy = contendedCopy(parameters: parameters)
        return withExtendedLifetime(copy) { body(copy.memory) }
    }

    /// Takes the lease if it is free (an atomic compare-and-swap).
    @usableFromInline
    func acquireLease() -> Bool { netc_lease_try_acquire(lease) != 0 }

    /// Gives the lease back.
    @usableFromInline
    func releaseLease() { netc_lease_release(lease) }

    @usableFromInline
    func contendedCopy(parameters: Int) -> ModelStorage {
        let copy = ModelStorage(count: count, alignment: alignment, random: random, hyperparameters: hyperparameters)
        copy.memory.update(from: memory, count: parameters)
        return copy
    }
}
