/// A classifier whose outputs give each class a probability: softmax
/// cross-entropy (the outputs are the logits) or binary cross-entropy on one
/// sigmoid output (the output is the probability of class 1). Adds
/// `probabilities`, as scikit-learn's `predict_proba`. A hinge-loss model's
/// scores are not probabilities: it is a `ClassifierModel` only.
public protocol ProbabilisticClassifierModel: ClassifierModel {}

extension ProbabilisticClassifierModel {
    /// Each sample's probability of each class, `classCount` values per
    /// sample, row-major: softmax of its logits (shifted by the largest, so
    /// no logit overflows), or [1 − p, p] for one sigmoid output. A NaN
    /// output makes its sample's row NaN. For segmentation, the softmax over
    /// the channels at each position, in the outputs' layout (class c of
    /// position p at c·P + p). Allocates nothing.
    @inlinable
    public func probabilities(input: UnsafeBufferPointer<Scalar>, output: UnsafeMutableBufferPointer<Scalar>) {
        ArgumentCheck.require(input.count % Self.inputCount == 0,
                              "\(Self.info.name).probabilities: input count \(input.count) is not a multiple of \(Self.inputCount)")
        let samples = input.count / Self.inputCount, positions = Self.classPositions, n = Self.classCount * positions
        ArgumentCheck.require(output.count == samples * n,
                              "\(Self.info.name).probabilities: output needs \(samples * n) values (\(n) per sample), got \(output.count)")
        guard samples > 0 else { return }
        let y = output.baseAddress!
        if Self.outputCount == 1 {
            // The sigmoid outputs land in the first `samples` places, then spread to [1 − p, p] from the last.
            predict(input: input, output: UnsafeMutableBufferPointer(start: y, count: samples))
            for s in stride(from: samples - 1, through: 0, by: -1) {
                let p = y[s]
                y[2 * s + 1] = p
                y[2 * s] = 1 - p
            }
            return
        }
        predict(input: input, output: output)
        if positions > 1 {
            // Each position's top taken from its channels, then one exponential over the sample, then each position's sum.
            let classes = Self.classCount
            for s in 0..<samples {
                let row = y + s * n
                for p in 0..<positions {
                    var top = row[p]
                    for k in 1..<classes where row[k * positions + p] > top { top = row[k * positions + p] }
                    for k in 0..<classes { row[k * positions + p] -= top }
                }
                Scalar.mathExp(row, minus: 0, into: row, n)
                for p in 0..<positions {
                    var sum: Scalar = 0
                    for k in 0..<classes { sum += row[k * positions + p] }
                    for k in 0..<classes { row[k * positions + p] /= sum }
                }
            }
            return
        }
        for s in 0..<samples {
            let row = y + s * n
            var top = row[0]
            for i in 1..<n where row[i] > top { top = row[i] }
            Scalar.mathExp(row, minus: top, into: row, n)
            var sum: Scalar = 0
            for i in 0..<n { sum += row[i] }
            for i in 0..<n { row[i] /= sum }
        }
    }

    /// Each sample's probability of each class, `classCount` values per sample
    /// (at each of `classPositions` positions), row-major.
    @inlinable
    public func probabilities(_ input: [Scalar]) -> [Scalar] {
        var output = [Scalar](repeating: 0, count: input.count / Self.inputCount * Self.classCount * Self.classPositions)
        input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { probabilities(input: i, output: $0) } }
        return output
    }
}
