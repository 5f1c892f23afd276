import NetcRuntime

/// A convolution's code when its plan runs it through the kernels: in the
/// model's layout (`planes`), or as matrix products (`rows`): the batch's
/// windows into `scratch` (im2col), the dense kernels, and the moves between
/// position-major rows and the model's channels-first layout.
struct ConvolutionLowering {
    let node: Node
    let op: ConvolutionOp
    let plan: ConvolutionPlan
    let graph: Graph
    let names: BufferNames

    var weight: Ref { names.ref(.parameter(node.parameters[0])) }
    var input: Ref { names.ref(.value(node.inputs[0])) }
    var scratch: Ref { names.ref(.scratch) }
    /// The position-major rows, after the window matrix in scratch.
    var rows: Code { "(\(scratch) + count &* \(plan.geometry.positions * plan.geometry.patch))" }
    var shapes: String { "n: \(plan.geometry.patch), m: \(plan.outputs), count: count &* \(plan.geometry.positions)" }
    var layout: String { "outputs: \(plan.outputs), positions: \(plan.geometry.positions), count: count" }

    var geometry: Code { plan.geometry.code }

    /// The arguments of the planes kernels that precede the operands.
    var planes: Code { "\(geometry), outputs: \(plan.outputs)" }

    /// With `relu` (the relu node that alone reads this one), relu(y) into that node's value instead.
    func forward(_ passes: inout PassBuilder, relu: Int?) {
        let bias: Code = op.hasBias ? "\(names.ref(.parameter(node.parameters[1])))" : "nil"
        if plan.scheme == .planes {
            let y = names.ref(.value(relu ?? node.id)), rectify: Code = relu == nil ? "" : " rectify: true,"
            passes.code.line("ConvolutionKernels.forward(\(planes), \(weight), \(bias), \(input), \(y),\(rectify) count: count, scratch: \(scratch))")
            return
        }
        passes.code.line("ConvolutionKernels.im2col(\(input), \(scratch), \(geometry), count: count)")
        passes.code.line("CPUKernels.linear(\(weight), \(bias), \(scratch), \(rows), \(shapes))")
        passes.code.line("ConvolutionKernels.fromPositions(\(rows), \(names.ref(.value(node.id))), \(layout))")
    }

    /// Returns the tensors whose gradients it overwrites.
    func backward(_ edges: [BackwardGraph.Edge], parameterGradients: Bool, _ passes: inout PassBuilder) -> [Int] {
        guard parameterGradients || !edges.isEmpty else { return [] }
        if plan.scheme == .planes {
            let dy = names.ref(.gradient(node.id))
            if parameterGradients {
                let dw = names.ref(.parameterGradient(node.parameters[0]))
                let db: Code = op.hasBias ? "\(names.ref(.parameterGradient(node.parameters[1])))" : "nil"
                passes.code.line("ConvolutionKernels.weightGradient(\(planes), \(dy), \(input), \(dw), \(db), count: count, scratch: \(scratch))")
            }
            if let edge = edges.first {
                passes.code.line("ConvolutionKernels.inputGradient(\(planes), \(dy), \(weight), \(names.ref(.gradient(edge.to))), accumulate: \(edge.accumulates), count: count, scratch: \(scratch))")
            }
            return parameterGradients ? node.parameters : []
        }
        passes.code.line("ConvolutionKernels.toPositions(\(names.ref(.gradient(node.id))), \(rows), \(layout))")
        if parameterGradients {
            let dw = names.ref(.parameterGradient(node.parameters[0]))
            let db: Code = op.hasBias ? "\(names.ref(.parameterGradient(node.parameters[1])))" : "nil"
            passes.code.line("ConvolutionKernels.im2col(\(input), \(scratch), \(geometry), count: count)")
            passes.code.line("CPUKernels.weightGradient(\(rows), \(scratch), \(dw), \(db), \(shapes))")
        }
        if let edge = edges.first {
            passes.code.line("CPUKernels.inputGradient(\(rows), \(weight), \(scratch), accumulate: false, \(shapes))")
            passes.code.line("ConvolutionKernels.col2im(\(scratch), \(names.ref(.gradient(edge.to))), \(geometry), count: count, accumulate: \(edge.accumulates))")
        }
        return parameterGradients ? node.parameters : []
    }
}

/// A transposed convolution's code through the planes kernels of the
/// convolution it transposes (`plan.geometry`, from this node's output shape
/// to its input's): its value is that convolution's input gradient of its
/// input, then the bias; its weight gradient that convolution's weight
/// gradient with the roles of δ and input swapped; its input gradient that
/// convolution's forward pass of δ.
struct TransposedConvolutionLowering {
    let op: TransposedConvolutionOp
    /// The transposed convolution's lowering, for its operands' names.
    let convolution: ConvolutionLowering

    init(node: Node, op: TransposedConvolutionOp, plan: ConvolutionPlan, graph: Graph, names: BufferNames) {
        self.op = op
        convolution = ConvolutionLowering(node: node, op: op.convolution, plan: plan, graph: graph, names: names)
    }

    var node: Node { convolution.node }
    var names: BufferNames { convolution.names }
    var weight: Ref { convolution.weight }
    var input: Ref { convolution.input }
    var scratch: Ref { convolution.scratch }
    var planes: Code { convolution.planes }
    /// The value's channels and their planes.
    var channels: Int { convolution.plan.geometry.channels }
    var plane: Int { convolution.plan.geometry.inputPlane }

    func forward(_ passes: inout PassBuilder) {
        let y = names.ref(.value(node.id))
        passes.code.line("ConvolutionKernels.inputGradient(\(planes), \(input), \(weight), \(y), accumulate: false, count: count, scratch: \(scratch))")
        guard op.hasBias else { return }
        let b = names.ref(.parameter(node.parameters[1]))
        passes.code.block("for s in 0..<count &* \(channels)") { c in
            c.line("let bias = \(b)[s % \(channels)], row = \(y) + s &* \(plane)")
            c.line("for i in 0..<\(plane) { row[i] += bias }")
        }
    }

    /// Returns the tensors whose gradients it overwrites.
    func backward(_ edges: [BackwardGraph.Edge], parameterGradients: Bool, _ passes: inout PassBuilder) -> [Int] {
        let dy = names.ref(.gradient(node.id))
        if parameterGradients {
            let dw = names.ref(.parameterGradient(node.parameters[0]))
            passes.code.line("ConvolutionKernels.weightGradient(\(planes), \(input), \(dy), \(dw), nil, count: count, scratch: \(scratch))")
            if op.hasBias {
                let db = names.ref(.parameterGradient(node.parameters[1]))
                passes.code.block("for c in 0..<\(channels)") { c in
                    c.line("var sum: Scalar = 0")
                    c.line("for b in 0..<count { sum += Kernels.sum(\(dy) + (b &* \(channels) &+ c) &* \(plane), \(plane)) }")
                    c.line("\(db)[c] = sum")
                }
            }
        }
        if let edge = edges.first {
            precondition(!edge.accumulates, "the plan takes only a transposed convolution whose input gradient is written")
            let dx = names.ref(.gradient(edge.to))
            passes.code.line("ConvolutionKernels.forward(\(planes), \(weight), nil, \(dy), \(dx), count: count, scratch: \(scratch))")
        }
        return parameterGradients ? node.parameters : []
    }
}

extension ConvolutionGeometry {
    /// The geometry as a Swift expression, for the kernels' arguments.
    var code: Code {
        Code(stringLiteral: "ConvolutionGeometry(channels: \(channels), height: \(height), width: \(width), kernelHeight: \(kernelHeight), "
            + "kernelWidth: \(kernelWidth), strideY: \(strideY), strideX: \(strideX), dilation: \(dilation), padTop: \(padTop), "
            + "padBottom: \(padBottom), padLeft: \(padLeft), padRight: \(padRight))")
    }
}
