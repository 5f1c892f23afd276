import NetcRuntime

/// The `loss`, `train`, `init` and `precision` statements.
extension NetworkBuilder {
    static let adamParameters: [ParameterSpec] = [.init("learning_rate", .number(1e-12...1e6), default: .number(0.001)),
                                                  .init("beta1", .number(0...0.999999), default: .number(0.9)),
                                                  .init("beta2", .number(0...0.999999), default: .number(0.999)),
                                                  .init("epsilon", .number(1e-30...1), default: .number(1e-8))]

    static let optimizers: [(name: String, parameters: [ParameterSpec])] = [
        ("sgd", [.init("learning_rate", .number(1e-12...1e6), default: .number(0.01)),
                 .init("momentum", .number(0...0.999999), default: .number(0)),
                 .init("nesterov", .bool, default: .bool(false))]),
        ("adam", adamParameters),
        ("adamw", adamParameters),
        ("rmsprop", [.init("learning_rate", .number(1e-12...1e6), default: .number(0.01)),
                     .init("alpha", .number(0...0.999999), default: .number(0.99)),
                     .init("epsilon", .number(1e-30...1), default: .number(1e-8)),
                     .init("momentum", .number(0...0.999999), default: .number(0))]),
    ]

    /// `weight_decay` when `train` does not give it: PyTorch's defaults, 0.01 for AdamW and 0 otherwise.
    static func defaultWeightDecay(optimizer: String) -> Double { optimizer == "adamw" ? 0.01 : 0 }

    static let schedules: [(name: String, parameters: [ParameterSpec])] = [
        ("constant", []),
        ("step", [.init("every", .integer(1...1_000_000_000)), .init("factor", .number(0...1e6))]),
        ("exponential", [.init("factor", .number(0...1e6))]),
        ("cosine", [.init("steps", .integer(1...1_000_000_000)), .init("minimum", .number(0...1), default: .number(0))]),
    ]

    static let initializers: [(name: String, parameters: [ParameterSpec])] = [
        ("zeros", []),
        ("constant", [.init("value", .number(-1e6...1e6))]),
        ("uniform", [.init("low", .number(-1e6...1e6), default: .number(-0.05)),
                     .init("high", .number(-1e6...1e6), default: .number(0.05))]),
        ("normal", [.init("mean", .number(-1e6...1e6), default: .number(0)),
                    .init("std", .number(0...1e6), default: .number(0.01))]),
        ("xavier_uniform", []), ("xavier_normal", []), ("glorot_uniform", []), ("glorot_normal", []),
        ("he_uniform", []), ("he_normal", []), ("kaiming_uniform", []), ("kaiming_normal", []),
    ]

    /// Reads `train OPTIMIZER, batch: N, weight_decay: λ, schedule: DECAY, warmup: W, clip_norm: c`.
    mutating func readTraining(_ s: Statement) -> Training? {
        let specs = [ParameterSpec("optimizer", .expression),
                     ParameterSpec("batch", .integer(1...Limits.batchSize), default: .number(1)),
                     ParameterSpec("weight_decay", .number(0...1e6), default: .number(0)),
                     ParameterSpec("schedule", .expression, default: .word("constant")),
                     ParameterSpec("warmup", .integer(0...1_000_000_000), default: .number(0)),
                     ParameterSpec("clip_norm", .number(0...1e12), default: .number(0))]
        let (v, ok) = ArgumentReader.readAll(s.arguments, specs, what: "'train'", at: s.keyword.range,
                                             elsewhere: Self.optimizerArguments(s.arguments), diagnostics: &diagnostics)
        let schedule = v["schedule"]?.expression.map { readSchedule($0) } ?? .some(.constant)
        guard let e = v["optimizer"]?.expression,
              let (name, o) = ArgumentReader.resolveCall(e, kind: "optimizer", catalogue: Self.optimizers,
                                                         elsewhere: Self.trainArguments(specs, optimizer: e.name?.name ?? "sgd"), diagnostics: &diagnostics),
              ok, let decay = schedule else { return nil }
        let decayGiven = s.arguments.contains { $0.label?.name == "weight_decay" }
        var t = Training(batchSize: v["batch"]!.integer,
                         weightDecay: decayGiven ? v["weight_decay"]!.number : Self.defaultWeightDecay(optimizer: name),
                         schedule: LearningRateSchedule(decay, warmup: v["warmup"]!.integer),
                         gradientClipNorm: v["clip_norm"]!.number)
        if name == "sgd" {
            if o["nesterov"]!.bool && o["momentum"]!.number == 0 {
                diagnostics.emit(.outOfRange("'momentum' of 'sgd' with nesterov: true", "greater than 0"), at: s.range)
                return nil
            }
            t.optimizer = .sgd(learningRate: o["learning_rate"]!.number, momentum: o["momentum"]!.number,
                               nesterov: o["nesterov"]!.bool)
        } else if name == "rmsprop" {
            t.optimizer = .rmsprop(learningRate: o["learning_rate"]!.number, alpha: o["alpha"]!.number,
                                   epsilon: o["epsilon"]!.number, momentum: o["momentum"]!.number)
        } else {
            t.optimizer = .adam(learningRate: o["learning_rate"]!.number, beta1: o["beta1"]!.number,
                                beta2: o["beta2"]!.number, epsilon: o["epsilon"]!.number, decoupled: name == "adamw")
        }
        return t
    }

    /// Notes for an optimizer's values written after it, as `train`'s own
    /// (PyTorch's `lr` too), naming the optimizer the statement uses.
    static func optimizerArguments(_ arguments: [Argument]) -> [String: String] {
        let used = arguments.first { $0.label == nil }?.value.name.map(\.name).flatMap { name in
            optimizers.contains { $0.name == name } ? name : nil
        }
        var notes: [String: String] = [:]
        // The optimizer in use first: a value it takes is named with it, any other with the first that takes it.
        for (optimizer, parameters) in optimizers.filter({ $0.name == used }) + optimizers.filter({ $0.name != used }) {
            for p in parameters where notes[p.name] == nil {
                notes[p.name] = "'\(p.name)' is an argument of '\(optimizer)', inside its parentheses: train \(optimizer)(\(p.name): …)"
            }
        }
        notes["lr"] = "the learning rate is 'learning_rate', inside the optimizer's parentheses: train \(used ?? "sgd")(learning_rate: …)"
        return notes
    }

    /// Notes for `train`'s own values written inside the optimizer's
    /// parentheses (where PyTorch puts `weight_decay`).
    static func trainArguments(_ specs: [ParameterSpec], optimizer: String) -> [String: String] {
        var notes = ["lr": "the learning rate is spelled 'learning_rate'"]
        for p in specs.dropFirst() {
            notes[p.name] = "'\(p.name)' is an argument of 'train', after the optimizer: train \(optimizer)(…), \(p.name): …"
        }
        return notes
    }

    /// Reads a learning-rate decay: `constant`, `step(every: k, factor: γ)`,
    /// `exponential(factor: γ)` or `cosine(steps: T, minimum: m)`.
    mutating func readSchedule(_ e: Expression) -> LearningRateSchedule.Decay? {
        guard let (name, a) = ArgumentReader.resolveCall(e, kind: "schedule", catalogue: Self.schedules, diagnostics: &diagnostics)
        else { return nil }
        switch name {
        case "step": return .step(every: a["every"]!.integer, factor: a["factor"]!.number)
        case "exponential": return .exponential(factor: a["factor"]!.number)
        case "cosine": return .cosine(steps: a["steps"]!.integer, minimum: a["minimum"]!.number)
        default: return .constant
        }
    }

    /// Reads `init SCHEME, seed: N`.
    mutating func readInit(_ s: Statement) -> (InitScheme, UInt64)? {
        let specs = [ParameterSpec("scheme", .expression),
                     ParameterSpec("seed", .integer(0...(1 << 53)), default: .number(0))]
        let (v, ok) = ArgumentReader.readAll(s.arguments, specs, what: "'init'", at: s.keyword.range, diagnostics: &diagnostics)
        guard let e = v["scheme"]?.expression,
              let (name, a) = ArgumentReader.resolveCall(e, kind: "initializer", catalogue: Self.initializers, diagnostics: &diagnostics),
              ok else { return nil }
        let seed = UInt64(v["seed"]!.integer)
        switch name {
        case "zeros": return (.zeros, seed)
        case "constant": return (.constant(a["value"]!.number), seed)
        case "uniform":
            guard a["low"]!.number < a["high"]!.number else {
                diagnostics.emit(.outOfRange("'low' of 'uniform'", "less than 'high'"), at: v["scheme"]!.expression!.range)
                return nil
            }
            return (.uniform(a["low"]!.number, a["high"]!.number), seed)
        case "normal": return (.normal(mean: a["mean"]!.number, std: a["std"]!.number), seed)
        case "xavier_uniform", "glorot_uniform": return (.xavierUniform, seed)
        case "xavier_normal", "glorot_normal": return (.xavierNormal, seed)
        case "he_uniform", "kaiming_uniform": return (.heUniform, seed)
        default: return (.heNormal, seed)
        }
    }

    /// Reads `precision float|double`.
    mutating func readPrecision(_ s: Statement) -> Precision? {
        let specs = [ParameterSpec("precision", .word(Precision.allCases.map(\.rawValue)))]
        guard let v = ArgumentReader.read(s.arguments, specs, what: "'precision'", at: s.keyword.range,
                                          diagnostics: &diagnostics) else { return nil }
        return Precision(rawValue: v["precision"]!.word)
    }

    /// Reads `loss KIND(node, options)`: the rule, the index of the named node,
    /// its name, and where each labelled option was written.
    mutating func readLoss(_ s: Statement) -> (any LossRule, Int, Identifier, [String: SourceRange])? {
        guard let v = ArgumentReader.read(s.arguments, [ParameterSpec("loss", .expression)], what: "'loss'",
                                          at: s.keyword.range, diagnostics: &diagnostics) else { return nil }
        let e = v["loss"]!.expression!
        let catalogue = Losses.table.map { (name: $0.name, parameters: [ParameterSpec("node", .expression)] + $0.parameters) }
        let pytorchNames = ["pos_weight": "PyTorch's pos_weight is 'positive_weight' here: binary_cross_entropy(p, positive_weight: …)"]
        guard let (name, values) = ArgumentReader.resolveCall(e, kind: "loss", catalogue: catalogue, elsewhere: pytorchNames,
                                                              diagnostics: &diagnostics) else { return nil }
        guard case .word(let node)? = values["node"]!.expression else {
            diagnostics.emit(.wrongType("the first argument of '\(name)'", "a node name"), at: values["node"]!.expression!.range)
            return nil
        }
        guard let index = nodeIndex[node.name] else {
            diagnostics.emit(.unknown("node", node.name, Array(nodeIndex.keys)), at: node.range)
            return nil
        }
        var ranges: [String: SourceRange] = [:]
        if case .call(_, let arguments, _) = e {
            for a in arguments { if let label = a.label { ranges[label.name] = a.range } }
        }
        return (Losses.table.first { $0.name == name }!.make(values), index, node, ranges)
    }
}
