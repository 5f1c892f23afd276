import GeneratedModels
import NetcRuntime
import XCTest

/// A class at each position (Specs/segmentation.net): labels per position
/// become one-hot over the channels, classes and probabilities come per
/// position, and `fit` and `evaluate` take label maps.
final class SegmentationTests: XCTestCase {
    /// Tagger: 3 classes at each of 12 steps, class c of step p at c·12 + p.
    let classes = 3, positions = 12

    func input(_ samples: Int, seed: UInt64) -> [Double] {
        var random = SplitMix64(seed: seed)
        return (0..<(samples * Tagger.inputCount)).map { _ in 2 * random.nextUnit() - 1 }
    }

    func testTheModelKnowsItsClassesAndPositions() {
        XCTAssertEqual(Tagger.classCount, 3)
        XCTAssertEqual(Tagger.classPositions, 12)
        XCTAssertEqual(Segmenter.classCount, 4)
        XCTAssertEqual(Segmenter.classPositions, 64)
        XCTAssertEqual(Iris.classPositions, 1)
    }

    func testLabelsAreOneHotOverTheChannelsAtEachPosition() {
        let x = input(2, seed: 1)
        let labels = (0..<(2 * positions)).map { ($0 * 7) % classes }
        var target = [Double](repeating: 0, count: 2 * Tagger.targetCount)
        for (j, label) in labels.enumerated() { target[j / positions * Tagger.targetCount + label * positions + j % positions] = 1 }
        var a = Tagger(), b = Tagger()
        let lossA = a.trainStep(input: x, labels: labels), lossB = b.trainStep(input: x, target: target)
        XCTAssertEqual(lossA, lossB)
        XCTAssertEqual(a.parameters, b.parameters)
        XCTAssertNotEqual(a.parameters, Tagger().parameters, "the step trained")
    }

    func testClassesAndProbabilitiesComePerPosition() {
        let model = Tagger(seed: 4), x = input(2, seed: 2)
        let output = model.predict(x), classified = model.classify(x), probabilities = model.probabilities(x)
        XCTAssertEqual(classified.count, 2 * positions)
        XCTAssertEqual(probabilities.count, output.count)
        for s in 0..<2 {
            for p in 0..<positions {
                let logits = (0..<classes).map { output[s * Tagger.outputCount + $0 * positions + p] }
                XCTAssertEqual(classified[s * positions + p], logits.indices.max { logits[$0] < logits[$1] })
                let e = logits.map { exp($0 - logits.max()!) }, sum = e.reduce(0, +)
                for c in 0..<classes {
                    XCTAssertEqual(probabilities[s * Tagger.outputCount + c * positions + p], e[c] / sum, accuracy: 1e-14, "sample \(s) position \(p) class \(c)")
                }
            }
        }
        XCTAssertGreaterThan(Set(classified).count, 1, "the positions differ")
    }

    /// A NaN logit in one class's plane makes the loss NaN, whether it is the
    /// first class (whose plane holds each position's maximum while the loss
    /// is formed) or a later one (which the maximum's comparisons skip): the
    /// NaN is put in through that class's bias alone.
    func testANaNLogitInAnyClassMakesTheLossNaN() {
        let bias = tensorRange(Tagger.parameterTensors, "out.bias")
        let x = input(1, seed: 3), target = (0..<Tagger.targetCount).map { $0 / positions == 1 ? 1.0 : 0 }
        XCTAssertFalse(Tagger().loss(input: x, target: target).isNaN)
        for c in 0..<classes {
            var p = Tagger().parameters
            p[bias.lowerBound + c] = .nan
            let model = Tagger(parameters: p), output = model.predict(x)
            XCTAssertEqual(output.indices.filter { output[$0].isNaN }.map { $0 / positions }, [Int](repeating: c, count: positions),
                           "only class \(c)'s plane is NaN")
            XCTAssertTrue(model.loss(input: x, target: target).isNaN, "NaN in class \(c)")
        }
    }

    /// Each step's class is its first channel's band; `fit` on label maps learns it.
    func testFitAndEvaluateTakeLabelMaps() throws {
        func data(_ samples: Int, seed: UInt64) -> DataSet<Double> {
            let x = input(samples, seed: seed)
            let labels = (0..<(samples * positions)).map { j -> Int in
                let v = x[j / positions * Tagger.inputCount + j % positions]
                return v < -0.3 ? 0 : v > 0.3 ? 2 : 1
            }
            return DataSet(features: x, featureCount: Tagger.inputCount, labels: labels, labelsPerSample: positions)
        }
        let training = data(300, seed: 5), test = data(100, seed: 6)
        var model = Tagger()
        let before = model.evaluate(test)
        try model.fit(training, validation: test, epochs: 40)
        let after = model.evaluate(test)
        let confusion = try XCTUnwrap(after.confusion)
        XCTAssertEqual(confusion.counts.joined().reduce(0, +), 100 * positions, "every position of every sample")
        XCTAssertLessThan(after.loss, before.loss)
        XCTAssertGreaterThan(try XCTUnwrap(after.accuracy), 0.9)
        XCTAssertGreaterThan(confusion.meanIntersectionOverUnion, 0.8)
        XCTAssertEqual(after.accuracy, Metrics.accuracy(model.classify(test.features), test.labels!))
    }

    func testADataSetKeepsEachSamplesLabelMap() {
        let data = DataSet<Float>(features: [0, 1, 2], featureCount: 1, labels: [0, 0, 1, 1, 1, 0, 2, 2, 2], labelsPerSample: 3)
        XCTAssertEqual(data.count, 3)
        XCTAssertEqual(data[samples: [2, 0]].labels, [2, 2, 2, 0, 0, 1])
        XCTAssertEqual(data[samples: [2, 0]].features, [2, 0])
        let parts = data.split([2.0 / 3], seed: 1)
        XCTAssertEqual(parts.map(\.count), [2, 1])
        for part in parts {
            for s in 0..<part.count {
                let f = Int(part.features[s])
                XCTAssertEqual(Array(part.labels![(3 * s)..<(3 * s + 3)]), Array(data.labels![(3 * f)..<(3 * f + 3)]), "sample \(f) keeps its map")
            }
        }
    }

    /// Class 0: 1 both, 2 labelled, 2 predicted: 1/3. Class 1: 2/3. Class 2:
    /// predicted once, never labelled: 0. Class 3 occurs nowhere: NaN, and left out of the mean.
    func testIntersectionOverUnion() {
        let m = ConfusionMatrix(predicted: [0, 0, 1, 1, 2], labels: [0, 1, 1, 1, 0], classCount: 4)
        XCTAssertEqual(m.intersectionOverUnion(0), 1.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.intersectionOverUnion(1), 2.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(m.intersectionOverUnion(2), 0)
        XCTAssertTrue(m.intersectionOverUnion(3).isNaN)
        XCTAssertEqual(m.meanIntersectionOverUnion, 1.0 / 3, accuracy: 1e-15)
    }
}
