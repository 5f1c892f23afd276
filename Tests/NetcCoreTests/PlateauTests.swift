@testable import GeneratedModels
import NetcRuntime
import XCTest

/// `FitOptions.reduceOnPlateau`: the rule on a sequence of losses worked by
/// hand, as PyTorch's `ReduceLROnPlateau` steps through it, and inside `fit`.
final class PlateauTests: XCTestCase {
    func testTheRuleCountsBadEpochsAndCoolsDown() {
        let rule = ReduceOnPlateau(factor: 0.5, patience: 1, minimumImprovement: 0.01, minimumLearningRate: 0.1, cooldown: 1)
        var state = ReduceOnPlateau.State(), rate = 1.0
        var rates: [Double] = []
        // 1.0 improves; 0.995 is not better by more than 0.01; NaN never improves.
        for loss in [1.0, 0.995, 0.999, 0.5, 0.6, 0.7, 0.8, .nan, .nan, .nan, .nan, .nan, .nan] {
            rate = rule.next(&state, monitored: loss, rate: rate)
            rates.append(rate)
        }
        // Bad epochs: 0.995 (1), 0.999 (2 > 1: halve, cool down 1); 0.5 best, its epoch the cooldown;
        // 0.6 (1), 0.7 (2: halve to 0.25, cool down); 0.8 the cooldown (count reset); NaN (1); NaN (2: 0.125);
        // NaN the cooldown; NaN (1); NaN (2: 0.0625, so the floor 0.1); NaN the cooldown.
        // torch.optim.lr_scheduler.ReduceLROnPlateau (threshold_mode 'abs', the same settings) gives this sequence too.
        XCTAssertEqual(rates, [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.1, 0.1])
        XCTAssertEqual(state.best, 0.5)
    }

    func testFitLowersTheLearningRateWhenTheLossStalls() throws {
        var model = Regressor(seed: 1)
        model.hyperparameters.learningRate = 1e-12  // the loss cannot improve by 1e-3
        var random = SplitMix64(seed: 3)
        let x = (0..<(64 * 3)).map { _ in Float(random.nextUnit()) }, t = (0..<(64 * 2)).map { _ in Float(random.nextUnit()) }
        let data = DataSet(features: x, featureCount: 3, targets: t, targetCount: 2)
        let options = FitOptions(reduceOnPlateau: ReduceOnPlateau(factor: 0.5, patience: 1, minimumImprovement: 1e-3))
        let history = try model.fit(data, epochs: 6, options: options)
        // Epoch 1 improves on ∞; epochs 2 and 3 do not, so epoch 4 runs at half the rate; 4 and 5 do not, so 6 at a quarter.
        XCTAssertEqual(history.epochs.map(\.learningRate), [1e-12, 1e-12, 1e-12, 0.5e-12, 0.5e-12, 0.25e-12])
        XCTAssertEqual(model.hyperparameters.learningRate, 0.25e-12)
    }
}
