/// A batch normalisation's code when its plan runs it through
/// `NormalisationKernels`: the training forward pass, the backward pass and
/// the running statistics' update each one call over the batch, the batch's
/// statistics computed once, by the forward pass, and kept in the node's
/// `statistics` buffer; the forward pass at inference stays the op's loops
/// (no sums to wait on there).
struct NormalisationLowering {
    let node: Node
    let op: BatchNormOp
    let names: BufferNames

    var input: Ref { names.ref(.value(node.inputs[0])) }
    /// The batch's mean and variance per channel, kept by the forward pass.
    var statistics: Ref { names.ref(.statistics(node: node.id)) }
    var shape: Code { "channels: \(op.channels), plane: \(op.plane)" }
    /// γ's and β's tensors, nil without `affine`.
    var affine: (gamma: Int, beta: Int)? { op.affine ? (node.parameters[0], node.parameters[1]) : nil }

    func forward(_ passes: inout PassBuilder) {
        let output = names.ref(.value(node.id))
        let gamma: Code = affine.map { "\(names.ref(.parameter($0.gamma)))" } ?? "nil"
        let beta: Code = affine.map { "\(names.ref(.parameter($0.beta)))" } ?? "nil"
        var c = passes.batchCode([passes.bind(x0, .value(node.inputs[0])), passes.bind(y, .value(node.id))])
        c.block("if training") { c, _ in
            c.line("NormalisationKernels.batchNormForward(\(input), \(output), gamma: \(gamma), beta: \(beta), statistics: \(statistics), \(shape), epsilon: \(literal(op.epsilon)), count: count)")
        }
        c.block("else") { c, batch in op.emitInference(node, &c, batch) }
        passes.code.append(contentsOf: c.op.code.statements)
    }

    func backward(_ edge: BackwardGraph.Edge?, parameterGradients: Bool, _ passes: inout PassBuilder) {
        let gradients = parameterGradients ? affine : nil
        guard gradients != nil || edge != nil else { return }
        let dy = names.ref(.gradient(node.id))
        let dx: Code = edge.map { "\(names.ref(.gradient($0.to)))" } ?? "nil"
        let gamma: Code = affine.map { "\(names.ref(.parameter($0.gamma)))" } ?? "nil"
        let dGamma: Code = gradients.map { "\(names.ref(.parameterGradient($0.gamma)))" } ?? "nil"
        let dBeta: Code = gradients.map { "\(names.ref(.parameterGradient($0.beta)))" } ?? "nil"
        passes.code.line("NormalisationKernels.batchNormBackward(\(input), \(dy), \(dx), accumulate: \(edge?.accumulates ?? false), gamma: \(gamma), dGamma: \(dGamma), dBeta: \(dBeta), statistics: \(statistics), \(shape), epsilon: \(literal(op.epsilon)), count: count)")
    }

    func statistics(_ passes: inout PassBuilder) {
        let tensors = op.statisticsTensors(node)
        let mean = names.ref(.parameter(tensors.mean)), variance = names.ref(.parameter(tensors.variance))
        passes.code.line("written = Swift.max(written, NormalisationKernels.batchNormUpdate(statistics: \(statistics), runningMean: \(mean), runningVariance: \(variance), \(shape), keep: \(literal(1 - op.momentum)), take: \(literal(op.momentum)), count: count))")
    }
}

/// A layer normalisation's code when its plan runs it through
/// `NormalisationKernels`: one call over the batch each way (training or
/// not: a sample's statistics are its own), each sample's statistics
/// computed by the forward pass and kept in the node's `statistics` buffer
/// for the backward pass.
struct LayerNormLowering {
    let node: Node
    let op: LayerNormOp
    let names: BufferNames

    var input: Ref { names.ref(.value(node.inputs[0])) }
    var statistics: Ref { names.ref(.statistics(node: node.id)) }
    var affine: (gamma: Int, beta: Int)? { op.affine ? (node.parameters[0], node.parameters[1]) : nil }
    var gamma: Code { affine.map { "\(names.ref(.parameter($0.gamma)))" } ?? "nil" }

    func forward(_ passes: inout PassBuilder) {
        let beta: Code = affine.map { "\(names.ref(.parameter($0.beta)))" } ?? "nil"
        passes.code.line("NormalisationKernels.layerNormForward(\(input), \(names.ref(.value(node.id))), gamma: \(gamma), beta: \(beta), statistics: \(statistics), n: \(op.count), epsilon: \(literal(op.epsilon)), count: count)")
    }

    func backward(_ edge: BackwardGraph.Edge?, parameterGradients: Bool, _ passes: inout PassBuilder) {
        let gradients = parameterGradients ? affine : nil
        guard gradients != nil || edge != nil else { return }
        let dx: Code = edge.map { "\(names.ref(.gradient($0.to)))" } ?? "nil"
        let dGamma: Code = gradients.map { "\(names.ref(.parameterGradient($0.gamma)))" } ?? "nil"
        let dBeta: Code = gradients.map { "\(names.ref(.parameterGradient($0.beta)))" } ?? "nil"
        passes.code.line("NormalisationKernels.layerNormBackward(\(input), \(names.ref(.gradient(node.id))), \(dx), accumulate: \(edge?.accumulates ?? false), gamma: \(gamma), dGamma: \(dGamma), dBeta: \(dBeta), statistics: \(statistics), n: \(op.count), count: count)")
    }
}
