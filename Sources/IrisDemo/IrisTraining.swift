import GeneratedModels
import NetcRuntime

/// Trains the generated `Iris` model (Specs/iris.net) on Fisher's Iris data
/// with the runtime's training library: a stratified 80/20 split,
/// standardised features, `fit` with a progress line per epoch, `evaluate`.
public struct IrisTraining {
    /// `Examples/Data/iris.csv` in this repository.
    public static let defaultPath: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Sources/IrisDemo/IrisTraining.swift
        return parts.joined(separator: "/") + "/Examples/Data/iris.csv"
    }()

    public var epochs: Int
    public var seed: UInt64

    public init(epochs: Int = 60, seed: UInt64 = 42) {
        self.epochs = epochs
        self.seed = seed
    }

    /// What `run` returns: the trained model, the two parts and the test evaluation.
    public struct Outcome {
        public var model: Iris
        public var training: DataSet<Float>
        public var test: DataSet<Float>
        public var evaluation: Evaluation

        /// What iris-demo prints after training (README shows it).
        public var summary: String {
            """
            Iris: trained on \(training.count) samples, tested on \(test.count)
            test accuracy: \(Int(((evaluation.accuracy ?? 0) * 100).rounded()))%
            confusion matrix (rows: actual, columns: predicted):
            \(evaluation.confusion!)
            """
        }
    }

    /// The standardised training and test parts of `path`'s samples.
    public func parts(path: String = IrisTraining.defaultPath) throws -> (training: DataSet<Float>, test: DataSet<Float>) {
        let data = try DataSet<Float>.csv(contentsOf: path, label: .named("species"))
        let parts = data.split([0.2], seed: seed)  // 20 % of each class held out for testing, the rest to train on
        let scaler = Standardizer(fitting: parts[1])
        return (scaler.transform(parts[1]), scaler.transform(parts[0]))
    }

    /// The test accuracy of the parameters saved in `file` (safetensors for `.safetensors`).
    public func accuracy(ofParametersIn file: String, path: String = IrisTraining.defaultPath) throws -> Double {
        try Iris(contentsOf: file).evaluate(parts(path: path).test).accuracy ?? 0
    }

    /// Trains on 80 % of `path`'s samples (every class in proportion) and
    /// evaluates on the rest; `progress` receives the first epoch's line and every tenth.
    public func run(path: String = IrisTraining.defaultPath, progress: (String) -> Void = { _ in }) throws -> Outcome {
        let (training, test) = try parts(path: path)
        var model = Iris(seed: seed)
        try model.fit(training, epochs: epochs, options: FitOptions(seed: seed)) { record in
            if record.epoch == 1 || record.epoch % 10 == 0 { progress(Iris.progressLine(record, of: epochs)) }
            return true
        }
        return Outcome(model: model, training: training, test: test, evaluation: model.evaluate(test))
    }
}
