/// Scales each feature to zero mean and unit variance, with the mean and
/// standard deviation of the data it was fitted on (the training split), so
/// validation, test and later inputs are scaled the same way. A feature that
/// never varies is only centred. Save it beside the weights: a model trained
/// on standardised features needs them standardised in use.
public struct Standardizer: Sendable, Equatable {
    public let mean: [Double]
    /// The population standard deviation per feature (1 where it is 0).
    public let deviation: [Double]

    public init(mean: [Double], deviation: [Double]) {
        ArgumentCheck.require(mean.count == deviation.count, "Standardizer: \(mean.count) means for \(deviation.count) deviations")
        self.mean = mean
        self.deviation = deviation
    }

    /// Fitted on a data set's features.
    public init<Scalar>(fitting data: DataSet<Scalar>) {
        let n = data.featureCount, count = Double(Swift.max(data.count, 1))
        var mean = [Double](repeating: 0, count: n), square = mean
        for s in 0..<data.count {
            for (k, v) in data.features(of: s).enumerated() { mean[k] += Double(v) / count }
        }
        for s in 0..<data.count {
            for (k, v) in data.features(of: s).enumerated() { square[k] += (Double(v) - mean[k]) * (Double(v) - mean[k]) / count }
        }
        self.init(mean: mean, deviation: square.map { $0 > 0 ? $0.squareRoot() : 1 })
    }

    /// One sample's features, standardised.
    public func transform<Scalar: BinaryFloatingPoint>(_ features: [Scalar]) -> [Scalar] {
        ArgumentCheck.require(features.count == mean.count, "Standardizer: \(features.count) features, fitted on \(mean.count)")
        return features.indices.map { Scalar((Double(features[$0]) - mean[$0]) / deviation[$0]) }
    }

    /// A data set with every sample's features standardised.
    public func transform<Scalar>(_ data: DataSet<Scalar>) -> DataSet<Scalar> { data.mapFeatures(transform) }

    /// Writes the means and deviations atomically: a text file, one feature a
    /// line, each value as Swift prints a Double (read back exactly).
    public func save(to path: String) throws(FileError) {
        var text = "netc-standardizer 1 \(mean.count)\n"
        for k in mean.indices { text += "\(mean[k]) \(deviation[k])\n" }
        try FileIO.writeAtomically(Array(text.utf8), to: path)
    }

    /// Reads a file `save(to:)` wrote.
    public init(contentsOf path: String) throws(DataSetError) {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path, limit: 1 << 26) } catch { throw DataSetError(path: path, line: nil, message: error.description) }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        let head = lines.first?.split(separator: " ") ?? []
        guard head.count == 3, head[0] == "netc-standardizer", head[1] == "1", let n = Int(head[2]), n >= 0, lines.count == n + 1 else {
            throw DataSetError(path: path, line: 1, message: "not a netc standardizer file")
        }
        var mean: [Double] = [], deviation: [Double] = []
        for (k, line) in lines.dropFirst().enumerated() {
            let v = line.split(separator: " ").compactMap { Double($0) }
            guard v.count == 2, v[1] > 0, v.allSatisfy(\.isFinite) else {
                throw DataSetError(path: path, line: k + 2, message: "expected a mean and a positive deviation")
            }
            mean.append(v[0])
            deviation.append(v[1])
        }
        self.init(mean: mean, deviation: deviation)
    }
}
