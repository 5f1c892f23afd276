import NetcRuntime

/// One value the update computes per parameter: `let name = expression`,
/// stored back into `buffer[k]` by the real update (nil: a temporary).
struct UpdateStatement {
    let name: String
    let expression: String
    let buffer: String?
}

extension ModelEmitter {
    /// Parameters from which a Float run of the update calls the C kernel
    /// (`OptimizerStep.apply`): shorter runs, and Double, are loops here,
    /// with every buffer at a constant offset, which the optimiser vectorises
    /// in any build; through a call, xor's 17 parameters took 103 ns per step
    /// instead of 77.
    static let inlineUpdateLimit = 1024

    /// The optimizer's per-parameter statements, with the hyperparameters as
    /// the locals `updatePrologue` binds; weight decay on weight tensors only.
    func updateStatements(decays: Bool) -> [UpdateStatement] {
        let t = graph.training
        var s = [UpdateStatement(name: "g", expression: decays ? "scale * gradients[k] + decay * parameters[k]" : "scale * gradients[k]", buffer: nil)]
        switch t.optimizer {
        case .sgd(_, let momentum, let nesterov):
            if momentum == 0 {
                s.append(.init(name: "p", expression: "parameters[k] - lr * g", buffer: "parameters"))
            } else {
                s.append(.init(name: "v", expression: "momentum * velocity[k] + g", buffer: "velocity"))
                s.append(.init(name: "p", expression: nesterov ? "parameters[k] - lr * (g + momentum * v)" : "parameters[k] - lr * v",
                               buffer: "parameters"))
            }
        case .adam:
            s.append(.init(name: "m1", expression: "beta1 * firstMoment[k] + oneMinusBeta1 * g", buffer: "firstMoment"))
            s.append(.init(name: "m2", expression: "beta2 * secondMoment[k] + oneMinusBeta2 * g * g", buffer: "secondMoment"))
            s.append(.init(name: "p", expression: "parameters[k] - lr * (m1 / c1) / ((m2 / c2).squareRoot() + epsilon)", buffer: "parameters"))
        }
        return s
    }

    /// The hyperparameters as Scalar locals, read once per step.
    func updatePrologue(_ w: inout SwiftWriter, decays: Bool) {
        let h = "h.hyperparameters"
        var locals = ["lr = Scalar(\(h).learningRate)", "scale = Scalar(h.gradientScale)"]
        if decays { locals.append("decay = Scalar(\(h).weightDecay)") }
        switch graph.training.optimizer {
        case .sgd(_, let momentum, _): if momentum > 0 { locals.append("momentum = Scalar(\(h).momentum)") }
        case .adam:
            locals += ["beta1 = Scalar(\(h).beta1)", "beta2 = Scalar(\(h).beta2)", "epsilon = Scalar(\(h).epsilon)",
                       "oneMinusBeta1 = Scalar(1 - \(h).beta1)", "oneMinusBeta2 = Scalar(1 - \(h).beta2)",
                       "c1 = Scalar(h.correction1)", "c2 = Scalar(h.correction2)"]
        }
        w.line("let " + locals.joined(separator: ", "))
    }

    /// The optimizer step over the flat parameters (`update`), and the same
    /// arithmetic as a trial that writes nothing (`updateIsFinite`), which
    /// a step runs only when `Hyperparameters.admits` cannot prove it finite.
    /// Per run of tensors that weight decay treats alike: a C call for long
    /// Float runs, else a loop.
    func emitUpdate(_ e: inout EmitContext, _ layout: ModelLayout) {
        let t = graph.training
        let runs = graph.parameterRuns({ _, p in t.weightDecay > 0 && p.isWeight })
        func inline(_ range: Range<Int>) -> Bool { graph.precision == .double || range.count < ModelEmitter.inlineUpdateLimit }
        for trial in [false, true] {
            let doc = trial ? "Whether `update(m, h)` would leave every value finite; writes nothing."
                            : "One optimizer step from the gradients."
            let signature = trial ? "updateIsFinite(_ m: UnsafeMutablePointer<Scalar>, _ h: OptimizerStep) -> Bool"
                                  : "update(_ m: UnsafeMutablePointer<Scalar>, _ h: OptimizerStep)"
            function(&e, layout, doc: doc, signature) { e in
                if runs.contains(where: { inline($0.range) }) {
                    updatePrologue(&e.w, decays: runs.contains { inline($0.range) && $0.key })
                }
                let state = layout.optimizerState
                for (range, decays) in runs {
                    guard inline(range) else {
                        func at(_ buffer: String?) -> String {
                            buffer.map { range.lowerBound == 0 ? $0 : "\($0) + \(range.lowerBound)" } ?? "nil"
                        }
                        let call = "h.\(trial ? "isFinite" : "apply")(\(at("parameters")), "
                            + "gradients: \(at("gradients")), first: \(at(state.first)), second: \(at(state.second)), "
                            + "count: \(range.count), decays: \(decays))"
                        e.w.line(trial ? "guard \(call) else { return false }" : call)
                        continue
                    }
                    e.w.block("for k in \(range.lowerBound)..<\(range.upperBound)") { w in
                        let statements = updateStatements(decays: decays)
                        for s in statements { w.line("let \(s.name) = \(s.expression)") }
                        let stored = statements.filter { $0.buffer != nil }
                        if trial {
                            w.line("if !(" + stored.map { "\($0.name).isFinite" }.joined(separator: " && ") + ") { return false }")
                        } else {
                            for s in stored { w.line("\(s.buffer!)[k] = \(s.name)") }
                        }
                    }
                }
                if trial { e.w.line("return true") }
            }
        }
        emitExactBounds(&e, layout)
    }

    /// The true largest magnitudes of the parameters and optimizer state.
    func emitExactBounds(_ e: inout EmitContext, _ layout: ModelLayout) {
        let p = graph.parameterCount
        function(&e, layout, doc: "The largest magnitudes of the parameters and optimizer state, read.",
                 "exactBounds(_ m: UnsafeMutablePointer<Scalar>) -> UpdateBounds") { e in
            let first = layout.firstMoment.map { "Double(Kernels.maxMagnitude(m + \($0), \(p)))" } ?? "0"
            let second = layout.secondMoment.map { "Double(Kernels.maxMagnitude(m + \($0), \(p)))" } ?? "0"
            e.w.line("return UpdateBounds(parameters: Double(Kernels.maxMagnitude(parameters, \(p))), first: \(first), second: \(second))")
        }
    }
}

extension Training {
    /// The optimizer's hyperparameters as the runtime's `Hyperparameters`, in Swift.
    var hyperparametersLiteral: String {
        switch optimizer {
        case .sgd(let lr, let momentum, let nesterov):
            return ".sgd(learningRate: \(literal(lr)), momentum: \(literal(momentum)), nesterov: \(nesterov), weightDecay: \(literal(weightDecay)))"
        case .adam(let lr, let b1, let b2, let eps):
            return ".adam(learningRate: \(literal(lr)), beta1: \(literal(b1)), beta2: \(literal(b2)), epsilon: \(literal(eps)), weightDecay: \(literal(weightDecay)))"
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
    /// The gradient bounds ops offer for their parameters, by tensor.
    static func gradientBounds(_ graph: Graph, _ e: EmitContext) -> [Int: String] {
        graph.nodes.reduce(into: [:]) { bounds, n in bounds.merge(n.op.gradientBounds(n, e)) { first, _ in first } }
    }

    /// The training step's check before the update: the largest gradient
    /// magnitude, read with `Kernels.maxMagnitude` (which is as cheap as a
    /// finiteness test), except where an op bounds a tensor's gradient more
    /// cheaply (then it is read only if that bound is not finite or too large).
    /// NaN when any gradient is not finite.
    func emitGradientBound(_ e: inout EmitContext, _ layout: ModelLayout) {
        let bounds = ModelEmitter.gradientBounds(graph, e)
        function(&e, layout, doc: "The largest parameter-gradient magnitude, or NaN if a gradient is not finite.",
                 "gradientBound(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeMutablePointer<Scalar>) -> Scalar") { e in
            guard graph.parameterCount > 0 else { e.w.line("return 0"); return }
            e.w.line("var bound: Scalar = 0")
            for (r, _) in graph.parameterRuns({ t, _ in bounds[t] == nil ? true : nil }) {
                let start = r.lowerBound == 0 ? "gradients" : "gradients + \(r.lowerBound)"
                e.w.line("let read\(r.lowerBound) = Kernels.maxMagnitude(\(start), \(r.count))")
                e.w.line("guard read\(r.lowerBound).isFinite else { return .nan }")
                e.w.line("bound = Swift.max(bound, read\(r.lowerBound))")
            }
            for (t, p) in graph.parameters.enumerated() {
                guard let expression = bounds[t] else { continue }
                e.w.line("// \(p.name): read only when the bound is not finite or too large")
                e.w.line("var bound\(t) = \(expression)")
                let gradient = e.parameterGradient(t)
                e.w.block("if !(bound\(t) <= Scalar.greatestFiniteMagnitude / 2)") {
                    $0.line("bound\(t) = Kernels.maxMagnitude(\(gradient), \(p.count))")
                    $0.line("guard bound\(t).isFinite else { return .nan }")
                }
                e.w.line("bound = Swift.max(bound, bound\(t))")
            }
            e.w.line("return bound")
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
