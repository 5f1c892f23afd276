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
    public func classify(_ input: [Scalar]) -> [Int] {
        let output = predict(input)
        guard Self.outputCount > 1 else { return output.map { $0 >= 0.5 ? 1 : 0 } }
        return (0..<output.count / Self.outputCount).map { b in
            let row = b * Self.outputCount
            var best = 0
            for i in 1..<Self.outputCount where output[row + i] > output[row + best] { best = i }
            return best
        }
    }

    /// One optimizer step with class labels (0..<classCount) as targets:
    /// one-hot vectors, or the label itself for one sigmoid output.
    @inlinable @discardableResult
    public mutating func trainStep(input: [Scalar], labels: [Int]) -> Scalar {
        let inputs = Self.batchSize * Self.inputCount
        ArgumentCheck.require(input.count == inputs,
                              "\(Self.info.name).trainStep: input needs \(inputs) values (\(Self.batchSize) samples of \(Self.inputCount)), got \(input.count)")
        ArgumentCheck.require(labels.count == Self.batchSize, "\(Self.info.name).trainStep: needs \(Self.batchSize) labels, got \(labels.count)")
        makeUnique()
        let m = storage.memory
        for b in 0..<Self.batchSize {
            let label = labels[b]
            ArgumentCheck.require(label >= 0 && label < Self.classCount,
                                  "\(Self.info.name).trainStep: label \(label) at sample \(b) is outside 0..<\(Self.classCount)")
            if Self.targetCount == 1 {
                m[Self.targetOffset + b] = Scalar(label)
            } else {
                for i in 0..<Self.targetCount { m[Self.targetOffset + b * Self.targetCount + i] = i == label ? 1 : 0 }
            }
        }
        return input.withUnsafeBufferPointer { step(UnsafeMutablePointer(mutating: $0.baseAddress!)) }
    }
}
