#if canImport(Glibc)
import Glibc
#endif
import NetcRuntime

// Trains the model the netc build plugin generated from Circles.net, saves
// its weights, reloads them into a fresh model and checks the accuracy is
// unchanged. Exit 1 if anything disagrees.

let path = CommandLine.arguments.dropFirst().first
    ?? #filePath.replacing("Sources/CirclesDemo/main.swift", with: "Data/circles.csv")

func fail(_ message: String) -> Never {
    print("circles: error: \(message)")
    exit(1)
}

do {
    // 300 points to train on, 100 to test (the file's last 100), labels in the last column.
    let data = try DataSet<Float>.csv(contentsOf: path, label: .last)
    let training = data[samples: 0..<300], test = data[samples: 300..<data.count]
    var model = Circles()
    let history = try model.fit(training, epochs: 60, options: FitOptions(seed: 1))
    for record in history.epochs where record.epoch % 10 == 0 {
        print("epoch \(record.epoch): mean loss \(record.loss)")
    }
    let trained = model.evaluate(test).accuracy!
    let weights = "/tmp/circles-\(getpid()).params"
    try model.save(to: weights)
    let reloaded = try Circles(contentsOf: weights)
    unlink(weights)
    let again = reloaded.evaluate(test).accuracy!
    print("test accuracy: \(trained) (trained), \(again) (reloaded from \(Circles.parameterCount) saved parameters)")
    guard again == trained, reloaded.parameters == model.parameters else { fail("the reloaded model differs") }
    guard trained >= 0.9 else { fail("accuracy \(trained) is below 0.9") }
} catch {
    fail("\(error)")
}
