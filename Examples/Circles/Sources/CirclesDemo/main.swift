#if canImport(Glibc)
import Glibc
#endif
import NetcRuntime

// Trains the model the netc build plugin generated from Circles.net, saves
// its weights, reloads them into a fresh model and checks the accuracy is
// unchanged. Exit 1 if anything disagrees.

let dataPath = CommandLine.arguments.dropFirst().first ?? {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Sources/CirclesDemo/main.swift
    return parts.joined(separator: "/") + "/Data/circles.csv"
}()

func fail(_ message: String) -> Never {
    print("circles: error: \(message)")
    exit(1)
}

/// Points and labels from `x,y,label` lines; '#' starts a comment.
func loadData(_ path: String) -> (points: [[Float]], labels: [Int]) {
    var points: [[Float]] = [], labels: [Int] = []
    do {
        let text = String(decoding: try FileIO.read(path), as: UTF8.self)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: ",")
            guard fields.count == 3, let x = Float(fields[0]), let y = Float(fields[1]), let label = Int(fields[2]) else {
                fail("bad line in \(path): \(line)")
            }
            points.append([x, y])
            labels.append(label)
        }
    } catch {
        fail("cannot read data: \(error)")
    }
    return (points, labels)
}

let (points, labels) = loadData(dataPath)
let trainCount = 300
let train = Array(0..<trainCount), test = Array(trainCount..<points.count)

@MainActor
func accuracy(_ model: Circles, _ indices: [Int]) -> Double {
    let predicted = model.classify(indices.flatMap { points[$0] })
    return Double(zip(indices, predicted).filter { labels[$0] == $1 }.count) / Double(indices.count)
}

var model = Circles()
var order = train
var random = SplitMix64(seed: 1)
let batch = Circles.batchSize
for epoch in 1...60 {
    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(random.next() % UInt64(i + 1))) }
    var loss: Float = 0
    for start in stride(from: 0, through: order.count - batch, by: batch) {
        let indices = order[start..<(start + batch)]
        loss += model.trainStep(input: indices.flatMap { points[$0] }, labels: indices.map { labels[$0] })
    }
    if epoch % 10 == 0 {
        print("epoch \(epoch): mean loss \(loss / Float(order.count / batch)), train accuracy \(accuracy(model, train))")
    }
}

let trained = accuracy(model, test)
let weights = "/tmp/circles-\(getpid()).params"
do {
    try model.save(to: weights)
    let reloaded = try Circles(contentsOf: weights)
    unlink(weights)
    let again = accuracy(reloaded, test)
    print("test accuracy: \(trained) (trained), \(again) (reloaded from \(Circles.parameterCount) saved parameters)")
    guard again == trained, reloaded.parameters == model.parameters else { fail("the reloaded model differs") }
    guard trained >= 0.9 else { fail("accuracy \(trained) is below 0.9") }
} catch {
    fail("\(error)")
}
