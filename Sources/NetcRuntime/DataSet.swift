/// Samples in memory, as a model reads them: features row-major
/// ([sample][feature]), and for each sample either a target vector (row-major)
/// or a class label. Value semantics; selecting, shuffling and splitting make
/// new data sets and leave this one alone.
@frozen
public struct DataSet<Scalar: ModelScalar>: Sendable {
    /// `count × featureCount` values, one sample after another.
    public private(set) var features: [Scalar]
    public let featureCount: Int
    /// `count × targetCount` values for regression data; empty when labelled.
    public private(set) var targets: [Scalar]
    public let targetCount: Int
    /// Class labels (0-based) for classification data, `labelsPerSample`
    /// per sample (a label map for segmentation); nil otherwise. A label that
    /// is no class (-1, say) marks an unlabelled sample or position, for a
    /// model whose loss has it as `ignore_label`; other models refuse it.
    public private(set) var labels: [Int]?
    /// Labels per sample: 1, or a class for each position of a segmentation
    /// model's output (its `classPositions`, H·W for an image); 0 for targets.
    public let labelsPerSample: Int
    /// The classes' names when the labels came from names (a CSV column of words).
    public var classNames: [String]?

    /// Samples.
    public var count: Int { featureCount == 0 ? 0 : features.count / featureCount }
    /// Classes: one more than the largest label (0 without labels); a
    /// positive ignored label (255, say) counts too.
    public var classCount: Int { classNames?.count ?? labels.map { ($0.max() ?? -1) + 1 } ?? 0 }

    /// A regression data set: `targets` holds `targetCount` values per sample.
    public init(features: [Scalar], featureCount: Int, targets: [Scalar], targetCount: Int) {
        ArgumentCheck.require(featureCount > 0 && features.count % featureCount == 0,
                              "DataSet: \(features.count) feature values are not whole samples of \(featureCount)")
        ArgumentCheck.require(targetCount > 0 && targets.count == features.count / featureCount * targetCount,
                              "DataSet: \(targets.count) target values for \(features.count / featureCount) samples of \(targetCount)")
        self.features = features
        self.featureCount = featureCount
        self.targets = targets
        self.targetCount = targetCount
        self.labelsPerSample = 0
    }

    /// A classification data set: one label (0-based class) per sample, or
    /// for segmentation `labelsPerSample` labels per sample, row-major (the
    /// class of each pixel, in the model's order of positions).
    public init(features: [Scalar], featureCount: Int, labels: [Int], labelsPerSample: Int = 1, classNames: [String]? = nil) {
        ArgumentCheck.require(featureCount > 0 && labelsPerSample > 0 && labels.count % labelsPerSample == 0
                              && features.count == labels.count / labelsPerSample * featureCount,
                              "DataSet: \(features.count) feature values for \(labels.count) labels, "
                              + "\(labelsPerSample) per sample of \(featureCount) features")
        self.features = features
        self.featureCount = featureCount
        self.targets = []
        self.targetCount = 0
        self.labels = labels
        self.labelsPerSample = labelsPerSample
        self.classNames = classNames
    }

    /// One sample's features.
    public func features(of sample: Int) -> ArraySlice<Scalar> {
        features[(sample * featureCount)..<((sample + 1) * featureCount)]
    }

    /// The samples at `indices`, in that order.
    public subscript<S: Sequence<Int>>(samples indices: S) -> DataSet {
        var copy = self
        let chosen = Array(indices)
        copy.features = chosen.flatMap { features(of: $0) }
        if let labels {
            copy.labels = chosen.flatMap { labels[($0 * labelsPerSample)..<(($0 + 1) * labelsPerSample)] }
        } else {
            copy.targets = chosen.flatMap { targets[($0 * targetCount)..<(($0 + 1) * targetCount)] }
        }
        return copy
    }

    /// The samples in an order drawn from `seed` (`SplitMix64.shuffle`).
    public func shuffled(seed: UInt64) -> DataSet {
        var random = SplitMix64(seed: seed)
        return self[samples: random.shuffle(Array(0..<count))]
    }

    /// Splits the samples in the given proportions (fractions of the whole;
    /// the last part takes what is left), shuffled by `seed`. Labelled data
    /// with one label per sample is split per class (stratified), so every
    /// part keeps the class proportions: each class's share of a part is
    /// rounded, and its remainder goes to the last part.
    public func split(_ fractions: [Double], seed: UInt64) -> [DataSet] {
        ArgumentCheck.require(!fractions.isEmpty && fractions.allSatisfy { $0 >= 0 } && fractions.reduce(0, +) <= 1 + 1e-9,
                              "DataSet.split: fractions \(fractions) must be non-negative and sum to at most 1")
        var random = SplitMix64(seed: seed)
        var parts = [[Int]](repeating: [], count: fractions.count + 1)
        let groups: [[Int]] = labels.flatMap { labels in
            labelsPerSample == 1 ? Dictionary(grouping: labels.indices) { labels[$0] }.sorted { $0.key < $1.key }.map(\.value) : nil
        } ?? [Array(0..<count)]
        for group in groups {
            let members = random.shuffle(group)
            var start = 0
            for (k, fraction) in fractions.enumerated() {
                let take = Swift.min(Int((Double(members.count) * fraction).rounded()), members.count - start)
                parts[k] += members[start..<(start + take)]
                start += take
            }
            parts[fractions.count] += members[start...]
        }
        let all = parts.map { self[samples: random.shuffle($0)] }
        return fractions.reduce(0, +) < 1 - 1e-9 ? all : Array(all.dropLast())
    }

    /// Training, validation and test parts (stratified for labelled data):
    /// `validation` and `test` are fractions of the whole, training the rest.
    public func split(validation: Double, test: Double, seed: UInt64) -> (training: DataSet, validation: DataSet, test: DataSet) {
        let parts = split([1 - validation - test, validation], seed: seed)
        return (parts[0], parts[1], parts[2])
    }

    /// Features changed sample by sample (a `Standardizer`'s `transform`).
    public func mapFeatures(_ transform: ([Scalar]) -> [Scalar]) -> DataSet {
        var copy = self
        copy.features = (0..<count).flatMap { transform(Array(features(of: $0))) }
        return copy
    }
}
