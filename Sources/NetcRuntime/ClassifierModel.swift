/// A generated model whose loss names classes: softmax cross-entropy or hinge
/// over `outputCount` classes, or binary cross-entropy on one sigmoid output
/// (classes 0 and 1). Adds prediction of classes and training with labels.
public protocol ClassifierModel: GeneratedModel {}

extension ClassifierModel {
    /// The number of classes: the outputs, or 2 for one sigmoid output.
    @inlinable
    public static var classCount: Int { outputCount == 1 ? 2 : outputCount }

    /// The predicted class per sample: the index of the largest output, or
    /// for one sigmoid output, 1 when it is at least 0.5.
    @inlinable
    public func classify(_ input: [Scalar]) -> [Int] { Self.classes(of: predict(input)) }

    /// One optimizer step with class labels (0..<classCount) as targets —
    /// one-hot vectors, or the label itself for one sigmoid output — on up to
    /// `batchSize` samples.
    @inlinable @discardableResult
    public mutating func trainStep(input: [Scalar], labels: [Int]) -> Scalar {
        ArgumentCheck.require(input.count == labels.count * Self.inputCount && !labels.isEmpty && labels.count <= Self.batchSize,
                              "\(Self.info.name).trainStep: needs 1 to \(Self.batchSize) samples of \(Self.inputCount) values and a label for each, "
                              + "got \(input.count) values and \(labels.count) labels")
        makeUnique()
        Self.writeTargets(labels, into: storage.memory + Self.targetOffset, "trainStep")
        return input.withUnsafeBufferPointer { step(UnsafeMutablePointer(mutating: $0.baseAddress!), count: labels.count) }
    }

    /// Labels as targets at `target`: one-hot rows, or the label itself for one output.
    @inlinable
    static func writeTargets(_ labels: some Collection<Int>, into target: UnsafeMutablePointer<Scalar>, _ call: String) {
        for (b, label) in labels.enumerated() {
            ArgumentCheck.require(label >= 0 && label < classCount,
                                  "\(info.name).\(call): label \(label) at sample \(b) is outside 0..<\(classCount)")
            if targetCount == 1 {
                target[b] = Scalar(label)
            } else {
                for i in 0..<targetCount { target[b * targetCount + i] = i == label ? 1 : 0 }
            }
        }
    }
}
