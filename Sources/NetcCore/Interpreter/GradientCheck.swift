import NetcRuntime

/// Compares analytic gradients with central finite differences in Double.
///
/// Error per entry: |a − n| / max(|a|, |n|, floor), with a the analytic and
/// n the numerical derivative (step h = 1e-5): relative for ordinary
/// gradients, absolute (scaled) for tiny ones where relative error is noise.
/// The floor is 1e-4, or more where the loss is large enough that the
/// difference's rounding noise (`roundingUlps` ulps of the loss, over 2h)
/// would otherwise reach the default tolerance (a gradient of 0 read as 1.2e-10).
/// An entry whose ±h evaluations fall on different sides of a kink (an op's
/// or the loss's `kinkSides` differ) has no meaningful central difference:
/// it is skipped and counted, never passed or failed.
/// Entries whose gradient is zero by definition (an embedding's padding
/// row, `ParameterTensor.untrained`) are not checked.
public struct GradientCheck: Sendable {
    public static let step = 1e-5
    public static let defaultTolerance = 1e-6
    /// The rounding error assumed in a loss evaluated twice, in ulps of the loss.
    static let roundingUlps = 32.0

    public struct Options: Sendable {
        public var seed: UInt64 = 1
        /// Entries checked per tensor (the first, the last and a sample of
        /// the rest); nil checks every entry.
        public var samplesPerTensor: Int? = 24
        public var tolerance = GradientCheck.defaultTolerance
        /// Samples of the batch the loss is taken over (the gradient is a
        /// mean over samples, so a few check the same code as many).
        public var batchSamples = 4
        /// The input to check at, instead of one drawn from the seed (tests place it on a kink).
        var input: [Double]?

        public init(seed: UInt64 = 1, samplesPerTensor: Int? = 24, tolerance: Double = GradientCheck.defaultTolerance) {
            self.seed = seed
            self.samplesPerTensor = samplesPerTensor
            self.tolerance = tolerance
        }
    }

    /// One parameter tensor's (or the input's) result.
    public struct Row: Sendable {
        public var name: String
        public var shape: [Int]
        public var checked = 0
        /// Entries skipped because their finite difference crossed a kink.
        public var skipped = 0
        public var worstError = 0.0
        /// The flat index of the worst entry within the tensor.
        public var worstIndex: Int?
        public var tolerance: Double
        public var passed: Bool { worstError <= tolerance }

        /// The worst entry's index in the tensor's shape: "[3, 17]".
        public var worstPosition: String? {
            guard var k = worstIndex else { return nil }
            var position: [Int] = []
            for d in shape.reversed() {
                position.append(k % d)
                k /= d
            }
            return "[" + position.reversed().map(String.init).joined(separator: ", ") + "]"
        }
    }

    /// Tensors that are not weights, off their starting values: those that
    /// start at 0 (biases, running means) uniform in [−0.5, 0.5], those that
    /// start at 1 (scales, running variances) in [0.5, 1.5], so that no
    /// kink lies where they start and a variance stays positive.
    public static func perturbNonWeights(_ graph: Graph, _ parameters: inout [Double], rng: inout SplitMix64) {
        for t in graph.parameters where !t.isWeight {
            let centre: Double = t.initializer == .ones ? 1 : 0
            for k in t.offset..<(t.offset + t.count) { parameters[k] = centre + rng.nextUnit() - 0.5 }
        }
    }

    /// `count` samples of input: uniform in [−1, 1], or ids below the
    /// vocabulary where an embedding reads the input.
    public static func makeInput(_ graph: Graph, count: Int, rng: inout SplitMix64) -> [Double] {
        (0..<(count * graph.inputSize)).map { _ in
            graph.inputVocabulary.map { Double(rng.next() % UInt64($0)) } ?? 2 * rng.nextUnit() - 1
        }
    }

    /// Checks a graph at a point drawn from the seed: weights from the
    /// spec's initializer, other tensors perturbed (`perturbNonWeights`), input uniform in
    /// [−1, 1], a target that suits the loss, and a fixed dropout mask.
    public static func run(_ graph: Graph, _ options: Options = Options()) -> [Row] {
        let interpreter = Interpreter(graph: graph)
        var rng = SplitMix64(seed: options.seed)
        var parameters = interpreter.initialParameters(seed: graph.seed)
        perturbNonWeights(graph, &parameters, rng: &rng)
        let samples = min(graph.batchSize, max(options.batchSamples, 1))
        let drawn = makeInput(graph, count: samples, rng: &rng)
        let input = options.input ?? drawn
        let target = Array(makeTarget(graph, rng: &rng).prefix(samples * graph.nodes[graph.loss.logits].size))
        let masks = interpreter.dropoutMasks(rng: &rng)
        let analytic = interpreter.gradients(input: input, target: target, parameters: parameters, masks: masks)

        /// The smallest denominator of an entry's error: 1e-4, or the central
        /// difference's rounding noise at these losses divided by the default
        /// tolerance (not the one asked for: a stricter tolerance still
        /// measures every gradient as finely as the difference can).
        func floor(_ plus: Double, _ minus: Double) -> Double {
            let noise = roundingUlps * Swift.max(plus.magnitude, minus.magnitude).ulp / (2 * step)
            return Swift.max(1e-4, noise / defaultTolerance)
        }
        func check(_ name: String, _ shape: [Int], _ range: Range<Int>, _ analytic: [Double], untrained: Range<Int>? = nil,
                   perturb: (Int, Double) -> (loss: Double, kinks: [Int])) -> Row {
            var row = Row(name: name, shape: shape, tolerance: options.tolerance)
            for k in pick(range, options.samplesPerTensor, &rng) where !(untrained?.contains(k) ?? false) {
                let (plus, minus) = (perturb(k, step), perturb(k, -step))
                if plus.kinks != minus.kinks { row.skipped += 1; continue }
                let numeric = (plus.loss - minus.loss) / (2 * step)
                var error = abs(analytic[k] - numeric) / max(abs(analytic[k]), abs(numeric), floor(plus.loss, minus.loss))
                if error.isNaN { error = .infinity }
                if error > row.worstError || row.worstIndex == nil { row.worstError = error; row.worstIndex = k - range.lowerBound }
                row.checked += 1
            }
            return row
        }
        var rows: [Row] = []
        // A parameter changes no node before the first that reads it: those keep this pass's values.
        let values = interpreter.forward(input: input, parameters: parameters, masks: masks)
        for (index, t) in graph.parameters.enumerated() {
            let first = graph.nodes.firstIndex { $0.parameters.contains(index) } ?? 0
            // An untrained entry's gradient is zero by definition, not the loss's derivative.
            rows.append(check(t.name, t.shape, t.offset..<(t.offset + t.count), analytic.parameters, untrained: t.untrained) { k, h in
                var p = parameters
                p[k] += h
                return interpreter.lossAndKinks(input: input, target: target, parameters: p, masks: masks,
                                                earlier: values, from: first)
            })
        }
        guard graph.inputVocabulary == nil else { return rows }  // ids: no derivative to check
        rows.append(check("input", [samples] + graph.nodes[graph.input].shape.dimensions, 0..<input.count, analytic.input) { k, h in
            var x = input
            x[k] += h
            return interpreter.lossAndKinks(input: x, target: target, parameters: parameters, masks: masks)
        })
        return rows
    }

    /// A target per sample: in [−1, 1] for squared error, in [0, 1] for
    /// binary cross-entropy, a random one-hot vector for the class losses
    /// (at each position, for classes per position).
    static func makeTarget(_ graph: Graph, rng: inout SplitMix64) -> [Double] {
        let n = graph.nodes[graph.loss.logits].size
        return (0..<graph.batchSize).flatMap { _ -> [Double] in
            switch graph.loss.rule.targets {
            case .real: return (0..<n).map { _ in 2 * rng.nextUnit() - 1 }
            case .probabilities: return (0..<n).map { _ in rng.nextUnit() }
            case .oneHot:
                // A class at each position (one for a vector): class c of position p at c·P + p.
                // With ignore_label one draw in classes + 1 is unlabelled (an all-zero row).
                let positions = graph.loss.rule.positions, classes = n / positions
                let draws = UInt64(classes + (graph.loss.rule.ignoredLabel == nil ? 0 : 1))
                let labels = (0..<positions).map { _ in Int(rng.next() % draws) }
                return (0..<n).map { $0 / positions == labels[$0 % positions] ? 1 : 0 }
            }
        }
    }

    /// Up to `count` indices of a range (all when nil or when the range is
    /// no larger): the ends plus a random sample, in order.
    static func pick(_ range: Range<Int>, _ count: Int?, _ rng: inout SplitMix64) -> [Int] {
        guard let count, range.count > count else { return Array(range) }
        var chosen: Set<Int> = [range.lowerBound, range.upperBound - 1]
        while chosen.count < max(count, 2) { chosen.insert(range.lowerBound + Int(rng.next() % UInt64(range.count))) }
        return chosen.sorted()
    }
}
