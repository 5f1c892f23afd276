import NetcCore
import NetcRuntime

/// Random *valid* specs: small DAGs drawn from every node kind in the
/// registry (`NodeKinds.all`), every activation (`Activations.table`) and
/// loss (`Losses.table`), every optimizer, initializer and precision, in
/// which every node reaches the loss; calls get arguments drawn from their
/// parameter specs. A node kind without a way to draw it here fails `RegistryTests`.
public struct SpecGenerator: RandomNumberGenerator {
    var random: SplitMix64

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { random.next() }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    mutating func chance(_ p: Double) -> Bool { random.nextUnit() < p }

    static let initializers = ["zeros", "constant(value: 0.1)", "uniform(low: -0.3, high: 0.3)", "normal(mean: 0, std: 0.2)",
                               "xavier_uniform", "xavier_normal", "glorot_uniform", "glorot_normal",
                               "he_uniform", "he_normal", "kaiming_uniform", "kaiming_normal"]
    static let optimizers = ["sgd(learning_rate: 0.05)", "sgd(learning_rate: 0.01, momentum: 0.9)",
                             "sgd(learning_rate: 0.01, momentum: 0.5, nesterov: true)", "adam(learning_rate: 0.001)",
                             "adam(learning_rate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 0.0000001)",
                             "adamw(learning_rate: 0.01)", "rmsprop(learning_rate: 0.01)",
                             "rmsprop(learning_rate: 0.001, alpha: 0.9, momentum: 0.5)"]

    /// A node the generator has declared: its name and shape.
    struct Drawn: Sendable {
        let name: String
        let shape: [Int]
        var size: Int { shape.reduce(1, *) }
        var isVector: Bool { shape.count == 1 }
    }

    /// How to draw a statement of each node kind after the nodes so far (nil: not possible now).
    static let nodes: [String: @Sendable (inout SpecGenerator, String, [Drawn]) -> (line: String, node: Drawn, inputs: [String])?] = [
        "dense": { g, name, order in
            guard let from = g.vector(order) else { return nil }
            let width = g.int(1...9)
            var line = "dense \(name)(\(from.name)): \(width)"
            if g.chance(0.7) { line += ", " + g.activation() }
            if g.chance(0.2) { line += ", bias: false" }
            return (line, Drawn(name: name, shape: [width]), [from.name])
        },
        "activation": { g, name, order in
            let from = order.last!
            return ("activation \(name)(\(from.name)): \(g.activation())", Drawn(name: name, shape: from.shape), [from.name])
        },
        "dropout": { g, name, order in
            let from = order.last!, channels = from.isVector || g.chance(0.5) ? "" : ", channels: true"
            return ("dropout \(name)(\(from.name)): \(g.pick(["0.1", "0.25", "0.5"]))\(channels)", Drawn(name: name, shape: from.shape), [from.name])
        },
        "add": { g, name, order in g.join("add", name, order) },
        "multiply": { g, name, order in g.join("multiply", name, order) },
        "concat": { g, name, order in
            // The last node with one of the same positions (channels joined), or two vectors.
            let last = order.last!
            if !last.isVector, g.chance(0.7) {
                let alike = order.filter { !$0.isVector && $0.shape.dropFirst() == last.shape.dropFirst() }
                let b = g.pick(alike)
                return ("concat \(name)(\(last.name), \(b.name))", Drawn(name: name, shape: [last.shape[0] + b.shape[0]] + last.shape.dropFirst()),
                        [last.name, b.name])
            }
            let vectors = order.filter(\.isVector)
            guard vectors.count >= 1 else { return nil }
            let a = vectors.last!, b = g.pick(vectors)
            return ("concat \(name)(\(a.name), \(b.name))", Drawn(name: name, shape: [a.size + b.size]), [a.name, b.name])
        },
        "flatten": { g, name, order in
            let from = order.last!
            return ("flatten \(name)(\(from.name))", Drawn(name: name, shape: [from.size]), [from.name])
        },
        "reshape": { g, name, order in
            // Another shape of the same values: a vector as channels × length or × height × width, or back.
            let from = order.last!, n = from.size
            var shapes: [[Int]] = [[n]]
            for c in (1...n) where n % c == 0 {
                let rest = n / c
                shapes.append([c, rest])
                for h in (1...rest) where rest % h == 0 { shapes.append([c, h, rest / h]) }
            }
            let shape = g.pick(shapes.filter { $0 != from.shape })
            return ("reshape \(name)(\(from.name)): \(shape.map(String.init).joined(separator: "x"))", Drawn(name: name, shape: shape), [from.name])
        },
        "conv2d": { g, name, order in g.convolution("conv2d", name, order, rank: 3) },
        "conv1d": { g, name, order in g.convolution("conv1d", name, order, rank: 2) },
        "conv_transpose2d": { g, name, order in g.transposedConvolution("conv_transpose2d", name, order, rank: 3) },
        "conv_transpose1d": { g, name, order in g.transposedConvolution("conv_transpose1d", name, order, rank: 2) },
        "max_pool": { g, name, order in g.pool("max_pool", name, order) },
        "avg_pool": { g, name, order in g.pool("avg_pool", name, order) },
        "embedding": { g, name, order in
            let input = order[0]
            guard input.isVector else { return nil }
            let width = g.int(1...4), vocabulary = g.int(1...9)
            let padding = g.chance(0.3) ? ", padding_id: \(g.int(0...(vocabulary - 1)))" : ""
            return ("embedding \(name)(\(input.name)): \(width), vocabulary: \(vocabulary)\(padding)",
                    Drawn(name: name, shape: [width, input.size]), [input.name])
        },
        "batch_norm": { g, name, order in
            let from = order.last!
            // ε = 0.1: a channel whose values nearly coincide (dropout zeros, relu's flat side, equal ids) is
            // then curved on a scale of 0.3, not 0.003, which central differences with h = 1e-5 follow.
            let line = "batch_norm \(name)(\(from.name))" + (g.chance(0.3) ? ", momentum: 0.5" : "") + ", epsilon: 0.1" + (g.chance(0.3) ? ", affine: false" : "")
            return (line, Drawn(name: name, shape: from.shape), [from.name])
        },
        "layer_norm": { g, name, order in
            let from = order.last!
            // ε = 0.1 as for batch_norm: a sample whose values coincide (equal weights from a constant init) stays
            // curved on a scale central differences with h = 1e-5 follow.
            let line = "layer_norm \(name)(\(from.name)), epsilon: 0.1" + (g.chance(0.3) ? ", affine: false" : "")
                + (from.shape.count > 1 && g.chance(0.4) ? ", over: channels" : "")
            return (line, Drawn(name: name, shape: from.shape), [from.name])
        },
        "group_norm": { g, name, order in
            let from = order.last!, channels = from.shape[0]
            // Any count of groups that divides the channels; ε = 0.1 as for layer_norm.
            let groups = g.pick((1...channels).filter { channels % $0 == 0 })
            let line = "group_norm \(name)(\(from.name)), groups: \(groups), epsilon: 0.1" + (g.chance(0.3) ? ", affine: false" : "")
            return (line, Drawn(name: name, shape: from.shape), [from.name])
        },
        "upsample": { g, name, order in
            let planes = order.filter { $0.shape.count == 2 || $0.shape.count == 3 }
            guard !planes.isEmpty else { return nil }
            let from = g.pick(planes), f = g.int(1...3)
            let shape = from.shape.count == 2 ? [from.shape[0], from.shape[1] * f] : [from.shape[0], from.shape[1] * f, from.shape[2] * f]
            let mode = g.chance(0.4) ? (from.shape.count == 2 ? ", mode: linear" : ", mode: bilinear") : ""
            return ("upsample \(name)(\(from.name)): \(f)\(mode)", Drawn(name: name, shape: shape), [from.name])
        },
        "lstm": { g, name, order in g.recurrent("lstm", name, order) },
        "gru": { g, name, order in g.recurrent("gru", name, order) },
        "position_embedding": { g, name, order in
            let sequences = order.filter { $0.shape.count == 2 }
            guard !sequences.isEmpty else { return nil }
            let from = g.pick(sequences)
            return ("position_embedding \(name)(\(from.name))", Drawn(name: name, shape: from.shape), [from.name])
        },
        "attention": { g, name, order in
            let sequences = order.filter { $0.shape.count == 2 }
            guard !sequences.isEmpty else { return nil }
            let from = g.pick(sequences), channels = from.shape[0]
            let heads = g.pick((1...channels).filter { channels % $0 == 0 })
            let masks = g.canMask(from, order) && g.chance(0.7)
            let inputs = masks ? [from.name, order[0].name] : [from.name]
            let line = "attention \(name)(\(inputs.joined(separator: ", ")))" + (heads > 1 || g.chance(0.3) ? ", heads: \(heads)" : "")
                + (g.chance(0.4) ? ", causal: true" : "") + (masks ? ", padding_id: \(g.int(0...2))" : "")
            return (line, Drawn(name: name, shape: from.shape), inputs)
        },
        "global_avg_pool": { g, name, order in g.globalPool("global_avg_pool", name, order) },
        "global_max_pool": { g, name, order in g.globalPool("global_max_pool", name, order) },
    ]

    /// A window's output side, or nil when it does not fit.
    static func side(_ side: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int? {
        let span = dilation * (kernel - 1) + 1
        return side + 2 * padding >= span ? (side + 2 * padding - span) / stride + 1 : nil
    }

    /// A convolution over a node of `rank` (channels first), with drawn window arguments.
    mutating func convolution(_ keyword: String, _ name: String, _ order: [Drawn], rank: Int)
        -> (line: String, node: Drawn, inputs: [String])? {
        let candidates = order.filter { $0.shape.count == rank }
        guard !candidates.isEmpty else { return nil }
        let from = pick(candidates), channels = int(1...3), kernel = int(1...3), dilation = chance(0.2) ? 2 : 1
        var line = "\(keyword) \(name)(\(from.name)): \(channels)"
        if chance(0.6) { line += ", " + activation() }
        line += ", kernel: \(kernel)"
        let sides = Array(from.shape.dropFirst())
        var out: [Int]
        if chance(0.3) {
            line += ", padding: same"  // stride 1: the output keeps the input's sides
            out = sides
        } else if rank == 2 && chance(0.2) {
            let stride = pick([1, 1, 2])
            line += ", padding: causal" + (stride > 1 ? ", stride: \(stride)" : "")  // (k − 1)·d zeros before: ⌈L / stride⌉ steps
            out = [(sides[0] - 1) / stride + 1]
        } else {
            let stride = pick([1, 1, 2]), padding = pick([0, 0, 1])
            if stride > 1 { line += ", stride: \(stride)" }
            if padding > 0 { line += ", padding: \(padding)" }
            let o = sides.compactMap { Self.side($0, kernel: kernel, stride: stride, padding: padding, dilation: dilation) }
            guard o.count == sides.count else { return nil }
            out = o
        }
        if dilation > 1 { line += ", dilation: \(dilation)" }
        // Groups that divide both channel counts: depthwise (one per channel) or another common divisor.
        let groups = (2...3).filter { from.shape[0] % $0 == 0 && channels % $0 == 0 }
        if !groups.isEmpty && chance(0.3) { line += ", groups: \(pick(groups))" }
        if chance(0.2) { line += ", bias: false" }
        return (line, Drawn(name: name, shape: [channels] + out), [from.name])
    }

    /// A transposed convolution over a small node of `rank`: stride 1 or 2,
    /// padding and output padding that leave sides of 1 or more, maybe grouped.
    mutating func transposedConvolution(_ keyword: String, _ name: String, _ order: [Drawn], rank: Int)
        -> (line: String, node: Drawn, inputs: [String])? {
        let candidates = order.filter { $0.shape.count == rank && $0.shape.dropFirst().allSatisfy { $0 <= 6 } }
        guard !candidates.isEmpty else { return nil }
        let from = pick(candidates), channels = int(1...3), kernel = int(1...3), stride = pick([1, 2]), dilation = chance(0.2) ? 2 : 1
        let padding = int(0...1), extra = stride > 1 ? int(0...1) : 0
        let out = from.shape.dropFirst().map { ($0 - 1) * stride - 2 * padding + dilation * (kernel - 1) + extra + 1 }
        guard out.allSatisfy({ $0 >= 1 }) else { return nil }
        var line = "\(keyword) \(name)(\(from.name)): \(channels)"
        if chance(0.5) { line += ", " + activation() }
        line += ", kernel: \(kernel)"
        if stride > 1 { line += ", stride: \(stride)" }
        if padding > 0 { line += ", padding: \(padding)" }
        if extra > 0 { line += ", output_padding: \(extra)" }
        if dilation > 1 { line += ", dilation: \(dilation)" }
        let groups = (2...3).filter { from.shape[0] % $0 == 0 && channels % $0 == 0 }
        if !groups.isEmpty && chance(0.3) { line += ", groups: \(pick(groups))" }
        if chance(0.2) { line += ", bias: false" }
        return (line, Drawn(name: name, shape: [channels] + out), [from.name])
    }

    /// A recurrent layer over a sequence: every step's state, or the last.
    mutating func recurrent(_ keyword: String, _ name: String, _ order: [Drawn]) -> (line: String, node: Drawn, inputs: [String])? {
        let sequences = order.filter { $0.shape.count == 2 }
        guard !sequences.isEmpty else { return nil }
        let from = pick(sequences), hidden = int(1...3), last = chance(0.4), both = chance(0.3)
        let width = both ? 2 * hidden : hidden
        return ("\(keyword) \(name)(\(from.name)): \(hidden)" + (last ? ", output: last" : "") + (both ? ", bidirectional: true" : ""),
                Drawn(name: name, shape: last ? [width] : [width, from.shape[1]]), [from.name])
    }

    /// A global pool of a node with channels: one value per channel.
    mutating func globalPool(_ keyword: String, _ name: String, _ order: [Drawn]) -> (line: String, node: Drawn, inputs: [String])? {
        let planes = order.filter { $0.shape.count >= 2 }
        guard !planes.isEmpty else { return nil }
        let from = pick(planes)
        if canMask(from, order) && chance(0.6) {
            return ("\(keyword) \(name)(\(from.name), \(order[0].name)), padding_id: \(int(0...2))", Drawn(name: name, shape: [from.shape[0]]),
                    [from.name, order[0].name])
        }
        return ("\(keyword) \(name)(\(from.name))", Drawn(name: name, shape: [from.shape[0]]), [from.name])
    }

    /// Whether the network's input can mask padding over `from`: a vector of
    /// one value (an id, where an embedding reads them) per position of a sequence.
    func canMask(_ from: Drawn, _ order: [Drawn]) -> Bool {
        order[0].isVector && from.shape.count == 2 && from.shape[1] == order[0].size
    }

    /// A max or average pool over a node of rank 2 or 3.
    mutating func pool(_ keyword: String, _ name: String, _ order: [Drawn]) -> (line: String, node: Drawn, inputs: [String])? {
        let candidates = order.filter { $0.shape.count == 2 || $0.shape.count == 3 }
        guard !candidates.isEmpty else { return nil }
        let from = pick(candidates), kernel = int(1...2), stride = chance(0.5) ? kernel : 1
        let o = from.shape.dropFirst().compactMap { Self.side($0, kernel: kernel, stride: stride, padding: 0, dilation: 1) }
        guard o.count == from.shape.count - 1 else { return nil }
        var line = "\(keyword) \(name)(\(from.name)): \(kernel)" + (stride == kernel ? "" : ", stride: \(stride)")
        if kernel == 2 && chance(0.3) {  // padding 1 (half the kernel): each side one longer
            let padded = from.shape.dropFirst().compactMap { Self.side($0, kernel: 2, stride: stride, padding: 1, dilation: 1) }
            line += ", padding: 1"
            return (line, Drawn(name: name, shape: [from.shape[0]] + padded), [from.name])
        }
        return (line, Drawn(name: name, shape: [from.shape[0]] + o), [from.name])
    }

    /// A call of a catalogue entry: its name, with arguments drawn from its
    /// parameter specs half of the time (the defaults otherwise); a list
    /// holds `listCount` values (a loss's one per output).
    mutating func call(_ name: String, _ parameters: [ParameterSpec], first: String? = nil, listCount: Int = 1) -> String {
        var arguments = first.map { [$0] } ?? []
        if chance(0.5) {
            for p in parameters {
                guard chance(0.6), let value = draw(p.kind, listCount: listCount) else { continue }
                arguments.append("\(p.name): \(value)")
            }
        }
        return arguments.isEmpty ? name : "\(name)(\(arguments.joined(separator: ", ")))"
    }

    /// A value a parameter of this kind accepts, if one can be drawn.
    mutating func draw(_ kind: ParameterSpec.Kind, listCount: Int = 1) -> String? {
        switch kind {
        case .numbers(let r), .numberOrNumbers(let r):
            if case .numberOrNumbers = kind, chance(0.5) { return [0.5, 1, 2, 3].filter(r.contains).map { "\($0)" }.randomElement(using: &self) }
            let values = (0..<listCount).map { _ in [0, 0.5, 1, 2, 3].filter(r.contains).map { "\($0)" }.randomElement(using: &self) }
            return values.contains(nil) ? nil : "[" + values.map { $0! }.joined(separator: ", ") + "]"
        case .number(let r): return [0.01, 0.2, 0.5, 1, 2].filter(r.contains).map { "\($0)" }.randomElement(using: &self)
        case .integer(let r): return "\(int(r.lowerBound...Swift.min(r.upperBound, r.lowerBound + 7)))"
        case .bool: return pick(["true", "false"])
        case .word(let choices): return pick(choices)
        case .shape, .expression: return nil
        }
    }

    mutating func activation() -> String {
        let entry = pick(Activations.table)
        return call(entry.name, entry.parameters)
    }

    /// The output layer and the loss statement for a loss from the catalogue,
    /// shaped by what its targets are and the activation it fuses.
    mutating func loss(after head: String) -> (output: String, loss: String) {
        let entry = pick(Losses.table)
        let rule = entry.make(Dictionary(uniqueKeysWithValues: entry.parameters.compactMap { p in p.defaultValue.map { (p.name, $0) } }))
        let outputs = rule.targets == .oneHot ? int(2...5) : int(1...4)
        var output = "dense out(\(head)): \(outputs)"
        if rule.fusedActivation == .sigmoid { output += ", sigmoid" } else if rule.targets == .real && chance(0.5) { output += ", tanh" }
        return (output, "loss " + call(entry.name, entry.parameters, first: "out", listCount: outputs))
    }

    /// A vector node to read, most often the last one.
    mutating func vector(_ order: [Drawn]) -> Drawn? {
        let vectors = order.filter(\.isVector)
        guard !vectors.isEmpty else { return nil }
        return order.last!.isVector && chance(0.5) ? order.last! : pick(vectors)
    }

    mutating func join(_ keyword: String, _ name: String, _ order: [Drawn]) -> (line: String, node: Drawn, inputs: [String])? {
        let previous = order.last!
        // A vector of one value per channel, spread over the previous node's positions, on either side.
        let perChannel = previous.isVector ? [] : order.filter { $0.isVector && $0.size == previous.shape[0] }
        if !perChannel.isEmpty && chance(0.5) {
            let vector = pick(perChannel), names = chance(0.5) ? [previous.name, vector.name] : [vector.name, previous.name]
            return ("\(keyword) \(name)(\(names.joined(separator: ", ")))", Drawn(name: name, shape: previous.shape), names)
        }
        let same = order.filter { $0.name != previous.name && $0.shape == previous.shape }
        guard !same.isEmpty else { return nil }
        let other = pick(same)
        return ("\(keyword) \(name)(\(previous.name), \(other.name))", Drawn(name: name, shape: previous.shape), [previous.name, other.name])
    }

    /// One spec with one network called `name`.
    public mutating func spec(name: String) -> String {
        var lines = ["# generated", "network \(name) {"]
        var order: [Drawn] = []
        var consumed = Set<String>()
        let input = chance(0.2) ? [int(1...3), int(2...5), int(2...5)] : chance(0.15) ? [int(1...3), int(2...8)] : [int(1...6)]
        lines.append("  input x: " + input.map(String.init).joined(separator: "x"))
        order.append(Drawn(name: "x", shape: input))
        let kinds = NodeKinds.all.map(\.keyword).filter { Self.nodes[$0] != nil }
        // Sometimes a padded token sequence: ids through an embedding, then attention that masks the padding.
        if input.count == 1 && chance(0.1) {
            let width = pick([2, 4]), padding = int(0...2)
            lines += ["  embedding t0(x): \(width), vocabulary: \(int(3...9)), padding_id: \(padding)",
                      "  attention t1(t0, x), heads: \(pick([1, 2])), padding_id: \(padding)" + (chance(0.3) ? ", causal: true" : "")]
            order += [Drawn(name: "t0", shape: [width, input[0]]), Drawn(name: "t1", shape: [width, input[0]])]
            consumed.formUnion(["x", "t0"])
        }
        for k in 0..<int(1...6) {
            let name = "n\(k)"
            var drawn = Self.nodes[pick(kinds)]!(&self, name, order)
            if drawn == nil { drawn = Self.nodes["flatten"]!(&self, name, order) }
            guard let (line, node, inputs) = drawn else { continue }
            lines.append("  " + line)
            order.append(node)
            consumed.formUnion(inputs)
        }
        // Gather every node nothing consumes (flattened), so that all of them reach the loss.
        var dangling = order.filter { !consumed.contains($0.name) }
        // Or classes at each position of the one node left, C × …: a 1 × 1 convolution to C channels.
        if dangling.count == 1, let last = dangling.first, !last.isVector, chance(0.5) {
            let entry = Losses.table.first { $0.name == "softmax_cross_entropy" }!, classes = int(2...4)
            lines.append("  \(last.shape.count == 2 ? "conv1d" : "conv2d") out(\(last.name)): \(classes), kernel: 1")
            lines.append("  loss " + call(entry.name, entry.parameters, first: "out", listCount: classes))
            dangling = []
        }
        for (k, d) in dangling.enumerated() where !d.isVector {
            lines.append("  flatten f\(k)(\(d.name))")
            dangling[k] = Drawn(name: "f\(k)", shape: [d.size])
        }
        if let last = dangling.last {
            var head = last.name
            if dangling.count > 1 {
                lines.append("  concat joined(\(dangling.map(\.name).joined(separator: ", ")))")
                head = "joined"
            }
            let (output, loss) = loss(after: head)
            lines += ["  " + output, "  " + loss]
        }
        // Batch statistics of two samples make a near-step function that central differences cannot follow.
        let batches = lines.contains { $0.contains("batch_norm") } ? [4, 5, 8] : [1, 1, 2, 3, 4, 5, 8]
        var train = "  train \(pick(Self.optimizers)), batch: \(pick(batches))"
        if chance(0.3) { train += ", weight_decay: 0.001" }
        lines.append(train)
        lines.append("  init \(pick(Self.initializers)), seed: \(int(0...1000))")
        if chance(0.3) { lines.append("  precision double") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
