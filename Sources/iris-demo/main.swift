#if canImport(Glibc)
import Glibc
#endif
import IrisDemo

// Trains the generated Iris classifier (Specs/iris.net → Generated/Iris.swift)
// on Fisher's Iris data and reports held-out accuracy and a confusion matrix.
var path = IrisTraining.defaultPath
var epochs = 60
var arguments = CommandLine.arguments.dropFirst()
while let a = arguments.popFirst() {
    switch a {
    case "--data": path = arguments.popFirst() ?? path
    case "--epochs": epochs = arguments.popFirst().flatMap { Int($0) } ?? epochs
    default: print("usage: iris-demo [--data iris.csv] [--epochs N]"); exit(2)
    }
}
do {
    let run = try IrisTraining(epochs: epochs).run(path: path, progress: true)
    print("Iris: trained on \(run.training.count) samples, tested on \(run.test.count)")
    print("test accuracy: \(Int(((run.evaluation.accuracy ?? 0) * 100).rounded()))%")
    print("confusion matrix (rows: actual, columns: predicted):")
    print(run.evaluation.confusion!)
} catch {
    print("iris-demo: error: \(error)")
    exit(2)
}
