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
    let run = try IrisTraining(epochs: epochs).run(path: path) { print($0) }
    print(run.summary)
} catch {
    print("iris-demo: error: \(error)")
    exit(2)
}
