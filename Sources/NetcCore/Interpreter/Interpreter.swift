import NetcRuntime

/// The reference interpreter: runs a graph and its backward graph in
/// Double, one sample at a time, as plainly as possible. It is the oracle
/// for gradient checks and for the generated code, so it favours obvious
/// correctness over speed.
public struct Interpreter: Sendable {
    public let graph: Graph

    public init(graph: Graph) { self.graph = graph }

    /// Dropout masks per dropout node, [batch][size] flattened, entries 0
    /// or 1/(1 − rate). Drawn in topological order, sample-major, one
    /// uniform per entry (kept when u ≥ rate) — the generated code's order.
    public func dropoutMasks(rng: inout SplitMix64) -> [Int: [Double]] {
        var masks: [Int: [Double]] = [:]
        for n in graph.nodes {
            for aux in n.op.auxiliary {
                guard case .dropoutMask(let rate, let plane) = aux else { continue }
                masks[n.id] = (0..<(graph.batchSize * n.size / plane)).flatMap { _ in
                    [Double](repeating: rng.nextUnit() < rate ? 0 : 1 / (1 - rate), count: plane)
                }
            }
        }
        return masks
    }

    /// The spec's initial parameters: tensors drawn from its scheme in flat
    /// order from one generator (weights), ones where a tensor starts at one,
    /// the rest (biases) zero.
    public func initialParameters(seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var p = [Double](repeating: 0, count: graph.parameterCount)
        for t in graph.parameters {
            switch t.initializer {
            case .scheme(let fanIn, let fanOut, _):
                guard graph.initScheme != .zeros else { continue }
                for k in 0..<t.count { p[t.offset + k] = graph.initScheme.sample(fanIn: fanIn, fanOut: fanOut, rng: &rng) }
                for k in t.untrained { p[k] = 0 }
            case .ones:
                for k in 0..<t.count { p[t.offset + k] = 1 }
            case .zeros:
                continue
            }
        }
        return p
    }

    /// Node values for a batch (`input` is [batch][features] flattened).
    /// With `masks`, a training pass (dropout applies them, batch
    /// normalisation uses the batch's statistics); without, inference.
    /// With `earlier`, the values of an earlier pass, nodes before `first`
    /// keep theirs: what a change to `first`'s parameters leaves alone.
    public func forward(input: [Double], parameters: [Double], masks: [Int: [Double]]? = nil,
                        earlier: [[[Double]]]? = nil, from first: Int = 0) -> [[[Double]]] {
        let batch = input.count / graph.inputSize
        var values = earlier ?? [[[Double]]](repeating: [[Double]](repeating: [], count: graph.nodes.count), count: batch)
        for n in graph.nodes[(earlier == nil ? 0 : first)...] {
            if n.id == graph.input {
                for b in 0..<batch { values[b][n.id] = Array(input[(b * n.size)..<((b + 1) * n.size)]) }
            } else if let op = n.op as? BatchOp {
                let outputs = op.forwardBatch(n, inputs: values.map { $0[n.inputs[0]] }, parameters: parameters,
                                              training: masks != nil, graph: graph)
                for b in 0..<batch { values[b][n.id] = outputs[b] }
            } else {
                for b in 0..<batch {
                    values[b][n.id] = n.op.forward(n, inputs: n.inputs.map { values[b][$0] }, parameters: parameters,
                                                   context: context(n, b, masks), graph: graph)
                }
            }
        }
        return values
    }

    /// After an accepted training step on `input`: every batch
    /// normalisation's running statistics, from the batch's values.
    public func updateStatistics(_ parameters: inout [Double], input: [Double], masks: [Int: [Double]]) {
        let values = forward(input: input, parameters: parameters, masks: masks)
        for n in graph.nodes {
            guard let op = n.op as? BatchOp else { continue }
            op.updateStatistics(n, inputs: values.map { $0[n.inputs[0]] }, parameters: &parameters, graph: graph)
        }
    }

    /// A sample's context at node `n`: its masks, and whether this is training.
    func context(_ n: Node, _ b: Int, _ masks: [Int: [Double]]?) -> SampleContext {
        let auxiliary = masks?[n.id].map { [Array($0[(b * n.size)..<((b + 1) * n.size)])] } ?? []
        return SampleContext(auxiliary: auxiliary, training: masks != nil)
    }

    /// Each sample's `outputs` values of a flat batch.
    func samples(_ flat: [Double], _ outputs: Int) -> [[Double]] {
        stride(from: 0, to: flat.count, by: outputs).map { Array(flat[$0..<($0 + outputs)]) }
    }

    /// The prediction: the loss's named node, [batch][outputs] flattened.
    public func predict(input: [Double], parameters: [Double]) -> [Double] {
        forward(input: input, parameters: parameters).flatMap { $0[graph.loss.output] }
    }

    /// The batch loss alone (a forward pass), with every op's and the
    /// loss's `kinkSides`: what a gradient check's finite differences need.
    public func lossAndKinks(input: [Double], target: [Double], parameters: [Double], masks: [Int: [Double]]? = nil,
                             earlier: [[[Double]]]? = nil, from first: Int = 0) -> (loss: Double, kinks: [Int]) {
        let values = forward(input: input, parameters: parameters, masks: masks, earlier: earlier, from: first)
        let outputs = graph.nodes[graph.loss.logits].size
        var loss = 0.0, kinks: [Int] = []
        let scale = graph.loss.rule.batchScale(samples(target, outputs))
        for (b, v) in values.enumerated() {
            let t = Array(target[(b * outputs)..<((b + 1) * outputs)])
            loss += scale * graph.loss.rule.value(logits: v[graph.loss.logits], target: t) / Double(values.count)
            for n in graph.nodes where n.id != graph.input { kinks += n.op.kinkSides(inputs: n.inputs.map { v[$0] }) }
            kinks += graph.loss.rule.kinkSides(logits: v[graph.loss.logits], target: t)
        }
        return (loss, kinks)
    }

    /// Batch loss (the mean of per-sample losses) and gradients with respect
    /// to the flat parameters and, if asked, the input.
    public func gradients(input: [Double], target: [Double], parameters: [Double],
                          masks: [Int: [Double]]? = nil, inputGradient: Bool = true)
        -> (loss: Double, parameters: [Double], input: [Double]) {
        let backward = BackwardGraph(graph, inputGradient: inputGradient)
        let values = forward(input: input, parameters: parameters, masks: masks)
        let batch = values.count, outputs = graph.nodes[graph.loss.logits].size
        var loss = 0.0
        var dParameters = [Double](repeating: 0, count: parameters.count)
        var dInput = [Double](repeating: 0, count: input.count)
        var delta = [[[Double]?]](repeating: [[Double]?](repeating: nil, count: graph.nodes.count), count: batch)
        let scale = graph.loss.rule.batchScale(samples(target, outputs))
        for b in 0..<batch {
            let t = Array(target[(b * outputs)..<((b + 1) * outputs)])
            let z = values[b][graph.loss.logits]
            loss += scale * graph.loss.rule.value(logits: z, target: t) / Double(batch)
            delta[b][graph.loss.logits] = graph.loss.rule.gradient(logits: z, target: t).map { scale * $0 / Double(batch) }
        }
        for id in backward.order {
            let n = graph.nodes[id]
            var dx: [[[Double]]]  // [sample][input]
            if let op = n.op as? BatchOp {
                dx = op.backwardBatch(n, inputs: values.map { $0[n.inputs[0]] }, gradients: delta.map { $0[id]! },
                                      parameters: parameters, parameterGradient: &dParameters, graph: graph).map { [$0] }
            } else {
                dx = (0..<batch).map { b in
                    n.op.backward(n, inputs: n.inputs.map { values[b][$0] }, output: values[b][id], gradient: delta[b][id]!,
                                  parameters: parameters, parameterGradient: &dParameters, context: context(n, b, masks), graph: graph)
                }
            }
            for e in backward.edges(from: id) {
                for b in 0..<batch {
                    delta[b][e.to] = e.accumulates ? zip(delta[b][e.to]!, dx[b][e.inputIndex]).map(+) : dx[b][e.inputIndex]
                }
            }
        }
        if inputGradient {
            for b in 0..<batch {
                guard let d = delta[b][graph.input] else { continue }
                for i in d.indices { dInput[b * graph.inputSize + i] = d[i] }
            }
        }
        return (loss, dParameters, dInput)
    }
}
