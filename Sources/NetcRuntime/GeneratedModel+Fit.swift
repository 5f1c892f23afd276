#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `fit` trains, beyond the data and the number of epochs.
public struct FitOptions: Sendable {
    /// Seeds each epoch's shuffle (epoch e uses `seed + e`); `shuffle: false` keeps the data's order.
    public var seed: UInt64
    public var shuffle: Bool
    /// What to do with the samples left after the last full batch of an epoch.
    public var partialBatch: PartialBatch
    /// Stop when the monitored loss (validation if given, else training) has
    /// not improved for `patience` epochs; nil trains every epoch.
    public var earlyStopping: EarlyStopping?
    /// Lower the learning rate when the monitored loss stops improving; nil leaves it to the schedule.
    public var reduceOnPlateau: ReduceOnPlateau?
    /// Where to save the best weights so far, atomically, whenever the monitored loss improves.
    public var checkpoint: String?
    /// Print one line per epoch, as Keras does.
    public var progress: Bool
    /// Random flips and shifts of each training sample, drawn from the epoch's generator; nil trains on the data as it is.
    public var augmentation: Augmentation?

    public init(seed: UInt64 = 0, shuffle: Bool = true, partialBatch: PartialBatch = .train, earlyStopping: EarlyStopping? = nil,
                reduceOnPlateau: ReduceOnPlateau? = nil, checkpoint: String? = nil, progress: Bool = false,
                augmentation: Augmentation? = nil) {
        self.seed = seed
        self.shuffle = shuffle
        self.partialBatch = partialBatch
        self.earlyStopping = earlyStopping
        self.reduceOnPlateau = reduceOnPlateau
        self.checkpoint = checkpoint
        self.progress = progress
        self.augmentation = augmentation
    }
}

/// The samples after an epoch's last full batch: one more, smaller step
/// (its loss and gradients the mean over them), or left out.
public enum PartialBatch: Sendable { case train, drop }

/// When `fit` stops before its last epoch.
public struct EarlyStopping: Sendable {
    /// Epochs without an improvement larger than `minimumImprovement` before stopping.
    public var patience: Int
    public var minimumImprovement: Double
    /// Whether the model ends with the parameters of its best epoch (else its last).
    public var restoresBest: Bool

    public init(patience: Int, minimumImprovement: Double = 0, restoresBest: Bool = true) {
        self.patience = patience
        self.minimumImprovement = minimumImprovement
        self.restoresBest = restoresBest
    }
}

/// When `fit` lowers the learning rate, as PyTorch's `ReduceLROnPlateau`
/// (mode min): after more than `patience` epochs in a row without an
/// improvement larger than `minimumImprovement` in the monitored loss, the
/// base learning rate (`hyperparameters.learningRate`, which any schedule
/// then scales) is multiplied by `factor`, but not below
/// `minimumLearningRate`; then `cooldown` epochs pass before counting again.
public struct ReduceOnPlateau: Sendable, Equatable {
    public var factor: Double
    public var patience: Int
    public var minimumImprovement: Double
    public var minimumLearningRate: Double
    public var cooldown: Int

    public init(factor: Double = 0.1, patience: Int = 10, minimumImprovement: Double = 0, minimumLearningRate: Double = 0,
                cooldown: Int = 0) {
        ArgumentCheck.require(factor > 0 && factor < 1 && patience >= 0 && cooldown >= 0,
                              "ReduceOnPlateau: needs 0 < factor < 1 and patience and cooldown of 0 or more, got factor \(factor), "
                              + "patience \(patience), cooldown \(cooldown)")
        self.factor = factor
        self.patience = patience
        self.minimumImprovement = minimumImprovement
        self.minimumLearningRate = minimumLearningRate
        self.cooldown = cooldown
    }

    /// Where the rule stands between epochs.
    public struct State: Sendable, Equatable {
        public var best = Double.infinity
        public var badEpochs = 0
        public var cooldownLeft = 0
        public init() {}
    }

    /// Takes an epoch's monitored loss; returns the learning rate to use from
    /// now on (`rate` itself when it does not change).
    public func next(_ state: inout State, monitored: Double, rate: Double) -> Double {
        if monitored < state.best - minimumImprovement {
            state.best = monitored
            state.badEpochs = 0
        } else {
            state.badEpochs += 1
        }
        if state.cooldownLeft > 0 {
            state.cooldownLeft -= 1
            state.badEpochs = 0
        }
        guard state.badEpochs > patience else { return rate }
        state.cooldownLeft = cooldown
        state.badEpochs = 0
        return Swift.max(rate * factor, Swift.min(minimumLearningRate, rate))
    }
}

/// What one epoch of `fit` did.
public struct EpochRecord: Sendable, Equatable {
    /// From 1.
    public var epoch: Int
    /// The mean training loss of the epoch's steps (weighted by their samples; skipped steps left out).
    public var loss: Double
    /// After the epoch, on the validation data: the loss, and the accuracy
    /// (classifiers) or R² (other models).
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var validationR2: Double?
    /// Two-class classifiers: the validation data's ROC AUC (`Evaluation.rocAUC`).
    public var validationAUC: Double?
    /// The learning rate of the epoch's last step.
    public var learningRate: Double
    public var seconds: Double
    public var steps: Int
    /// Steps skipped because their loss, a gradient or the update was not finite.
    public var skippedSteps: Int

    public init(epoch: Int, loss: Double, validationLoss: Double? = nil, validationAccuracy: Double? = nil, validationR2: Double? = nil,
                validationAUC: Double? = nil, learningRate: Double, seconds: Double, steps: Int, skippedSteps: Int) {
        self.epoch = epoch
        self.loss = loss
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.validationR2 = validationR2
        self.validationAUC = validationAUC
        self.learningRate = learningRate
        self.seconds = seconds
        self.steps = steps
        self.skippedSteps = skippedSteps
    }
}

/// Every epoch `fit` ran, and which was best.
public struct History: Sendable {
    public var epochs: [EpochRecord] = []
    /// The epoch with the lowest monitored loss (validation if given, else training).
    public var bestEpoch: Int?
    public var stoppedEarly = false
    public var skippedSteps: Int { epochs.reduce(0) { $0 + $1.skippedSteps } }

    public init() {}
}

/// A model's measures on a data set.
public struct Evaluation: Sendable {
    /// The mean loss over the samples (dropout off).
    public var loss: Double
    /// Classifiers on labelled data: accuracy and the confusion matrix.
    public var accuracy: Double?
    public var confusion: ConfusionMatrix?
    /// Two-class classifiers on labelled data: the area under the ROC curve
    /// of class 1's score (`Metrics.rocAUC`), which accuracy hides when one
    /// class is rare.
    public var rocAUC: Double?
    /// Other models: mean squared and absolute error and R² over every output value.
    public var meanSquaredError: Double?
    public var meanAbsoluteError: Double?
    public var r2: Double?

    public init(loss: Double) { self.loss = loss }
}

extension GeneratedModel {
    /// Trains for `epochs` epochs over `data` in shuffled batches of
    /// `batchSize`, evaluating `validation` (if given) after each. `onEpoch`
    /// sees each epoch's record and returns false to stop. Throws only when a
    /// checkpoint cannot be written. Allocates per epoch, not per step.
    @inlinable @discardableResult
    public mutating func fit(_ data: DataSet<Scalar>, validation: DataSet<Scalar>? = nil, epochs: Int,
                             options: FitOptions = FitOptions(), onEpoch: (EpochRecord) -> Bool = { _ in true })
        throws(ParameterFile.Failure) -> History {
        Self.checkShape(data, "fit")
        if let validation { Self.checkShape(validation, "fit (validation)") }
        let movesTargets = Self.augmentationMovesTargets(labelled: data.labels != nil)
        if let problem = options.augmentation?.problem(for: Self.info, inputCount: Self.inputCount, labelled: data.labels != nil) {
            ArgumentCheck.fail(problem)
        }
        var unmoved = [Scalar](repeating: 0, count: options.augmentation == nil ? 0 : Swift.max(Self.inputCount, Self.targetCount))
        var history = History()
        var best = Double.infinity, bestParameters: [Scalar]?, waited = 0
        var plateau = ReduceOnPlateau.State()
        var input = [Scalar](repeating: 0, count: Self.batchSize * Self.inputCount)
        var target = [Scalar](repeating: 0, count: Self.batchSize * Self.targetCount)
        for epoch in 1...Swift.max(epochs, 1) {
            let start = monotonicSeconds()
            var random = SplitMix64(seed: options.seed &+ UInt64(epoch))
            let order = options.shuffle ? random.shuffle(Array(0..<data.count)) : Array(0..<data.count)
            var total = 0.0, samples = 0, steps = 0, skipped = 0
            var first = 0
            while first < order.count {
                let count = Swift.min(Self.batchSize, order.count - first)
                if count < Self.batchSize && options.partialBatch == .drop { break }
                Self.gather(data, order[first..<(first + count)], into: &input, &target)
                if let augmentation = options.augmentation {
                    Self.augment(augmentation, &input, &target, count: count, movesTargets: movesTargets, &random, scratch: &unmoved)
                }
                let loss = input.withUnsafeBufferPointer { i in
                    target.withUnsafeBufferPointer { t in
                        trainStep(input: UnsafeBufferPointer(rebasing: i[0..<(count * Self.inputCount)]),
                                  target: UnsafeBufferPointer(rebasing: t[0..<(count * Self.targetCount)]))
                    }
                }
                if loss.isFinite { total += Double(loss) * Double(count); samples += count } else { skipped += 1 }
                steps += 1
                first += count
            }
            var record = EpochRecord(epoch: epoch, loss: samples > 0 ? total / Double(samples) : .nan,
                                     learningRate: storage.hyperparameters.learningRate(atStep: Swift.max(storage.step, 1)),
                                     seconds: 0, steps: steps, skippedSteps: skipped)
            if let validation {
                let e = evaluate(validation)
                record.validationLoss = e.loss
                record.validationAccuracy = e.accuracy
                record.validationR2 = e.r2
                record.validationAUC = e.rocAUC
            }
            record.seconds = monotonicSeconds() - start
            history.epochs.append(record)
            if options.progress { print(Self.progressLine(record, of: epochs)) }
            // The monitored loss: validation if given, else training.
            let monitored = record.validationLoss ?? record.loss
            if monitored < best - (options.earlyStopping?.minimumImprovement ?? 0) {
                best = monitored
                history.bestEpoch = epoch
                waited = 0
                if options.earlyStopping?.restoresBest == true { bestParameters = parameters }
                if let path = options.checkpoint { try save(to: path) }
            } else {
                waited += 1
            }
            if let rule = options.reduceOnPlateau {
                let rate = rule.next(&plateau, monitored: monitored, rate: storage.hyperparameters.learningRate)
                if rate != storage.hyperparameters.learningRate { hyperparameters.learningRate = rate }
            }
            guard onEpoch(record) else { break }
            if let stopping = options.earlyStopping, waited >= stopping.patience, epoch < epochs {
                history.stoppedEarly = true
                break
            }
        }
        if let bestParameters { parameters = bestParameters }
        return history
    }

    /// The loss over every sample of `data` (dropout off), and accuracy and a
    /// confusion matrix for a classifier on labelled data, or mean squared and
    /// absolute error and R² otherwise.
    @inlinable
    public func evaluate(_ data: DataSet<Scalar>) -> Evaluation {
        Self.checkShape(data, "evaluate")
        var target = [Scalar](repeating: 0, count: data.count * Self.targetCount)
        Self.gather(data, 0..<data.count, into: nil, &target)
        var result = Evaluation(loss: Double(loss(input: data.features, target: target)))
        let output = predict(data.features)
        if var labels = data.labels, let classes = Self.info.classCount {
            var predicted = Self.classes(of: output)
            let positions = Self.info.classPositions
            // Class 1's score: its sigmoid output, or its logit's lead over class 0's (P apart at each position).
            var scores = classes != 2 ? [] : Self.outputCount == 1 ? output : (0..<labels.count).map {
                let row = $0 / positions * Self.outputCount + $0 % positions
                return output[row + positions] - output[row]
            }
            if let ignored = Self.info.ignoredLabel {
                // Unlabelled samples or positions count nowhere.
                let kept = labels.indices.filter { labels[$0] != ignored }
                (labels, predicted) = (kept.map { labels[$0] }, kept.map { predicted[$0] })
                if !scores.isEmpty { scores = kept.map { scores[$0] } }
            }
            result.confusion = ConfusionMatrix(predicted: predicted, labels: labels, classCount: classes, classNames: data.classNames)
            result.accuracy = Metrics.accuracy(predicted, labels)
            if classes == 2 { result.rocAUC = Metrics.rocAUC(scores, labels) }
        } else if Self.outputCount == Self.targetCount {
            result.meanSquaredError = Metrics.meanSquaredError(output, target)
            result.meanAbsoluteError = Metrics.meanAbsoluteError(output, target)
            result.r2 = Metrics.r2(output, target)
        }
        return result
    }

    /// The class of each sample's outputs: the largest output's index, or for
    /// one sigmoid output, 1 when it is at least 0.5. For segmentation, the
    /// class at each position (`info.classPositions` per sample), the largest
    /// of the position's channels.
    @inlinable
    public static func classes(of output: [Scalar]) -> [Int] {
        guard outputCount > 1 else { return output.map { $0 >= 0.5 ? 1 : 0 } }
        let positions = info.classPositions, classes = outputCount / positions
        return (0..<output.count / outputCount * positions).map { j in
            let row = j / positions * outputCount + j % positions
            var best = 0
            for k in 1..<classes where output[row + k * positions] > output[row + best * positions] { best = k }
            return best
        }
    }

    /// Stops with a message unless `data` fits the model: its features per
    /// sample, and labels for a classifier or targets of the loss's size.
    @inlinable
    static func checkShape(_ data: DataSet<Scalar>, _ call: String) {
        ArgumentCheck.require(data.count > 0, "\(info.name).\(call): the data set is empty")
        ArgumentCheck.require(data.featureCount == inputCount,
                              "\(info.name).\(call): samples have \(data.featureCount) features, the model takes \(inputCount)")
        if data.labels != nil {
            ArgumentCheck.require(info.classCount != nil, "\(info.name).\(call): labelled data, but the model's loss names no classes")
            let classes = info.classCount!, ignored = info.ignoredLabel
            if let label = data.labels!.first(where: { !(0..<classes).contains($0) && $0 != ignored }) {
                ArgumentCheck.require(label < 0 || data.classCount <= classes, "\(info.name).\(call): the data has \(data.classCount) classes, the model \(classes)")
                ArgumentCheck.fail("\(info.name).\(call): label \(label) is outside the model's classes 0..<\(classes)"
                                   + (ignored.map { " and is not its ignored label \($0)" } ?? ""))
            }
            ArgumentCheck.require(data.labelsPerSample == info.classPositions,
                                  "\(info.name).\(call): the data has \(data.labelsPerSample) label\(data.labelsPerSample == 1 ? "" : "s") per sample, "
                                  + "the model a class at \(info.classPositions) position\(info.classPositions == 1 ? "" : "s")")
        } else {
            ArgumentCheck.require(data.targetCount == targetCount,
                                  "\(info.name).\(call): samples have \(data.targetCount) targets, the loss takes \(targetCount)")
        }
    }

    /// Copies the samples at `indices` into `input` (when given) and their
    /// targets — one-hot rows, or the label, for labelled data — into `target`.
    @inlinable
    static func gather<C: Collection<Int>>(_ data: DataSet<Scalar>, _ indices: C, into input: UnsafeMutablePointer<[Scalar]>?,
                                           _ target: inout [Scalar]) {
        for (b, i) in indices.enumerated() {
            if let input {
                for f in 0..<inputCount { input.pointee[b * inputCount + f] = data.features[i * inputCount + f] }
            }
            if let labels = data.labels {
                let positions = data.labelsPerSample
                target.withUnsafeMutableBufferPointer {
                    writeTargets(labels[(i * positions)..<((i + 1) * positions)], into: $0.baseAddress! + b * targetCount, "fit")
                }
            } else {
                for k in 0..<targetCount { target[b * targetCount + k] = data.targets[i * targetCount + k] }
            }
        }
    }

    @inlinable
    static func gather<C: Collection<Int>>(_ data: DataSet<Scalar>, _ indices: C, into input: inout [Scalar], _ target: inout [Scalar]) {
        withUnsafeMutablePointer(to: &input) { gather(data, indices, into: $0, &target) }
    }

    /// Whether augmentation moves the targets with the input: a label map, or
    /// numbers at each position (`Augmentation.problem` checks that they can).
    @inlinable
    static func augmentationMovesTargets(labelled: Bool) -> Bool {
        labelled ? info.classPositions > 1 : info.targetShape != nil
    }

    /// A fresh draw of `augmentation` for each of a batch's first `count`
    /// samples, applied to its input and, with `movesTargets`, to its targets
    /// at the same positions: a one-hot label map (class c's plane of
    /// positions; an all-zero row, moved in, is unlabelled) or numbers.
    /// `scratch` holds a sample's values before they move.
    @inlinable
    static func augment(_ augmentation: Augmentation, _ input: inout [Scalar], _ target: inout [Scalar], count: Int, movesTargets: Bool,
                        _ random: inout SplitMix64, scratch: inout [Scalar]) {
        let shape = info.inputShape!, rows = shape.count == 3 ? shape[1] : 1, columns = shape[shape.count - 1]
        func move(_ d: Augmentation.Draw, _ values: inout [Scalar], sample: Int, size: Int, planes: Int) {
            scratch.withUnsafeMutableBufferPointer { unmoved in
                values.withUnsafeMutableBufferPointer { v in
                    let start = v.baseAddress! + sample * size
                    unmoved.baseAddress!.update(from: start, count: size)
                    Augmentation.apply(d, from: unmoved.baseAddress!, to: start, planes: planes, rows: rows, columns: columns, fill: 0)
                }
            }
        }
        for b in 0..<count {
            let d = augmentation.draw(&random, rows: rows)
            move(d, &input, sample: b, size: inputCount, planes: shape[0])
            if movesTargets { move(d, &target, sample: b, size: targetCount, planes: targetCount * shape[0] / inputCount) }
        }
    }

    /// "epoch 3/50 · 12 ms · loss 0.4312 · val_loss 0.5012 · val_accuracy 0.9444 · lr 0.001"
    public static func progressLine(_ r: EpochRecord, of epochs: Int) -> String {
        var parts = ["epoch \(r.epoch)/\(epochs)", duration(r.seconds), "loss \(fixed(r.loss, 4))"]
        if let v = r.validationLoss { parts.append("val_loss \(fixed(v, 4))") }
        if let v = r.validationAccuracy { parts.append("val_accuracy \(fixed(v, 4))") }
        if let v = r.validationR2 { parts.append("val_r2 \(fixed(v, 4))") }
        if let v = r.validationAUC { parts.append("val_auc \(fixed(v, 4))") }
        parts.append("lr \(significant(r.learningRate))")
        if r.skippedSteps > 0 { parts.append("skipped \(r.skippedSteps) steps") }
        return parts.joined(separator: " · ")
    }
}

/// "0.41 ms", "12 ms", "3.2 s": three significant figures at most.
@usableFromInline
func duration(_ seconds: Double) -> String {
    let ms = seconds * 1000
    if ms < 10 { return "\(fixed(ms, 2)) ms" }
    if ms < 10_000 { return "\(Int(ms.rounded())) ms" }
    return "\(fixed(seconds, 1)) s"
}

/// `v` to four significant digits: "0.01958", "0.001", "2.5e-05".
@usableFromInline
func significant(_ v: Double) -> String {
    guard v.isFinite, v != 0 else { return "\(v)" }
    let unit = pow(10, (log10(Swift.abs(v))).rounded(.down) - 3)
    return "\(Float((v / unit).rounded() * unit))"
}

/// Seconds on a monotonic clock.
@usableFromInline
func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
