import NetcRuntime

// DigitsCNN is compiled from DigitsCNN.net (a copy of Specs/digits-cnn.net) by the netc build plugin.
// Each row of digits.csv is an 8×8 image, row by row: the network's 1x8x8 input as it is.
let path = CommandLine.arguments.dropFirst().first ?? "../Data/digits.csv"
let data = try DataSet<Float>.csv(contentsOf: path, label: .named("label"))
    .mapFeatures { $0.map { $0 / 16 } }            // pixels 0…16 → 0…1
let parts = data.split([0.8], seed: 2024)          // the same split as the MLP's

var model = DigitsCNN()
let start = ContinuousClock.now
try model.fit(parts[0], epochs: 30, options: FitOptions(seed: 2024))
let elapsed = ContinuousClock.now - start

let test = model.evaluate(parts[1])
print("digits CNN: \(parts[0].count) training and \(parts[1].count) test images; \(DigitsCNN.parameterCount) parameters")
print("trained 30 epochs in \(elapsed / .milliseconds(1)) ms; test accuracy \(test.accuracy!)")
if test.accuracy! < 0.98 { fatalError("test accuracy \(test.accuracy!) is below 0.98") }
