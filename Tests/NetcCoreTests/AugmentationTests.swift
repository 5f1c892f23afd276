import GeneratedModels
@testable import NetcRuntime
import XCTest

/// `FitOptions.augmentation`: random flips and shifts of the training
/// samples, a label map moving with its input, refused where it cannot apply.
final class AugmentationTests: XCTestCase {
    func testAFlipThenAMoveWithZerosMovingIn() {
        // Two planes of 3 × 3: 1…9 and 11…19.
        let source: [Int] = Array(1...9) + Array(11...19)
        func apply(_ d: Augmentation.Draw) -> [Int] {
            var out = [Int](repeating: -1, count: 18)
            source.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { Augmentation.apply(d, from: s.baseAddress!, to: $0.baseAddress!, planes: 2, rows: 3, columns: 3, fill: 0) }
            }
            return out
        }
        XCTAssertEqual(apply(.init()), source)
        // Mirrored left to right, then one to the right: 3 2 1 → 0 3 2.
        XCTAssertEqual(apply(.init(flipsColumns: true, right: 1)), [0, 3, 2, 0, 6, 5, 0, 9, 8, 0, 13, 12, 0, 16, 15, 0, 19, 18])
        // Mirrored top to bottom, then one up: rows 7 8 9 / 4 5 6 / 1 2 3 → 4 5 6 / 1 2 3 / 0 0 0.
        XCTAssertEqual(apply(.init(flipsRows: true, down: -1)), [4, 5, 6, 1, 2, 3, 0, 0, 0, 14, 15, 16, 11, 12, 13, 0, 0, 0])
        // Down two and left two: only the top-right corner's 3 is left, at the bottom left.
        XCTAssertEqual(apply(.init(down: 2, right: -2)), [0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 13, 0, 0])
    }

    func testDrawsAreUniformOverTheShiftsAndFairCoinsForTheFlips() {
        var random = SplitMix64(seed: 3)
        let a = Augmentation(horizontalFlip: true, verticalFlip: true, shift: 1)
        var downs = [0, 0, 0], rights = [0, 0, 0], rowFlips = 0, columnFlips = 0
        let n = 9000
        for _ in 0..<n {
            let d = a.draw(&random, rows: 5)
            downs[d.down + 1] += 1
            rights[d.right + 1] += 1
            rowFlips += d.flipsRows ? 1 : 0
            columnFlips += d.flipsColumns ? 1 : 0
        }
        for count in downs + rights { XCTAssertEqual(Double(count) / Double(n), 1.0 / 3, accuracy: 0.02) }
        XCTAssertEqual(Double(rowFlips) / Double(n), 0.5, accuracy: 0.02)
        XCTAssertEqual(Double(columnFlips) / Double(n), 0.5, accuracy: 0.02)
        // A sequence (one row) only moves along its length; nothing drawn moves nothing.
        XCTAssertEqual(a.draw(&random, rows: 1).down, 0)
        XCTAssertEqual(Augmentation().draw(&random, rows: 5), .init())
    }

    func testWhereAugmentationCannotApplyItSaysWhy() throws {
        let flips = Augmentation(horizontalFlip: true), shifts = Augmentation(shift: 2)
        XCTAssertEqual(flips.problem(for: Iris.info, inputCount: Iris.inputCount, labelled: true),
                       "Iris.fit: augmentation moves an input's positions, and Iris's input is a vector of 4 values, not C × L or C × H × W")
        XCTAssertEqual(Augmentation(verticalFlip: true).problem(for: Tagger.info, inputCount: Tagger.inputCount, labelled: true),
                       "Tagger.fit: a vertical flip needs an input of C × H × W; Tagger's is C × L")
        // Segmenter's label map has no ignore_label: flips move it, shifts would move unlabelled positions in.
        XCTAssertNil(flips.problem(for: Segmenter.info, inputCount: Segmenter.inputCount, labelled: true))
        let message = try XCTUnwrap(shifts.problem(for: Segmenter.info, inputCount: Segmenter.inputCount, labelled: true))
        XCTAssertTrue(message.hasPrefix("Segmenter.fit: a shift moves positions with no label into the label map; give the loss an ignore_label"))
        // The same map given as numbers moves with flips; a shift would move in positions with nothing to train towards.
        XCTAssertNil(flips.problem(for: Segmenter.info, inputCount: Segmenter.inputCount, labelled: false))
        XCTAssertEqual(shifts.problem(for: Segmenter.info, inputCount: Segmenter.inputCount, labelled: false),
                       "Segmenter.fit: a shift moves positions into the targets with no value to train towards (zeros would be taken "
                       + "as targets); flips alone keep every target")
        // Targets per sample stay as they are, and targets at other positions than the input's cannot move.
        XCTAssertNil(shifts.problem(for: DigitsCNN.info, inputCount: DigitsCNN.inputCount, labelled: false))
        let i = DigitsCNN.info
        let smaller = ModelInfo(name: "Smaller", seed: i.seed, fingerprint: i.fingerprint, tensors: i.tensors, hyperparameters: i.hyperparameters,
                                firstState: i.firstState, secondState: i.secondState, inputShape: [1, 8, 8], targetShape: [2, 4, 4])
        XCTAssertEqual(flips.problem(for: smaller, inputCount: 64, labelled: false),
                       "Smaller.fit: augmentation moves the input's positions (8 × 8), but the targets are 2 × 4 × 4, which cannot move with them")
        XCTAssertNil(shifts.problem(for: Tagger.info, inputCount: Tagger.inputCount, labelled: true))
        XCTAssertNil(Augmentation(horizontalFlip: true, verticalFlip: true, shift: 1)
            .problem(for: DigitsCNN.info, inputCount: DigitsCNN.inputCount, labelled: true))
        XCTAssertEqual(DigitsCNN.info.inputShape, [1, 8, 8])
        XCTAssertEqual(Tagger.info.inputShape, [2, 12])
        XCTAssertNil(Iris.info.inputShape)
        XCTAssertEqual(Tagger.info.targetShape, [3, 12])
        XCTAssertNil(DigitsCNN.info.targetShape)
    }

    /// Tagger: 2 × 12 inputs, a class of 3 at each of the 12 positions, -1 unlabelled.
    func testALabelMapMovesWithItsInput() {
        let positions = 12, classes = 3, batch = Tagger.batchSize
        // Channel 0 holds the position + 1 (0 marks a value moved in), channel 1 its negative; position t has class t % 3.
        var input = [Double](), target = [Double](repeating: 0, count: batch * Tagger.targetCount)
        for b in 0..<batch {
            input += (0..<positions).map { Double($0 + 1) } + (0..<positions).map { -Double($0 + 1) }
            for t in 0..<positions { target[b * Tagger.targetCount + (t % classes) * positions + t] = 1 }
        }
        let unmovedInput = input, unmovedTarget = target
        var random = SplitMix64(seed: 11), scratch = [Double](repeating: 0, count: Tagger.targetCount)
        var moved = 0, flipped = 0
        for _ in 0..<20 {
            input = unmovedInput
            target = unmovedTarget
            Tagger.augment(Augmentation(horizontalFlip: true, shift: 3), &input, &target, count: batch, movesTargets: true, &random, scratch: &scratch)
            for b in 0..<batch {
                let x = Array(input[(b * 2 * positions)..<((b * 2 + 1) * positions)])
                for t in 0..<positions {
                    XCTAssertEqual(input[(b * 2 + 1) * positions + t], -x[t], "both channels move alike")
                    let row = (0..<classes).map { target[b * Tagger.targetCount + $0 * positions + t] }
                    if x[t] == 0 {
                        XCTAssertEqual(row, [0, 0, 0], "a position moved in is unlabelled")
                    } else {
                        let source = Int(x[t]) - 1
                        XCTAssertEqual(row, (0..<classes).map { $0 == source % classes ? 1 : 0 }, "the label moves with its input")
                        if source != t { moved += 1 }
                    }
                }
                if x.first(where: { $0 != 0 }).map({ x.last(where: { $0 != 0 })! < $0 }) == true { flipped += 1 }
            }
        }
        XCTAssertGreaterThan(moved, 0)
        XCTAssertGreaterThan(flipped, 0)
        // A batch's augmentation allocates nothing.
        XCTAssertEqual(fewestAllocations {
            Tagger.augment(Augmentation(horizontalFlip: true, shift: 3), &input, &target, count: batch, movesTargets: true, &random, scratch: &scratch)
        }, 0)
    }

    /// Targets given as numbers at each position move as the input does.
    func testNumbersAtEachPositionMoveWithTheirInput() {
        let positions = 12, batch = Tagger.batchSize
        var random = SplitMix64(seed: 12)
        var input = (0..<(batch * Tagger.inputCount)).map { _ in random.nextUnit() + 1 }
        // Each target plane holds the input's channel 0 times 1, 2 and 3.
        var target = (0..<(batch * Tagger.targetCount)).map { j in
            let b = j / Tagger.targetCount, plane = j % Tagger.targetCount / positions, t = j % positions
            return Double(plane + 1) * input[b * Tagger.inputCount + t]
        }
        var scratch = [Double](repeating: 0, count: Tagger.targetCount), moved = 0
        let unmoved = input
        Tagger.augment(Augmentation(horizontalFlip: true), &input, &target, count: batch, movesTargets: true, &random, scratch: &scratch)
        for b in 0..<batch {
            for plane in 0..<3 {
                for t in 0..<positions {
                    XCTAssertEqual(target[b * Tagger.targetCount + plane * positions + t], Double(plane + 1) * input[b * Tagger.inputCount + t])
                }
            }
            if input[(b * Tagger.inputCount)..<(b * Tagger.inputCount + positions)] != unmoved[(b * Tagger.inputCount)..<(b * Tagger.inputCount + positions)] {
                moved += 1
            }
        }
        XCTAssertGreaterThan(moved, 0, "some samples were flipped")
        // fit moves an autoencoder's targets (its input again) and a label map, not a label or targets per sample.
        XCTAssertTrue(Autoencoder.augmentationMovesTargets(labelled: false))
        XCTAssertTrue(Tagger.augmentationMovesTargets(labelled: true))
        XCTAssertFalse(DigitsCNN.augmentationMovesTargets(labelled: true))
        XCTAssertFalse(DigitsCNN.augmentationMovesTargets(labelled: false))
    }

    func testFitDrawsItsAugmentationFromItsSeed() throws {
        let positions = 12, samples = 30
        var random = SplitMix64(seed: 4)
        let x = (0..<(samples * Tagger.inputCount)).map { _ in 2 * random.nextUnit() - 1 }
        let labels = (0..<(samples * positions)).map { j in x[j / positions * Tagger.inputCount + j % positions] > 0 ? 1 : 0 }
        let data = DataSet(features: x, featureCount: Tagger.inputCount, labels: labels, labelsPerSample: positions)
        func trained(_ augmentation: Augmentation?, seed: UInt64 = 1) throws -> [Double] {
            var model = Tagger()
            try model.fit(data, epochs: 3, options: FitOptions(seed: seed, augmentation: augmentation))
            return model.parameters
        }
        let a = Augmentation(horizontalFlip: true, shift: 2)
        XCTAssertEqual(try trained(a), try trained(a), "the same seed, the same draws")
        XCTAssertNotEqual(try trained(a), try trained(nil))
        XCTAssertNotEqual(try trained(a), try trained(a, seed: 2))
    }
}
