import NetcRuntime

// Shapes is compiled from Shapes.net by the netc build plugin on every build.
// Each image holds one disc and one square, equally bright, on noise; its
// label map gives every pixel a class: 0 background, 1 disc, 2 square.
let side = 24, pixels = side * side

func scenes(_ count: Int, seed: UInt64) -> DataSet<Float> {
    var random = SplitMix64(seed: seed)
    var features: [Float] = [], labels: [Int] = []
    for _ in 0..<count {
        var label = [Int](repeating: 0, count: pixels)
        let r = 3 + Int(random.next() % 3)
        let cx = r + Int(random.next() % UInt64(side - 2 * r)), cy = r + Int(random.next() % UInt64(side - 2 * r))
        let s = 6 + Int(random.next() % 4), sx = Int(random.next() % UInt64(side - s)), sy = Int(random.next() % UInt64(side - s))
        for y in sy..<(sy + s) { for x in sx..<(sx + s) { label[y * side + x] = 2 } }
        for y in 0..<side { for x in 0..<side where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r { label[y * side + x] = 1 } }
        for k in 0..<pixels { features.append((label[k] == 0 ? 0 : 1) + Float(random.nextUnit() - 0.5) * 0.6) }
        labels += label
    }
    // A label per pixel: the model has a class at each of its 576 positions.
    return DataSet(features: features, featureCount: pixels, labels: labels, labelsPerSample: pixels,
                   classNames: ["background", "disc", "square"])
}

let training = scenes(800, seed: 1), test = scenes(200, seed: 2)
var model = Shapes(seed: 3)
let start = ContinuousClock.now
try model.fit(training, epochs: 10, options: FitOptions(seed: 3, progress: false))
let elapsed = ContinuousClock.now - start

let result = model.evaluate(test), confusion = result.confusion!
print("shapes: \(training.count) training and \(test.count) test images of \(side) x \(side) pixels; \(Shapes.parameterCount) parameters")
print("trained 10 epochs in \(elapsed / .milliseconds(1)) ms; pixel accuracy \(result.accuracy!), mean IoU \(confusion.meanIntersectionOverUnion)")
print(confusion)

// One test image's predicted map, a character per pixel.
let map = model.classify(Array(test.features[0..<pixels]))
for y in 0..<side { print(String(map[(y * side)..<((y + 1) * side)].map { [".", "o", "#"][$0] })) }
if confusion.meanIntersectionOverUnion < 0.85 { fatalError("mean IoU \(confusion.meanIntersectionOverUnion) is below 0.85") }
