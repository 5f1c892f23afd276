import NetcRuntime

/// y = W x + b: a dense layer without its activation. W is [outputs][inputs], row-major.
public struct LinearOp: Op {
    public let outputs: Int
    public let hasBias: Bool
    public var name: String { hasBias ? "linear" : "linear(no bias)" }

    public func outputSize(inputSizes: [Int]) -> Int? { inputSizes.count == 1 ? outputs : nil }

    public func flops(_ node: Node, inputSizes: [Int]) -> Flops {
        let mac = 2 * inputSizes[0] * outputs, bias = hasBias ? outputs : 0
        return Flops(forward: mac + bias, parameterGradient: mac + bias, inputGradient: mac)
    }

    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], graph: Graph) -> [Double] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset
        return (0..<outputs).map { j in
            var s = hasBias ? parameters[graph.parameters[node.parameters[1]].offset + j] : 0
            for i in x.indices { s += parameters[w + j * x.count + i] * x[i] }
            return s
        }
    }

    /// dx = Wᵀ δ, dW += δ xᵀ, db += δ.
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient dy: [Double],
                         parameters: [Double], parameterGradient: inout [Double], graph: Graph) -> [[Double]] {
        let x = inputs[0], w = graph.parameters[node.parameters[0]].offset
        var dx = [Double](repeating: 0, count: x.count)
        for j in 0..<outputs {
            for i in x.indices {
                dx[i] += parameters[w + j * x.count + i] * dy[j]
                parameterGradient[w + j * x.count + i] += dy[j] * x[i]
            }
            if hasBias { parameterGradient[graph.parameters[node.parameters[1]].offset + j] += dy[j] }
        }
        return [dx]
    }

    /// Layers with at most this many weights become straight-line code: at
    /// that size loop and call overhead, not arithmetic, dominates (measured
    /// with netc-bench on xor and iris at batch 1; see docs/Performance.md).
    static let unrollLimit = 64

    func unrolls(_ n: Int, _ graph: Graph) -> Bool {
        n * outputs <= LinearOp.unrollLimit && (graph.batchSize == 1 || graph.precision == .double)
    }

    /// y[j] = b[j] + W[j,:]·x: unrolled for small layers, else (Double) one SIMD dot product per output.
    public func emitForward(_ node: Node, _ e: inout EmitContext) {
        let n = e.graph.nodes[node.inputs[0]].size, w = e.parameter(node.parameters[0])
        if unrolls(n, e.graph) {
            let b = hasBias ? e.parameter(node.parameters[1]) : nil
            for j in 0..<outputs {
                let terms = (0..<n).map { "\(w)[\(j * n + $0)] * x0[\($0)]" }
                e.w.line("y[\(j)] = " + ((b.map { ["\($0)[\(j)]"] } ?? []) + terms).joined(separator: " + "))
            }
            return
        }
        let bias = hasBias ? "\(e.parameter(node.parameters[1]))[j] + " : ""
        e.w.block("for j in 0..<\(outputs)") { $0.line("y[j] = \(bias)Kernels.dot(\(w) + j &* \(n), x0, \(n))") }
    }

    /// dW[j,:] += δ[j]·x, db[j] += δ[j], and dx = Σⱼ δ[j]·W[j,:] (axpy form, vectorisable).
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) {
        let n = e.graph.nodes[node.inputs[0]].size, w = e.parameter(node.parameters[0])
        let dw = e.parameterGradient(node.parameters[0])
        let db = hasBias ? e.parameterGradient(node.parameters[1]) : nil
        if unrolls(n, e.graph) {
            for j in 0..<outputs {
                let d = "dy[\(j)]"
                if let db { e.w.line("\(db)[\(j)] += \(d)") }
                for i in 0..<n { e.w.line("\(dw)[\(j * n + i)] += \(d) * x0[\(i)]") }
            }
            guard let edge = edges.first else { return }
            for i in 0..<n {
                let sum = (0..<outputs).map { "\(w)[\($0 * n + i)] * dy[\($0)]" }.joined(separator: " + ")
                e.w.line("dx0[\(i)] \(e.assign(edge)) \(sum)")
            }
            return
        }
        e.w.block("for j in 0..<\(outputs)") {
            if let db { $0.line("\(db)[j] += dy[j]") }
            $0.line("Kernels.axpy(dy[j], x0, \(dw) + j &* \(n), \(n))")
        }
        guard let edge = edges.first else { return }
        if !edge.accumulates { e.w.line("for i in 0..<\(n) { dx0[i] = 0 }") }
        e.w.line("for j in 0..<\(outputs) { Kernels.axpy(dy[j], \(w) + j &* \(n), dx0, \(n)) }")
    }

    /// Float layers that are not unrolled use the register-blocked
    /// C kernels of `CPUKernels` (4 samples × 3 rows forward, 4 rows × 16 columns for dW,
    /// 4 samples × 16 columns for dx); Double keeps the per-sample loops below.
    func usesBatchKernels(_ e: EmitContext, inputs n: Int) -> Bool {
        e.graph.precision == .float && !unrolls(n, e.graph)
    }

    public func emitBatchForward(_ node: Node, count: String, _ e: inout EmitContext) -> Bool {
        let n = e.graph.nodes[node.inputs[0]].size
        guard usesBatchKernels(e, inputs: n) else { return false }
        let bias = hasBias ? e.parameter(node.parameters[1]) : "nil", w = e.parameter(node.parameters[0])
        let panels = storesPanels(node, e.graph)
        if transposesForward(n, e.graph) && !panels {
            e.w.line("CPUKernels.linearTransposed(\(w), \(bias), \(e.value(node.inputs[0])), "
                     + "\(e.value(node.id)), n: \(n), m: \(outputs), count: \(count), scratch: scratch)")
            return true
        }
        e.w.line("CPUKernels.\(panels ? "panelLinear" : "linear")(\(w), \(bias), \(e.value(node.inputs[0])), "
                 + "\(e.value(node.id)), n: \(n), m: \(outputs), count: \(count))")
        return true
    }

    /// The forward pass runs `linearTransposed` (W transposed into scratch on
    /// each call) for layers it fits (`CPUKernels.transposedFits`: mnist's
    /// 128→64) at batches of at least `transposingBatch`. There the
    /// dot-product form spends much of its time on horizontal sums:
    /// `netc-bench --kernels`, 128→64 at batch 128, transpose included: 25.3
    /// and 26.0 µs against 33.1 and 33.3 µs (34.2 against 42.6 in a slow
    /// run); at batch 32 8.9–10.6 against 8.5–10.2 µs, no gain, hence the threshold.
    func transposesForward(_ n: Int, _ graph: Graph) -> Bool {
        graph.precision == .float && !unrolls(n, graph) && CPUKernels.transposedFits(n: n, m: outputs)
            && graph.batchSize >= LinearOp.transposingBatch
    }

    static let transposingBatch = 64

    /// W stays in 16-output panels (`PanelLayout`) for Float layers
    /// that read the network's input — so a training step never needs their
    /// input gradient, the one product panels make slow — with at least
    /// `panelWeights` weights (W larger than L1), outputs in whole 16s and a
    /// batch of at least `panelBatch`. For mnist's 784→128 the forward pass
    /// then reads each panel in order per 6-sample block, broadcasting x, in
    /// place of three rows of W per 4-sample block and horizontal sums:
    /// `netc-bench --kernels` at batch 128, 91.1 and 95.0 % of peak against
    /// 83.0 and 80.2 % in two runs of this build (docs/Performance.md).
    func storesPanels(_ node: Node, _ graph: Graph) -> Bool {
        let n = graph.nodes[node.inputs[0]].size
        return graph.precision == .float && !unrolls(n, graph) && node.inputs[0] == graph.input
            && PanelLayout.fits(m: outputs) && n * outputs >= LinearOp.panelWeights
            && graph.batchSize >= LinearOp.panelBatch
    }

    static let panelWeights = 16_384
    static let panelBatch = 32

    public func parameterStorage(_ node: Node, graph: Graph) -> [Int: ParameterStorage] {
        guard storesPanels(node, graph) else { return [:] }
        return [node.parameters[0]: .panels(rows: outputs, columns: graph.nodes[node.inputs[0]].size)]
    }

    /// The weight gradient packs its operands into scratch when the batch's
    /// inputs span at least 64 kB (16 pages) and the layer has at least 32
    /// outputs. Measured with `netc-bench --kernels` (% of peak, in place →
    /// packed): 784→128 at batch 128 72 → 92, at batch 32 82 → 84; 128→64 at
    /// batch 128 63 → 84 but at batch 32 89 → 86; 64→10 at batch 128 54 → 47.
    static let packingBytes = 65_536

    func packsWeightGradient(_ n: Int, _ graph: Graph) -> Bool {
        graph.precision == .float && !unrolls(n, graph) && outputs >= 32 && n >= 16
            && graph.batchSize * n * 4 >= LinearOp.packingBytes
    }

    public func scratchSize(_ node: Node, graph: Graph) -> Int {
        let n = graph.nodes[node.inputs[0]].size
        if storesPanels(node, graph) { return CPUKernels.panelWeightGradientScratch(m: outputs, count: graph.batchSize) }
        return max(packsWeightGradient(n, graph) ? CPUKernels.weightGradientScratch(m: outputs, count: graph.batchSize) : 0,
                   transposesForward(n, graph) ? n * outputs : 0)
    }

    /// A bound on the weight gradient's magnitudes follows from max|δ| and
    /// max|x| (`Kernels.weightGradientBound`) read over count·(n + m)
    /// scalars; worth it where that is at most half of dW's n·m and dW is
    /// larger than L1 (mnist at batch 32: 29 k instead of 100 k scalars,
    /// 1.7 µs instead of 5.2–6.1 µs). Below `proofWeights` the split check
    /// would cost more calls than the read it saves.
    public func gradientBounds(_ node: Node, _ e: EmitContext) -> [Int: String] {
        let n = e.graph.nodes[node.inputs[0]].size, batch = e.graph.batchSize
        guard usesBatchKernels(e, inputs: n), n * outputs >= LinearOp.proofWeights,
              2 * batch * (n + outputs) <= n * outputs else { return [:] }
        return [node.parameters[0]: "Kernels.weightGradientBound(\(e.gradient(node.id)), \(e.value(node.inputs[0])), "
                + "n: \(n), m: \(outputs), count: \(batch))"]
    }

    /// 64 kB of Float weights: twice the L1 data cache.
    static let proofWeights = 16_384

    public func emitBatchBackward(_ node: Node, edges: [BackwardGraph.Edge], _ e: inout EmitContext) -> Bool {
        let n = e.graph.nodes[node.inputs[0]].size, batch = e.graph.batchSize
        guard usesBatchKernels(e, inputs: n) else { return false }
        let db = hasBias ? e.parameterGradient(node.parameters[1]) : "nil"
        // Over panels the weight gradient always packs δ; in rows it packs only for large batches.
        let panels = storesPanels(node, e.graph)
        let scratch = panels || packsWeightGradient(n, e.graph) ? ", scratch: scratch" : ""
        e.w.line("CPUKernels.\(panels ? "panelWeightGradient" : "weightGradient")(\(e.gradient(node.id)), \(e.value(node.inputs[0])), "
                 + "\(e.parameterGradient(node.parameters[0])), \(db), n: \(n), m: \(outputs), count: \(batch)\(scratch))")
        if let edge = edges.first {
            e.w.line("CPUKernels.\(panels ? "panelInputGradient" : "inputGradient")(\(e.gradient(node.id)), \(e.parameter(node.parameters[0])), "
                     + "\(e.gradient(edge.to)), accumulate: \(edge.accumulates), n: \(n), m: \(outputs), count: \(batch))")
        }
        return true
    }
}
