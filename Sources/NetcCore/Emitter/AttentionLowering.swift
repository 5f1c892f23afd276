import NetcRuntime

/// A Float attention layer as calls of `AttentionKernels` over the whole
/// batch (`Plan.attention`), its working space laid out by the kernels' layout.
struct AttentionLowering {
    let node: Node
    let op: AttentionOp
    let batch: Int
    let names: BufferNames

    var layout: Code { "AttentionKernels.Layout(channels: \(op.channels), length: \(op.length), heads: \(op.heads), batch: \(batch))" }
    var work: Ref { names.ref(.workspace(node: node.id)) }
    var shape: String { "causal: \(op.causal), scale: \(literal(op.scale))" }
    func parameter(_ k: Int) -> Ref { names.ref(.parameter(node.parameters[k])) }

    func forward(_ passes: inout PassBuilder) {
        // Code, not a String: the function binds every buffer its code names, the ids too.
        let mask: Code = op.paddingId.map { ", ids: \(names.ref(.value(node.inputs[1]))), paddingId: \(literal($0))" } ?? ""
        passes.code.line("AttentionKernels.forward(\(names.ref(.value(node.inputs[0]))), \(names.ref(.value(node.id))), \(shape)\(mask), wi: \(parameter(0)), bi: \(parameter(1)), wo: \(parameter(2)), bo: \(parameter(3)), work: \(work), \(layout), count: count)")
    }

    /// The tensors whose gradients the kernels overwrite.
    func backward(_ edge: BackwardGraph.Edge?, parameterGradients: Bool, _ passes: inout PassBuilder) -> Set<Int> {
        guard parameterGradients || edge != nil else { return [] }
        let dx: Code = edge.map { "\(names.ref(.gradient($0.to)))" } ?? "nil"
        func gradient(_ k: Int) -> Code { parameterGradients ? "\(names.ref(.parameterGradient(node.parameters[k])))" : "nil" }
        passes.code.line("AttentionKernels.backward(\(names.ref(.gradient(node.id))), \(shape), dx: \(dx), accumulate: \(edge?.accumulates ?? false), wi: \(parameter(0)), wo: \(parameter(2)), dwi: \(gradient(0)), dbi: \(gradient(1)), dwo: \(gradient(2)), dbo: \(gradient(3)), work: \(work), \(layout), count: count)")
        return parameterGradients ? Set(node.parameters) : []
    }
}
