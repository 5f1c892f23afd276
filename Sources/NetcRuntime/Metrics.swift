/// Measures of how well predictions match: for classes, accuracy and a
/// confusion matrix with precision, recall and F1 per class; for values, mean
/// squared and absolute error and the coefficient of determination R².
public enum Metrics {
    /// The fraction of predictions equal to their labels.
    public static func accuracy(_ predicted: [Int], _ labels: [Int]) -> Double {
        ArgumentCheck.require(predicted.count == labels.count, "Metrics.accuracy: \(predicted.count) predictions for \(labels.count) labels")
        guard !labels.isEmpty else { return .nan }
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    /// Mean over every value of (prediction − target)².
    public static func meanSquaredError<S: BinaryFloatingPoint>(_ predicted: [S], _ targets: [S]) -> Double {
        mean(predicted, targets) { $0 * $0 }
    }

    /// Mean over every value of |prediction − target|.
    public static func meanAbsoluteError<S: BinaryFloatingPoint>(_ predicted: [S], _ targets: [S]) -> Double {
        mean(predicted, targets) { Swift.abs($0) }
    }

    /// R² = 1 − Σ(t − p)² / Σ(t − t̄)² over every value (scikit-learn's
    /// `r2_score` for one output, its uniform average of the values' pooled
    /// form for several); NaN when the targets do not vary.
    public static func r2<S: BinaryFloatingPoint>(_ predicted: [S], _ targets: [S]) -> Double {
        ArgumentCheck.require(predicted.count == targets.count, "Metrics.r2: \(predicted.count) predictions for \(targets.count) targets")
        let mean = targets.reduce(0.0) { $0 + Double($1) } / Double(targets.count)
        let residual = zip(predicted, targets).reduce(0.0) { $0 + (Double($1.1) - Double($1.0)) * (Double($1.1) - Double($1.0)) }
        let total = targets.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
        return total > 0 ? 1 - residual / total : .nan
    }

    /// The area under the ROC curve of scores for class 1 against labels 0
    /// and 1 (scikit-learn's `roc_auc_score`): the probability that a random
    /// positive scores above a random negative, ties counting one half,
    /// from the scores' ranks (Mann–Whitney), O(n log n). NaN when either
    /// class is missing or a score is NaN. Any score increasing with class 1's
    /// probability serves: the probability itself, or a logit.
    public static func rocAUC<S: BinaryFloatingPoint>(_ scores: [S], _ labels: [Int]) -> Double {
        ArgumentCheck.require(scores.count == labels.count, "Metrics.rocAUC: \(scores.count) scores for \(labels.count) labels")
        ArgumentCheck.require(labels.allSatisfy { $0 == 0 || $0 == 1 }, "Metrics.rocAUC: labels must be 0 or 1")
        let positives = labels.reduce(0, +), negatives = labels.count - positives
        guard positives > 0, negatives > 0, !scores.contains(where: \.isNaN) else { return .nan }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // The positives' rank sum, tied scores sharing their ranks' mean.
        var rankSum = 0.0, start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            let rank = Double(start + end + 1) / 2  // ranks start + 1 … end
            for k in start..<end where labels[order[k]] == 1 { rankSum += rank }
            start = end
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    static func mean<S: BinaryFloatingPoint>(_ predicted: [S], _ targets: [S], _ f: (Double) -> Double) -> Double {
        ArgumentCheck.require(predicted.count == targets.count, "Metrics: \(predicted.count) predictions for \(targets.count) targets")
        guard !targets.isEmpty else { return .nan }
        return zip(predicted, targets).reduce(0.0) { $0 + f(Double($1.0) - Double($1.1)) } / Double(targets.count)
    }
}

/// Counts of (actual, predicted) class pairs: `counts[actual][predicted]`.
public struct ConfusionMatrix: Sendable, Equatable, CustomStringConvertible {
    public let counts: [[Int]]
    /// The classes' names for `description` (numbers when nil).
    public var classNames: [String]?
    public var classCount: Int { counts.count }

    public init(predicted: [Int], labels: [Int], classCount: Int, classNames: [String]? = nil) {
        ArgumentCheck.require(predicted.count == labels.count, "ConfusionMatrix: \(predicted.count) predictions for \(labels.count) labels")
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (p, t) in zip(predicted, labels) {
            ArgumentCheck.require((0..<classCount).contains(p) && (0..<classCount).contains(t),
                                  "ConfusionMatrix: class \(Swift.max(p, t)) is outside 0..<\(classCount)")
            counts[t][p] += 1
        }
        self.counts = counts
        self.classNames = classNames
    }

    /// Of the samples predicted as `c`, the fraction that are (NaN if none were).
    public func precision(_ c: Int) -> Double { ratio(counts[c][c], counts.reduce(0) { $0 + $1[c] }) }
    /// Of the samples of class `c`, the fraction predicted as it (NaN if there are none).
    public func recall(_ c: Int) -> Double { ratio(counts[c][c], counts[c].reduce(0, +)) }
    /// The harmonic mean of precision and recall (0 when both are 0).
    public func f1(_ c: Int) -> Double {
        let p = precision(c), r = recall(c)
        return p + r > 0 ? 2 * p * r / (p + r) : 0
    }
    /// The fraction of every sample on the diagonal.
    public var accuracy: Double { ratio((0..<classCount).reduce(0) { $0 + counts[$1][$1] }, counts.joined().reduce(0, +)) }
    /// F1 averaged over the classes (scikit-learn's `macro` average).
    public var macroF1: Double { (0..<classCount).reduce(0.0) { $0 + f1($1) } / Double(Swift.max(classCount, 1)) }
    /// Class `c`'s intersection over union (Jaccard index): the samples both
    /// labelled and predicted `c` over those either is (NaN if neither is),
    /// the usual per-class score of segmentation.
    public func intersectionOverUnion(_ c: Int) -> Double {
        ratio(counts[c][c], counts[c].reduce(0, +) + counts.reduce(0) { $0 + $1[c] } - counts[c][c])
    }
    /// Intersection over union averaged over the classes that occur in the
    /// labels or the predictions (mIoU; NaN when none does).
    public var meanIntersectionOverUnion: Double {
        let scores = (0..<classCount).map(intersectionOverUnion).filter { !$0.isNaN }
        return scores.isEmpty ? .nan : scores.reduce(0, +) / Double(scores.count)
    }

    func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : .nan }

    /// The matrix (rows: actual, columns: predicted) and each class's precision, recall and F1.
    public var description: String {
        let names = classNames ?? (0..<classCount).map(String.init)
        let widest = Swift.max(names.map(\.count).max() ?? 0, String(counts.joined().max() ?? 0).count)
        let width = Swift.max(4, widest + 2)
        func cell(_ s: String) -> String { s + String(repeating: " ", count: Swift.max(1, width - s.count)) }
        var lines = [cell("") + names.map(cell).joined() + "precision  recall  f1"]
        for (c, row) in counts.enumerated() {
            lines.append(cell(names[c]) + row.map { cell(String($0)) }.joined()
                         + "\(fixed(precision(c)))      \(fixed(recall(c)))   \(fixed(f1(c)))")
        }
        return lines.joined(separator: "\n")
    }
}

/// `v` with three decimals, without Foundation.
func fixed(_ v: Double, _ digits: Int = 3) -> String {
    guard v.isFinite, Swift.abs(v) < 1e12 else { return "\(v)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (Swift.abs(v) * scale).rounded()
    let whole = Int(r / scale), fraction = Int(r) - whole * Int(scale)
    let digitsText = String(fraction)
    return (v < 0 && r > 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - digitsText.count) + digitsText
}
