/// Builds a pass's statements node by node: a comment per node, then its
/// code — a linear layer through `LinearLowering`, every other op's body in a
/// loop over the batch that binds the per-sample locals it uses.
struct PassBuilder {
    let plan: Plan
    let names: BufferNames
    var code = CodeBuilder()
    /// Tensors whose gradients a whole-batch kernel overwrote (the rest add into zeros).
    var overwritten = Set<Int>()

    var graph: Graph { plan.graph }

    /// One node's forward code, over the first `count` samples.
    mutating func forward(_ n: Node) {
        let inputs = n.inputs.map { graph.nodes[$0].name }.joined(separator: ", ")
        code.line("// \(n.name) = \(n.op.name)(\(inputs))  [\(n.shape)]")
        if let convolution = plan.reluInConvolution[n.id] {
            code.line("// (written by \(graph.nodes[convolution].name)'s kernel)")
        } else if let linear = plan.linear[n.id] {
            LinearLowering(node: n, op: n.op as! LinearOp, plan: linear, graph: graph, names: names).forward(&self)
        } else if let convolution = plan.convolution[n.id], let op = n.op as? TransposedConvolutionOp {
            TransposedConvolutionLowering(node: n, op: op, plan: convolution, graph: graph, names: names).forward(&self)
        } else if let convolution = plan.convolution[n.id] {
            let relu = plan.reluInConvolution.first { $0.value == n.id }?.key
            ConvolutionLowering(node: n, op: n.op as! ConvolutionOp, plan: convolution, graph: graph, names: names).forward(&self, relu: relu)
        } else if plan.activations.contains(n.id) {
            ActivationLowering(node: n, kernel: (n.op as! ElementwiseOp).function.kernel!, names: names).forward(&self)
        } else if plan.pooling.contains(n.id) {
            PoolLowering(node: n, op: n.op as! PoolOp, names: names).forward(&self)
        } else if plan.normalisations.contains(n.id) {
            NormalisationLowering(node: n, op: n.op as! BatchNormOp, names: names).forward(&self)
        } else if plan.layerNorms.contains(n.id) {
            LayerNormLowering(node: n, op: n.op as! LayerNormOp, names: names).forward(&self)
        } else if plan.recurrent.contains(n.id) {
            RecurrentLowering(node: n, op: n.op as! any RecurrentOp, batch: graph.batchSize, names: names).forward(&self)
        } else if plan.attention.contains(n.id) {
            AttentionLowering(node: n, op: n.op as! AttentionOp, batch: graph.batchSize, names: names).forward(&self)
        } else if let op = n.op as? BatchOp {
            var c = batchCode([bind(x0, .value(n.inputs[0])), bind(y, .value(n.id))])
            op.emitBatchForward(n, &c)
            code.append(contentsOf: c.op.code.statements)
        } else {
            if n.op.prepared > 0 {
                var c = OpCode(graph: graph, names: names)
                n.op.emitPrepare(n, &c)
                code.append(contentsOf: c.code.statements)
            }
            forwardPerSample(n) { n.op.emitForward(n, &$0) }
        }
    }

    /// One node's backward code for `edges` (and its parameter gradients when asked).
    mutating func backward(_ n: Node, _ edges: [BackwardGraph.Edge], parameterGradients: Bool) {
        let targets = edges.map { "δ \(graph.nodes[$0.to].name) \($0.accumulates ? "+=" : "=")" }.joined(separator: ", ")
        code.line("// \(n.name): \(n.op.name) backward\(targets.isEmpty ? "" : " → " + targets)")
        if let pool = plan.reluInPool[n.id] {
            code.line("// (done by \(graph.nodes[pool].name)'s backward kernel)")
        } else if let linear = plan.linear[n.id] {
            let lowering = LinearLowering(node: n, op: n.op as! LinearOp, plan: linear, graph: graph, names: names)
            overwritten.formUnion(lowering.backward(edges, parameterGradients: parameterGradients, &self))
        } else if let convolution = plan.convolution[n.id], let op = n.op as? TransposedConvolutionOp {
            let lowering = TransposedConvolutionLowering(node: n, op: op, plan: convolution, graph: graph, names: names)
            overwritten.formUnion(lowering.backward(edges, parameterGradients: parameterGradients, &self))
        } else if let convolution = plan.convolution[n.id] {
            let lowering = ConvolutionLowering(node: n, op: n.op as! ConvolutionOp, plan: convolution, graph: graph, names: names)
            overwritten.formUnion(lowering.backward(edges, parameterGradients: parameterGradients, &self))
        } else if plan.pooling.contains(n.id) {
            let relu = plan.reluInPool.first { $0.value == n.id }.map { (node: $0.key, edge: plan.training.edges(from: $0.key)[0]) }
            PoolLowering(node: n, op: n.op as! PoolOp, names: names).backward(edges, relu: relu, &self)
        } else if plan.normalisations.contains(n.id) {
            NormalisationLowering(node: n, op: n.op as! BatchNormOp, names: names).backward(edges.first, parameterGradients: parameterGradients, &self)
        } else if plan.layerNorms.contains(n.id) {
            LayerNormLowering(node: n, op: n.op as! LayerNormOp, names: names).backward(edges.first, parameterGradients: parameterGradients, &self)
        } else if plan.recurrent.contains(n.id) {
            let lowering = RecurrentLowering(node: n, op: n.op as! any RecurrentOp, batch: graph.batchSize, names: names)
            overwritten.formUnion(lowering.backward(edges.first, parameterGradients: parameterGradients, &self))
        } else if plan.attention.contains(n.id) {
            let lowering = AttentionLowering(node: n, op: n.op as! AttentionOp, batch: graph.batchSize, names: names)
            overwritten.formUnion(lowering.backward(edges.first, parameterGradients: parameterGradients, &self))
        } else if plan.activations.contains(n.id),
                  case let lowering = ActivationLowering(node: n, kernel: (n.op as! ElementwiseOp).function.kernel!, names: names),
                  lowering.hasBackward {
            lowering.backward(edges, &self)
        } else if let op = n.op as? BatchOp {
            var c = batchCode([bind(x0, .value(n.inputs[0])), bind(dy, .gradient(n.id))]
                              + edges.map { bind(.inputGradient($0.inputIndex), .gradient($0.to)) })
            op.emitBatchBackward(n, edge: edges.first, parameterGradients: parameterGradients, &c)
            code.append(contentsOf: c.op.code.statements)
        } else {
            backwardPerSample(n, edges) { n.op.emitBackward(n, edges: edges, parameterGradients: parameterGradients, &$0) }
        }
    }

    /// A batch op's code, its locals bound as given.
    func batchCode(_ bindings: [SwiftStatement.Binding]) -> BatchCode {
        BatchCode(op: OpCode(graph: graph, names: names), bindings: bindings)
    }

    /// A batch op's running-statistics update after an accepted step.
    mutating func statistics(_ n: Node, _ op: BatchOp) {
        code.line("// \(n.name): \(op.name) running statistics")
        if plan.normalisations.contains(n.id) {
            NormalisationLowering(node: n, op: n.op as! BatchNormOp, names: names).statistics(&self)
            return
        }
        var c = batchCode([bind(x0, .value(n.inputs[0]))])
        op.emitStatisticsUpdate(n, &c)
        code.append(contentsOf: c.op.code.statements)
    }

    /// The op body `body` writes, in a loop over the first `count` samples.
    mutating func forwardPerSample(_ n: Node, _ body: (inout OpCode) -> Void) {
        var bindings = n.inputs.enumerated().map { bind(.input($0.offset), .value($0.element)) }
        bindings.append(bind(.output, .value(n.id)))
        bindings += n.op.auxiliary.indices.map { bind(.auxiliary($0), .auxiliary(node: n.id, index: $0), stride: n.size) }
        bindings += workspace(n)
        perSample(count: "count", bindings, body)
    }

    /// The op body `body` writes for `edges`, in a loop over the first `count` samples.
    mutating func backwardPerSample(_ n: Node, _ edges: [BackwardGraph.Edge], _ body: (inout OpCode) -> Void) {
        var bindings = n.inputs.enumerated().map { bind(.input($0.offset), .value($0.element)) }
        bindings += [bind(.output, .value(n.id)), bind(.outputGradient, .gradient(n.id))]
        bindings += edges.map { bind(.inputGradient($0.inputIndex), .gradient($0.to)) }
        bindings += n.op.auxiliary.indices.map { bind(.auxiliary($0), .auxiliary(node: n.id, index: $0), stride: n.size) }
        bindings += workspace(n)
        perSample(count: "count", bindings, body)
    }

    /// `w` bound to the op's working space, if it has any.
    func workspace(_ n: Node) -> [SwiftStatement.Binding] {
        n.op.workspace > 0 ? [bind(.workspace, .workspace(node: n.id), stride: n.op.workspace)] : []
    }

    mutating func perSample(count: String, _ bindings: [SwiftStatement.Binding], _ body: (inout OpCode) -> Void) {
        var c = OpCode(graph: graph, names: names)
        body(&c)
        code.append(.perSample(count: count, bindings: bindings, body: c.code.statements))
    }

    /// A local bound to a node buffer, one sample of it per `stride` scalars (the node's size by default).
    func bind(_ local: Local, _ buffer: Buffer, stride: Int? = nil) -> SwiftStatement.Binding {
        let size: Int
        switch buffer {
        case .value(let id), .gradient(let id): size = graph.nodes[id].size
        default: size = stride ?? 0
        }
        return SwiftStatement.Binding(local: local, ref: names.ref(buffer), stride: stride ?? size)
    }
}
