import GeneratedModels
import NetcRuntime

/// Trains the generated `Iris` model on the Iris data and evaluates it on a held-out split.
public struct IrisTraining {
    public struct Report: Sendable {
        public var testAccuracy: Double
        public var trainAccuracy: Double
        /// confusion[actual][predicted] on the test split.
        public var confusion: [[Int]]
        public var finalLoss: Float
    }

    public var epochs = 60
    public var seed: UInt64 = 42
    public var testPerClass = 10

    public init(epochs: Int = 60, seed: UInt64 = 42) {
        self.epochs = epochs
        self.seed = seed
    }

    /// Runs training; `progress` receives one line per epoch.
    public func run(data: IrisDataset, progress: (String) -> Void = { _ in }) -> (Iris, Report) {
        let (trainIndices, testIndices) = data.split(testPerClass: testPerClass, seed: seed)
        let scaler = Standardizer(fitting: trainIndices.map { data.features[$0] })
        let x = data.features.map(scaler.apply)
        var model = Iris(seed: seed)
        var order = trainIndices
        var random = SplitMix64(seed: seed &+ 1)
        let batch = Iris.batchSize
        var input = [Float](repeating: 0, count: batch * Iris.inputCount)
        var labels = [Int](repeating: 0, count: batch)
        var lastLoss: Float = 0
        for epoch in 1...max(1, epochs) {
            shuffle(&order, &random)
            var total: Float = 0, batches = 0
            // Full batches only; the remainder rotates in through the shuffle.
            for start in stride(from: 0, through: order.count - batch, by: batch) {
                for b in 0..<batch {
                    let i = order[start + b]
                    for f in 0..<Iris.inputCount { input[b * Iris.inputCount + f] = x[i][f] }
                    labels[b] = data.labels[i]
                }
                total += model.trainStep(input: input, labels: labels)
                batches += 1
            }
            lastLoss = total / Float(batches)
            let accuracy = Self.accuracy(model, x, data.labels, trainIndices)
            progress("epoch \(pad(epoch, 3))  loss \(format(lastLoss))  train accuracy \(format(Float(accuracy * 100)))%")
        }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: data.classNames.count), count: data.classNames.count)
        let predicted = model.classify(testIndices.flatMap { x[$0] })
        for (k, i) in testIndices.enumerated() { confusion[data.labels[i]][predicted[k]] += 1 }
        let report = Report(testAccuracy: Self.accuracy(model, x, data.labels, testIndices),
                            trainAccuracy: Self.accuracy(model, x, data.labels, trainIndices),
                            confusion: confusion, finalLoss: lastLoss)
        return (model, report)
    }

    /// The fraction of `indices` the model classifies correctly.
    public static func accuracy(_ model: Iris, _ x: [[Float]], _ labels: [Int], _ indices: [Int]) -> Double {
        let predicted = model.classify(indices.flatMap { x[$0] })
        return Double(zip(indices, predicted).filter { labels[$0] == $1 }.count) / Double(indices.count)
    }
}

func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return String(repeating: " ", count: max(0, width - s.count)) + s
}

/// Four significant decimals without Foundation.
func format(_ v: Float) -> String {
    let scaled = (Double(v) * 10000).rounded() / 10000
    return String(scaled)
}
