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
        storage.withExclusiveMemory(parameters: Self.parameterCount, flushingSubnormals: false) { m in
            var first = 0
            while first < samples {
                let count = Swift.min(Self.batchSize, samples - first)
                Self.forward(m, UnsafeMutablePointer(mutating: input.baseAddress! + first * Self.inputCount), training: false, count: count)
                for k in 0..<count * Self.outputCount { output[first * Self.outputCount + k] = m[Self.outputOffset + k] }
                first += count
            }
        }
    }

    /// Outputs for any number of samples, `inputCount` values each, row-major.
    @inlinable
    public func predict(_ input: [Scalar]) -> [Scalar] {
        var output = [Scalar](repeating: 0, count: input.count / Self.inputCount * Self.outputCount)
        input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { predict(input: i, output: $0) } }
        return output
    }

    /// The batch loss without training (dropout off), for one batch of `batchSize` samples.
    @inlinable
    public func loss(input: [Scalar], target: [Scalar]) -> Scalar {
        input.withUnsafeBufferPointer { i in
            target.withUnsafeBufferPointer { t in
                storage.withExclusiveMemory(parameters: Self.parameterCount, flushingSubnormals: false) { m in
                    Self.load(m, i, t)
                    Self.forward(m, UnsafeMutablePointer(mutating: i.baseAddress!), training: false, count: Self.batchSize)
                    return Self.lossAndSeed(m)
                }
            }
        }
    }

    /// Checks a batch's sizes and copies its targets into the model's buffer;
    /// kernels read the input where it is.
    @inlinable
    static func load(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeBufferPointer<Scalar>, _ target: UnsafeBufferPointer<Scalar>) {
        let inputs = batchSize * inputCount, targets = batchSize * targetCount
        ArgumentCheck.require(input.count == inputs,
                              "\(info.name): input needs \(inputs) values (\(batchSize) samples of \(inputCount)), got \(input.count)")
        ArgumentCheck.require(target.count == targets,
                              "\(info.name): target needs \(targets) values (\(batchSize) samples of \(targetCount)), got \(target.count)")
        for k in 0..<targets { m[targetOffset + k] = target[k] }
    }
}
