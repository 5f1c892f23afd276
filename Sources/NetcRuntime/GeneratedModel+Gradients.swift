extension GeneratedModel {
    /// The batch loss and its gradients with respect to the parameters (flat
    /// order) and the input, into caller-provided buffers. Dropout is applied
    /// with masks drawn from a copy of the model's generator, so the same model
    /// gives the same gradients every time (training steps advance it).
    /// Allocates nothing.
    @inlinable
    public func gradients(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>,
                          parameterGradient: UnsafeMutableBufferPointer<Scalar>,
                          inputGradient: UnsafeMutableBufferPointer<Scalar>) -> Scalar {
        let inputs = Self.batchSize * Self.inputCount
        ArgumentCheck.require(parameterGradient.count == Self.parameterCount,
                              "\(Self.info.name).gradients: parameterGradient needs \(Self.parameterCount) values, got \(parameterGradient.count)")
        ArgumentCheck.require(inputGradient.count == inputs,
                              "\(Self.info.name).gradients: inputGradient needs \(inputs) values, got \(inputGradient.count)")
        var random = storage.random
        return storage.withExclusiveMemory(parameters: Self.parameterCount, flushingSubnormals: true) { m in
            Self.load(m, input, target)
            let x = UnsafeMutablePointer(mutating: input.baseAddress!)
            Self.drawMasks(m, &random)
            Self.forward(m, x, training: true, count: Self.batchSize)
            let loss = Self.lossAndSeed(m)
            Self.backward(m, x)
            Self.backwardToInput(m, x)
            Self.flatten(m + Self.gradientOffset, into: parameterGradient.baseAddress!)
            for k in 0..<inputs { inputGradient[k] = m[Self.inputGradientOffset + k] }
            return loss
        }
    }

    /// The batch loss and its gradients with respect to the parameters (flat order) and the input.
    @inlinable
    public func gradients(input: [Scalar], target: [Scalar]) -> (loss: Scalar, parameters: [Scalar], input: [Scalar]) {
        var dp = [Scalar](repeating: 0, count: Self.parameterCount)
        var dx = [Scalar](repeating: 0, count: Self.batchSize * Self.inputCount)
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
