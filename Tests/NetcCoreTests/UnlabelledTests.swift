import GeneratedModels
import NetcRuntime
import XCTest

/// `ignore_label: -1` (Specs/segmentation.net): Tagger's steps and Partial's
/// samples labelled -1 have no label. They add nothing to a step, the loss is
/// the mean over the labelled ones across the whole batch (PyTorch's
/// `ignore_index`), and `evaluate` counts only labelled ones.
final class UnlabelledTests: XCTestCase {
    let classes = 3, positions = 12

    func input(_ samples: Int, features: Int = Tagger.inputCount, seed: UInt64) -> [Double] {
        var random = SplitMix64(seed: seed)
        return (0..<(samples * features)).map { _ in 2 * random.nextUnit() - 1 }
    }

    func testTheModelKnowsItsIgnoredLabel() {
        XCTAssertEqual(Tagger.info.ignoredLabel, -1)
        XCTAssertEqual(Partial.info.ignoredLabel, -1)
        XCTAssertNil(Segmenter.info.ignoredLabel)
    }

    /// A sample with no label at all changes nothing: the step on both samples
    /// is the step on the first alone (a mean per sample would halve it).
    func testAnUnlabelledSampleAddsNothingToTheStep() {
        let x = input(2, seed: 1)
        let first = (0..<positions).map { $0 % 4 == 3 ? -1 : ($0 * 5) % classes }
        var both = Tagger(), alone = Tagger()
        let lossBoth = both.trainStep(input: x, labels: first + Array(repeating: -1, count: positions))
        let lossAlone = alone.trainStep(input: Array(x[0..<Tagger.inputCount]), labels: first)
        XCTAssertEqual(lossBoth, lossAlone, accuracy: 1e-15 * lossAlone)
        XCTAssertEqual(both.parameters, alone.parameters)
        XCTAssertNotEqual(both.parameters, Tagger().parameters, "the step trained")
    }

    /// With nothing labelled the loss is 0 and no parameter moves, label
    /// smoothing and class weights notwithstanding.
    func testNothingLabelledLeavesTheModelAlone() {
        var model = Tagger()
        let loss = model.trainStep(input: input(3, seed: 2), labels: Array(repeating: -1, count: 3 * positions))
        XCTAssertEqual(loss, 0)
        XCTAssertEqual(model.parameters, Tagger().parameters)
    }

    /// An unlabelled step's logits do not matter: moving the input that only
    /// it reads (the last step, which no convolution of a labelled step sees
    /// through two kernels of 3 when steps 9 to 11 are unlabelled) changes
    /// neither the loss nor the step.
    func testAnUnlabelledStepsLogitsDoNotMatter() {
        var x = input(1, seed: 3)
        let labels = (0..<positions).map { $0 >= 9 ? -1 : $0 % classes }
        var a = Tagger(), b = Tagger()
        let lossA = a.trainStep(input: x, labels: labels)
        x[positions - 1] += 5  // channel 0, step 11
        x[2 * positions - 1] -= 3  // channel 1, step 11
        let lossB = b.trainStep(input: x, labels: labels)
        XCTAssertEqual(lossA, lossB)
        XCTAssertEqual(a.parameters, b.parameters)
    }

    /// Over more samples than a batch, the loss is still the mean over every
    /// labelled position: each batch's mean weighted by its labelled positions.
    func testTheLossOverManyBatchesWeighsLabelledPositions() {
        let x = input(5, seed: 4)
        var target = [Double](repeating: 0, count: 5 * Tagger.targetCount)
        var labelled = [0, 0]
        for j in 0..<(5 * positions) where j % 7 != 0 && (j < 3 * positions || j % 3 == 0) {
            target[j / positions * Tagger.targetCount + (j % classes) * positions + j % positions] = 1
            labelled[j < 3 * positions ? 0 : 1] += 1
        }
        let model = Tagger(seed: 5)
        let split = 3 * Tagger.inputCount, splitTarget = 3 * Tagger.targetCount
        let first = model.loss(input: Array(x[..<split]), target: Array(target[..<splitTarget]))
        let last = model.loss(input: Array(x[split...]), target: Array(target[splitTarget...]))
        let expected = (first * Double(labelled[0]) + last * Double(labelled[1])) / Double(labelled[0] + labelled[1])
        XCTAssertNotEqual(labelled[0] * 2, labelled[1] * 3, "the weights differ from the samples'")
        XCTAssertEqual(model.loss(input: x, target: target), expected, accuracy: 1e-14)
    }

    /// `fit` learns from partly labelled label maps, and `evaluate` counts the
    /// labelled positions alone.
    func testFitAndEvaluateSkipUnlabelledPositions() throws {
        func data(_ samples: Int, seed: UInt64) -> DataSet<Double> {
            let x = input(samples, seed: seed)
            let labels = (0..<(samples * positions)).map { j -> Int in
                let v = x[j / positions * Tagger.inputCount + j % positions]
                return j % 5 == 0 ? -1 : v < -0.3 ? 0 : v > 0.3 ? 2 : 1
            }
            return DataSet(features: x, featureCount: Tagger.inputCount, labels: labels, labelsPerSample: positions)
        }
        let training = data(300, seed: 5), test = data(100, seed: 6)
        var model = Tagger()
        try model.fit(training, validation: test, epochs: 40)
        let result = model.evaluate(test)
        let confusion = try XCTUnwrap(result.confusion)
        let labels = test.labels!, kept = labels.indices.filter { labels[$0] != -1 }
        XCTAssertEqual(confusion.counts.joined().reduce(0, +), kept.count, "labelled positions only")
        XCTAssertLessThan(kept.count, 100 * positions)
        let classified = model.classify(test.features)
        XCTAssertEqual(result.accuracy, Metrics.accuracy(kept.map { classified[$0] }, kept.map { labels[$0] }))
        XCTAssertGreaterThan(try XCTUnwrap(result.accuracy), 0.9)
    }

    /// A classifier of whole samples where some have no label: a split keeps
    /// them (stratified per label, -1 a group of its own), `fit` learns from
    /// the rest, and `evaluate` counts the labelled samples alone.
    func testSamplesWithoutALabel() throws {
        func data(_ samples: Int, seed: UInt64) -> DataSet<Float> {
            let x = input(samples, features: Partial.inputCount, seed: seed)
            let labels = (0..<samples).map { s -> Int in
                let sum = (0..<Partial.inputCount).reduce(0.0) { $0 + x[s * Partial.inputCount + $1] }
                return s % 3 == 0 ? -1 : sum < -0.5 ? 0 : sum > 0.5 ? 2 : 1
            }
            return DataSet(features: x.map(Float.init), featureCount: Partial.inputCount, labels: labels)
        }
        let all = data(900, seed: 7)
        let parts = all.split([0.8], seed: 1)
        XCTAssertEqual(parts.map(\.count).reduce(0, +), 900, "no sample lost, unlabelled ones included")
        XCTAssertEqual(parts[1].labels!.filter { $0 == -1 }.count, 60, "a fifth of the 300 unlabelled")
        var model = Partial()
        try model.fit(parts[0], epochs: 30)
        let result = model.evaluate(parts[1])
        XCTAssertEqual(try XCTUnwrap(result.confusion).counts.joined().reduce(0, +), 120)
        XCTAssertGreaterThan(try XCTUnwrap(result.accuracy), 0.9)
    }
}
