import NetcRuntime

// Order is compiled from Order.net by the netc build plugin on every build.
// Each sample is 16 token ids: noise (2…9) with marker A (0) and marker B (1)
// once each, at random positions; the label is 1 when A comes before B. Only
// the positions tell the classes apart, so the network needs
// `position_embedding`: without it, attention and the pool cannot see order,
// and test accuracy stays at chance (0.51).
func sequences(_ count: Int, seed: UInt64) -> DataSet<Float> {
    var random = SplitMix64(seed: seed)
    var features: [Float] = [], labels: [Int] = []
    for _ in 0..<count {
        var tokens = (0..<16).map { _ in Float(2 + random.next() % 8) }
        let a = Int(random.next() % 16)
        var b = Int(random.next() % 15)
        if b >= a { b += 1 }
        tokens[a] = 0
        tokens[b] = 1
        features += tokens
        labels.append(a < b ? 1 : 0)
    }
    return DataSet(features: features, featureCount: 16, labels: labels, classNames: ["B first", "A first"])
}

let training = sequences(4000, seed: 1), test = sequences(1000, seed: 2)
var model = Order(seed: 3)
let start = ContinuousClock.now
try model.fit(training, epochs: 30, options: FitOptions(seed: 3, progress: false))
let elapsed = ContinuousClock.now - start

let result = model.evaluate(test)
print("order: \(training.count) training and \(test.count) test sequences of 16 tokens; \(Order.parameterCount) parameters")
print("trained 30 epochs in \(elapsed / .milliseconds(1)) ms; test accuracy \(result.accuracy!)")
print(result.confusion!)
if result.accuracy! < 0.95 { fatalError("test accuracy \(result.accuracy!) is below 0.95") }
