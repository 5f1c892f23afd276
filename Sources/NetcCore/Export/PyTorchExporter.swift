import NetcRuntime

/// `netc export-pytorch`: each network of a spec as a self-contained PyTorch
/// module with the same layers, loss, optimizer and schedule, whose
/// `state_dict` keys and shapes are netc's tensor names and shapes, so a
/// safetensors file either side writes loads on the other.
///
/// Each op gives its own PyTorch form (`Op.pytorch`), each activation and
/// loss its expression; this file assembles them into a class: constructor,
/// initializers, the forward pass in topological order, the loss, the
/// optimizer with its parameter groups and the schedule. netc's training step
/// and what else every class shares is written once per file (`base`).
public struct PyTorchExporter {
    let graph: Graph
    /// The submodule attribute of each node that has one, by node id.
    let attributes: [Int: String]
    /// The Python local holding each computed node's value, by node id (nil: inlined into its one user).
    let locals: [Int: String]
    /// The nodes the output and the logits depend on, in topological order.
    let order: [Int]

    init(_ graph: Graph) {
        self.graph = graph
        order = graph.ancestors(of: graph.loss.output).union(graph.ancestors(of: graph.loss.logits)).sorted()
        var attributes: [Int: String] = [:]
        for n in graph.nodes where !n.parameters.isEmpty {
            attributes[n.id] = String(graph.parameters[n.parameters[0]].name.split(separator: ".").dropLast().joined(separator: "."))
        }
        self.attributes = attributes
        // A value netc names itself (`h.linear`, before `h`'s activation) that only the next node reads is inlined there.
        let users = Dictionary(grouping: order.flatMap { n in graph.nodes[n].inputs.map { ($0, n) } }, by: \.0).mapValues { $0.map(\.1) }
        var locals: [Int: String] = [:]
        var taken = Self.reservedLocals
        for (k, id) in order.enumerated() {
            let node = graph.nodes[id]
            let kept = [graph.loss.output, graph.loss.logits, graph.input].contains(id)
            if !kept, node.name.contains("."), users[id] ?? [] == [order[min(k + 1, order.count - 1)]] { continue }
            var name = String(node.name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
            while taken.contains(name) || Python.keywords.contains(name) { name += "_" }
            taken.insert(name)
            locals[id] = name
        }
        self.locals = locals
    }

    /// Names the generated file uses besides the nodes'.
    static let reservedLocals: Set<String> = ["self", "torch", "nn", "F", "math", "z", "target"]

    /// What a generated class and its base define besides its submodules.
    static let members: Set<String> = [
        "input_shape", "input_ids", "output_count", "target_count", "targets", "batch_size", "dtype", "clip_norm", "batch_norms", "class_positions",
        "ignore_label",
        "reset_parameters", "values", "loss", "make_optimizer", "make_scheduler", "lr_factor", "train_step", "_batch_counts",
    ]

    /// The names the file defines at the top level besides the networks' classes.
    static let fileNames: Set<String> = ["torch", "nn", "F", "math", "NetcModule", "netc_labelled_mean"]

    /// `torch.nn.Module`'s attributes (torch 2.x; the Python test checks the list against
    /// the installed torch): a submodule by one of these names would replace them.
    static let moduleAttributes: Set<String> = [
        "T_destination", "_apply", "_backward_hooks", "_backward_pre_hooks", "_buffers", "_call_impl", "_compiled_call_impl",
        "_forward_hooks", "_forward_hooks_always_called", "_forward_hooks_with_kwargs", "_forward_pre_hooks",
        "_forward_pre_hooks_with_kwargs", "_get_backward_hooks", "_get_backward_pre_hooks", "_get_name", "_is_full_backward_hook",
        "_load_from_state_dict", "_load_state_dict_post_hooks", "_load_state_dict_pre_hooks", "_maybe_warn_non_full_backward_hook",
        "_modules", "_named_members", "_non_persistent_buffers_set", "_parameters", "_register_load_state_dict_pre_hook",
        "_register_state_dict_hook", "_replicate_for_data_parallel", "_save_to_state_dict", "_slow_forward", "_state_dict_hooks",
        "_state_dict_pre_hooks", "_version", "_wrapped_call_impl", "add_module", "apply", "bfloat16", "buffers", "call_super_init",
        "children", "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
        "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia", "named_buffers",
        "named_children", "named_modules", "named_parameters", "parameters", "register_backward_hook", "register_buffer",
        "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook", "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook", "register_module", "register_parameter",
        "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule",
        "share_memory", "state_dict", "to", "to_empty", "train", "training", "type", "xpu", "zero_grad",
    ]

    /// Names the module cannot hold: a network name that is a Python keyword or
    /// one of the file's imports, a layer whose tensors' prefix would replace a
    /// member of the module. Each with the node (or nil: the network) it names.
    public static func nameProblems(_ g: Graph) -> [(node: Node?, message: Message)] {
        var problems: [(Node?, Message)] = []
        if Python.keywords.contains(g.name) || fileNames.contains(g.name) {
            problems.append((nil, .pytorchName(g.name, "the network", Python.keywords.contains(g.name) ? "a Python keyword" : "a name the file defines")))
        }
        let exporter = PyTorchExporter(g)
        for (id, attribute) in exporter.attributes.sorted(by: { $0.key < $1.key }) {
            let why = Python.keywords.contains(attribute) ? "a Python keyword"
                : moduleAttributes.contains(attribute) ? "an attribute of torch.nn.Module"
                : members.contains(attribute) ? "a member of the exported module" : nil
            if let why { problems.append((g.nodes[id], .pytorchName(attribute, "the layer", why))) }
        }
        return problems
    }

    /// The Python file for a spec's networks.
    public static func file(_ graphs: [Graph], sourceName: String, command: String) -> String {
        var s = """
            # Generated by netc \(NetcVersion.string) from \(FileIO.printable(sourceName)): its networks as PyTorch modules. Do not edit.
            # Regenerate with: \(FileIO.printable(command))
            import math

            import torch
            import torch.nn.functional as F
            from torch import nn



            """ + (graphs.contains { $0.loss.rule.ignoredLabel != nil } ? labelledMean : "") + base
        for g in graphs { s += "\n\n" + PyTorchExporter(g).module(sourceName: FileIO.printable(sourceName)) }
        return s
    }

    /// The loss's mean over labelled positions, for a file whose networks have `ignore_label`.
    static let labelledMean = """
        def netc_labelled_mean(losses, labelled):
            \"\"\"The mean of the labelled positions' losses, 0 when none is (cross-entropy with ignore_label).\"\"\"
            return torch.where(labelled, losses, torch.zeros_like(losses)).sum() / labelled.sum().clamp(min=1)



        """

    /// What every exported module shares: netc's training step (the loss of
    /// the batch before the update; a step whose loss or gradient is not
    /// finite skipped; the gradient scaled down to `clip_norm` when its norm
    /// exceeds it), the schedule's hook, and the batch counts netc's files lack.
    static let base = """
        class NetcModule(nn.Module):
            \"\"\"What every network in this file shares: netc's training step and the schedule's hook.\"\"\"

            clip_norm = 0.0  # the gradient's largest norm (0: no clipping)
            class_positions = 1  # positions that each have a class over the channels (H·W for segmentation)
            ignore_label = None  # the label of an unlabelled position: its target row is all zero
            batch_norms = ()  # the BatchNorm submodules

            def forward(self, x):
                return self.values(x)[0]

            def make_scheduler(self, optimizer):
                \"\"\"The spec's schedule: step it after each optimizer step.\"\"\"
                return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: self.lr_factor(step + 1))

            def train_step(self, x, target, optimizer, scheduler):
                \"\"\"One of netc's training steps; returns the batch's loss before the update.
                A step whose loss or gradient is not finite changes no parameter (BatchNorm's running
                statistics, which PyTorch updates in the forward pass, excepted).\"\"\"
                self.train()
                optimizer.zero_grad()
                loss = self.loss(x, target)
                loss.backward()
                grads = [p.grad for p in self.parameters() if p.grad is not None]
                norm = torch.sqrt(sum(g.double().square().sum() for g in grads))
                if not (torch.isfinite(loss) and torch.isfinite(norm)):
                    return loss.item()
                if self.clip_norm > 0 and norm > self.clip_norm:
                    for g in grads:
                        g.mul_(self.clip_norm / norm)
                optimizer.step()
                scheduler.step()
                return loss.item()

            def _batch_counts(self, state_dict, prefix, *_):
                # netc's files have no num_batches_tracked (a count BatchNorm uses only without a momentum): keep the module's.
                for name in self.batch_norms:
                    state_dict.setdefault(prefix + name + ".num_batches_tracked", self.get_submodule(name).num_batches_tracked)

        """

    /// A node's value where its users read it: its local, or its expression when inlined.
    func value(_ id: Int) -> String { locals[id] ?? form(id).value }

    /// The node's PyTorch form over its inputs' values (the input node's over the argument).
    func form(_ id: Int) -> PyTorchForm {
        let node = graph.nodes[id]
        let operands = PyTorchOperands(
            inputs: id == graph.input ? [locals[id]!] : node.inputs.map(value),
            shapes: node.inputs.map { graph.nodes[$0].shape },
            module: "self." + (attributes[id] ?? "_"))
        return node.op.pytorch(node, operands)
    }

    func module(sourceName: String) -> String {
        let g = graph
        var lines: [String] = []
        func line(_ indent: Int, _ text: String) { lines.append(text.isEmpty ? "" : String(repeating: "    ", count: indent) + text) }
        let vocabulary = g.inputVocabulary.map(String.init) ?? "None"
        let batchNorms = g.nodes.filter { $0.op is BatchNormOp }.compactMap { attributes[$0.id] }
        let targets = switch g.loss.rule.targets { case .real: "real"; case .probabilities: "probabilities"; case .oneHot: "one_hot" }

        line(0, "class \(g.name)(NetcModule):")
        line(1, "\"\"\"\(g.name) from \(sourceName), as netc compiles it.")
        line(0, "")
        line(1, "Its state_dict has netc's tensor names and shapes, so either side loads what the other saves:")
        line(2, "model.load_state_dict(safetensors.torch.load_file(\"\(g.name).safetensors\"))")
        line(2, "safetensors.torch.save_file(model.state_dict(), \"\(g.name).safetensors\")")
        line(1, "\"\"\"")
        line(0, "")
        line(1, "input_shape = \(Python.tuple(g.nodes[g.input].shape.dimensions))  # one sample's input")
        line(1, "input_ids = \(vocabulary)  # the ids' bound when the input holds ids for an embedding")
        line(1, "output_count = \(g.outputSize)  # values forward returns per sample")
        line(1, "target_count = \(g.nodes[g.loss.logits].size)  # values loss reads per sample")
        line(1, "targets = \"\(targets)\"  # real, probabilities or one_hot")
        line(1, "batch_size = \(g.batchSize)  # the spec's")
        line(1, "dtype = torch.\(g.precision == .double ? "float64" : "float32")")
        if g.training.gradientClipNorm > 0 { line(1, "clip_norm = \(Python.float(g.training.gradientClipNorm))") }
        if g.loss.rule.positions > 1 { line(1, "class_positions = \(g.loss.rule.positions)") }
        if let label = g.loss.rule.ignoredLabel { line(1, "ignore_label = \(label)") }
        if !batchNorms.isEmpty { line(1, "batch_norms = \(Python.strings(batchNorms))") }
        line(0, "")
        line(1, "def __init__(self):")
        line(2, "super().__init__()")
        for id in g.nodes.indices {
            guard let attribute = attributes[id], let module = form(id).module else { continue }
            line(2, "self.\(attribute) = \(module)")
        }
        line(2, "self.to(self.dtype)")
        line(2, "self.reset_parameters()")
        if !batchNorms.isEmpty { line(2, "self._register_load_state_dict_pre_hook(self._batch_counts)") }
        line(0, "")
        line(1, "def reset_parameters(self):")
        line(2, "\"\"\"The spec's initializers: netc's distributions (not its draws).\"\"\"")
        line(2, "with torch.no_grad():")
        if g.parameters.isEmpty { line(3, "pass") }
        for t in g.parameters {
            line(3, initializer(t))
            if case .scheme(_, _, let row?) = t.initializer { line(3, "self.\(t.name)[\(row)].zero_()  # the padding id's row") }
        }
        line(0, "")
        line(1, "def values(self, \(locals[g.input]!)):")
        line(2, "\"\"\"What forward returns (predict's output) and the logits the loss reads.\"\"\"")
        for id in order where locals[id] != nil {
            line(2, "\(locals[id]!) = \(form(id).value)")
        }
        line(2, "return \(locals[g.loss.output]!), \(locals[g.loss.logits]!)")
        line(0, "")
        line(1, "def loss(self, x, target):")
        line(2, "\"\"\"The mean over the batch of each sample's loss, as netc's loss(input:target:).\"\"\"")
        line(2, "z = self.values(x)[1]")
        line(2, "target = target.reshape(z.shape)")
        line(2, "return \(g.loss.rule.pytorch(z: "z", t: "target", n: g.nodes[g.loss.logits].size))")
        line(0, "")
        optimizer(line)
        line(0, "")
        schedule(line)
        return lines.joined(separator: "\n") + "\n"
    }

    /// One tensor's initializer, as `nn.init` writes it.
    func initializer(_ t: ParameterTensor) -> String {
        let tensor = "self.\(t.name)"
        switch t.initializer {
        case .zeros: return "nn.init.zeros_(\(tensor))"
        case .ones: return "nn.init.ones_(\(tensor))"
        case .scheme(let fanIn, let fanOut, _):
            let fin = Double(fanIn), fout = Double(fanOut)
            switch graph.initScheme {
            case .zeros: return "nn.init.zeros_(\(tensor))"
            case .constant(let c): return "nn.init.constant_(\(tensor), \(Python.float(c)))"
            case .uniform(let a, let b): return "nn.init.uniform_(\(tensor), \(Python.float(a)), \(Python.float(b)))"
            case .normal(let mean, let std): return "nn.init.normal_(\(tensor), \(Python.float(mean)), \(Python.float(std)))"
            case .xavierUniform: return uniform(tensor, (6 / (fin + fout)).squareRoot())
            case .xavierNormal: return "nn.init.normal_(\(tensor), 0.0, \(Python.float((2 / (fin + fout)).squareRoot())))"
            case .heUniform: return uniform(tensor, (6 / fin).squareRoot())
            case .heNormal: return "nn.init.normal_(\(tensor), 0.0, \(Python.float((2 / fin).squareRoot())))"
            }
        }
    }

    func uniform(_ tensor: String, _ a: Double) -> String { "nn.init.uniform_(\(tensor), \(Python.float(-a)), \(Python.float(a)))" }

    /// `make_optimizer`: weight decay in a group of its own, on the tensors netc decays.
    func optimizer(_ line: (Int, String) -> Void) {
        let t = graph.training
        let decayed = graph.parameters.filter(\.isWeight).map(\.name)
        line(1, "def make_optimizer(self):")
        let kind = t.decouplesWeightDecay ? "decoupled, shrinking the weights" : "L2, added to the gradient"
        line(2, "\"\"\"The spec's optimizer\(t.weightDecay > 0 ? "; weight decay (\(kind)) on the weights only, as in netc" : "").\"\"\"")
        var parameters = "self.parameters()"
        if t.weightDecay > 0 {
            line(2, "decayed = \(Python.strings(decayed))")
            line(2, "named = list(self.named_parameters())")
            line(2, "parameters = [")
            line(3, "{\"params\": [p for n, p in named if n in decayed], \"weight_decay\": \(Python.float(t.weightDecay))},")
            line(3, "{\"params\": [p for n, p in named if n not in decayed], \"weight_decay\": 0.0},")
            line(2, "]")
            parameters = "parameters"
        }
        switch t.optimizer {
        case .sgd(let lr, let momentum, let nesterov):
            let extra = momentum > 0 ? ", momentum=\(Python.float(momentum))\(nesterov ? ", nesterov=True" : "")" : ""
            line(2, "return torch.optim.SGD(\(parameters), lr=\(Python.float(lr))\(extra))")
        case .rmsprop(let lr, let alpha, let eps, let momentum):
            let extra = momentum > 0 ? ", momentum=\(Python.float(momentum))" : ""
            line(2, "return torch.optim.RMSprop(\(parameters), lr=\(Python.float(lr)), alpha=\(Python.float(alpha)), eps=\(Python.float(eps))\(extra))")
        case .adam(let lr, let b1, let b2, let eps, let decoupled):
            // AdamW's own default decay is 0.01: a spec without decay says so.
            let extra = decoupled && !(t.weightDecay > 0) ? ", weight_decay=0.0" : ""
            line(2, "return torch.optim.\(decoupled ? "AdamW" : "Adam")(\(parameters), lr=\(Python.float(lr)), betas=(\(Python.float(b1)), \(Python.float(b2))), eps=\(Python.float(eps))\(extra))")
        }
    }

    /// `lr_factor(t)`: `LearningRateSchedule.factor(step:)` in Python.
    func schedule(_ line: (Int, String) -> Void) {
        let s = graph.training.schedule
        line(1, "@staticmethod")
        line(1, "def lr_factor(t):")
        line(2, "\"\"\"The learning rate's factor at optimizer step t (from 1).\"\"\"")
        if s.warmup > 0 {
            line(2, "if t <= \(s.warmup):")
            line(3, "return t / \(s.warmup)")
        }
        let u = s.warmup > 0 ? "(t - \(s.warmup + 1))" : "(t - 1)"
        switch s.decay {
        case .constant: line(2, "return 1.0")
        case .step(let every, let factor): line(2, "return \(Python.float(factor)) ** (\(u) // \(every))")
        case .exponential(let factor): line(2, "return \(Python.float(factor)) ** \(u)")
        case .cosine(let steps, let minimum):
            line(2, "return \(Python.float(minimum)) + \(Python.float(1 - minimum)) * (1 + math.cos(math.pi * min(\(u), \(steps)) / \(steps))) / 2")
        }
    }
}

extension Python {
    /// A tuple of string literals.
    static func strings(_ values: [String]) -> String {
        let quoted = values.map { "\"\($0)\"" }
        return quoted.count == 1 ? "(\(quoted[0]),)" : "(" + quoted.joined(separator: ", ") + ")"
    }
}
