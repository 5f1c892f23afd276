import NetcRuntime

#if canImport(Glibc)
import Glibc
#endif

// Waves is compiled from Waves.net by the netc build plugin on every build.
// Each sample is a sine of 0.04–0.08 cycles per step (class 0) or 0.10–0.16
// (class 1), of random phase and amplitude, with noise: 40 values, one
// channel (the input's 1x40 is channels × length).
func waves(_ count: Int, seed: UInt64) -> DataSet<Float> {
    var random = SplitMix64(seed: seed)
    var features: [Float] = [], labels: [Int] = []
    for k in 0..<count {
        let label = k % 2, unit = { Float(random.nextUnit()) }
        let frequency = label == 0 ? 0.04 + 0.04 * unit() : 0.10 + 0.06 * unit()
        let phase = 2 * Float.pi * unit(), amplitude = 0.5 + unit()
        for t in 0..<40 { features.append(amplitude * sinf(2 * .pi * frequency * Float(t) + phase) + 0.2 * Float(random.nextNormal())) }
        labels.append(label)
    }
    return DataSet(features: features, featureCount: 40, labels: labels, classNames: ["slow", "fast"])
}

let training = waves(2000, seed: 1), test = waves(1000, seed: 2)
var model = Waves(seed: 7)
let start = ContinuousClock.now
try model.fit(training, epochs: 20, options: FitOptions(seed: 7, progress: false))
let elapsed = ContinuousClock.now - start

let result = model.evaluate(test)
print("waves: \(training.count) training and \(test.count) test sequences of 40 steps; \(Waves.parameterCount) parameters")
print("trained 20 epochs in \(elapsed / .milliseconds(1)) ms; test accuracy \(result.accuracy!)")
print(result.confusion!)
if result.accuracy! < 0.95 { fatalError("test accuracy \(result.accuracy!) is below 0.95") }
