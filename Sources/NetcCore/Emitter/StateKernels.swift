import NetcRuntime

/// The kernels over the model's parameters and state rather than its passes:
/// initialisation, the gradient check's bound, the optimizer update, dropout
/// masks, and the conversion of panel-stored weights.
extension ModelEmitter {
    /// Weights drawn in flat order from one generator seeded with `seed`
    /// (`.scheme` tensors), ones where a tensor starts at one, panels arranged.
    func emitInitialize(_ r: inout Renderer) {
        var c = CodeBuilder()
        c.line("#if DEBUG")
        c.line("BuildNotice.unoptimised(\"\(graph.name)\")")
        c.line("#endif")
        let drawn = graph.initScheme == .zeros ? [] : graph.parameters.filter {
            if case .scheme = $0.initializer { true } else { false }
        }
        if !drawn.isEmpty { c.line("var random = SplitMix64(seed: seed)") }
        for t in drawn {
            guard case .scheme(let fanIn, let fanOut, let zeroRow) = t.initializer else { continue }
            c.line("InitScheme\(graph.initScheme.swiftExpression).fill(m + \(t.offset), count: \(t.count), fanIn: \(fanIn), fanOut: \(fanOut), rng: &random)  // \(t.name)")
            if let zeroRow {
                c.line("(m + \(t.untrained.lowerBound)).update(repeating: 0, count: \(t.untrained.count))  // \(t.name)[\(zeroRow)]")
            }
        }
        for t in graph.parameters where t.initializer == .ones {
            c.line("(m + \(t.offset)).update(repeating: 1, count: \(t.count))  // \(t.name)")
        }
        for p in plan.panelTensors {
            c.line("PanelLayout.arrangeInPanels(m + \(graph.parameters[p.tensor].offset), rows: \(p.rows), columns: \(p.columns))  // \(graph.parameters[p.tensor].name)")
        }
        r.function(doc: ["The spec's initial weights from `seed` (biases stay zero)."],
                   "initialize(_ m: UnsafeMutablePointer<Scalar>, seed: UInt64)", c.statements)
    }

    /// The training step's check before the update: the largest gradient
    /// magnitude, read with `Kernels.maxMagnitude` (as cheap as a finiteness
    /// test), except where the plan bounds a tensor's gradient more cheaply
    /// (then it is read only if that bound is not finite or too large). NaN
    /// when any gradient is not finite.
    func emitGradientBound(_ r: inout Renderer) {
        var bounded: [Int: LinearLowering] = [:]
        for (id, linear) in plan.linear where linear.boundsGradient {
            let n = graph.nodes[id]
            bounded[n.parameters[0]] = LinearLowering(node: n, op: n.op as! LinearOp, plan: linear, graph: graph, names: names)
        }
        var c = CodeBuilder()
        defer {
            r.function(doc: ["The largest parameter-gradient magnitude, or NaN if a gradient is not finite."],
                       "gradientBound(\(ModelEmitter.kernelParameters)) -> Scalar", c.statements)
        }
        guard graph.parameterCount > 0 else { c.line("return 0"); return }
        let gradients = names.ref(.gradients)
        let runs = graph.parameterRuns({ t, _ in bounded[t] == nil ? true : nil })
        if bounded.isEmpty && runs.count == 1 {
            // NaN or ∞ when a gradient is: the caller tests the result.
            c.line("return Kernels.maxMagnitude(\(gradients), \(graph.parameterCount))")
            return
        }
        c.line("var bound: Scalar = 0")
        for (run, _) in runs {
            let start: Code = run.lowerBound == 0 ? "\(gradients)" : "\(gradients) + \(run.lowerBound)"
            c.line("let read\(run.lowerBound) = Kernels.maxMagnitude(\(start), \(run.count))")
            c.line("guard read\(run.lowerBound).isFinite else { return .nan }")
            c.line("bound = Swift.max(bound, read\(run.lowerBound))")
        }
        for t in bounded.keys.sorted() {
            c.line("// \(graph.parameters[t].name): read only when the bound is not finite or too large")
            c.line("var bound\(t) = \(bounded[t]!.gradientBound)")
            c.block("if !(bound\(t) <= Scalar.greatestFiniteMagnitude / 2)") {
                $0.line("bound\(t) = Kernels.maxMagnitude(\(names.ref(.parameterGradient(t))), \(graph.parameters[t].count))")
                $0.line("guard bound\(t).isFinite else { return .nan }")
            }
            c.line("bound = Swift.max(bound, bound\(t))")
        }
        c.line("return bound")
    }

    /// One optimizer step over the flat parameters, per run of tensors that
    /// weight decay treats alike: a loop here for short Float runs and for
    /// Double, the C kernel for long Float runs (`Plan.updatesInline`). The
    /// hyperparameters are read from `step` once, so they can change between steps.
    func emitUpdate(_ r: inout Renderer) {
        let t = graph.training
        let runs = graph.parameterRuns({ _, p in t.weightDecay > 0 && p.isWeight })
        var c = CodeBuilder()
        let inline = runs.filter { plan.updatesInline($0.range) }
        if !inline.isEmpty { c.line(updateConstants(decays: inline.contains { $0.key })) }
        let parameters = names.ref(.parameters), gradients = names.ref(.gradients)
        let first: Ref? = plan.layout.offset(.state(0)) == nil ? nil : names.ref(.state(0))
        let second: Ref? = plan.layout.offset(.state(1)) == nil ? nil : names.ref(.state(1))
        // More than one inline run (weight decay alternating with biases): one local function, called per run.
        let shared = inline.count > 1
        // The decay's factor in the loop, and its value where nothing decays: λ in the gradient, or AdamW's shrink.
        let (decay, none) = t.decouplesWeightDecay ? ("shrink", "1") : ("decay", "0")
        if shared {
            c.block("func apply(_ range: Range<Int>, _ \(decay): Scalar)") { updateLoop(&$0, range: "range", decays: true, first, second) }
        }
        for (run, decays) in runs {
            guard plan.updatesInline(run) else {
                func at(_ ref: Ref?) -> Code {
                    guard let ref else { return "nil" }
                    return run.lowerBound == 0 ? "\(ref)" : "\(ref) + \(run.lowerBound)"
                }
                c.line("step.apply(\(at(parameters)), gradients: \(at(gradients)), first: \(at(first)), second: \(at(second)), count: \(run.count), decays: \(decays))")
                continue
            }
            if shared {
                c.line("apply(\(run.lowerBound)..<\(run.upperBound), \(decays ? decay : none))")
            } else {
                updateLoop(&c, range: "\(run.lowerBound)..<\(run.upperBound)", decays: decays, first, second)
            }
        }
        r.function(doc: ["One optimizer step from the gradients, with `step`'s hyperparameters."],
                   "update(_ m: UnsafeMutablePointer<Scalar>, _ step: OptimizerStep)", c.statements)
    }

    /// The update's loop over `range`, the optimizer's formulas with the
    /// hyperparameters as the locals `updateConstants` binds.
    func updateLoop(_ c: inout CodeBuilder, range: String, decays: Bool, _ first: Ref?, _ second: Ref?) {
        let parameters = names.ref(.parameters), gradients = names.ref(.gradients)
        c.block("for k in \(range)") { c in
            let decay: Code = decays && !graph.training.decouplesWeightDecay ? " + decay * \(parameters)[k]" : ""
            c.line("let g = scale * \(gradients)[k]\(decay)")
            switch graph.training.optimizer {
            case .sgd(_, let momentum, let nesterov):
                if momentum == 0 {
                    c.line("\(parameters)[k] -= lr * g")
                } else {
                    c.line("let v = momentum * \(first!)[k] + g")
                    c.line("\(first!)[k] = v")
                    c.line(nesterov ? "\(parameters)[k] -= lr * (g + momentum * v)" : "\(parameters)[k] -= lr * v")
                }
            case .adam(_, _, _, _, let decoupled):
                c.line("let m1 = beta1 * \(first!)[k] + oneMinusBeta1 * g")
                c.line("let m2 = beta2 * \(second!)[k] + oneMinusBeta2 * g * g")
                c.line("\(first!)[k] = m1")
                c.line("\(second!)[k] = m2")
                if decoupled && decays {
                    c.line("\(parameters)[k] = shrink * \(parameters)[k] - lr * (m1 / c1) / ((m2 / c2).squareRoot() + epsilon)")
                } else {
                    c.line("\(parameters)[k] -= lr * (m1 / c1) / ((m2 / c2).squareRoot() + epsilon)")
                }
            case .rmsprop(_, _, _, let momentum):
                c.line("let v = alpha * \(first!)[k] + oneMinusAlpha * g * g")
                c.line("\(first!)[k] = v")
                c.line("let q = g / (v.squareRoot() + epsilon)")
                if momentum > 0 {
                    c.line("let b = momentum * \(second!)[k] + q")
                    c.line("\(second!)[k] = b")
                    c.line("\(parameters)[k] -= lr * b")
                } else {
                    c.line("\(parameters)[k] -= lr * q")
                }
            }
        }
    }

    /// The hyperparameters as Scalar locals, read once per step.
    func updateConstants(decays: Bool) -> Code {
        let h = "step"
        var locals = ["lr = Scalar(\(h).learningRate)", "scale = Scalar(step.gradientScale)"]
        if decays {
            locals.append(graph.training.decouplesWeightDecay ? "shrink = Scalar(\(h).weightShrink)" : "decay = Scalar(\(h).gradientDecay)")
        }
        switch graph.training.optimizer {
        case .sgd(_, let momentum, _): if momentum > 0 { locals.append("momentum = Scalar(\(h).momentum)") }
        case .adam:
            locals += ["beta1 = Scalar(\(h).beta1)", "beta2 = Scalar(\(h).beta2)", "epsilon = Scalar(\(h).epsilon)",
                       "oneMinusBeta1 = Scalar(1 - \(h).beta1)", "oneMinusBeta2 = Scalar(1 - \(h).beta2)",
                       "c1 = Scalar(step.correction1)", "c2 = Scalar(step.correction2)"]
        case .rmsprop(_, _, _, let momentum):
            locals += ["alpha = Scalar(\(h).alpha)", "oneMinusAlpha = Scalar(1 - \(h).alpha)", "epsilon = Scalar(\(h).epsilon)"]
            if momentum > 0 { locals.append("momentum = Scalar(\(h).momentum)") }
        }
        return Code(stringLiteral: "let " + locals.joined(separator: ", "))
    }

    /// Draws every auxiliary buffer the ops read (dropout's masks): 0 with
    /// probability rate, else 1/(1 − rate), in node order, sample-major.
    func emitMasks(_ r: inout Renderer) {
        var c = CodeBuilder()
        for n in graph.nodes {
            for (k, aux) in n.op.auxiliary.enumerated() {
                guard case .dropoutMask(let rate, let plane) = aux else { continue }
                let mask = names.ref(.auxiliary(node: n.id, index: k))
                let draw = "random.nextUnit() < \(literal(rate)) ? 0 : \(literal(1 / (1 - rate)))"
                if plane == 1 {
                    c.line("for k in 0..<\(graph.batchSize * n.size) { \(mask)[k] = \(draw) }")
                } else {
                    c.line("for k in 0..<\(graph.batchSize * n.size / plane) { (\(mask) + k &* \(plane)).update(repeating: \(draw), count: \(plane)) }")
                }
            }
        }
        guard !c.statements.isEmpty else { return }
        r.function(doc: ["Draws inverted-dropout masks: 0 with probability rate, else 1/(1 − rate)."],
                   "drawMasks(_ m: UnsafeMutablePointer<Scalar>, _ random: inout SplitMix64)", c.statements)
    }

    /// `flatten` and `unflatten` where weights are kept in panels: a copy of
    /// each run of tensors stored flat, and the rearrangement of each panel
    /// tensor, so no scalar is written twice.
    func emitPanelConversions(_ r: inout Renderer) {
        let panels = plan.panelTensors
        guard !panels.isEmpty else { return }
        let panelOffsets = Set(panels.map { graph.parameters[$0.tensor].offset })
        let conversions = [
            ("The parameters (or gradients) stored at `source`, into `flat` in flat order.",
             "flatten(_ source: UnsafeMutablePointer<Scalar>, into flat: UnsafeMutablePointer<Scalar>)", "source", "flat", "fromPanels"),
            ("Parameters in flat order, into the model's storage at `target`.",
             "unflatten(_ flat: UnsafePointer<Scalar>, into target: UnsafeMutablePointer<Scalar>)", "flat", "target", "toPanels"),
        ]
        for (doc, signature, from, to, kernel) in conversions {
            var c = CodeBuilder()
            for (run, _) in graph.parameterRuns({ _, t in panelOffsets.contains(t.offset) ? nil : true }) {
                let at = run.lowerBound == 0 ? "" : " + \(run.lowerBound)"
                c.line(Code(stringLiteral: "\(at.isEmpty ? to : "(\(to)\(at))").update(from: \(from)\(at), count: \(run.count))"))
            }
            for p in panels {
                let t = graph.parameters[p.tensor]
                c.line(Code(stringLiteral: "PanelLayout.\(kernel)(\(from) + \(t.offset), into: \(to) + \(t.offset), rows: \(p.rows), columns: \(p.columns))  // \(t.name)"))
            }
            r.function(doc: [doc], signature, c.statements)
        }
    }
}

extension Training {
    /// The optimizer's hyperparameters as the runtime's `Hyperparameters`, in
    /// Swift (the schedule and clipping only when the spec sets them).
    var hyperparametersLiteral: String {
        var extra = ""
        if schedule != .constant { extra += ", schedule: \(schedule.literal)" }
        if gradientClipNorm > 0 { extra += ", gradientClipNorm: \(literal(gradientClipNorm))" }
        switch optimizer {
        case .sgd(let lr, let momentum, let nesterov):
            return ".sgd(learningRate: \(literal(lr)), momentum: \(literal(momentum)), nesterov: \(nesterov), weightDecay: \(literal(weightDecay))\(extra))"
        case .adam(let lr, let b1, let b2, let eps, let decoupled):
            return ".\(decoupled ? "adamw" : "adam")(learningRate: \(literal(lr)), beta1: \(literal(b1)), beta2: \(literal(b2)), epsilon: \(literal(eps)), weightDecay: \(literal(weightDecay))\(extra))"
        case .rmsprop(let lr, let alpha, let eps, let momentum):
            return ".rmsprop(learningRate: \(literal(lr)), alpha: \(literal(alpha)), epsilon: \(literal(eps)), momentum: \(literal(momentum)), weightDecay: \(literal(weightDecay))\(extra))"
        }
    }
}

extension LearningRateSchedule {
    /// The schedule in Swift.
    var literal: String {
        let decay: String
        switch self.decay {
        case .constant: decay = ".constant"
        case .step(let every, let factor): decay = ".step(every: \(every), factor: \(NetcCore.literal(factor)))"
        case .exponential(let factor): decay = ".exponential(factor: \(NetcCore.literal(factor)))"
        case .cosine(let steps, let minimum): decay = ".cosine(steps: \(steps), minimum: \(NetcCore.literal(minimum)))"
        }
        return ".init(\(decay), warmup: \(warmup))"
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
