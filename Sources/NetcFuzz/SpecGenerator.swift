import NetcRuntime

/// Random *valid* specs: small DAGs using every node kind, activation, loss,
/// optimizer, initializer and precision, in which every node reaches the loss.
public struct SpecGenerator {
    var random: SplitMix64

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next() % UInt64(range.count))
    }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    mutating func chance(_ p: Double) -> Bool { random.nextUnit() < p }

    static let activations = ["identity", "sigmoid", "tanh", "relu", "leaky_relu(slope: 0.2)", "elu(alpha: 0.7)",
                              "softplus", "softmax", "leaky_relu", "elu"]
    static let initializers = ["zeros", "constant(value: 0.1)", "uniform(low: -0.3, high: 0.3)", "normal(mean: 0, std: 0.2)",
                               "xavier_uniform", "xavier_normal", "glorot_uniform", "glorot_normal",
                               "he_uniform", "he_normal", "kaiming_uniform", "kaiming_normal"]
    static let optimizers = ["sgd(learning_rate: 0.05)", "sgd(learning_rate: 0.01, momentum: 0.9)",
                             "sgd(learning_rate: 0.01, momentum: 0.5, nesterov: true)", "adam(learning_rate: 0.001)",
                             "adam(learning_rate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 0.0000001)"]

    /// One spec with one network called `name`.
    public mutating func spec(name: String) -> String {
        var lines = ["# generated", "network \(name) {"]
        var sizes: [String: Int] = [:]
        var order: [String] = []
        var consumed = Set<String>()
        func add(_ line: String, _ node: String, _ size: Int, inputs: [String]) {
            lines.append("  " + line)
            sizes[node] = size
            order.append(node)
            consumed.formUnion(inputs)
        }
        let inputWidth = int(1...6)
        add("input x: \(inputWidth)", "x", inputWidth, inputs: [])
        for k in 0..<int(1...6) {
            let name = "n\(k)"
            let previous = order.last!
            switch int(0...9) {
            case 0...3:
                let from = chance(0.5) ? previous : pick(order)
                let width = int(1...9)
                var line = "dense \(name)(\(from)): \(width)"
                if chance(0.7) { line += ", " + pick(Self.activations) }
                if chance(0.2) { line += ", bias: false" }
                add(line, name, width, inputs: [from])
            case 4:
                add("activation \(name): \(pick(Self.activations))", name, sizes[previous]!, inputs: [previous])
            case 5:
                add("dropout \(name): \(pick(["0.1", "0.25", "0.5"]))", name, sizes[previous]!, inputs: [previous])
            case 6, 7:
                let same = order.filter { $0 != previous && sizes[$0] == sizes[previous] }
                if let other = same.isEmpty ? nil : pick(same) {
                    add("\(pick(["add", "multiply"])) \(name)(\(previous), \(other))", name, sizes[previous]!, inputs: [previous, other])
                } else {
                    add("dense \(name): \(sizes[previous]!), tanh", name, sizes[previous]!, inputs: [previous])
                }
            default:
                let other = pick(order)
                add("concat \(name)(\(previous), \(other))", name, sizes[previous]! + sizes[other]!, inputs: [previous, other])
            }
        }
        // Gather every node nothing consumes, so that all of them reach the loss.
        let dangling = order.filter { !consumed.contains($0) }
        var head = dangling.last!
        if dangling.count > 1 {
            add("concat joined(\(dangling.joined(separator: ", ")))", "joined", dangling.reduce(0) { $0 + sizes[$1]! }, inputs: dangling)
            head = "joined"
        }
        switch int(0...4) {
        case 0:
            add("dense out(\(head)): \(int(1...4))" + (chance(0.5) ? ", tanh" : ""), "out", 0, inputs: [head])
            lines.append("  loss squared_error(out" + pick(["", ", reduction: sum", ", reduction: mean", ", reduction: sum, scale: 0.5"]) + ")")
        case 1:
            add("dense out(\(head)): \(int(1...3)), sigmoid", "out", 0, inputs: [head])
            lines.append("  loss binary_cross_entropy(out)")
        case 2, 3:
            add("dense out(\(head)): \(int(2...5))", "out", 0, inputs: [head])
            lines.append("  loss softmax_cross_entropy(out)")
        default:
            add("dense out(\(head)): \(int(2...5))", "out", 0, inputs: [head])
            lines.append("  loss hinge(out)")
        }
        var train = "  train \(pick(Self.optimizers)), batch: \(pick([1, 1, 2, 3, 4, 5, 8]))"
        if chance(0.3) { train += ", weight_decay: 0.001" }
        lines.append(train)
        lines.append("  init \(pick(Self.initializers)), seed: \(int(0...1000))")
        if chance(0.3) { lines.append("  precision double") }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
