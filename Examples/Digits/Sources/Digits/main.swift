#if canImport(Glibc)
import Glibc
#endif
import NetcRuntime

// Trains the network the netc build plugin compiled from Digits.net on
// scikit-learn's 8×8 digits: a fixed 80/20 split, 50 epochs of shuffled
// batches of 32, Adam. Prints the training time and the test accuracy;
// exit 1 below 0.96. Benchmarks/peers/digits.py trains the same network
// the same way in scikit-learn and PyTorch.

let path = CommandLine.arguments.dropFirst().first ?? {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(5)  // Examples/Digits/Sources/Digits/main.swift
    return parts.joined(separator: "/") + "/Examples/Data/digits.csv"
}()

func fail(_ message: String) -> Never {
    print("digits: error: \(message)")
    exit(1)
}

/// Images scaled to 0…1 and their digits, from the CSV (a header, then 64 pixels and the label per line).
func load(_ path: String) -> (images: [[Float]], labels: [Int]) {
    guard let bytes = try? FileIO.read(path) else { fail("cannot read \(path)") }
    var images: [[Float]] = [], labels: [Int] = []
    for (number, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated().dropFirst() {
        let fields = line.split(separator: ",").compactMap { Int($0) }
        guard fields.count == 65 else { fail("\(path):\(number + 1): expected 65 integers") }
        images.append(fields.dropLast().map { Float($0) / 16 })
        labels.append(fields[64])
    }
    return (images, labels)
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// `indices` in a random order drawn from `random` (Fisher–Yates).
func shuffled(_ indices: [Int], _ random: inout SplitMix64) -> [Int] {
    var order = indices
    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(random.next() % UInt64(i + 1))) }
    return order
}

let (images, labels) = load(path)
var random = SplitMix64(seed: 2024)
let all = shuffled(Array(images.indices), &random)
let trainCount = all.count * 4 / 5
let train = Array(all[..<trainCount]), test = Array(all[trainCount...])

var model = DigitsMLP()
let batch = DigitsMLP.batchSize
let start = now()
for _ in 1...50 {
    let order = shuffled(train, &random)
    for first in stride(from: 0, through: order.count - batch, by: batch) {  // the last partial batch is dropped
        let indices = order[first..<(first + batch)]
        model.trainStep(input: indices.flatMap { images[$0] }, labels: indices.map { labels[$0] })
    }
}
let seconds = now() - start

let predicted = model.classify(test.flatMap { images[$0] })
let accuracy = Double(zip(test, predicted).filter { labels[$0] == $1 }.count) / Double(test.count)
print("digits: \(train.count) training and \(test.count) test images; kernels: \(CPUKernels.path)")
print("trained 50 epochs in \(Int((seconds * 1000).rounded())) ms; test accuracy \(accuracy)")
guard accuracy >= 0.96 else { fail("test accuracy \(accuracy) is below 0.96") }
