/// The generated type's declarations and public API: initialisers,
/// parameters, predict, loss, gradients, trainStep, save and load.
struct APIEmitter {
    let graph: Graph
    let layout: ModelLayout
    let e: EmitContext

    var name: String { graph.name }
    var batch: Int { graph.batchSize }
    var inputCount: Int { batch * graph.inputSize }
    var outputCount: Int { batch * graph.outputSize }
    var targetCount: Int { batch * graph.nodes[graph.loss.logits].size }
    var p: Int { graph.parameterCount }
    var outputOffset: Int { layout.offset(e.value(graph.loss.output)) }
    var hasDropout: Bool { graph.nodes.contains { $0.op is DropoutOp } }
    var isClassifier: Bool { graph.loss.rule is SoftmaxCrossEntropy || graph.loss.rule is Hinge }
    var isBinary: Bool { graph.loss.rule is SigmoidCrossEntropy && graph.outputSize == 1 }

    /// Weights the emitted code keeps in 16-output panels, in flat order: the
    /// API converts them wherever parameters or gradients cross it.
    var panelTensors: [(tensor: ParameterTensor, rows: Int, columns: Int)] {
        let storage = graph.nodes.reduce(into: [Int: ParameterStorage]()) { all, n in
            all.merge(n.op.parameterStorage(n, graph: graph)) { first, _ in first }
        }
        return storage.keys.sorted().map { t in
            switch storage[t]! { case .panels(let rows, let columns): (graph.parameters[t], rows, columns) }
        }
    }

    func emitTypeDoc(_ w: inout SwiftWriter) {
        w.doc("`\(name)`, compiled from the spec: every shape below is fixed at compile time.",
              "")
        for n in graph.nodes {
            let inputs = n.inputs.isEmpty ? "" : "(" + n.inputs.map { graph.nodes[$0].name }.joined(separator: ", ") + ")"
            w.doc("- `\(n.name)\(inputs)`: \(n.op.name) [\(n.size)]")
        }
        w.doc("",
              "Loss: \(graph.loss.rule.name) on `\(graph.nodes[graph.loss.output].name)`, mean over a batch of \(batch).",
              "Inputs, outputs and targets are laid out row-major, [batch][features].")
        let panels = panelTensors.map { "`\($0.tensor.name)`" }
        if !panels.isEmpty {
            w.doc("Inside the model \(panels.joined(separator: ", ")) \(panels.count == 1 ? "is" : "are") stored in 16-output panels;",
                  "`parameters`, `gradients`, `save` and `load` convert to and from the flat order.")
        }
        w.doc(
              "A value type: copies share storage until one of them changes, and calls that do not change",
              "the model (`predict`, `loss`, `gradients`) can run on many threads at once (`ModelStorage`).")
    }

    func emitDeclarations(_ w: inout SwiftWriter) {
        w.line("public typealias Scalar = \(graph.precision.swiftType)")
        w.line("")
        w.doc("Features per sample.")
        w.line("public static let inputCount = \(graph.inputSize)")
        w.doc("Outputs per sample (the value of `\(graph.nodes[graph.loss.output].name)`).")
        w.line("public static let outputCount = \(graph.outputSize)")
        w.doc("Samples per call, fixed by the spec.")
        w.line("public static let batchSize = \(batch)")
        w.doc("Parameters, in the flat order: each layer's weight [outputs][inputs], then its bias.")
        w.line("public static let parameterCount = \(p)")
        w.doc("Identifies the parameter layout in saved files.")
        w.line("public static let fingerprint: UInt64 = 0x\(String(graph.fingerprint, radix: 16))")
        w.doc("The optimizer and its hyperparameters, from the spec.")
        w.line("public static let hyperparameters: Hyperparameters = \(graph.training.hyperparametersLiteral)")
        w.doc("The parameter tensors: name, offset and count, in flat order.")
        let tensors = graph.parameters.map { "(\"\($0.name)\", \($0.offset), \($0.count))" }.joined(separator: ", ")
        w.line("public static let parameterTensors: [(name: String, offset: Int, count: Int)] = [\(tensors)]")
        w.line("")
        w.doc("Scalars in the model's single allocation, shared by copies until one changes.")
        w.line("@usableFromInline static let storageCount = \(layout.size)")
        w.line("@usableFromInline var storage: ModelStorage<Scalar>")
        w.line("")
        w.block("mutating func makeUnique()") { w in
            w.line("if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }")
        }
        emitConversions(&w)
    }

    /// `flatten` and `unflatten`: the model's stored parameters (or
    /// gradients) to and from the flat order — a copy of each run of tensors
    /// stored flat, and the rearrangement of each panel tensor, so no scalar
    /// is written twice. Every way in and out of the model
    /// (`parameters`, `gradients`, `save`, `load`) goes through them.
    func emitConversions(_ w: inout SwiftWriter) {
        let panels = panelTensors, panelOffsets = Set(panels.map(\.tensor.offset))
        let conversions = [
            ("The \(p) parameters (or gradients) stored at `source`, into `flat` in flat order.",
             "flatten(_ source: UnsafeMutablePointer<Scalar>, into flat: UnsafeMutablePointer<Scalar>)", "source", "flat", "fromPanels"),
            ("\(p) parameters in flat order, into the model's storage at `target`.",
             "unflatten(_ flat: UnsafePointer<Scalar>, into target: UnsafeMutablePointer<Scalar>)", "flat", "target", "toPanels"),
        ]
        for (doc, signature, from, to, kernel) in conversions {
            w.line("")
            w.doc(doc)
            w.line("@usableFromInline")
            w.block("static func \(signature)") { w in
                // Copied as they are: each run of adjacent tensors not kept in panels.
                for (r, _) in graph.parameterRuns({ _, t in panelOffsets.contains(t.offset) ? nil : true }) {
                    let at = r.lowerBound == 0 ? "" : " + \(r.lowerBound)"
                    w.line("\(at.isEmpty ? to : "(\(to)\(at))").update(from: \(from)\(at), count: \(r.count))")
                }
                for t in panels {
                    w.line("PanelLayout.\(kernel)(\(from) + \(t.tensor.offset), into: \(to) + \(t.tensor.offset), "
                           + "rows: \(t.rows), columns: \(t.columns))  // \(t.tensor.name)")
                }
            }
        }
    }

    func emitPublicAPI(_ w: inout SwiftWriter) {
        emitInitialisers(&w)
        emitPredict(&w)
        emitGradients(&w)
        emitTraining(&w)
        emitPersistence(&w)
    }

    func emitInitialisers(_ w: inout SwiftWriter) {
        w.line("")
        w.doc("A model initialised from `seed` with the spec's initializer: weights drawn in flat order, biases zero.",
              "Dropout masks come from a second generator seeded with `~seed`.")
        w.block("public init(seed: UInt64 = \(graph.seed))") { w in
            w.line("storage = ModelStorage(count: Self.storageCount, alignment: \(ModelLayout.allocationAlignment), random: SplitMix64(seed: ~seed))")
            w.line("#if DEBUG")
            w.line("BuildNotice.unoptimised(\"\(name)\")")
            w.line("#endif")
            let weights = graph.parameters.filter(\.isWeight)
            if graph.initScheme != .zeros && !weights.isEmpty {
                w.line("var random = SplitMix64(seed: seed)")
                w.line("let m = storage.memory")
                for t in weights {
                    w.line("InitScheme\(graph.initScheme.swiftExpression).fill(m + \(t.offset), count: \(t.count), "
                           + "fanIn: \(t.shape[1]), fanOut: \(t.shape[0]), rng: &random)  // \(t.name)")
                }
                for t in panelTensors {
                    w.line("PanelLayout.arrangeInPanels(m + \(t.tensor.offset), rows: \(t.rows), columns: \(t.columns))  // \(t.tensor.name)")
                }
            }
        }
        w.line("")
        w.doc("A model with the given parameters (\(p) values in flat order).")
        w.block("public init(parameters: [Scalar])") { w in
            w.line("ArgumentCheck.require(parameters.count == \(p), \"\(name)(parameters:) needs \(p) values, got \\(parameters.count)\")")
            w.line("self.init(seed: 0)")
            w.line("self.parameters = parameters")
        }
        w.line("")
        w.doc("The parameters in flat order: each layer's weight [outputs][inputs] row-major, then its bias.")
        w.block("public var parameters: [Scalar]") { w in
            w.line("get { Array(unsafeUninitializedCapacity: \(p)) { Self.flatten(storage.memory, into: $0.baseAddress!); $1 = \(p) } }")
            w.block("set") { w in
                w.line("ArgumentCheck.require(newValue.count == \(p), \"\(name).parameters needs \(p) values, got \\(newValue.count)\")")
                w.line("makeUnique()")
                w.line("newValue.withUnsafeBufferPointer { Self.unflatten($0.baseAddress!, into: storage.memory) }")
                w.line("storage.bounds = .unknown")
            }
        }
    }

    func emitPredict(_ w: inout SwiftWriter) {
        w.line("")
        let ins = graph.inputSize, outs = graph.outputSize
        w.doc("Outputs for any number of samples (\(ins) inputs in, \(outs) outputs out per sample, row-major),",
              "computed \(batch) at a time. Allocates nothing.")
        w.block("public func predict(input: UnsafeBufferPointer<Scalar>, output: UnsafeMutableBufferPointer<Scalar>)") { w in
            w.line("ArgumentCheck.require(input.count % \(ins) == 0, \"\(name).predict: input count \\(input.count) is not a multiple of \(ins)\")")
            w.line("let samples = input.count / \(ins)")
            w.line("ArgumentCheck.require(output.count == samples * \(outs), \"\(name).predict: output needs \\(samples * \(outs)) values, got \\(output.count)\")")
            w.block("storage.withExclusiveMemory(parameters: \(p), flushingSubnormals: false) { m in") { w in
                w.line("var first = 0")
                w.block("while first < samples") { w in
                    w.line("let count = min(\(batch), samples - first)")
                    w.line("Self.forward(m, UnsafeMutablePointer(mutating: input.baseAddress! + first * \(ins)), training: false, count: count)")
                    w.line("for k in 0..<count * \(outs) { output[first * \(outs) + k] = m[\(outputOffset) + k] }")
                    w.line("first += count")
                }
            }
        }
        w.line("")
        w.doc("Outputs for any number of samples, \(ins) inputs each, row-major.")
        w.block("public func predict(_ input: [Scalar]) -> [Scalar]") { w in
            w.line("var output = [Scalar](repeating: 0, count: input.count / \(ins) * \(outs))")
            w.line("input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { predict(input: i, output: $0) } }")
            w.line("return output")
        }
        if isClassifier || isBinary {
            w.line("")
            w.doc(isBinary ? "The predicted class per sample: 1 when the output is at least 0.5."
                           : "The predicted class per sample: the index of the largest output.")
            w.block("public func classify(_ input: [Scalar]) -> [Int]") { w in
                w.line("let output = predict(input)")
                if isBinary {
                    w.line("return output.map { $0 >= 0.5 ? 1 : 0 }")
                } else {
                    w.block("return (0..<output.count / \(graph.outputSize)).map { b in") { w in
                        w.line("var best = 0")
                        w.line("for i in 1..<\(graph.outputSize) where output[b * \(graph.outputSize) + i] > output[b * \(graph.outputSize) + best] { best = i }")
                        w.line("return best")
                    }
                }
            }
        }
        w.line("")
        w.doc("The batch loss without training (dropout off).")
        w.block("public func loss(input: [Scalar], target: [Scalar]) -> Scalar") { w in
            w.block("return input.withUnsafeBufferPointer { i in") { w in
                w.block("storage.withExclusiveMemory(parameters: \(p), flushingSubnormals: false) { m in") { w in
                    w.line("target.withUnsafeBufferPointer { Self.load(m, i, $0) }")
                    w.line("Self.forward(m, UnsafeMutablePointer(mutating: i.baseAddress!), training: false)")
                    w.line("return Self.lossAndSeed(m)")
                }
            }
        }
        w.line("")
        w.doc("Checks a batch's sizes and copies its targets into the model's buffer; kernels read the input in place.")
        w.line("@usableFromInline")
        w.block("static func load(_ m: UnsafeMutablePointer<Scalar>, _ input: UnsafeBufferPointer<Scalar>, _ target: UnsafeBufferPointer<Scalar>)") { w in
            w.line("ArgumentCheck.require(input.count == \(inputCount), \"\(name): input needs \(inputCount) values (\(batch) samples of \(graph.inputSize)), got \\(input.count)\")")
            w.line("ArgumentCheck.require(target.count == \(targetCount), \"\(name): target needs \(targetCount) values (\(batch) samples of \(targetCount / batch)), got \\(target.count)\")")
            w.line("for k in 0..<\(targetCount) { m[\(layout.target) + k] = target[k] }")
        }
    }

    func emitGradients(_ w: inout SwiftWriter) {
        let gin = layout.offset(e.gradient(graph.input))
        w.line("")
        w.doc("The batch loss and its gradients with respect to the parameters (flat order) and the input,",
              "into caller-provided buffers. Dropout is applied with masks drawn from a copy of the model's",
              "generator, so the same model gives the same gradients every time (training steps advance it).",
              "Allocates nothing.")
        w.block("public func gradients(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>, "
                + "parameterGradient: UnsafeMutableBufferPointer<Scalar>, inputGradient: UnsafeMutableBufferPointer<Scalar>) -> Scalar") { w in
            w.line("ArgumentCheck.require(parameterGradient.count == \(p), \"\(name).gradients: parameterGradient needs \(p) values, got \\(parameterGradient.count)\")")
            w.line("ArgumentCheck.require(inputGradient.count == \(inputCount), \"\(name).gradients: inputGradient needs \(inputCount) values, got \\(inputGradient.count)\")")
            if hasDropout { w.line("var random = storage.random") }
            w.block("return storage.withExclusiveMemory(parameters: \(p), flushingSubnormals: true) { m in") { w in
                w.line("Self.load(m, input, target)")
                w.line("let x = UnsafeMutablePointer(mutating: input.baseAddress!)")
                if hasDropout { w.line("Self.drawMasks(m, &random)") }
                w.line("Self.forward(m, x, training: true)")
                w.line("let loss = Self.lossAndSeed(m)")
                w.line("Self.backwardWithInputGradient(m, x)")
                w.line("Self.flatten(m + \(layout.gradients), into: parameterGradient.baseAddress!)")
                w.line("for k in 0..<\(inputCount) { inputGradient[k] = m[\(gin) + k] }")
                w.line("return loss")
            }
        }
        w.line("")
        w.doc("The batch loss and its gradients with respect to the parameters (flat order) and the input.")
        w.block("public func gradients(input: [Scalar], target: [Scalar]) -> (loss: Scalar, parameters: [Scalar], input: [Scalar])") { w in
            w.line("var dp = [Scalar](repeating: 0, count: \(p)), dx = [Scalar](repeating: 0, count: \(inputCount))")
            w.block("let loss = input.withUnsafeBufferPointer { i in") { w in
                w.block("target.withUnsafeBufferPointer { t in") { w in
                    w.block("dp.withUnsafeMutableBufferPointer { g in") { w in
                        w.line("dx.withUnsafeMutableBufferPointer { gradients(input: i, target: t, parameterGradient: g, inputGradient: $0) }")
                    }
                }
            }
            w.line("return (loss, dp, dx)")
        }
    }

    func emitTraining(_ w: inout SwiftWriter) {
        w.line("")
        w.doc("One optimizer step on a batch; returns the batch loss before the update. Allocates nothing.",
              "If the loss, any gradient or any value the update would write is not finite, the step is",
              "skipped: the parameters and optimizer state are left unchanged and the result is not finite",
              "(the loss, or NaN when only a gradient or the update overflowed). Check `result.isFinite`.")
        w.line("@discardableResult")
        w.block("public mutating func trainStep(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>) -> Scalar") { w in
            w.line("makeUnique()")
            w.line("Self.load(storage.memory, input, target)")
            w.line("return step(UnsafeMutablePointer(mutating: input.baseAddress!))")
        }
        w.line("")
        w.doc("One optimizer step on a batch; returns the batch loss before the update.")
        w.line("@discardableResult")
        w.block("public mutating func trainStep(input: [Scalar], target: [Scalar]) -> Scalar") { w in
            w.line("input.withUnsafeBufferPointer { i in target.withUnsafeBufferPointer { trainStep(input: i, target: $0) } }")
        }
        if isClassifier || isBinary {
            let outputs = graph.outputSize
            w.line("")
            w.doc(isBinary ? "One optimizer step with integer labels (0 or 1) as targets."
                           : "One optimizer step with class labels (0..<\(outputs)) as one-hot targets.")
            w.line("@discardableResult")
            w.block("public mutating func trainStep(input: [Scalar], labels: [Int]) -> Scalar") { w in
                w.line("ArgumentCheck.require(input.count == \(inputCount), \"\(name).trainStep: input needs \(inputCount) values (\(batch) samples of \(graph.inputSize)), got \\(input.count)\")")
                w.line("ArgumentCheck.require(labels.count == \(batch), \"\(name).trainStep: needs \(batch) labels, got \\(labels.count)\")")
                w.line("makeUnique()")
                w.line("let m = storage.memory")
                w.block("for b in 0..<\(batch)") { w in
                    w.line("let label = labels[b]")
                    w.line("ArgumentCheck.require(label >= 0 && label < \(isBinary ? 2 : outputs), \"\(name).trainStep: label \\(label) at sample \\(b) is outside 0..<\(isBinary ? 2 : outputs)\")")
                    if isBinary {
                        w.line("m[\(layout.target) + b] = Scalar(label)")
                    } else {
                        w.line("for i in 0..<\(outputs) { m[\(layout.target) + b * \(outputs) + i] = i == label ? 1 : 0 }")
                    }
                }
                w.line("return input.withUnsafeBufferPointer { step(UnsafeMutablePointer(mutating: $0.baseAddress!)) }")
            }
        }
        w.line("")
        w.line("@usableFromInline")
        w.block("mutating func step(_ input: UnsafeMutablePointer<Scalar>) -> Scalar") { w in
            w.line("let saved = CPUKernels.flushSubnormals()  // see CPUKernels.withSubnormalsFlushed")
            w.line("defer { CPUKernels.restoreFloatMode(saved) }")
            w.line("let m = storage.memory")
            if hasDropout { w.line("Self.drawMasks(m, &storage.random)") }
            w.line("Self.forward(m, input, training: true)")
            w.line("let loss = Self.lossAndSeed(m)")
            w.line("guard loss.isFinite else { return loss }")
            w.line("Self.backward(m, input)")
            w.line("let gradientBound = Self.gradientBound(m, input)")
            w.line("guard gradientBound.isFinite else { return .nan }")
            w.line("let next = storage.step + 1")
            w.line("let h = Self.hyperparameters")
            w.line("let update = OptimizerStep(h, step: next)")
            w.line("// Bounds that keep every value the update writes finite.")
            w.line("guard h.admits(storage, gradient: Double(gradientBound), exact: { Self.exactBounds(m) },")
            w.line("    verify: { Self.updateIsFinite(m, update) }) else { return .nan }")
            w.line("storage.step = next")
            w.line("Self.update(m, update)")
            w.line("return loss")
        }
    }

    func emitPersistence(_ w: inout SwiftWriter) {
        w.line("")
        w.doc("Writes the parameters atomically in netc's parameter file format.")
        w.block("public func save(to path: String) throws(ParameterFile.Failure)") { w in
            w.line("try parameters.withUnsafeBufferPointer { (flat) throws(ParameterFile.Failure) in")
            w.line("    try ParameterFile.write(flat, fingerprint: Self.fingerprint, to: path)")
            w.line("}")
        }
        w.line("")
        w.doc("A model with parameters read from a file saved by a `\(name)` of the same precision.")
        w.block("public init(contentsOf path: String) throws(ParameterFile.Failure)") { w in
            w.line("self.init(parameters: try ParameterFile.read(from: path, fingerprint: Self.fingerprint, count: \(p)))")
        }
        w.line("")
        w.doc("Replaces the parameters with a file's and resets the optimizer state; on error the model is unchanged.")
        w.block("public mutating func load(contentsOf path: String) throws(ParameterFile.Failure)") { w in
            w.line("let values: [Scalar] = try ParameterFile.read(from: path, fingerprint: Self.fingerprint, count: \(p))")
            w.line("parameters = values")
            if let first = layout.firstMoment {
                let count = layout.secondMoment == nil ? p : 2 * p
                w.line("(storage.memory + \(first)).update(repeating: 0, count: \(count))")
            }
            w.line("storage.step = 0")
            w.line("storage.bounds = .unknown")
        }
    }
}
