extension GeneratedModel {
    /// The loss of a batch of up to `batchSize` samples (their mean) and its
    /// gradients with respect to the parameters (flat order) and the input,
    /// into caller-provided buffers. Dropout is applied with masks drawn from a
    /// copy of the model's generator, so the same model gives the same
    /// gradients every time (training steps advance it). Allocates nothing.
    @inlinable
    public func gradients(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>,
                          parameterGradient: UnsafeMutableBufferPointer<Scalar>,
                          inputGradient: UnsafeMutableBufferPointer<Scalar>) -> Scalar {
        ArgumentCheck.require(parameterGradient.count == Self.parameterCount,
                              "\(Self.info.name).gradients: parameterGradient needs \(Self.parameterCount) values, got \(parameterGradient.count)")
        ArgumentCheck.require(inputGradient.count == input.count,
                              "\(Self.info.name).gradients: inputGradient needs \(input.count) values, got \(inputGradient.count)")
        var random = storage.random
        return withThreadBudget { storage.withExclusiveMemory(parameters: Self.parameterCount, flushingSubnormals: Self.flushesSubnormals) { m in
            let count = Self.load(m, input, target, "gradients")
            let x = UnsafeMutablePointer(mutating: input.baseAddress!)
            Self.drawMasks(m, &random)
            Self.forward(m, x, training: true, count: count)
            let loss = Self.lossAndSeed(m, count: count)
            Self.backward(m, x, count: count)
            Self.backwardToInput(m, x, count: count)
            Self.flatten(m + Self.gradientOffset, into: parameterGradient.baseAddress!)
            for k in 0..<input.count { inputGradient[k] = m[Self.inputGradientOffset + k] }
            return loss
        } }
    }

    /// The loss of a batch of up to `batchSize` samples and its gradients with respect to the parameters (flat order) and the input.
    @inlinable
    public func gradients(input: [Scalar], target: [Scalar]) -> (loss: Scalar, parameters: [Scalar], input: [Scalar]) {
        var dp = [Scalar](repeating: 0, count: Self.parameterCount)
        var dx = [Scalar](repeating: 0, count: input.count)
        let loss = input.withUnsafeBufferPointer { i in
            target.withUnsafeBufferPointer { t in
                dp.withUnsafeMutableBufferPointer { g in
                    dx.withUnsafeMutableBufferPointer { gradients(input: i, target: t, parameterGradient: g, inputGradient: $0) }
                }
            }
        }
        return (loss, dp, dx)
    }
}
