#if canImport(Glibc)
import Glibc
#endif
import IrisDemo

// Trains the generated Iris classifier (Specs/iris.net → Generated/Iris.swift)
// on Fisher's Iris data and reports held-out accuracy and a confusion matrix.
var path = IrisDataset.defaultPath
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
    let data = try IrisDataset(contentsOf: path)
    print("Iris: \(data.features.count) samples; training on 120, testing on 30 (10 per class)")
    let (_, report) = IrisTraining(epochs: epochs).run(data: data) { print($0) }
    print("test accuracy: \(Int((report.testAccuracy * 100).rounded()))%")
    print("confusion matrix (rows: actual, columns: predicted):")
    let names = data.classNames.map { $0.padding(12) }
    print("            " + names.joined())
    for (c, row) in report.confusion.enumerated() {
        print(names[c] + row.map { String($0).padding(12) }.joined())
    }
} catch {
    print("iris-demo: error: \(error)")
    exit(2)
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(1, width - count)) }
}
