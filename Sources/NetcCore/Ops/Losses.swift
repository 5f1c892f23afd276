import NetcRuntime

/// A loss: per-sample value and gradient with respect to its logits, in
/// Double for the interpreter; the emitter's code sits beside each one in
/// `Emitter/EmitLoss.swift`. The batch loss is the mean of per-sample losses.
public protocol LossRule: Sendable {
    var name: String { get }
    /// What its targets are: real values, probabilities, or one-hot classes
    /// (which makes a model with it a classifier, and needs two or more outputs).
    var targets: LossTargets { get }
    /// The activation the loss applies itself, on the logits: the node it
    /// names must end in sigmoid (read before it), or should not end in softmax.
    var fusedActivation: FusedActivation? { get }
    /// The per-sample loss for logits z and target t.
    func value(logits z: [Double], target t: [Double]) -> Double
    /// ∂L/∂z for one sample.
    func gradient(logits z: [Double], target t: [Double]) -> [Double]
    /// Writes the per-sample body: reads `z` and `t` (n values each), adds
    /// the sample's loss to `loss` and writes ∂L/∂z divided by the batch
    /// size (`invBatch`) to `gz`.
    func emitSample(_ n: Int, _ c: inout CodeBuilder)
    /// Optionally writes code that runs once before the per-sample bodies,
    /// over the whole batch: `logits` and `seed` are the batch's logits and
    /// gradient buffers ([batch][n]).
    func emitBatchPrologue(_ n: Int, logits: Ref, target: Ref, seed: Ref, _ c: inout CodeBuilder)
    /// Python (PyTorch) for the batch's loss, the mean of the per-sample
    /// losses, from the logits `z` and targets `t` ([batch, n] tensors).
    func pytorch(z: String, t: String, n: Int) -> String
    /// As `Op.kinkSides`: where the loss is not differentiable in the logits (a hinge margin at 0).
    func kinkSides(logits z: [Double], target t: [Double]) -> [Int]
    /// Tables the per-sample code reads, as `let <name> = Self.<name>` (the
    /// emitter declares them on the model): a class's weight, say.
    var tables: [(name: String, values: [Double])] { get }
    /// The number of outputs the loss's arguments fix (one weight per class),
    /// with the argument that fixes it.
    var fixedOutputs: (count: Int, argument: String)? { get }
    /// The rule over a node of `shape`, or nil when it cannot read that shape:
    /// a class loss reads a vector of class scores, and softmax cross-entropy
    /// also C × … as C classes at each position.
    func over(_ shape: Shape) -> (any LossRule)?
    /// The positions whose classes the rule reads apart (1: the whole vector).
    var positions: Int { get }
    /// The label that marks a position as unlabelled (PyTorch's `ignore_index`),
    /// or nil; such a position's target row is all zero.
    var ignoredLabel: Int? { get }
    /// The factor on the mean of the samples' losses and on their gradients
    /// for a batch of `targets`: 1, or with unlabelled positions left out,
    /// the batch's positions over its labelled ones (0 when none is labelled).
    func batchScale(_ targets: [[Double]]) -> Double
}

/// What a loss's targets are.
public enum LossTargets: Sendable, Equatable {
    case real, probabilities, oneHot
}

/// An activation a loss applies itself.
public enum FusedActivation: Sendable, Equatable {
    /// The named node must end in sigmoid; the loss reads the logits before it.
    case sigmoid
    /// The loss applies softmax; a node that ends in one draws a warning.
    case softmax
}

extension LossRule {
    public var fusedActivation: FusedActivation? { nil }

    public func emitBatchPrologue(_ n: Int, logits: Ref, target: Ref, seed: Ref, _ c: inout CodeBuilder) {}
    public func kinkSides(logits z: [Double], target t: [Double]) -> [Int] { [] }
    public var tables: [(name: String, values: [Double])] { [] }
    public var fixedOutputs: (count: Int, argument: String)? { nil }
    public func over(_ shape: Shape) -> (any LossRule)? { targets != .oneHot || shape.isVector ? self : nil }
    public var positions: Int { 1 }
    public var ignoredLabel: Int? { nil }
    public func batchScale(_ targets: [[Double]]) -> Double { 1 }
}

let z = Local.logits, t = Local.target, gz = Local.seed

/// L = scale · Σᵢ (zᵢ − tᵢ)² (reduction sum) or scale · (1/n) Σᵢ (zᵢ − tᵢ)² (reduction mean).
public struct SquaredError: LossRule {
    /// F.mse_loss's mean runs over the outputs and the batch at once, which is the same mean of means.
    public func pytorch(z: String, t: String, n: Int) -> String {
        let scaled = scale == 1 ? "" : "\(Python.float(scale)) * "
        return mean ? "\(scaled)F.mse_loss(\(z), \(t))" : "\(scaled)F.mse_loss(\(z), \(t), reduction=\"sum\") / \(z).shape[0]"
    }
    public var targets: LossTargets { .real }
    public let mean: Bool
    public let scale: Double
    public var name: String { "squared_error(reduction: \(mean ? "mean" : "sum"), scale: \(scale))" }
    func factor(_ n: Int) -> Double { mean ? scale / Double(n) : scale }
    public func value(logits z: [Double], target t: [Double]) -> Double {
        factor(z.count) * zip(z, t).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }
    public func gradient(logits z: [Double], target t: [Double]) -> [Double] {
        let f = 2 * factor(z.count)
        return zip(z, t).map { f * ($0 - $1) }
    }
    public func emitSample(_ n: Int, _ c: inout CodeBuilder) {
        c.block("for i in 0..<\(n)") {
            $0.line("let d = \(z)[i] - \(t)[i]")
            $0.line("loss += \(literal(factor(n))) * d * d")
            $0.line("\(gz)[i] = \(literal(2 * factor(n))) * invBatch * d")
        }
    }
}

/// Sigmoid fused with binary cross-entropy, on logits z:
/// L = Σᵢ −[tᵢ log σ(zᵢ) + (1 − tᵢ) log(1 − σ(zᵢ))] = Σᵢ tᵢ softplus(−zᵢ) + (1 − tᵢ) softplus(zᵢ);
/// ∂L/∂z = (1 − t) σ(z) − t σ(−z). Both terms are formed without
/// cancellation, so a confident correct prediction (z = 17, t = 1) keeps its
/// tiny loss and gradient instead of rounding them to 0 (`softplus(z) − t z`).
///
/// A positive weight w scales the positive term, w·t·softplus(−z), as
/// PyTorch's `pos_weight`: w > 1 counts each positive as w of them, for rare
/// positives; the gradient becomes (1 − t) σ(z) − w t σ(−z). One weight
/// serves every output; a list gives each output its own (multi-label data
/// whose labels are rare to different degrees).
public struct SigmoidCrossEntropy: LossRule {
    /// One weight for every output, or one per output.
    public var positiveWeights = [1.0]

    /// The weight of output i.
    func weight(_ i: Int) -> Double { positiveWeights.count == 1 ? positiveWeights[0] : positiveWeights[i] }
    var perOutput: Bool { positiveWeights.count > 1 }

    /// Summed over the outputs, as here; PyTorch's mean would also divide by them.
    public func pytorch(z: String, t: String, n: Int) -> String {
        let weight = perOutput ? ", pos_weight=torch.tensor([\(positiveWeights.map(Python.float).joined(separator: ", "))], dtype=\(z).dtype)"
            : positiveWeights[0] == 1 ? "" : ", pos_weight=\(z).new_full((\(n),), \(Python.float(positiveWeights[0])))"
        return "F.binary_cross_entropy_with_logits(\(z), \(t), reduction=\"sum\"\(weight)) / \(z).shape[0]"
    }
    public var name: String {
        if perOutput { return "binary_cross_entropy(positive_weight: [\(positiveWeights.map(ArgumentReader.format).joined(separator: ", "))])" }
        return positiveWeights[0] == 1 ? "binary_cross_entropy" : "binary_cross_entropy(positive_weight: \(positiveWeights[0]))"
    }
    public var targets: LossTargets { .probabilities }
    public var fusedActivation: FusedActivation? { .sigmoid }
    public var tables: [(name: String, values: [Double])] { perOutput ? [("positiveWeights", positiveWeights)] : [] }
    public var fixedOutputs: (count: Int, argument: String)? { perOutput ? (positiveWeights.count, "positive_weight") : nil }
    public func value(logits z: [Double], target t: [Double]) -> Double {
        z.indices.reduce(0) { $0 + weight($1) * t[$1] * Math.softplus(-z[$1]) + (1 - t[$1]) * Math.softplus(z[$1]) }
    }
    public func gradient(logits z: [Double], target t: [Double]) -> [Double] {
        z.indices.map { (1 - t[$0]) * Math.sigmoid(z[$0]) - weight($0) * t[$0] * Math.sigmoid(-z[$0]) }
    }
    public func emitBatchPrologue(_ n: Int, logits: Ref, target: Ref, seed: Ref, _ c: inout CodeBuilder) {
        if perOutput { c.line("let positiveWeights = Self.positiveWeights") }
    }
    public func emitSample(_ n: Int, _ c: inout CodeBuilder) {
        let w: Code = perOutput ? "positiveWeights[i] * " : positiveWeights[0] == 1 ? "" : "\(literal(positiveWeights[0])) * "
        c.block("for i in 0..<\(n)") {
            $0.line("loss += \(w)\(t)[i] * Math.softplus(-\(z)[i]) + (1 - \(t)[i]) * Math.softplus(\(z)[i])")
            $0.line("\(gz)[i] = ((1 - \(t)[i]) * Math.sigmoid(\(z)[i]) - \(w)\(t)[i] * Math.sigmoid(-\(z)[i])) * invBatch")
        }
    }
}

/// Softmax fused with cross-entropy, on logits z:
/// L = −Σᵢ tᵢ log softmax(z)ᵢ = Σᵢ tᵢ (log Σⱼ e^(zⱼ − top) − (zᵢ − top)); ∂L/∂z = (Σᵢ tᵢ) softmax(z) − t.
/// The shift by top = max z is taken out of each term before it is added
/// (not `tᵢ (top + log sum − zᵢ)`), so log sum is not lost next to a large
/// top; and log sum = log1p(Σ of the other terms), since the top's term is
/// exactly 1 and `log(1 + small)` would round the small part away (Float
/// logits [1000, 990, 0]: 4.5399e-5, where log(sum) gives 4.5418e-5).
///
/// With label smoothing ε the target is t′ = (1 − ε)t + ε/n in place of t,
/// as PyTorch's `label_smoothing`: the loss also pulls every logit towards
/// the others, so the network is not rewarded for ever larger margins.
///
/// With class weights w each class's term is weighted, L = Σᵢ wᵢt′ᵢ(log Σ −
/// (zᵢ − top)), so ∂L/∂z = (Σᵢ wᵢt′ᵢ)·softmax(z) − w ⊙ t′: PyTorch's `weight`
/// with probability targets. The batch loss stays the mean over samples
/// (PyTorch's class-index targets divide by the sum of the samples' weights instead).
///
/// Over a C × … node (segmentation) it takes the classes at each of the P
/// positions apart: channel c of position p is z[c·P + p], and a sample's
/// loss is the mean of its positions' losses (PyTorch's CrossEntropyLoss on
/// N × C × H × W, whose mean runs over N·H·W).
///
/// With `ignore_label` a position whose target row is all zero (the label
/// ignored) is unlabelled: it adds no loss and no gradient, label smoothing
/// included, and the batch's loss is the mean over its labelled positions
/// (PyTorch's `ignore_index`, whose mean runs over the batch's labelled
/// positions); a batch with none has loss 0. A NaN target still counts.
public struct SoftmaxCrossEntropy: LossRule {
    public var smoothing = 0.0
    public var weights: [Double]? = nil
    public var ignoredLabel: Int? = nil
    public var positions = 1
    /// Whether the rule reads classes position by position: over C × …, or
    /// with `ignore_label`, which leaves positions (samples, for a vector) out.
    var perPosition: Bool { positions > 1 || ignoredLabel != nil }

    /// PyTorch's cross-entropy with probability targets, averaged over the batch.
    public func pytorch(z: String, t: String, n: Int) -> String {
        var options = ""
        if let weights { options += ", weight=torch.tensor([\(weights.map(Python.float).joined(separator: ", "))], dtype=\(z).dtype)" }
        if smoothing > 0 { options += ", label_smoothing=\(Python.float(smoothing))" }
        func planes(_ x: String) -> String { "\(x).reshape(\(x).shape[0], \(n / positions), \(positions))" }
        if ignoredLabel != nil {
            // Each position's loss where its target row is not all zero, over the batch's labelled positions.
            return "netc_labelled_mean(F.cross_entropy(\(planes(z)), \(planes(t)), reduction=\"none\"\(options)), (\(planes(t)) != 0).any(1))"
        }
        guard positions > 1 else { return "F.cross_entropy(\(z), \(t)\(options))" }
        return "F.cross_entropy(\(planes(z)), \(planes(t))\(options))"
    }
    public var name: String {
        var options: [String] = []
        if let weights { options.append("class_weights: [\(weights.map(ArgumentReader.format).joined(separator: ", "))]") }
        if smoothing > 0 { options.append("label_smoothing: \(smoothing)") }
        if let ignoredLabel { options.append("ignore_label: \(ignoredLabel)") }
        return "softmax_cross_entropy" + (options.isEmpty ? "" : "(\(options.joined(separator: ", ")))")
    }
    public var targets: LossTargets { .oneHot }
    public var fusedActivation: FusedActivation? { .softmax }
    public var tables: [(name: String, values: [Double])] { weights.map { [("classWeights", $0)] } ?? [] }
    public var fixedOutputs: (count: Int, argument: String)? { weights.map { ($0.count, "class_weights") } }
    public func over(_ shape: Shape) -> (any LossRule)? {
        var rule = self
        rule.positions = shape.count / shape.dimensions[0]
        return rule
    }
    /// Position p's C values of a sample's z[c·P + p].
    func position(_ p: Int, of x: [Double]) -> [Double] { stride(from: p, to: x.count, by: positions).map { x[$0] } }
    /// The target the loss uses, t′ = (1 − ε)t + ε/n, each class's times its weight.
    func weightedTarget(_ t: [Double]) -> [Double] {
        let smoothed = smoothing > 0 ? t.map { (1 - smoothing) * $0 + smoothing / Double(t.count) } : t
        return weights.map { zip($0, smoothed).map(*) } ?? smoothed
    }
    public func value(logits z: [Double], target t: [Double]) -> Double {
        guard perPosition else { return classValue(logits: z, target: t) }
        return (0..<positions).reduce(0.0) {
            let target = position($1, of: t)
            return unlabelled(target) ? $0 : $0 + classValue(logits: position($1, of: z), target: target)
        } / Double(positions)
    }
    /// Whether a position is left out: with `ignore_label`, when its target row is all zero.
    func unlabelled(_ t: [Double]) -> Bool { ignoredLabel != nil && t.allSatisfy { $0 == 0 } }
    public func batchScale(_ targets: [[Double]]) -> Double {
        guard ignoredLabel != nil else { return 1 }
        let labelled = targets.reduce(0) { sum, t in sum + (0..<positions).filter { !unlabelled(position($0, of: t)) }.count }
        return labelled == 0 ? 0 : Double(targets.count * positions) / Double(labelled)
    }
    /// One position's loss over its classes.
    func classValue(logits z: [Double], target t: [Double]) -> Double {
        guard let at = z.indices.max(by: { z[$0] < z[$1] }) else { return 0 }
        let m = z[at]
        let rest = z.indices.reduce(0.0) { $0 + ($1 == at ? 0 : Math.exp(z[$1] - m)) }
        let poison = z.reduce(0.0) { $0 + ($1 - $1) }  // NaN for a NaN or infinite logit, as the generated code gives
        return zip(z, weightedTarget(t)).reduce(poison) { $0 + $1.1 * (Math.log1p(rest) - ($1.0 - m)) }
    }
    public func gradient(logits z: [Double], target t: [Double]) -> [Double] {
        guard perPosition else { return classGradient(logits: z, target: t) }
        var g = [Double](repeating: 0, count: z.count)
        for p in 0..<positions where !unlabelled(position(p, of: t)) {
            for (c, v) in classGradient(logits: position(p, of: z), target: position(p, of: t)).enumerated() { g[c * positions + p] = v / Double(positions) }
        }
        return g
    }
    func classGradient(logits z: [Double], target t: [Double]) -> [Double] {
        let t = weightedTarget(t)
        let p = softmax(z), mass = t.reduce(0, +)
        return zip(p, t).map { mass * $0 - $1 }
    }
    /// zᵢ − top for every sample, then their exponentials in one call over the
    /// whole batch (one vector loop instead of a call per sample: iris at
    /// batch 16 took 3.2 µs per step with a call per sample, 2.7 µs with one).
    /// With `ignore_label`, the same pass counts the labelled positions and
    /// puts −∞ at each unlabelled one's classes: their exponentials, 0, are
    /// their gradient, and a sum of 0 tells the per-sample body to skip them.
    public func emitBatchPrologue(_ n: Int, logits: Ref, target: Ref, seed: Ref, _ c: inout CodeBuilder) {
        var bindings: [SwiftStatement.Binding] = [.init(local: z, ref: logits, stride: n), .init(local: gz, ref: seed, stride: n)]
        if ignoredLabel != nil {
            bindings.append(.init(local: t, ref: target, stride: n))
            c.line("var labelled = 0")
        }
        c.append(.perSample(count: "count", bindings: bindings, body: {
            var b = CodeBuilder()
            if perPosition {
                // Each position's top over its classes, held in the first class's plane, which is written last.
                let classes = n / positions
                b.line("for p in 0..<\(positions) { \(gz)[p] = \(z)[p] }")
                b.line("for c in 1..<\(classes) { let row = c &* \(positions); for p in 0..<\(positions) { let v = \(z)[row &+ p]; if v > \(gz)[p] { \(gz)[p] = v } } }")
                b.line("for c in stride(from: \(classes - 1), through: 0, by: -1) { let row = c &* \(positions); for p in 0..<\(positions) { \(gz)[row &+ p] = \(z)[row &+ p] - \(gz)[p] } }")
                if ignoredLabel != nil {
                    // A position is labelled when its target row is not all zero (a NaN counts).
                    b.block("for p in 0..<\(positions)") {
                        $0.line("var given = false")
                        $0.line("for k in 0..<\(classes) where \(t)[k &* \(positions) &+ p] != 0 { given = true; break }")
                        $0.line("if given { labelled &+= 1 } else { for k in 0..<\(classes) { \(gz)[k &* \(positions) &+ p] = -Scalar.infinity } }")
                    }
                }
                return b.statements
            }
            b.line("var top = \(z)[0]")
            b.line("for i in 1..<\(n) where \(z)[i] > top { top = \(z)[i] }")
            b.line("for i in 0..<\(n) { \(gz)[i] = \(z)[i] - top }")
            return b.statements
        }()))
        c.line("Math.exp(\(seed), minus: 0, into: \(seed), count &* \(n))")
        if weights != nil { c.line("let classWeights = Self.classWeights") }
        // Each labelled position's share of the batch's mean.
        if ignoredLabel != nil { c.line("let share: Scalar = labelled > 0 ? Scalar(count) / Scalar(labelled) : 0") }
    }

    public func emitSample(_ n: Int, _ c: inout CodeBuilder) {
        guard !perPosition else { return emitPositions(n / positions, &c) }
        // gz holds e^(zᵢ − top) from the prologue; top and its index again (n comparisons).
        c.line("var top = \(z)[0]")
        c.line("var at = 0")
        c.line("for i in 1..<\(n) where \(z)[i] > top { top = \(z)[i]; at = i }")
        c.line("var sum: Scalar = 0")
        c.line("for i in 0..<\(n) { sum += \(gz)[i] }")
        c.line("var rest: Scalar = 0")
        c.line("for i in 0..<\(n) where i != at { rest += \(gz)[i] }")
        c.line("let logSum = Math.log1p(rest)")
        c.line("var mass: Scalar = 0")
        // The target, or with label smoothing t′ = (1 − ε)t + ε/n; times the class's weight.
        var target: Code = smoothing > 0 ? "(\(literal(1 - smoothing)) * \(t)[i] + \(literal(smoothing / Double(n))))" : "\(t)[i]"
        if weights != nil { target = "classWeights[i] * \(target)" }
        if smoothing > 0 || weights != nil {
            c.line("for i in 0..<\(n) { let ti = \(target); mass += ti; loss += ti * (logSum - (\(z)[i] - top)) }")
        } else {
            c.line("for i in 0..<\(n) { mass += \(t)[i]; loss += \(t)[i] * (logSum - (\(z)[i] - top)) }")
        }
        c.line("let scale = mass / sum")
        c.line("for i in 0..<\(n) { \(gz)[i] = (scale * \(gz)[i] - \(target)) * invBatch }")
    }

    /// The per-sample body over `classes` × P: each position as above, its
    /// classes P apart; the sample's loss and gradient divided by P, or with
    /// `ignore_label` times the prologue's `share`, an unlabelled position
    /// (its exponentials 0, so its sum) skipped with its gradient 0.
    func emitPositions(_ classes: Int, _ c: inout CodeBuilder) {
        let p = positions
        var target: Code = smoothing > 0 ? "(\(literal(1 - smoothing)) * \(t)[i] + \(literal(smoothing / Double(classes))))" : "\(t)[i]"
        if weights != nil { target = "classWeights[k] * \(target)" }
        let share: Code = ignoredLabel != nil ? "share" : "\(literal(1 / Double(p)))"
        c.line("let step = invBatch * \(share)")
        c.line("var sampleLoss: Scalar = 0")
        c.block("for p in 0..<\(p)") {
            $0.line("var top = \(z)[p]")
            $0.line("var at = 0")
            $0.line("for k in 1..<\(classes) where \(z)[k &* \(p) &+ p] > top { top = \(z)[k &* \(p) &+ p]; at = k }")
            $0.line("var sum: Scalar = 0")
            $0.line("var rest: Scalar = 0")
            $0.line("for k in 0..<\(classes) { let e = \(gz)[k &* \(p) &+ p]; sum += e; if k != at { rest += e } }")
            // Unlabelled: every exponential 0 (a labelled position's top gives 1, or NaN).
            if ignoredLabel != nil { $0.line("if sum == 0 { continue }") }
            $0.line("let logSum = Math.log1p(rest)")
            $0.line("var mass: Scalar = 0")
            $0.line("for k in 0..<\(classes) { let i = k &* \(p) &+ p; let ti = \(target); mass += ti; sampleLoss += ti * (logSum - (\(z)[i] - top)) }")
            $0.line("let scale = mass / sum")
            $0.line("for k in 0..<\(classes) { let i = k &* \(p) &+ p; \(gz)[i] = (scale * \(gz)[i] - \(target)) * step }")
        }
        c.line("loss += sampleLoss * \(share)")
    }
}

/// Multiclass hinge (Weston–Watkins SVM, margin 1), with y = argmax t:
/// L = Σ_{j≠y} max(0, zⱼ − z_y + 1).
public struct Hinge: LossRule {
    /// PyTorch's multi-margin loss divides each sample's sum by the class count; argmax takes the first maximum, as here.
    public func pytorch(z: String, t: String, n: Int) -> String {
        "F.multi_margin_loss(\(z), \(t).argmax(1), reduction=\"sum\") * \(n) / \(z).shape[0]"
    }
    public var name: String { "hinge" }
    public var targets: LossTargets { .oneHot }
    static func label(_ t: [Double]) -> Int { t.indices.max { t[$0] < t[$1] || (t[$0] == t[$1] && $0 > $1) } ?? 0 }
    public func value(logits z: [Double], target t: [Double]) -> Double {
        let y = Hinge.label(t)
        // A NaN or infinite logit or target makes the loss NaN (the comparisons alone would skip it).
        let poison = zip(z, t).reduce(0) { $0 + ($1.0 - $1.0) + ($1.1 - $1.1) }
        return z.indices.reduce(poison) { $0 + ($1 == y ? 0 : max(0, z[$1] - z[y] + 1)) }
    }
    public func kinkSides(logits z: [Double], target t: [Double]) -> [Int] {
        let y = Hinge.label(t)
        return z.indices.map { z[$0] - z[y] + 1 > 0 ? 1 : 0 }
    }
    public func gradient(logits z: [Double], target t: [Double]) -> [Double] {
        let y = Hinge.label(t)
        var g = [Double](repeating: 0, count: z.count)
        for j in z.indices where j != y && z[j] - z[y] + 1 > 0 {
            g[j] = 1
            g[y] -= 1
        }
        return g
    }
    public func emitSample(_ n: Int, _ c: inout CodeBuilder) {
        c.line("var label = 0")
        c.line("for i in 1..<\(n) where \(t)[i] > \(t)[label] { label = i }")
        c.line("var violations: Scalar = 0")
        c.block("for i in 0..<\(n)") {
            $0.line("loss += (\(z)[i] - \(z)[i]) + (\(t)[i] - \(t)[i])  // 0, or NaN for a NaN or infinite value, which the comparisons would skip")
            $0.line("let margin = \(z)[i] - \(z)[label] + 1")
            $0.block("if i != label && margin > 0") {
                $0.line("loss += margin")
                $0.line("\(gz)[i] = invBatch")
                $0.line("violations += 1")
            }
            $0.block("else") { $0.line("\(gz)[i] = 0") }
        }
        c.line("\(gz)[label] = -violations * invBatch")
    }
}

/// The loss catalogue.
public enum Losses {
    public struct Entry: Sendable {
        public let name: String
        public let parameters: [ParameterSpec]
        public let make: @Sendable ([String: Value]) -> any LossRule
    }

    public static let table: [Entry] = [
        Entry(name: "squared_error", parameters: [
            .init("reduction", .word(["sum", "mean"]), default: .word("mean")),
            .init("scale", .number(1e-12...1e12), default: .number(1)),
        ]) { SquaredError(mean: $0["reduction"]!.word == "mean", scale: $0["scale"]!.number) },
        Entry(name: "absolute_error", parameters: [
            .init("reduction", .word(["sum", "mean"]), default: .word("mean")),
        ]) { AbsoluteError(mean: $0["reduction"]!.word == "mean") },
        Entry(name: "huber", parameters: [
            .init("delta", .number(1e-12...1e12), default: .number(1)),
            .init("reduction", .word(["sum", "mean"]), default: .word("mean")),
        ]) { Huber(delta: $0["delta"]!.number, mean: $0["reduction"]!.word == "mean") },
        Entry(name: "binary_cross_entropy", parameters: [
            .init("positive_weight", .numberOrNumbers(1e-6...1e6), default: .numbers([1])),
        ]) { SigmoidCrossEntropy(positiveWeights: $0["positive_weight"]!.numbers!) },
        Entry(name: "softmax_cross_entropy", parameters: [
            .init("label_smoothing", .number(0...1), default: .number(0)),
            .init("class_weights", .numbers(0...1e6), optional: true),
            .init("ignore_label", .integer(-1_000_000...1_000_000), optional: true),
        ]) { SoftmaxCrossEntropy(smoothing: $0["label_smoothing"]!.number, weights: $0["class_weights"]?.numbers,
                                 ignoredLabel: $0["ignore_label"].map(\.integer)) },
        Entry(name: "hinge", parameters: []) { _ in Hinge() },
    ]

    public static var names: [String] { table.map(\.name) }
}
