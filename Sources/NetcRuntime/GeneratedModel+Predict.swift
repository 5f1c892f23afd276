extension GeneratedModel {
    /// Outputs for any number of samples (`inputCount` values in, `outputCount`
    /// out per sample, row-major), computed `batchSize` at a time. Allocates nothing.
    @inlinable
    public func predict(input: UnsafeBufferPointer<Scalar>, output: UnsafeMutableBufferPointer<Scalar>) {
        ArgumentCheck.require(input.count % Self.inputCount == 0,
                              "\(Self.info.name).predict: input count \(input.count) is not a multiple of \(Self.inputCount)")
        let samples = input.count / Self.inputCount
        ArgumentCheck.require(output.count == samples * Self.outputCount,
                              "\(Self.info.name).predict: output needs \(samples * Self.outputCount) values, got \(output.count)")
        withThreadBudget { storage.withExclusiveMemory(parameters: Self.parameterCount, flushingSubnormals: false) { m in
            var first = 0
            while first < samples {
                let count = Swift.min(Self.batchSize, samples - first)
                Self.forward(m, UnsafeMutablePointer(mutating: input.baseAddress! + first * Self.inputCount), training: false, count: count)
                for k in 0..<count * Self.outputCount { output[first * Self.outputCount + k] = m[Self.outputOffset + k] }
                first += count
            }
        } }
    }

    /// Outputs for any number of samples, `inputCount` values each, row-major.
    @inlinable
    public func predict(_ input: [Scalar]) -> [Scalar] {
        var output = [Scalar](repeating: 0, count: input.count / Self.inputCount * Self.outputCount)
        input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { predict(input: i, output: $0) } }
        return output
    }

    /// The loss without training (dropout off) over any number of samples:
    /// the mean of their per-sample losses, computed `batchSize` at a time.
    @inlinable
    public func loss(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>) -> Scalar {
        let samples = Self.samples(input, target, "loss", atMost: nil)
        return withThreadBudget { storage.withExclusiveMemory(parameters: Self.parameterCount, flushingSubnormals: false) { m in
            // Each batch's mean weighted by its samples, or with ignore_label by its labelled positions.
            var total: Scalar = 0, weight = 0, first = 0
            while first < samples {
                let count = Swift.min(Self.batchSize, samples - first)
                for k in 0..<count * Self.targetCount { m[Self.targetOffset + k] = target[first * Self.targetCount + k] }
                Self.forward(m, UnsafeMutablePointer(mutating: input.baseAddress! + first * Self.inputCount), training: false, count: count)
                let share = Self.info.ignoredLabel == nil ? count : Self.labelledPositions(m + Self.targetOffset, count: count)
                let loss = Self.lossAndSeed(m, count: count)
                total += loss * Scalar(share)
                weight += share
                first += count
            }
            return weight == 0 ? total : total / Scalar(weight)
        } }
    }

    /// The loss without training (dropout off) over any number of samples, their mean.
    @inlinable
    public func loss(input: [Scalar], target: [Scalar]) -> Scalar {
        input.withUnsafeBufferPointer { i in target.withUnsafeBufferPointer { loss(input: i, target: $0) } }
    }

    /// The samples in `input` and `target` (whole samples, the same number of
    /// each, at least one, and at most `atMost`); stops with a message naming
    /// the sizes otherwise.
    /// (The checks are inline and the message is built out of line: a
    /// step of a model as small as xor would otherwise spend a tenth of
    /// its time here.)
    @inlinable @inline(__always)
    static func samples(_ input: UnsafeBufferPointer<Scalar>, _ target: UnsafeBufferPointer<Scalar>, _ call: String, atMost: Int?) -> Int {
        let samples = input.count / inputCount
        if _slowPath(input.isEmpty || samples &* inputCount != input.count || samples > (atMost ?? .max)
                     || target.count != samples &* targetCount) {
            refuse(input, target, call, atMost: atMost)
        }
        return samples
    }

    /// Stops with the message `samples` promises, naming the first size that is wrong.
    @usableFromInline @inline(never)
    static func refuse(_ input: UnsafeBufferPointer<Scalar>, _ target: UnsafeBufferPointer<Scalar>, _ call: String, atMost: Int?) -> Never {
        ArgumentCheck.require(input.count % inputCount == 0 && !input.isEmpty,
                              "\(info.name).\(call): input count \(input.count) is not a positive multiple of \(inputCount)")
        let samples = input.count / inputCount
        if let atMost {
            ArgumentCheck.require(samples <= atMost,
                                  "\(info.name).\(call): input needs at most \(atMost * inputCount) values (\(atMost) samples of \(inputCount)), got \(input.count)")
        }
        ArgumentCheck.require(target.count == samples * targetCount,
                              "\(info.name).\(call): target needs \(samples * targetCount) values (\(samples) samples of \(targetCount)), got \(target.count)")
        ArgumentCheck.fail("\(info.name).\(call): \(input.count) input and \(target.count) target values")
    }

    /// Checks a batch of up to `batchSize` samples and copies its targets into
    /// the model's buffer (kernels read the input where it is); returns its samples.
    @inlinable
    static func load(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeBufferPointer<Scalar>, _ target: UnsafeBufferPointer<Scalar>,
                     _ call: String) -> Int {
        let count = samples(input, target, call, atMost: batchSize)
        for k in 0..<count * targetCount { m[targetOffset + k] = target[k] }
        return count
    }
}
