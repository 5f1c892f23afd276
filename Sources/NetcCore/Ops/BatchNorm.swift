/// Batch normalisation per channel (PyTorch's `BatchNorm1d`/`BatchNorm2d`):
/// samples of C features, or C × positions, channel first. Training
/// normalises each channel by the mean and biased variance of its values
/// over the batch (and positions); inference by the running statistics.
/// y = γ (x − μ)/√(σ² + ε) + β. After each accepted training step
/// running = (1 − momentum)·running + momentum·batch, with the variance
/// unbiased (× M/(M − 1), M values per channel; as it is for M = 1).
/// Tensors, in PyTorch's order and names: weight γ (1), bias β (0),
/// running_mean (0), running_var (1); the last two get no gradient. With
/// `affine: false` there is no γ or β (y = x̂, PyTorch's `affine=False`).
public struct BatchNormOp: BatchOp {
    public let channels: Int
    /// Values per channel in one sample.
    public let plane: Int
    public let epsilon: Double
    public let momentum: Double
    /// Whether γ and β scale and shift the normalised values.
    public let affine: Bool

    public var name: String { "batch_norm" }

    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? inputs[0] : nil }

    public func flops(_ node: Node, inputs: [Shape]) -> Flops {
        let n = channels * plane
        return Flops(forward: 5 * n, parameterGradient: 3 * n, inputGradient: 6 * n)
    }

    /// The tensors' offsets; γ and β are nil without `affine`.
    func offsets(_ node: Node, _ graph: Graph) -> (gamma: Int?, beta: Int?, mean: Int, variance: Int) {
        let o = node.parameters.map { graph.parameters[$0].offset }
        return affine ? (o[0], o[1], o[2], o[3]) : (nil, nil, o[0], o[1])
    }

    /// The running statistics' tensors (indices into the graph's parameters).
    func statisticsTensors(_ node: Node) -> (mean: Int, variance: Int) {
        affine ? (node.parameters[2], node.parameters[3]) : (node.parameters[0], node.parameters[1])
    }

    /// Each channel's mean and biased variance over every sample's values.
    func statistics(_ inputs: [[Double]]) -> [(mean: Double, variance: Double)] {
        (0..<channels).map { c in
            let values = inputs.flatMap { $0[(c * plane)..<((c + 1) * plane)] }
            let mean = values.reduce(0, +) / Double(values.count)
            return (mean, values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count))
        }
    }

    /// Inference: the running statistics.
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        forwardBatch(node, inputs: [inputs[0]], parameters: parameters, training: false, graph: graph)[0]
    }

    public func forwardBatch(_ node: Node, inputs: [[Double]], parameters p: [Double], training: Bool, graph: Graph) -> [[Double]] {
        let o = offsets(node, graph)
        let stats = training ? statistics(inputs) : (0..<channels).map { (p[o.mean + $0], p[o.variance + $0]) }
        return inputs.map { x in
            x.indices.map { i in
                let c = i / plane
                let gamma = o.gamma.map { p[$0 + c] } ?? 1, beta = o.beta.map { p[$0 + c] } ?? 0
                return gamma * (x[i] - stats[c].mean) / (stats[c].variance + epsilon).squareRoot() + beta
            }
        }
    }

    /// Per channel, over its M values: dβ = Σδ, dγ = Σδ·x̂, dx = γ/σ̂ · (δ − Σδ/M − x̂·Σδx̂/M).
    public func backwardBatch(_ node: Node, inputs: [[Double]], gradients dy: [[Double]], parameters p: [Double],
                              parameterGradient: inout [Double], graph: Graph) -> [[Double]] {
        let o = offsets(node, graph), stats = statistics(inputs), m = Double(inputs.count * plane)
        var dx = inputs.map { [Double](repeating: 0, count: $0.count) }
        for c in 0..<channels {
            let inverse = 1 / (stats[c].variance + epsilon).squareRoot()
            var sum = 0.0, sumX = 0.0
            for (b, x) in inputs.enumerated() {
                for i in (c * plane)..<((c + 1) * plane) {
                    sum += dy[b][i]
                    sumX += dy[b][i] * (x[i] - stats[c].mean) * inverse
                }
            }
            if let gamma = o.gamma, let beta = o.beta {
                parameterGradient[gamma + c] += sumX
                parameterGradient[beta + c] += sum
            }
            for (b, x) in inputs.enumerated() {
                for i in (c * plane)..<((c + 1) * plane) {
                    let normalised = (x[i] - stats[c].mean) * inverse
                    dx[b][i] = (o.gamma.map { p[$0 + c] } ?? 1) * inverse * (dy[b][i] - sum / m - normalised * sumX / m)
                }
            }
        }
        return dx
    }

    public func updateStatistics(_ node: Node, inputs: [[Double]], parameters p: inout [Double], graph: Graph) {
        let o = offsets(node, graph), m = Double(inputs.count * plane)
        for (c, s) in statistics(inputs).enumerated() {
            let mean = (1 - momentum) * p[o.mean + c] + momentum * s.mean
            let variance = (1 - momentum) * p[o.variance + c] + momentum * s.variance * (m > 1 ? m / (m - 1) : 1)
            guard mean.isFinite && variance.isFinite else { continue }
            p[o.mean + c] = mean
            p[o.variance + c] = variance
        }
    }

    /// `mean` and `variance` (biased) of channel `c` over the batch, from `x0`.
    func emitStatistics(_ c: inout CodeBuilder, _ batch: BatchCode) {
        c.line("let values = Scalar(count &* \(plane))")
        c.line("var mean: Scalar = 0")
        batch.eachSample(&c) { $0.line("for i in 0..<\(plane) { mean += \(x0)[c &* \(plane) &+ i] }") }
        c.line("mean /= values")
        c.line("var variance: Scalar = 0")
        batch.eachSample(&c) { $0.line("for i in 0..<\(plane) { let d = \(x0)[c &* \(plane) &+ i] - mean; variance += d * d }") }
        c.line("variance /= values")
    }

    var perChannel: Code { "for c in 0..<\(channels)" }

    /// γ[c] and β[c] as code: the tensors', or 1 and 0 without `affine`.
    func scaleAndShift(_ node: Node, _ c: BatchCode) -> (gamma: Code, beta: Code) {
        guard affine else { return ("1", "0") }
        return ("\(c.op.parameter(node.parameters[0]))[c]", "\(c.op.parameter(node.parameters[1]))[c]")
    }

    public func emitBatchForward(_ node: Node, _ c: inout BatchCode) {
        let (gamma, beta) = scaleAndShift(node, c)
        let eps = literal(epsilon), plane = plane
        c.block("if training") { c, batch in
            c.block(perChannel) { c in
                emitStatistics(&c, batch)
                c.line("let scale = \(gamma) / (variance + \(eps)).squareRoot(), shift = \(beta) - mean * scale")
                batch.eachSample(&c) { $0.line("for i in 0..<\(plane) { \(y)[c &* \(plane) &+ i] = \(x0)[c &* \(plane) &+ i] * scale + shift }") }
            }
        }
        c.block("else") { c, batch in emitInference(node, &c, batch) }
    }

    /// The forward pass at inference: the running statistics in place of the batch's.
    func emitInference(_ node: Node, _ c: inout CodeBuilder, _ batch: BatchCode) {
        let (gamma, beta) = scaleAndShift(node, batch), tensors = statisticsTensors(node)
        let runningMean = batch.op.parameter(tensors.mean), runningVariance = batch.op.parameter(tensors.variance)
        let eps = literal(epsilon), plane = plane
        c.block(perChannel) { c in
            c.line("let scale = \(gamma) / (\(runningVariance)[c] + \(eps)).squareRoot(), shift = \(beta) - \(runningMean)[c] * scale")
            batch.eachSample(&c) { $0.line("for i in 0..<\(plane) { \(y)[c &* \(plane) &+ i] = \(x0)[c &* \(plane) &+ i] * scale + shift }") }
        }
    }

    public func emitBatchBackward(_ node: Node, edge: BackwardGraph.Edge?, parameterGradients: Bool, _ c: inout BatchCode) {
        guard (parameterGradients && affine) || edge != nil else { return }
        let gamma = scaleAndShift(node, c).gamma
        let gradients = affine ? (c.op.parameterGradient(node.parameters[0]), c.op.parameterGradient(node.parameters[1])) : nil
        let eps = literal(epsilon), plane = plane
        c.block(perChannel) { c, batch in
            emitStatistics(&c, batch)
            c.line("let inverse = 1 / (variance + \(eps)).squareRoot()")
            c.line("var sum: Scalar = 0, sumX: Scalar = 0")
            batch.eachSample(&c) { c in
                c.block("for i in 0..<\(plane)") { c in
                    c.line("let g = \(dy)[c &* \(plane) &+ i]")
                    c.line("sum += g")
                    c.line("sumX += g * (\(x0)[c &* \(plane) &+ i] - mean) * inverse")
                }
            }
            if parameterGradients, let (dGamma, dBeta) = gradients {
                c.line("\(dGamma)[c] += sumX")
                c.line("\(dBeta)[c] += sum")
            }
            if let edge {
                c.line("let scale = \(gamma) * inverse, meanG = sum / values, meanGX = sumX / values")
                batch.eachSample(&c) { c in
                    c.block("for i in 0..<\(plane)") { c in
                        c.line("let k = c &* \(plane) &+ i")
                        c.line("\(dx0)[k] \(edge.accumulates ? "+=" : "=") scale * (\(dy)[k] - meanG - (\(x0)[k] - mean) * inverse * meanGX)")
                    }
                }
            }
        }
    }

    public func emitStatisticsUpdate(_ node: Node, _ c: inout BatchCode) {
        let tensors = statisticsTensors(node)
        let runningMean = c.op.parameter(tensors.mean), runningVariance = c.op.parameter(tensors.variance)
        let keep = literal(1 - momentum), take = literal(momentum)
        c.block(perChannel) { c, batch in
            emitStatistics(&c, batch)
            c.line("let unbiased: Scalar = values > 1 ? values / (values - 1) : 1")
            c.line("let newMean = \(keep) * \(runningMean)[c] + \(take) * mean")
            c.line("let newVariance = \(keep) * \(runningVariance)[c] + \(take) * variance * unbiased")
            c.block("if newMean.isFinite && newVariance.isFinite") { c in
                c.line("\(runningMean)[c] = newMean")
                c.line("\(runningVariance)[c] = newVariance")
                c.line("written = Swift.max(written, Swift.abs(newMean), newVariance)")
            }
        }
    }
}

extension BatchNormOp {
    /// `BatchNorm1d` for features or sequences, `BatchNorm2d` for images: the same statistics and momentum convention.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let kind = node.shape.rank == 3 ? "BatchNorm2d" : "BatchNorm1d"
        return PyTorchForm(module: "nn.\(kind)(\(channels), eps=\(Python.float(epsilon)), momentum=\(Python.float(momentum))\(affine ? "" : ", affine=False"))",
                           value: "\(p.module)(\(p.x0))")
    }
}
