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
    // mutating call on a uniquely referenced storage (Swift's exclusivity
    // rules then keep other threads out).
    public let memory: UnsafeMutablePointer<Scalar>
    /// Scalars in `memory`.
    public let count: Int
    /// Optimizer steps taken (Adam's bias correction counts from 1).
    public var step = 0
    /// Draws dropout masks for training steps.
    public var random: SplitMix64
    /// What is known of the largest parameter and optimizer-state magnitudes (see `UpdateBounds`).
    public var bounds = UpdateBounds.unknown
    /// The optimizer and its hyperparameters the next step applies.
    public var hyperparameters: Hyperparameters
    /// Threads a call may split its products across (`Threads`).
    public var threads = Threads.defaultCount
    @usableFromInline let lease: UnsafeMutablePointer<Int32>

    /// Bytes the allocation is aligned to.
    public let alignment: Int

    /// A zeroed allocation of `count` scalars, aligned to `alignment` bytes.
    public init(count: Int, alignment: Int, random: SplitMix64, hyperparameters: Hyperparameters) {
        self.hyperparameters = hyperparameters
        self.count = count
        self.alignment = alignment
        memory = UnsafeMutableRawPointer.allocate(byteCount: count &* MemoryLayout<Scalar>.stride, alignment: alignment)
            .bindMemory(to: Scalar.self, capacity: count)
        memory.initialize(repeating: 0, count: count)
        lease = .allocate(capacity: 1)
        lease.initialize(to: 0)
        self.random = random
    }

    /// A copy of everything (the caller holds the storage or a lease on it).
    public func copy() -> ModelStorage {
        let copy = ModelStorage(count: count, alignment: alignment, random: random, hyperparameters: hyperparameters)
        copy.memory.update(from: memory, count: count)
        copy.step = step
        copy.bounds = bounds
        copy.threads = threads
        return copy
    }

    deinit {
        memory.deallocate()
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
