import NetcRuntime

/// Compares analytic gradients with central finite differences in Double.
///
/// Error per coordinate: |a − n| / max(|a|, |n|, 1e-4), with a the analytic
/// and n the numerical derivative (step h = 1e-5): relative for ordinary
/// gradients, absolute (scaled) for tiny ones where relative error is noise.
public struct GradientCheck: Sendable {
    public static let tolerance = 1e-6
    public static let step = 1e-5

    /// The worst error over one parameter tensor or the input.
    public struct Row: Sendable {
        public var name: String
        public var worstError: Double
        public var checked: Int
        public var passed: Bool { worstError <= GradientCheck.tolerance }
    }

    /// Checks a graph at a point drawn from `seed`: weights from the spec's
    /// initializer, biases uniform in [−0.5, 0.5] (to stay off ReLU and hinge
    /// kinks), input uniform in [−1, 1], a target that suits the loss, and a
    /// fixed dropout mask. At most `samples` coordinates per tensor are checked
    /// (all of them when a tensor is smaller).
    public static func run(_ graph: Graph, seed: UInt64, samples: Int = 64) -> [Row] {
        let interpreter = Interpreter(graph: graph)
        var rng = SplitMix64(seed: seed)
        var parameters = interpreter.initialParameters(seed: graph.seed)
        for t in graph.parameters where !t.isWeight {
            for k in t.offset..<(t.offset + t.count) { parameters[k] = rng.nextUnit() - 0.5 }
        }
        let input = (0..<(graph.batchSize * graph.inputSize)).map { _ in 2 * rng.nextUnit() - 1 }
        let target = makeTarget(graph, rng: &rng)
        let masks = interpreter.dropoutMasks(rng: &rng)
        let analytic = interpreter.gradients(input: input, target: target, parameters: parameters, masks: masks)

        func loss(_ p: [Double], _ x: [Double]) -> Double {
            interpreter.gradients(input: x, target: target, parameters: p, masks: masks, inputGradient: false).loss
        }
        func check(_ name: String, _ indices: [Int], _ analytic: [Double], perturb: (Int, Double) -> Double) -> Row {
            var worst = 0.0
            for k in indices {
                let numeric = (perturb(k, step) - perturb(k, -step)) / (2 * step)
                let error = abs(analytic[k] - numeric) / max(abs(analytic[k]), abs(numeric), 1e-4)
                worst = max(worst, error.isNaN ? .infinity : error)
            }
            return Row(name: name, worstError: worst, checked: indices.count)
        }
        var rows: [Row] = []
        for t in graph.parameters {
            let indices = pick(t.offset..<(t.offset + t.count), samples, &rng)
            rows.append(check(t.name, indices, analytic.parameters) { k, h in
                var p = parameters
                p[k] += h
                return loss(p, input)
            })
        }
        rows.append(check("input", pick(0..<input.count, samples, &rng), analytic.input) { k, h in
            var x = input
            x[k] += h
            return loss(parameters, x)
        })
        return rows
    }

    /// A target per sample: in [−1, 1] for squared error, in [0, 1] for
    /// binary cross-entropy, a random one-hot vector for the class losses.
    static func makeTarget(_ graph: Graph, rng: inout SplitMix64) -> [Double] {
        let n = graph.nodes[graph.loss.logits].size
        return (0..<graph.batchSize).flatMap { _ -> [Double] in
            switch graph.loss.rule.targets {
            case .real: return (0..<n).map { _ in 2 * rng.nextUnit() - 1 }
            case .probabilities: return (0..<n).map { _ in rng.nextUnit() }
            case .oneHot:
                let label = Int(rng.next() % UInt64(n))
                return (0..<n).map { $0 == label ? 1 : 0 }
            }
        }
    }

    /// Up to `count` indices of a range: all of them, or the ends plus a random sample.
    static func pick(_ range: Range<Int>, _ count: Int, _ rng: inout SplitMix64) -> [Int] {
        guard range.count > count else { return Array(range) }
        var chosen: Set<Int> = [range.lowerBound, range.upperBound - 1]
        while chosen.count < count { chosen.insert(range.lowerBound + Int(rng.next() % UInt64(range.count))) }
        return chosen.sorted()
    }
}
