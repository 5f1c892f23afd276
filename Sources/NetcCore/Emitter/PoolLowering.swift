import NetcRuntime

/// A pool's code when its plan runs it through `PoolingKernels`: one call
/// over the whole batch each way.
struct PoolLowering {
    let node: Node
    let op: PoolOp
    let names: BufferNames

    var input: Ref { names.ref(.value(node.inputs[0])) }
    var output: Ref { names.ref(.value(node.id)) }

    func forward(_ passes: inout PassBuilder) {
        let g = op.window.code
        switch op.reduction {
        case .max: passes.code.line("PoolingKernels.maxForward(\(g), \(input), \(output), count: count)")
        case .average: passes.code.line("PoolingKernels.averageForward(\(g), \(input), \(output), count: count)")
        }
    }

    /// With `relu` (the relu node feeding the pool, and that relu's edge), the
    /// relu's backward pass too: into the relu's input gradient.
    func backward(_ edges: [BackwardGraph.Edge], relu: (node: Int, edge: BackwardGraph.Edge)?, _ passes: inout PassBuilder) {
        guard let edge = edges.first else { return }
        let g = op.window.code, dy = names.ref(.gradient(node.id)), dx = names.ref(.gradient(edge.to))
        switch op.reduction {
        case .max:
            // With the relu, into the relu's input gradient as its edge says.
            let into = relu.map { names.ref(.gradient($0.edge.to)) } ?? dx, accumulate = relu?.edge.accumulates ?? edge.accumulates
            let rectify: Code = relu == nil ? "" : " rectify: true,"
            passes.code.line("PoolingKernels.maxBackward(\(g), \(input), \(output), \(dy), \(into), accumulate: \(accumulate),\(rectify) count: count)")
        case .average:
            passes.code.line("PoolingKernels.averageBackward(\(g), \(dy), \(dx), accumulate: \(edge.accumulates), count: count)")
        }
    }
}
