import NetcRuntime

/// Checks one parsed network and builds its static graph.
///
/// Every check runs even after an error, so one run reports everything;
/// the graph is produced only when there were no errors.
struct NetworkBuilder {
    let decl: NetworkDecl
    var diagnostics: DiagnosticBag
    var declared: [DeclaredNode] = []
    var nodeIndex: [String: Int] = [:]
    var settings: [String: Statement] = [:]
    /// Node statements whose name was taken: reported, and their arguments still checked.
    var duplicates: [Statement] = []
    /// Settings whose statements had syntax errors (reported): not also reported missing.
    var unreadSettings: Set<String> = []

    init(decl: NetworkDecl, diagnostics: DiagnosticBag) {
        self.decl = decl
        self.diagnostics = diagnostics
    }

    mutating func build() -> Graph? {
        let errorsBefore = diagnostics.errorCount
        collectStatements()
        for i in declared.indices where declared[i].statement.isValid {
            let kind = NodeKinds.named(declared[i].keyword)
            declared[i].kind = kind
            declared[i].declaration = kind?.declare(declared[i].statement, &diagnostics)
            declared[i].inputs = resolveInputs(i)
        }
        for s in duplicates where s.isValid { _ = NodeKinds.named(s.keyword.name)?.declare(s, &diagnostics) }
        let inputIndex = checkSingleInput()
        let order = topologicalOrder()
        inferShapes(order)

        var training = Training()
        if let s = settings["train"], let t = readTraining(s) { training = t }
        var initScheme = InitScheme.xavierUniform, seed: UInt64 = 0
        if let s = settings["init"], let r = readInit(s) { (initScheme, seed) = r }
        var precision = Precision.float
        if let s = settings["precision"], let p = readPrecision(s) { precision = p }
        var loss: (rule: any LossRule, node: Int, logits: Int?)?
        if let s = settings["loss"] {
            if let (read, node, id, ranges) = readLoss(s) {
                var rule = read
                let logits = checkLoss(&rule, node, id, ranges)
                loss = (rule, node, logits)
            }
        } else if !unreadSettings.contains("loss") {
            diagnostics.emit(.missing("loss", in: decl.name.name), at: decl.name.range)
        }
        if let loss { checkReachability(loss.node) }
        checkParameterCount()

        // Statements with syntax errors were reported by the parser and skipped here.
        // Anything left unresolved was reported somewhere (possibly by the parser).
        let resolved = declared.allSatisfy { $0.declaration != nil && $0.inputs != nil && $0.shape != nil }
        guard diagnostics.errorCount == errorsBefore, resolved, decl.statements.allSatisfy(\.isValid), let inputIndex, let order, let loss, let logits = loss.logits
        else { return nil }
        return assemble(order: order, input: inputIndex, loss: (loss.rule, loss.node, logits),
                        training: training, initScheme: initScheme, seed: seed, precision: precision)
    }

    /// Registers node names and settings, reporting duplicates.
    mutating func collectStatements() {
        if decl.statements.count > Limits.statementsPerNetwork {
            diagnostics.emit(.tooLarge("the number of statements", Limits.statementsPerNetwork), at: decl.name.range)
        }
        var references = 0
        for s in decl.statements.prefix(Limits.statementsPerNetwork) {
            let named = s.inputs?.count ?? 0
            if references <= Limits.inputReferences && references + named > Limits.inputReferences, let first = s.inputs?.first {
                diagnostics.emit(.tooLarge("the number of inputs named by the network's nodes", Limits.inputReferences),
                                 at: first.range)
            }
            references += named
            if let name = s.name {
                if let first = nodeIndex[name.name] {
                    diagnostics.emit(.duplicateNode(name.name), at: name.range,
                                     notes: [.init(message: Message.noteFirstDefined, range: declared[first].name.range)])
                    duplicates.append(s)
                    continue
                }
                if declared.count == Limits.nodes {
                    diagnostics.emit(.tooLarge("the number of nodes", Limits.nodes), at: name.range)
                }
                nodeIndex[name.name] = declared.count
                declared.append(DeclaredNode(statement: s, name: name))
            } else if !s.isValid {
                unreadSettings.insert(s.keyword.name)
                continue
            } else if let first = settings[s.keyword.name] {
                diagnostics.emit(.duplicateSetting(s.keyword.name), at: s.keyword.range,
                                 notes: [.init(message: Message.noteFirstDefined, range: first.keyword.range)])
            } else {
                settings[s.keyword.name] = s
            }
        }
    }

    /// Exactly one `input`.
    mutating func checkSingleInput() -> Int? {
        let inputs = declared.indices.filter { declared[$0].isInput }
        guard let first = inputs.first else {
            diagnostics.emit(.missing("input", in: decl.name.name), at: decl.name.range)
            return nil
        }
        for extra in inputs.dropFirst() {
            diagnostics.emit(.duplicateSetting("input"), at: declared[extra].statement.keyword.range,
                             notes: [.init(message: Message.noteFirstDefined, range: declared[first].statement.keyword.range)])
        }
        return inputs.count == 1 ? first : nil
    }

    /// Kahn's algorithm, taking ready nodes in declaration order so the
    /// order is deterministic and follows the spec where it can. Reports a cycle.
    mutating func topologicalOrder() -> [Int]? {
        let n = declared.count
        var pending = declared.map { Set($0.inputs ?? []).count }
        var consumers = [[Int]](repeating: [], count: n)
        for (i, d) in declared.enumerated() { for j in Set(d.inputs ?? []) { consumers[j].append(i) } }
        var ready = (0..<n).filter { pending[$0] == 0 }
        var order: [Int] = []
        while !ready.isEmpty {
            let next = ready.min()!
            ready.removeAll { $0 == next }
            order.append(next)
            for c in consumers[next] {
                pending[c] -= 1
                if pending[c] == 0 { ready.append(c) }
            }
        }
        guard order.count < n else { return order }
        // Walk backwards along inputs from the first stuck node until a node repeats.
        let stuck = Set((0..<n).filter { pending[$0] > 0 })
        var path: [Int] = [stuck.min()!]
        while true {
            let next = declared[path.last!].inputs!.filter(stuck.contains).min()!
            if let k = path.firstIndex(of: next) {
                // In data-flow order, starting from the earliest declared node.
                var cycle = Array(path[k...].reversed())
                let start = cycle.min()!
                let s0 = cycle.firstIndex(of: start)!
                cycle = Array(cycle[s0...] + cycle[..<s0])
                let names = (cycle + [start]).map { declared[$0].name.name }.joined(separator: " → ")
                diagnostics.emit(.cycle(names), at: declared[start].name.range,
                                 notes: cycle.filter { $0 != start }.map {
                                     .init(message: "'\(declared[$0].name.name)' is part of the cycle", range: declared[$0].name.range)
                                 })
                return nil
            }
            path.append(next)
        }
    }

    /// Shapes in topological order, by each declaration's shape rule; reports mismatches.
    mutating func inferShapes(_ order: [Int]?) {
        for i in order ?? [] {
            guard let declaration = declared[i].declaration, let inputs = declared[i].inputs else { continue }
            let shapes = inputs.compactMap { declared[$0].shape }
            guard shapes.count == inputs.count else { continue }
            let site = ShapeSite(keyword: declared[i].keyword, name: declared[i].name,
                                 inputs: declared[i].statement.inputs ?? inputs.map { declared[$0].name },
                                 readsNetworkInput: inputs.map { declared[$0].isInput })
            declared[i].shape = declaration.shape(shapes, site, &diagnostics)
        }
    }

    /// Checks that a loss fits its node, and fits the rule to the node's shape;
    /// returns the node whose value the loss differentiates.
    mutating func checkLoss(_ rule: inout any LossRule, _ node: Int, _ id: Identifier, _ ranges: [String: SourceRange]) -> Int? {
        let d = declared[node]
        if d.isInput {
            diagnostics.emit(.lossOnInput, at: id.range)
            return nil
        }
        // A class loss reads a vector; softmax cross-entropy also C × … as classes at each
        // position (PyTorch's CrossEntropyLoss on N × C × H × W). Never one softmax over a whole image, silently.
        if let shape = d.shape {
            guard let fitted = rule.over(shape) else {
                diagnostics.emit(.lossNeedsClassVector(rule.name, d.name.name, shape), at: id.range,
                                 notes: [.init(message: "'\(d.name.name)' is defined here", range: d.name.range),
                                         .init(message: Message.noteFlattenForClasses(d.name.name), range: nil)])
                return nil
            }
            rule = fitted
        }
        // Its outputs, or with classes at each position, its channels.
        let size = d.shape?.count ?? d.declaration?.declaredSize
        let (outputs, unit) = rule.positions > 1 ? (d.shape?.dimensions[0], "channel") : (size, "output")
        if rule.targets == .oneHot, let outputs, outputs < 2 {
            diagnostics.emit(.lossNeedsClasses(rule.name, d.name.name, outputs, unit), at: id.range)
        }
        if let label = rule.ignoredLabel, let outputs, (0..<outputs).contains(label) {
            diagnostics.emit(.ignoredLabelIsAClass(label, d.name.name, outputs), at: ranges["ignore_label"] ?? id.range,
                             notes: [.init(message: "'\(d.name.name)' is defined here", range: d.name.range)])
        }
        if let (count, argument) = rule.fixedOutputs, let outputs, outputs != count {
            diagnostics.emit(.lossOutputsFixed(argument, count, d.name.name, outputs, unit), at: ranges[argument] ?? id.range,
                             notes: [.init(message: "'\(d.name.name)' is defined here", range: d.name.range)])
            return nil
        }
        if rule.fusedActivation == .softmax, d.declaration?.finalOp is SoftmaxOp {
            diagnostics.emit(.activationAlreadyInLoss(d.name.name, "softmax", rule.name), at: id.range,
                             notes: [.init(message: "'\(d.name.name)' is defined here", range: d.name.range)])
        }
        if rule.fusedActivation == .sigmoid {
            guard let op = d.declaration?.finalOp as? ElementwiseOp, op.function is Sigmoid else {
                diagnostics.emit(.binaryCrossEntropyNeedsSigmoid(d.name.name), at: id.range,
                                 notes: [.init(message: "'\(d.name.name)' is defined here", range: d.name.range)])
                return nil
            }
        }
        return node
    }

    /// Every node must feed the loss. Checked even when other nodes have
    /// errors; a node whose inputs could not be resolved is taken to read
    /// every node, so no error is invented.
    mutating func checkReachability(_ lossNode: Int) {
        var seen: Set<Int> = [lossNode]
        var stack = [lossNode]
        while let n = stack.popLast() {
            for i in possibleInputs(n) where seen.insert(i).inserted { stack.append(i) }
        }
        for (i, d) in declared.enumerated() where !seen.contains(i) && d.statement.isValid {
            diagnostics.emit(.unreachable(d.name.name), at: d.name.range)
        }
    }

    /// A node's inputs, or when they could not be resolved (an unknown
    /// name, a statement that could not be read), any node: what it was
    /// meant to read is unknown.
    func possibleInputs(_ n: Int) -> [Int] {
        declared[n].inputs ?? declared.indices.filter { $0 != n }
    }

    mutating func checkParameterCount() {
        var total = 0
        for d in declared {
            guard let declaration = d.declaration, let inputs = d.inputs else { continue }
            let shapes = inputs.compactMap { declared[$0].shape }
            guard shapes.count == inputs.count else { continue }
            total += declaration.parameters(shapes).reduce(0) { $0 + $1.shape.reduce(1, *) }
        }
        if total > Limits.parameters {
            diagnostics.emit(.tooLarge("the parameter count (\(total))", Limits.parameters), at: decl.name.range)
        }
    }
}
