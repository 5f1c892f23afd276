/// A linear layer's code for the form its plan chose (`LinearPlan`):
/// straight-line code, the op's per-sample loops, or calls into the C kernels.
struct LinearLowering {
    let node: Node
    let op: LinearOp
    let plan: LinearPlan
    let graph: Graph
    let names: BufferNames

    var n: Int { graph.nodes[node.inputs[0]].size }
    var m: Int { op.outputs }
    var weight: Ref { names.ref(.parameter(node.parameters[0])) }
    var bias: Ref? { op.hasBias ? names.ref(.parameter(node.parameters[1])) : nil }
    var input: Ref { names.ref(.value(node.inputs[0])) }
    var output: Ref { names.ref(.value(node.id)) }
    var delta: Ref { names.ref(.gradient(node.id)) }
    var scratch: Ref { names.ref(.scratch) }

    /// The forward pass over the first `count` samples.
    func forward(_ passes: inout PassBuilder) {
        switch plan.forward {
        case .unrolled:
            passes.forwardPerSample(node) { c in
                for j in 0..<m {
                    var terms: [Code] = bias.map { ["\($0)[\(j)]"] } ?? []
                    terms += (0..<n).map { "\(weight)[\(j * n + $0)] * \(x0)[\($0)]" }
                    c.line("\(y)[\(j)] = \(terms.joined(" + "))")
                }
            }
        case .perSample:
            passes.forwardPerSample(node) { op.emitForward(node, &$0) }
        case .rows, .transposed, .panels:
            let b: Code = bias.map { "\($0)" } ?? "nil"
            let shapes = "n: \(n), m: \(m), count: count"
            switch plan.forward {
            case .panels: passes.code.line("CPUKernels.panelLinear(\(weight), \(b), \(input), \(output), \(shapes))")
            case .transposed: passes.code.line("CPUKernels.linearTransposed(\(weight), \(b), \(input), \(output), \(shapes), scratch: \(scratch))")
            default: passes.code.line("CPUKernels.linear(\(weight), \(b), \(input), \(output), \(shapes))")
            }
        }
    }

    /// The backward pass for `edges`, with the parameter gradients when asked;
    /// returns the tensors whose gradients it overwrites (rather than adds to).
    func backward(_ edges: [BackwardGraph.Edge], parameterGradients: Bool, _ passes: inout PassBuilder) -> [Int] {
        switch plan.backward {
        case .unrolled:
            passes.backwardPerSample(node, edges) { c in
                if parameterGradients {
                    let dw = c.parameterGradient(node.parameters[0])
                    let db = op.hasBias ? c.parameterGradient(node.parameters[1]) : nil
                    for j in 0..<m {
                        if let db { c.line("\(db)[\(j)] += \(dy)[\(j)]") }
                        for i in 0..<n { c.line("\(dw)[\(j * n + i)] += \(dy)[\(j)] * \(x0)[\(i)]") }
                    }
                }
                guard let edge = edges.first else { return }
                for i in 0..<n {
                    let sum = (0..<m).map { "\(weight)[\($0 * n + i)] * \(dy)[\($0)]" as Code }.joined(" + ")
                    c.line("\(dx0)[\(i)] \(c.assign(edge)) \(sum)")
                }
            }
            return []
        case .perSample:
            passes.backwardPerSample(node, edges) { op.emitBackward(node, edges: edges, parameterGradients: parameterGradients, &$0) }
            return []
        case .rows, .transposed, .panels:
            let panels = plan.backward == .panels
            let shapes = "n: \(n), m: \(m), count: count"
            if parameterGradients {
                let dw = names.ref(.parameterGradient(node.parameters[0]))
                let db: Code = op.hasBias ? "\(names.ref(.parameterGradient(node.parameters[1])))" : "nil"
                let packed: Code = plan.packs ? ", scratch: \(scratch)" : ""
                passes.code.line("CPUKernels.\(panels ? "panelWeightGradient" : "weightGradient")(\(delta), \(input), \(dw), \(db), \(shapes)\(packed))")
            }
            if let edge = edges.first {
                let dx = names.ref(.gradient(edge.to))
                passes.code.line("CPUKernels.\(panels ? "panelInputGradient" : "inputGradient")(\(delta), \(weight), \(dx), accumulate: \(edge.accumulates), \(shapes))")
            }
            return parameterGradients ? node.parameters : []
        }
    }

    /// A bound on the weight gradient's magnitudes cheaper than reading it
    /// (`plan.boundsGradient`), as a Swift expression.
    var gradientBound: Code {
        "Kernels.weightGradientBound(\(delta), \(input), n: \(n), m: \(m), count: count)"
    }
}
