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
            if let relu {
                let into = names.ref(.gradient(relu.edge.to))
                passes.code.line("PoolingKernels.maxBackward(\(g), \(input), \(output), \(dy), \(into), accumulate: \(relu.edge.accumulates), rectify: true, count: count)")
                return
            }
            passes.code.line("PoolingKernels.maxBackward(\(g), \(input), \(output), \(dy), \(dx), accumulate: \(edge.accumulates), count: count)")
        case .average:
            passes.code.line("PoolingKernels.averageBackward(\(g), \(dy), \(dx), accumulate: \(edge.accumulates), count: count)")
        }
    }
}
