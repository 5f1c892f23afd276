#if canImport(Glibc)
import Glibc
#endif
import IrisDemo

// Trains the generated Iris classifier (Specs/iris.net → Generated/Iris.swift)
// on Fisher's Iris data and reports held-out accuracy and a confusion matrix.
var path = IrisTraining.defaultPath
var epochs = 60
var save: String?, load: String?
var arguments = CommandLine.arguments.dropFirst()
while let a = arguments.popFirst() {
    switch a {
    case "--data": path = arguments.popFirst() ?? path
    case "--epochs": epochs = arguments.popFirst().flatMap { Int($0) } ?? epochs
    case "--save": save = arguments.popFirst()
    case "--load": load = arguments.popFirst()
    default:
        print("usage: iris-demo [--data iris.csv] [--epochs N] [--save FILE] | --load FILE   (FILE.safetensors: safetensors)")
        exit(2)
    }
}
do {
    if let load {  // evaluate saved parameters on the test part instead of training
        let accuracy = try IrisTraining().accuracy(ofParametersIn: load, path: path)
        print("test accuracy: \(Int((accuracy * 100).rounded()))%")
        exit(0)
    }
    let run = try IrisTraining(epochs: epochs).run(path: path) { print($0) }
    print(run.summary)
    if let save { try run.model.save(to: save) }
} catch {
    print("iris-demo: error: \(error)")
    exit(2)
}
