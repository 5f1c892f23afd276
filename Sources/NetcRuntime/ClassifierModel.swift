/// A generated model whose loss names classes: softmax cross-entropy or hinge
/// over `outputCount` classes, binary cross-entropy on one sigmoid output
/// (classes 0 and 1), or softmax cross-entropy over C × H × W, a class at
/// each of `classPositions` positions (segmentation). Adds prediction of
/// classes and training with labels.
public protocol ClassifierModel: GeneratedModel {}

extension ClassifierModel {
    /// The number of classes: the outputs (the channels, for a class at each
    /// position), or 2 for one sigmoid output.
    @inlinable
    public static var classCount: Int { outputCount == 1 ? 2 : outputCount / classPositions }

    /// The positions that each get a class: 1, or for segmentation the
    /// output's H·W (W for a sequence), row-major.
    @inlinable
    public static var classPositions: Int { info.classPositions }

    /// The predicted class per sample — `classPositions` per sample, row-major,
    /// for segmentation: the index of the largest output, or for one sigmoid
    /// output, 1 when it is at least 0.5.
    @inlinable
    public func classify(_ input: [Scalar]) -> [Int] { Self.classes(of: predict(input)) }

    /// One optimizer step with class labels (0..<classCount) as targets —
    /// one-hot vectors, or the label itself for one sigmoid output — on up to
    /// `batchSize` samples; `classPositions` labels per sample for segmentation.
    /// The loss's `ignore_label` (`info.ignoredLabel`) marks an unlabelled
    /// sample or position: an all-zero row, left out of the loss.
    @inlinable @discardableResult
    public mutating func trainStep(input: [Scalar], labels: [Int]) -> Scalar {
        let positions = Self.classPositions, samples = labels.count / positions
        ArgumentCheck.require(input.count == samples * Self.inputCount && labels.count == samples * positions
                              && samples > 0 && samples <= Self.batchSize,
                              "\(Self.info.name).trainStep: needs 1 to \(Self.batchSize) samples of \(Self.inputCount) values and "
                              + (positions == 1 ? "a label for each" : "\(positions) labels for each")
                              + ", got \(input.count) values and \(labels.count) labels")
        makeUnique()
        Self.writeTargets(labels, into: storage.memory + Self.targetOffset, "trainStep")
        return input.withUnsafeBufferPointer { step(UnsafeMutablePointer(mutating: $0.baseAddress!), count: samples) }
    }
}

extension GeneratedModel {
    /// Labels as targets at `target`: one-hot rows (one-hot over the channels
    /// at each position, for segmentation), or the label itself for one output;
    /// the ignored label's row all zero.
    @inlinable
    static func writeTargets(_ labels: some Collection<Int>, into target: UnsafeMutablePointer<Scalar>, _ call: String) {
        let classes = info.classCount!, positions = info.classPositions, ignored = info.ignoredLabel
        for (j, label) in labels.enumerated() {
            ArgumentCheck.require(label >= 0 && label < classes || label == ignored,
                                  "\(info.name).\(call): label \(label) at sample \(j / positions)"
                                  + (positions == 1 ? "" : ", position \(j % positions),") + " is outside 0..<\(classes)"
                                  + (ignored.map { " and is not the ignored label \($0)" } ?? ""))
            if targetCount == 1 {
                target[j] = Scalar(label)
            } else {
                let row = target + j / positions * targetCount + j % positions
                for k in 0..<classes { row[k * positions] = k == label ? 1 : 0 }
            }
        }
    }

    /// The labelled positions among the first `count` samples' targets (a
    /// row not all zero): with `ignore_label`, the weight of a batch's mean.
    @inlinable
    static func labelledPositions(_ target: UnsafeMutablePointer<Scalar>, count: Int) -> Int {
        let positions = info.classPositions, classes = targetCount / positions
        var labelled = 0
        for j in 0..<count * positions {
            let row = target + j / positions * targetCount + j % positions
            for k in 0..<classes where row[k * positions] != 0 { labelled += 1; break }
        }
        return labelled
    }
}
