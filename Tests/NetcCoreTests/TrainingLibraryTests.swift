import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// The training library in NetcRuntime: data sets, CSV, splits, the
/// standardiser, schedules, clipping, run-time hyperparameters, metrics,
/// `evaluate` and `fit`.
final class TrainingLibraryTests: XCTestCase {
    func labelled(_ counts: [Int]) -> DataSet<Float> {
        let labels = counts.enumerated().flatMap { c, n in Array(repeating: c, count: n) }
        return DataSet(features: labels.indices.map { Float($0) }, featureCount: 1, labels: labels)
    }

    func testShuffleIsReproducibleFromItsSeed() {
        let data = labelled([50, 50])
        XCTAssertEqual(data.shuffled(seed: 7).features, data.shuffled(seed: 7).features)
        XCTAssertNotEqual(data.shuffled(seed: 7).features, data.shuffled(seed: 8).features)
        XCTAssertEqual(data.shuffled(seed: 7).features.sorted(), data.features, "a permutation")
        // The documented algorithm, so other languages can reproduce it.
        var random = SplitMix64(seed: 3)
        var order = Array(0..<10)
        for i in stride(from: 9, to: 0, by: -1) { order.swapAt(i, Int(random.next() % UInt64(i + 1))) }
        XCTAssertEqual(DataSet<Float>(features: (0..<10).map(Float.init), featureCount: 1, labels: Array(repeating: 0, count: 10))
                        .shuffled(seed: 3).features, order.map(Float.init))
    }

    func testStratifiedSplitKeepsTheClassProportions() {
        let data = labelled([60, 30, 10])
        let (training, validation, test) = data.split(validation: 0.2, test: 0.1, seed: 1)
        func counts(_ d: DataSet<Float>) -> [Int] { (0..<3).map { c in d.labels!.filter { $0 == c }.count } }
        XCTAssertEqual(counts(validation), [12, 6, 2])
        XCTAssertEqual(counts(test), [6, 3, 1])
        XCTAssertEqual(counts(training), [42, 21, 7])
        XCTAssertEqual(Set(training.features + validation.features + test.features), Set(data.features), "every sample once")
        XCTAssertEqual(training.count + validation.count + test.count, 100)
    }

    func testCSVReadsHeadersNamesAndReportsBadRowsByLine() throws {
        let text = "# flowers\nlength,width,species\n1.5, 2,setosa\n\n3,4,virginica\n5,6,setosa\n"
        let data = try DataSet<Float>.csv(text, label: .named("species"))
        XCTAssertEqual(data.features, [1.5, 2, 3, 4, 5, 6])
        XCTAssertEqual(data.labels, [0, 1, 0])
        XCTAssertEqual(data.classNames, ["setosa", "virginica"])
        let regression = try DataSet<Double>.csv("1,2,3\n4,5,6\n", targets: [.first])
        XCTAssertEqual(regression.features, [2, 3, 5, 6])
        XCTAssertEqual(regression.targets, [1, 4])
        func error(_ text: String, label: CSVColumn = .last) -> String {
            do { _ = try DataSet<Float>.csv(text, path: "d.csv", label: label); return "no error" } catch { return error.description }
        }
        XCTAssertEqual(error("a,b,c\n1,2,0\n3,4\n"), "d.csv:3: expected 3 fields, found 2")
        XCTAssertEqual(error("1,2,0\n3,x4,1\n"), "d.csv:2: field 2 ('x4') is not a number")
        XCTAssertEqual(error("a,b\n1,0\n", label: .named("c")), "d.csv:1: no column named 'c'; the header names 'a', 'b'")
        XCTAssertEqual(error("1,2,0\n3,4,cat\n"), "d.csv:2: label field 3 ('cat') is not a class number; earlier rows had numbers")
        XCTAssertEqual(try DataSet<Float>.csv("1,2,0\n3,4,-1\n", label: .last).labels, [0, -1], "an unlabelled row, for ignore_label")
        XCTAssertEqual(error("\n# nothing\n"), "d.csv: no rows")
        XCTAssertThrowsError(try DataSet<Float>.csv(contentsOf: "/nonexistent/d.csv", label: .last))
    }

    func testStandardizerFitsTheTrainingDataAndRoundTrips() throws {
        let data = DataSet<Float>(features: [1, 10, 3, 10, 5, 10], featureCount: 2, labels: [0, 1, 0])
        let s = Standardizer(fitting: data)
        XCTAssertEqual(s.mean, [3, 10])
        XCTAssertEqual(s.deviation[0], (8.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.deviation[1], 1, "a constant feature is only centred")
        XCTAssertEqual(s.transform(data).features[4], Float(2 / (8.0 / 3).squareRoot()), accuracy: 1e-6)
        let path = temporaryDirectory() + "/scale.txt"
        try s.save(to: path)
        XCTAssertEqual(try Standardizer(contentsOf: path), s, "read back exactly")
    }

    func testSchedulesFollowTheirFormulas() {
        func f(_ s: LearningRateSchedule, _ t: Int) -> Double { s.factor(step: t) }
        XCTAssertEqual(f(.constant, 99), 1)
        let warm = LearningRateSchedule(.constant, warmup: 4)
        XCTAssertEqual([1, 2, 3, 4, 5].map { f(warm, $0) }, [0.25, 0.5, 0.75, 1, 1])
        let step = LearningRateSchedule(.step(every: 3, factor: 0.5))
        XCTAssertEqual((1...7).map { f(step, $0) }, [1, 1, 1, 0.5, 0.5, 0.5, 0.25])
        let exponential = LearningRateSchedule(.exponential(factor: 0.9), warmup: 1)
        XCTAssertEqual(f(exponential, 1), 1)
        XCTAssertEqual(f(exponential, 4), 0.9 * 0.9, accuracy: 1e-15)
        let cosine = LearningRateSchedule(.cosine(steps: 10, minimum: 0.2))
        XCTAssertEqual(f(cosine, 1), 1)
        XCTAssertEqual(f(cosine, 6), 0.2 + 0.8 * (1 + cos(Double.pi * 0.5)) / 2, accuracy: 1e-15)
        XCTAssertEqual(f(cosine, 11), 0.2, accuracy: 1e-15)
        XCTAssertEqual(f(cosine, 50), 0.2, accuracy: 1e-15, "held after its steps")
    }

    /// A learning rate set at run time gives the trajectory of a spec compiled with it.
    func testLearningRateSetAtRunTimeMatchesASpecCompiledWithIt() throws {
        let text = try String(contentsOfFile: "\(repositoryRoot)/Specs/regression.net", encoding: .utf8)
        let retrained = try graph(text.replacingOccurrences(of: "learning_rate: 0.01", with: "learning_rate: 0.003"))
        var model = Regressor(seed: 4)
        model.learningRate = 0.003
        XCTAssertEqual(model.hyperparameters.learningRate, 0.003)
        let interpreter = Interpreter(graph: retrained)
        var p = model.parameters.map(Double.init), state = OptimizerState(count: p.count)
        var random = SplitMix64(seed: 5)
        for _ in 0..<4 {
            let x = (0..<(64 * 3)).map { _ in Float(random.nextUnit() * 2 - 1) }, t = (0..<(64 * 2)).map { _ in Float(random.nextUnit()) }
            model.trainStep(input: x, target: t)
            let g = interpreter.gradients(input: x.map(Double.init), target: t.map(Double.init), parameters: p, inputGradient: false)
            interpreter.update(&p, gradient: g.parameters, state: &state)
        }
        assertClose(model.parameters.map(Double.init), p, 1e-5, "trajectory at learning rate 0.003")
        // The optimizer itself is the spec's: only its values change.
        XCTAssertEqual(Regressor.info.hyperparameters.learningRate, 0.01, "the spec's value stays the default")
        XCTAssertEqual(Regressor().hyperparameters.learningRate, 0.01)
    }

    /// The Scheduled spec's clip norm does bind at its test point (so GeneratedModelTests checks clipping, not its absence).
    func testClippingBindsInTheScheduledSpec() {
        let model = Scheduled(seed: 1234)
        var random = SplitMix64(seed: 99)
        let x = (0..<(4 * 5)).map { _ in Float(random.nextUnit() * 2 - 1) }, t = (0..<(4 * 3)).map { _ in Float(random.nextUnit() * 2 - 1) }
        let g = model.gradients(input: x, target: t).parameters
        XCTAssertGreaterThan(g.reduce(0) { $0 + Double($1 * $1) }.squareRoot(), 0.5)
    }

    func testMetricsAgainstHandComputedValues() {
        let m = ConfusionMatrix(predicted: [0, 1, 1, 2, 2, 2, 0], labels: [0, 1, 2, 2, 2, 1, 0], classCount: 3)
        XCTAssertEqual(m.counts, [[2, 0, 0], [0, 1, 1], [0, 1, 2]])
        XCTAssertEqual(m.accuracy, 5.0 / 7)
        XCTAssertEqual(m.precision(2), 2.0 / 3)
        XCTAssertEqual(m.recall(1), 0.5)
        XCTAssertEqual(m.f1(1), 0.5)
        XCTAssertEqual(Metrics.accuracy([1, 2, 3], [1, 0, 3]), 2.0 / 3)
        XCTAssertEqual(Metrics.meanSquaredError([1.0, 2, 3], [1, 4, 0]), 13.0 / 3)
        XCTAssertEqual(Metrics.meanAbsoluteError([1.0, 2, 3], [1, 4, 0]), 5.0 / 3)
        XCTAssertEqual(Metrics.r2([1.0, 2, 3], [1, 2, 3]), 1)
        XCTAssertEqual(Metrics.r2([2.0, 2, 2], [1, 2, 3]), 0)
        XCTAssertTrue(m.description.contains("precision"))
    }

    /// ROC AUC by ranks against its definition, counted pair by pair: P(a
    /// positive scores above a negative) + ½ P(tie); scores with many ties.
    func testROCAUCCountsEveryPositiveNegativePair() {
        var random = SplitMix64(seed: 8)
        for n in [2, 3, 10, 101] {
            let scores = (0..<n).map { _ in Float(random.next() % 7) / 7 }, labels = (0..<n).map { $0 % 3 == 0 ? 1 : 0 }
            var pairs = 0.0, wins = 0.0
            for i in 0..<n where labels[i] == 1 {
                for j in 0..<n where labels[j] == 0 {
                    pairs += 1
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
                }
            }
            XCTAssertEqual(Metrics.rocAUC(scores, labels), wins / pairs, accuracy: 1e-12, "n = \(n)")
        }
        XCTAssertEqual(Metrics.rocAUC([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75)  // scikit-learn's roc_auc_score example
        XCTAssertTrue(Metrics.rocAUC([0.1, 0.2], [1, 1]).isNaN, "one class only")
        XCTAssertTrue(Metrics.rocAUC([0.1, .nan], [0, 1]).isNaN)
        // Through evaluate: a two-class model's AUC from its scores.
        let model = Binary(seed: 3)
        let x = (0..<(40 * Binary.inputCount)).map { _ in Float(random.nextUnit() * 4 - 2) }
        let labels = (0..<40).map { $0 % 4 == 0 ? 1 : 0 }
        let e = model.evaluate(DataSet(features: x, featureCount: Binary.inputCount, labels: labels))
        XCTAssertEqual(e.rocAUC!, Metrics.rocAUC(model.predict(x), labels))
        XCTAssertNil(Iris().evaluate(DataSet(features: [Float](repeating: 0, count: 8), featureCount: 4, labels: [0, 2])).rocAUC)
        // fit records it per epoch and prints it.
        var trained = model
        let data = DataSet(features: x, featureCount: Binary.inputCount, labels: labels)
        let history = try! trained.fit(data, validation: data, epochs: 1)
        XCTAssertEqual(history.epochs[0].validationAUC, trained.evaluate(data).rocAUC)
        XCTAssertTrue(Binary.progressLine(history.epochs[0], of: 1).contains(" · val_auc "))
    }

    /// Early stopping ends with the parameters of the best epoch, exactly:
    /// those of the same training run for that many epochs.
    func testEarlyStoppingRestoresTheBestEpoch() throws {
        let parts = irisData().split([0.7], seed: 3)
        // A learning rate that overshoots after a while, so the validation loss turns up.
        var stopped = Iris(seed: 1)
        stopped.learningRate = 0.5
        let replay = stopped
        let history = try stopped.fit(parts[0], validation: parts[1], epochs: 60,
                                      options: FitOptions(earlyStopping: EarlyStopping(patience: 3)))
        let best = try XCTUnwrap(history.bestEpoch)
        XCTAssertTrue(history.stoppedEarly, "the validation loss never turned up in 60 epochs")
        XCTAssertLessThan(best, history.epochs.count)
        var again = replay
        try again.fit(parts[0], validation: parts[1], epochs: best)
        XCTAssertEqual(stopped.parameters, again.parameters, "the model ends at epoch \(best)'s parameters")
        XCTAssertEqual(history.epochs.compactMap(\.validationLoss).min(), history.epochs[best - 1].validationLoss)
    }

    func testFitTrainsOrDropsThePartialBatchAndCountsSkippedSteps() throws {
        let data = irisData()  // 150 samples, batches of 16: 9 full and 6 left over
        var a = Iris(seed: 2), b = Iris(seed: 2)
        let trained = try a.fit(data, epochs: 1)
        let dropped = try b.fit(data, epochs: 1, options: FitOptions(partialBatch: .drop))
        XCTAssertEqual(trained.epochs[0].steps, 10)
        XCTAssertEqual(dropped.epochs[0].steps, 9)
        XCTAssertEqual(a.storage.step, 10)
        // A sample with a NaN feature makes its step non-finite: skipped and counted, parameters untouched by it.
        var features = data.features
        features[0] = .nan
        let poisoned = DataSet(features: features, featureCount: 4, labels: data.labels!)
        var c = Iris(seed: 2)
        let history = try c.fit(poisoned, epochs: 2, options: FitOptions(shuffle: false))
        XCTAssertEqual(history.skippedSteps, 2)
        XCTAssertTrue(c.parameters.allSatisfy(\.isFinite))
    }

    func testFitCheckpointsTheBestWeightsAndPrintsProgress() throws {
        let data = irisData()
        let path = temporaryDirectory() + "/best.params"
        var model = Iris(seed: 5)
        let history = try model.fit(data, validation: data, epochs: 5, options: FitOptions(checkpoint: path))
        let saved = try Iris(contentsOf: path)
        XCTAssertEqual(saved.evaluate(data).loss, history.epochs[history.bestEpoch! - 1].validationLoss!, accuracy: 1e-6)
        let line = Iris.progressLine(history.epochs[0], of: 5)
        XCTAssertTrue(line.hasPrefix("epoch 1/5 · "), line)
        XCTAssertTrue(line.contains(" · loss ") && line.contains(" · val_loss ") && line.contains(" · val_accuracy "), line)
        let e = model.evaluate(data)
        XCTAssertEqual(e.accuracy, e.confusion?.accuracy)
        XCTAssertEqual(e.confusion?.classNames, ["setosa", "versicolor", "virginica"])
    }

    func irisData() -> DataSet<Float> {
        let data = try! DataSet<Float>.csv(contentsOf: "\(repositoryRoot)/Examples/Data/iris.csv", label: .named("species"))
        return Standardizer(fitting: data).transform(data)
    }
}
