import NetcRuntime

extension ModelEmitter {
    /// The optimizer step over the flat parameters, specialised to the
    /// spec's optimizer; weight decay (if any) on weight tensors only.
    func emitUpdate(_ e: inout EmitContext, _ layout: ModelLayout) {
        let t = graph.training
        function(&e, layout, doc: "One optimizer step from the gradients (step counts from 1).",
                 "update(_ m: UnsafeMutablePointer<Scalar>, step: Int)") { e in
            if case .adam(_, let b1, let b2, _) = t.optimizer {
                e.w.line("let c1 = 1 - Scalar(Math.pow(\(literal(b1)), Double(step)))")
                e.w.line("let c2 = 1 - Scalar(Math.pow(\(literal(b2)), Double(step)))")
            }
            for (range, decays) in graph.parameterRuns({ _, p in t.weightDecay > 0 && p.isWeight }) {
                e.w.block("for k in \(range.lowerBound)..<\(range.upperBound)") { w in
                    w.line(decays ? "let g = gradients[k] + \(literal(t.weightDecay)) * parameters[k]" : "let g = gradients[k]")
                    switch t.optimizer {
                    case .sgd(let lr, let momentum, let nesterov):
                        if momentum == 0 {
                            w.line("parameters[k] -= \(literal(lr)) * g")
                        } else {
                            w.line("velocity[k] = \(literal(momentum)) * velocity[k] + g")
                            w.line(nesterov ? "parameters[k] -= \(literal(lr)) * (g + \(literal(momentum)) * velocity[k])"
                                            : "parameters[k] -= \(literal(lr)) * velocity[k]")
                        }
                    case .adam(let lr, let b1, let b2, let eps):
                        w.line("firstMoment[k] = \(literal(b1)) * firstMoment[k] + \(literal(1 - b1)) * g")
                        w.line("secondMoment[k] = \(literal(b2)) * secondMoment[k] + \(literal(1 - b2)) * g * g")
                        w.line("parameters[k] -= \(literal(lr)) * (firstMoment[k] / c1) / ((secondMoment[k] / c2).squareRoot() + \(literal(eps)))")
                    }
                }
            }
        }
    }
}

extension InitScheme {
    /// The Swift expression for this scheme.
    var swiftExpression: String {
        switch self {
        case .zeros: return ".zeros"
        case .constant(let c): return ".constant(\(literal(c)))"
        case .uniform(let a, let b): return ".uniform(\(literal(a)), \(literal(b)))"
        case .normal(let mean, let std): return ".normal(mean: \(literal(mean)), std: \(literal(std)))"
        case .xavierUniform: return ".xavierUniform"
        case .xavierNormal: return ".xavierNormal"
        case .heUniform: return ".heUniform"
        case .heNormal: return ".heNormal"
        }
    }
}

extension ModelEmitter {
    /// The finiteness proofs ops offer for their parameters' gradients, by tensor.
    static func finitenessProofs(_ graph: Graph, _ e: EmitContext) -> [Int: String] {
        graph.nodes.reduce(into: [:]) { proofs, n in proofs.merge(n.op.finitenessProofs(n, e)) { first, _ in first } }
    }

    /// The training step's guard before the update: every gradient read with
    /// `Kernels.allFinite`, except where an op proves one finite more cheaply
    /// (then it is read only if the proof fails).
    func emitFinitenessCheck(_ e: inout EmitContext, _ layout: ModelLayout) {
        let proofs = ModelEmitter.finitenessProofs(graph, e)
        function(&e, layout, doc: "Whether every parameter gradient is finite; reads a gradient only where no bound proves it.",
                 "gradientsAreFinite(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeMutablePointer<Scalar>) -> Bool") { e in
            for (r, _) in graph.parameterRuns({ t, _ in proofs[t] == nil ? true : nil }) {
                let start = r.lowerBound == 0 ? "gradients" : "gradients + \(r.lowerBound)"
                e.w.line("guard Kernels.allFinite(\(start), \(r.count)) else { return false }")
            }
            for (t, p) in graph.parameters.enumerated() {
                guard let proof = proofs[t] else { continue }
                e.w.line("// \(p.name): read only when the bound does not prove it finite")
                let read = "guard Kernels.allFinite(\(e.parameterGradient(t)), \(p.count)) else { return false }"
                e.w.block("if !\(proof)") { $0.line(read) }
            }
            e.w.line("return true")
        }
    }
}

extension Graph {
    /// Runs of adjacent parameter tensors with equal keys, as ranges of the
    /// flat parameter vector; tensors whose key is nil are left out.
    func parameterRuns<Key: Equatable>(_ key: (Int, ParameterTensor) -> Key?) -> [(range: Range<Int>, key: Key)] {
        var runs: [(range: Range<Int>, key: Key)] = []
        for (t, p) in parameters.enumerated() {
            guard let k = key(t, p) else { continue }
            if let last = runs.last, last.key == k, last.range.upperBound == p.offset {
                runs[runs.count - 1].range = last.range.lowerBound..<(p.offset + p.count)
            } else {
                runs.append((p.offset..<(p.offset + p.count), k))
            }
        }
        return runs
    }
}
