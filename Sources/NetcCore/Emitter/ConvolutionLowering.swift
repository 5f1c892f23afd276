/// A convolution's code when its plan runs it as matrix products: the
/// batch's windows into `scratch` (im2col), the dense kernels, and the moves
/// between position-major rows and the model's channels-first layout.
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

    var geometry: Code {
        let w = plan.geometry
        return Code(stringLiteral: "ConvolutionGeometry(channels: \(w.channels), height: \(w.height), width: \(w.width), kernelHeight: \(w.kernelHeight), "
            + "kernelWidth: \(w.kernelWidth), strideY: \(w.strideY), strideX: \(w.strideX), dilation: \(w.dilation), padTop: \(w.padTop), "
            + "padBottom: \(w.padBottom), padLeft: \(w.padLeft), padRight: \(w.padRight))")
    }

    func forward(_ passes: inout PassBuilder) {
        let bias: Code = op.hasBias ? "\(names.ref(.parameter(node.parameters[1])))" : "nil"
        passes.code.line("ConvolutionKernels.im2col(\(input), \(scratch), \(geometry), count: count)")
        passes.code.line("CPUKernels.linear(\(weight), \(bias), \(scratch), \(rows), \(shapes))")
        passes.code.line("ConvolutionKernels.fromPositions(\(rows), \(names.ref(.value(node.id))), \(layout))")
    }

    /// Returns the tensors whose gradients it overwrites.
    func backward(_ edges: [BackwardGraph.Edge], parameterGradients: Bool, _ passes: inout PassBuilder) -> [Int] {
        guard parameterGradients || !edges.isEmpty else { return [] }
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
