import NetcRuntime

// DigitsMLP is compiled from Digits.net by the netc build plugin on every build.
let path = CommandLine.arguments.dropFirst().first ?? "../Data/digits.csv"
let data = try DataSet<Float>.csv(contentsOf: path, label: .named("label"))
    .mapFeatures { $0.map { $0 / 16 } }            // pixels 0…16 → 0…1
let parts = data.split([0.8], seed: 2024)          // 80 % of each class to train on, 20 % to test

var model = DigitsMLP()
let start = ContinuousClock.now
try model.fit(parts[0], epochs: 50, options: FitOptions(seed: 2024))
let elapsed = ContinuousClock.now - start

let test = model.evaluate(parts[1])
print("digits: \(parts[0].count) training and \(parts[1].count) test images; kernels: \(CPUKernels.path)")
print("trained 50 epochs in \(elapsed / .milliseconds(1)) ms; test accuracy \(test.accuracy!)")
print(test.confusion!)
if test.accuracy! < 0.96 { fatalError("test accuracy \(test.accuracy!) is below 0.96") }
