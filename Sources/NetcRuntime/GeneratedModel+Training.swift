extension GeneratedModel {
    /// One optimizer step on a batch of `batchSize` samples (or fewer: the
    /// last, partial batch of an epoch, whose loss and gradients are the mean
    /// over the samples given); returns the loss before the update. Allocates
    /// nothing. If the loss, any gradient or any value the update would write
    /// is not finite, the step is skipped: the parameters and optimizer state
    /// are left unchanged and the result is not finite (the loss, or NaN when
    /// only a gradient or the update overflowed). Check `result.isFinite`.
    @inlinable @discardableResult
    public mutating func trainStep(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>) -> Scalar {
        makeUnique()
        let count = Self.load(storage.memory, input, target, "trainStep")
        return step(UnsafeMutablePointer(mutating: input.baseAddress!), count: count)
    }

    /// One optimizer step on a batch; returns the batch loss before the update.
    @inlinable @discardableResult
    public mutating func trainStep(input: [Scalar], target: [Scalar]) -> Scalar {
        input.withUnsafeBufferPointer { i in target.withUnsafeBufferPointer { trainStep(input: i, target: $0) } }
    }

    /// The step once the targets are in place: subnormals are flushed
    /// meanwhile (`flushesSubnormals`), products split across
    /// the model's `threads` (`Threads`), the gradient is clipped
    /// to `gradientClipNorm` if it is set, the schedule sets the learning
    /// rate, and the update runs only when the bounds carried from step to
    /// step (`UpdateBounds`), or failing them `updateCarefully`, show every
    /// value it writes is finite.
    @inlinable
    mutating func step(_ input: UnsafeMutablePointer<Scalar>, count: Int) -> Scalar {
        step(input, count: count, checks: true)
    }

    /// `trainStep` without its safety checks: no size check on the arguments
    /// beyond the fixed sizes, and no bounds carried to prove the update
    /// finite. For `netc-bench --checks` only, which times the two against
    /// each other: both are `step`'s one body, so they differ in the checks alone.
    @_spi(Benchmarks) @inlinable @discardableResult
    public mutating func trainStepWithoutChecks(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>) -> Scalar {
        makeUnique()
        precondition(input.count == Self.batchSize * Self.inputCount && target.count == Self.batchSize * Self.targetCount)
        for k in 0..<target.count { storage.memory[Self.targetOffset + k] = target[k] }
        return step(UnsafeMutablePointer(mutating: input.baseAddress!), count: Self.batchSize, checks: false)
    }

    /// `step`'s body; `checks` is a constant at both calls, so each gets only its own half.
    @inlinable @inline(__always)
    mutating func step(_ input: UnsafeMutablePointer<Scalar>, count: Int, checks: Bool) -> Scalar {
        let saved = Self.flushesSubnormals ? CPUKernels.flushSubnormals() : 0
        defer { if Self.flushesSubnormals { CPUKernels.restoreFloatMode(saved) } }
        // `withThreadBudget` spelled out: it reads `self` while its closure would mutate it.
        let budget = Self.usesThreads ? CPUKernels.setThreadBudget(storage.threads) : 1
        defer { if Self.usesThreads { CPUKernels.setThreadBudget(budget) } }
        let m = storage.memory
        Self.drawMasks(m, &storage.random)
        Self.forward(m, input, training: true, count: count)
        let loss = Self.lossAndSeed(m, count: count)
        guard loss.isFinite else { return loss }
        Self.backward(m, input, count: count)
        let bound = Self.gradientBound(m, input, count: count)
        guard bound.isFinite else { return .nan }
        let next = storage.step + 1
        let update: OptimizerStep, gradient: Double, bounds: UpdateBounds
        let state = storage.state
        if !checks {
            storage.step = next
            Self.update(m, state.pointee.isSteady ? state.pointee.steadyStep : Self.optimizerStep(m, storage.hyperparameters, step: next))
            if Self.hasRunningStatistics { _ = Self.updateStatistics(m, count: count) }
            return loss
        }
        if state.pointee.isSteady {
            (update, gradient) = (state.pointee.steadyStep, Double(bound))
            bounds = state.pointee.steadyRule.next(state.pointee.bounds, gradient: gradient)
        } else {
            update = Self.optimizerStep(m, storage.hyperparameters, step: next)
            gradient = Double(bound) * update.gradientScale
            bounds = update.next(storage.bounds, gradient: gradient)
        }
        if bounds.largest <= UpdateBounds.limit(Scalar.self) {
            storage.bounds = bounds
            Self.update(m, update)
        } else if !Self.updateCarefully(m, storage, update, gradient: gradient) {
            return .nan
        }
        storage.step = next
        if Self.hasRunningStatistics {
            // Running statistics change parameters outside the update: the carried bound must cover them.
            let written = Double(Self.updateStatistics(m, count: count))
            if written > storage.bounds.parameters { storage.bounds.parameters = written }
        }
        return loss
    }

    /// Step `step`'s hyperparameters, with the schedule's learning rate and the
    /// gradient clipped to `gradientClipNorm` if it is set (the gradients are in `m`).
    @inlinable
    static func optimizerStep(_ m: UnsafeMutablePointer<Scalar>, _ h: Hyperparameters, step: Int) -> OptimizerStep {
        var scale = 1.0
        if h.gradientClipNorm > 0 {
            let norm = Scalar.sumOfSquares(m + Self.gradientOffset, Self.parameterCount).squareRoot()
            if norm > h.gradientClipNorm { scale = h.gradientClipNorm / norm }
        }
        return OptimizerStep(h, step: step, gradientScale: scale)
    }

    /// The update when the carried bounds could not prove it finite (kept out
    /// of `step`, which it would slow): the true magnitudes may prove it;
    /// failing that, a trial that writes nothing must find every value finite,
    /// and then the update the trial checked runs. Returns whether it ran;
    /// keeps `storage.bounds` up to date.
    @inlinable @inline(never)
    static func updateCarefully(_ m: UnsafeMutablePointer<Scalar>, _ storage: ModelStorage<Scalar>, _ update: OptimizerStep,
                                gradient: Double) -> Bool {
        storage.bounds = exactBounds(m)
        let bounds = update.next(storage.bounds, gradient: gradient)
        if bounds.largest <= UpdateBounds.limit(Scalar.self) {
            storage.bounds = bounds
            Self.update(m, update)
            return true
        }
        guard carefulUpdate(m, update, write: false) else { return false }
        _ = carefulUpdate(m, update, write: true)
        storage.bounds = .unknown
        return true
    }

    /// The largest magnitudes of the parameters and optimizer state, read.
    @inlinable
    static func exactBounds(_ m: UnsafeMutablePointer<Scalar>) -> UpdateBounds {
        func largest(_ offset: Int?) -> Double { offset.map { Double(Scalar.maxMagnitude(m + $0, parameterCount)) } ?? 0 }
        return UpdateBounds(parameters: largest(0), first: largest(info.firstState), second: largest(info.secondState))
    }

    /// The update through the runtime's kernels, run by tensor runs (or only
    /// tried, when not `write`): the path a step takes when its bounds could
    /// not prove the generated update finite, so that the update the trial
    /// checked is the one that runs.
    @usableFromInline
    static func carefulUpdate(_ m: UnsafeMutablePointer<Scalar>, _ update: OptimizerStep, write: Bool) -> Bool {
        for run in info.updateRuns {
            let first = info.firstState.map { m + $0 + run.offset }, second = info.secondState.map { m + $0 + run.offset }
            let p = m + run.offset, g = m + gradientOffset + run.offset
            if write {
                Scalar.applyUpdate(update, p, gradients: g, first: first, second: second, count: run.count, decays: run.decays)
            } else if !Scalar.updateIsFinite(update, p, gradients: g, first: first, second: second, count: run.count, decays: run.decays) {
                return false
            }
        }
        return true
    }
}
