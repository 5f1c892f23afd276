#if canImport(Glibc)
import Glibc
#endif
import GeneratedModels
import NetcRuntime
import XCTest

/// The programs the documentation shows are programs that run: each one's
/// text is here, or in an example package, and a test checks the page
/// still shows exactly that text.
final class DocumentationExampleTests: XCTestCase {
    /// The lines between `// docs: <page>` and `// docs: end` in this file,
    /// without their common indentation.
    func excerpt(_ page: String) throws -> String {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try XCTUnwrap(source.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "// docs: \(page)" })
        let end = try XCTUnwrap(source[start...].firstIndex { $0.trimmingCharacters(in: .whitespaces) == "// docs: end" })
        let lines = source[(start + 1)..<end]
        let indent = lines.filter { !$0.isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { $0.isEmpty ? "" : String($0.dropFirst(indent)) }.joined(separator: "\n")
    }

    func assertPage(_ page: String, shows code: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = try String(contentsOfFile: "\(repositoryRoot)/\(page)", encoding: .utf8)
        XCTAssertTrue(text.contains("```swift\n\(code)\n```"), "\(page) no longer shows this program:\n\(code)", file: file, line: line)
    }

    func testReadmeShowsTheDigitsProgram() throws {
        let program = try String(contentsOfFile: "\(repositoryRoot)/Examples/Digits/Sources/Digits/main.swift", encoding: .utf8)
        try assertPage("README.md", shows: program.trimmingCharacters(in: .newlines))
        XCTAssertLessThanOrEqual(program.split(separator: "\n").count, 25, "the README's training program stays short")
    }

    func testTheDigitsCNNExampleTrainsTheCheckedInSpec() throws {
        let example = try String(contentsOfFile: "\(repositoryRoot)/Examples/Digits/Sources/DigitsCNN/DigitsCNN.net", encoding: .utf8)
        let spec = try String(contentsOfFile: "\(repositoryRoot)/Specs/digits-cnn.net", encoding: .utf8)
        XCTAssertEqual(example, spec, "Examples/Digits/Sources/DigitsCNN/DigitsCNN.net is a copy of Specs/digits-cnn.net")
    }

    /// docs/Training.md's complete example, run in a directory holding a copy of the iris data.
    func testTrainingGuideExampleRuns() throws {
        try assertPage("docs/Training.md", shows: excerpt("docs/Training.md"))
        let directory = temporaryDirectory()
        let saved = FileManager.default.currentDirectoryPath
        defer {
            _ = FileManager.default.changeCurrentDirectoryPath(saved)
            try? FileManager.default.removeItem(atPath: directory)
        }
        try FileManager.default.createDirectory(atPath: "\(directory)/Examples/Data", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(repositoryRoot)/Examples/Data/iris.csv", toPath: "\(directory)/Examples/Data/iris.csv")
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(directory))

        // docs: docs/Training.md
        let data = try DataSet<Float>.csv(contentsOf: "Examples/Data/iris.csv", label: .named("species"))
        let (training, validation, test) = data.split(validation: 0.2, test: 0.2, seed: 4)  // stratified
        let scaler = Standardizer(fitting: training)                   // the training part's means and deviations
        try scaler.save(to: "iris.scaler")

        var model = Iris()                                             // Specs/iris.net: sgd, batch 16
        model.hyperparameters.learningRate = 0.02
        model.hyperparameters.schedule = LearningRateSchedule(.cosine(steps: 500, minimum: 0.1), warmup: 10)
        model.hyperparameters.gradientClipNorm = 5
        let options = FitOptions(seed: 4, earlyStopping: EarlyStopping(patience: 10), checkpoint: "iris.params", progress: true)
        let history = try model.fit(scaler.transform(training), validation: scaler.transform(validation),
                                    epochs: 100, options: options)
        print("best epoch \(history.bestEpoch!) of \(history.epochs.count); skipped steps: \(history.skippedSteps)")

        let result = model.evaluate(scaler.transform(test))
        print("test loss \(result.loss), accuracy \(result.accuracy!)")
        print(result.confusion!)
        // docs: end

        XCTAssertGreaterThanOrEqual(result.accuracy!, 0.9)
        XCTAssertEqual(training.count + validation.count + test.count, 150)
        XCTAssertEqual(try Standardizer(contentsOf: "iris.scaler"), scaler)
        // The checkpoint holds the best epoch's weights, which early stopping restored.
        XCTAssertEqual(try Iris(contentsOf: "iris.params").parameters, model.parameters)
        let best = history.epochs[history.bestEpoch! - 1].validationLoss!
        XCTAssertEqual(history.epochs.compactMap(\.validationLoss).min(), best)
        XCTAssertEqual(model.evaluate(scaler.transform(validation)).loss, best, accuracy: 1e-6)
    }

    func testTrainingGuideTransposesStepMajorSequences() throws {
        try assertPage("docs/Training.md", shows: excerpt("docs/Training.md sequences"))
        // Two samples of 50 steps × 3 readings stored step by step: sample s's reading c at step t is 1000s + 100c + t.
        var rows: [Float] = []
        for s in 0..<2 {
            for t in 0..<50 {
                for c in 0..<3 { rows.append(Float(1000 * s + 100 * c + t)) }
            }
        }
        let data = DataSet<Float>(features: rows, featureCount: 150, labels: [0, 1])
        // docs: docs/Training.md sequences
        let sequences = data.mapFeatures { readings in
            (0..<150).map { k -> Float in readings[(k % 50) * 3 + k / 50] }  // k = channel · 50 + step
        }
        // docs: end
        for s in 0..<2 {
            for c in 0..<3 {
                for t in 0..<50 {
                    let expected = Float(1000 * s + 100 * c + t)
                    XCTAssertEqual(sequences.features[s * 150 + c * 50 + t], expected)
                }
            }
        }
    }
}
