import NetcRuntime

/// A Float LSTM or GRU as calls of `RecurrentKernels` over the whole batch
/// (`Plan.recurrent`), its working space laid out by the kernels' layout.
struct RecurrentLowering {
    let node: Node
    let op: any RecurrentOp
    let batch: Int
    let names: BufferNames

    var layout: Code { "RecurrentKernels.\(op.kernel.uppercased())Layout(channels: \(op.channels), length: \(op.length), hidden: \(op.hidden), batch: \(batch))" }
    var work: Ref { names.ref(.workspace(node: node.id)) }
    func parameter(_ k: Int) -> Ref { names.ref(.parameter(node.parameters[k])) }

    func forward(_ passes: inout PassBuilder) {
        passes.code.line("RecurrentKernels.\(op.kernel)Forward(\(names.ref(.value(node.inputs[0]))), \(names.ref(.value(node.id))), lastOnly: \(op.lastOnly), reversed: \(op.reversed), wi: \(parameter(0)), wh: \(parameter(1)), bi: \(parameter(2)), bh: \(parameter(3)), work: \(work), \(layout), count: count)")
    }

    /// The tensors whose gradients the kernels overwrite.
    func backward(_ edge: BackwardGraph.Edge?, parameterGradients: Bool, _ passes: inout PassBuilder) -> Set<Int> {
        guard parameterGradients || edge != nil else { return [] }
        let dx: Code = edge.map { "\(names.ref(.gradient($0.to)))" } ?? "nil"
        func gradient(_ k: Int) -> Code { parameterGradients ? "\(names.ref(.parameterGradient(node.parameters[k])))" : "nil" }
        passes.code.line("RecurrentKernels.\(op.kernel)Backward(\(names.ref(.gradient(node.id))), lastOnly: \(op.lastOnly), reversed: \(op.reversed), dx: \(dx), accumulate: \(edge?.accumulates ?? false), wi: \(parameter(0)), wh: \(parameter(1)), dwi: \(gradient(0)), dwh: \(gradient(1)), dbi: \(gradient(2)), dbh: \(gradient(3)), work: \(work), \(layout), count: count)")
        return parameterGradients ? Set(node.parameters) : []
    }
}
