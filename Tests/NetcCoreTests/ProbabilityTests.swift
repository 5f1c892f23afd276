import Foundation
@testable import GeneratedModels
import NetcRuntime
import XCTest

/// `probabilities` of the classifiers whose outputs define them: softmax of
/// the logits (Iris), [1 − p, p] for one sigmoid output (Binary), computed
/// here again in Double; a hinge model (Margins) does not offer them.
final class ProbabilityTests: XCTestCase {
    func testSoftmaxClassifierGivesTheSoftmaxOfItsLogits() {
        let model = Iris(seed: 5)
        var random = SplitMix64(seed: 2)
        // 37 samples: more than two batches of 16, the last one partial; logits scaled up so some are large.
        let x = (0..<(37 * Iris.inputCount)).map { _ in Float(random.nextUnit() * 40 - 20) }
        let logits = model.predict(x), p = model.probabilities(x)
        XCTAssertEqual(p.count, 37 * 3)
        for s in 0..<37 {
            let z = logits[(3 * s)..<(3 * s + 3)].map(Double.init)
            let top = z.max()!
            let e = z.map { Foundation.exp($0 - top) }, sum = e.reduce(0, +)
            for i in 0..<3 { XCTAssertEqual(Double(p[3 * s + i]), e[i] / sum, accuracy: 1e-6, "sample \(s), class \(i)") }
            XCTAssertEqual(p[(3 * s)..<(3 * s + 3)].reduce(0, +), 1, accuracy: 1e-6)
            XCTAssertEqual(p[(3 * s)..<(3 * s + 3)].indices.max { p[$0] < p[$1] }! - 3 * s, model.classify(Array(x[(4 * s)..<(4 * s + 4)]))[0])
        }
        // A NaN feature reaches the logits through relu: that sample's row is NaN, the others are not.
        var bad = Array(x[0..<8])
        bad[5] = .nan
        let q = model.probabilities(bad)
        XCTAssertTrue(q[0..<3].allSatisfy(\.isFinite))
        XCTAssertTrue(q[3..<6].allSatisfy(\.isNaN))
        XCTAssertEqual(model.probabilities([]), [])
    }

    func testOneSigmoidOutputGivesBothClasses() {
        let model = Binary(seed: 3)
        var random = SplitMix64(seed: 4)
        let x = (0..<(5 * Binary.inputCount)).map { _ in Float(random.nextUnit() * 6 - 3) }
        let y = model.predict(x), p = model.probabilities(x)
        XCTAssertEqual(p.count, 10)
        for s in 0..<5 {
            XCTAssertEqual(p[2 * s + 1], y[s])
            XCTAssertEqual(p[2 * s], 1 - y[s])
        }
    }

    func testOnlyClassifiersWithProbabilitiesOfferThem() {
        // Through Any.Type: what the generated declarations conform to, asked at run time.
        func probabilistic(_ type: Any.Type) -> Bool { type is any ProbabilisticClassifierModel.Type }
        func classifier(_ type: Any.Type) -> Bool { type is any ClassifierModel.Type }
        XCTAssertTrue(probabilistic(Iris.self) && probabilistic(Binary.self) && probabilistic(DigitsCNN.self))
        XCTAssertFalse(probabilistic(Margins.self), "hinge scores are not probabilities")
        XCTAssertTrue(classifier(Margins.self))
        XCTAssertFalse(classifier(Regressor.self))
    }
}
