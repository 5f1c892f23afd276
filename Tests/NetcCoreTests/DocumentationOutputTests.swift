import Foundation
import IrisDemo
import NetcCore
import XCTest

/// Every sample of output in README.md and docs/ is what the tools print.
///
/// A sample is a fenced block line `$ <command>` followed by the lines it
/// prints (up to the next `$` line or the end of the block). `...` in a sample
/// stands for any number of lines; durations are masked on both sides. A
/// `netc` command is run through `Driver` in the repository root; the other
/// commands a page shows are listed in `checkedElsewhere` with what checks
/// them, and a sample that is neither fails the test, as does a diagnostic
/// (`file:line:col: error:`) shown without the command that prints it.
final class DocumentationOutputTests: XCTestCase {
    static let pages = ["README.md"] + ((try? FileManager.default.contentsOfDirectory(atPath: "\(repositoryRoot)/docs")) ?? [])
        .filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }

    /// Commands shown with their output that are not netc: where each is checked.
    static let checkedElsewhere: [String: String] = [
        "swift run -c release iris-demo": "testReadmeShowsWhatIrisDemoPrints",
        "cd Examples/Digits && swift run -c release": ".ci/run (compares README's block with the example's output)",
    ]

    struct Sample {
        var page: String
        var line: Int
        var command: String
        var expected: [String]
    }

    /// The samples of every page, and the diagnostics shown without a command.
    static func samples() throws -> (samples: [Sample], orphans: [String]) {
        var samples: [Sample] = [], orphans: [String] = []
        let diagnostic = try NSRegularExpression(pattern: #"^\S+:\d+:\d+: (error|warning|note): "#)
        for page in pages {
            let lines = try String(contentsOfFile: "\(repositoryRoot)/\(page)", encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var inBlock = false, current: Sample? = nil
            for (index, line) in lines.enumerated() {
                if line.hasPrefix("```") {
                    if let sample = current { samples.append(sample) }
                    current = nil
                    inBlock.toggle()
                    continue
                }
                guard inBlock else { continue }
                if line.hasPrefix("$ ") {
                    if let sample = current { samples.append(sample) }
                    current = Sample(page: page, line: index + 1, command: String(line.dropFirst(2)), expected: [])
                } else if current != nil {
                    current!.expected.append(line)
                } else if diagnostic.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil {
                    orphans.append("\(page):\(index + 1): \(line)")
                }
            }
        }
        return (samples, orphans)
    }

    /// `expected` matches `actual` line by line, `...` matching any run of lines.
    static func matches(_ expected: [String], _ actual: [String]) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first == "..." {
            return (0...actual.count).contains { matches(Array(expected.dropFirst()), Array(actual.dropFirst($0))) }
        }
        guard let line = actual.first, mask(line) == mask(first) else { return false }
        return matches(Array(expected.dropFirst()), Array(actual.dropFirst()))
    }

    static func mask(_ line: String) -> String {
        line.replacingOccurrences(of: #"[0-9]+(\.[0-9]+)? ?(ms|µs|ns|s)\b"#, with: "<duration>", options: .regularExpression)
    }

    /// The arguments of `netc …` or `swift run netc …`, globs expanded; nil for another command.
    static func netcArguments(_ command: String) -> [String]? {
        var words = command.split(separator: " ").map(String.init)
        if words.starts(with: ["swift", "run", "netc"]) { words.removeFirst(2) }
        guard words.first == "netc", !words.contains(where: { ["|", ">", "&&", ";"].contains($0) }) else { return nil }
        return words.dropFirst().flatMap { word -> [String] in
            guard let star = word.firstIndex(of: "*") else { return [word] }
            let directory = String(word[..<star])  // "Specs/" in "Specs/*.net"
            let suffix = String(word[word.index(after: star)...])
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(repositoryRoot)/\(directory)")) ?? []
            return names.filter { $0.hasSuffix(suffix) }.sorted().map { directory + $0 }
        }
    }

    func testEveryNetcSampleIsWhatNetcPrints() throws {
        let (samples, orphans) = try Self.samples()
        XCTAssertEqual(orphans, [], "diagnostics shown without the command that prints them")
        XCTAssertGreaterThanOrEqual(samples.count, 6, "the pages' samples were not found")
        let saved = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(saved) }
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(repositoryRoot))
        for sample in samples {
            guard let arguments = Self.netcArguments(sample.command) else {
                XCTAssertNotNil(Self.checkedElsewhere[sample.command],
                                "\(sample.page):\(sample.line): '\(sample.command)' is neither netc nor checked elsewhere")
                continue
            }
            let result = Driver.run(arguments)
            let printed = (result.stderr + result.stdout).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let actual = printed.last == "" ? Array(printed.dropLast()) : printed
            XCTAssertTrue(Self.matches(sample.expected, actual), """
                \(sample.page):\(sample.line): '\(sample.command)' prints
                \(actual.joined(separator: "\n"))
                but the page shows
                \(sample.expected.joined(separator: "\n"))
                """)
        }
    }

    /// Every spec a page shows (a fenced block whose first line but comments starts with `network`) checks without errors.
    func testEverySpecAPageShowsChecks() throws {
        var specs = 0
        for page in Self.pages {
            let text = try String(contentsOfFile: "\(repositoryRoot)/\(page)", encoding: .utf8)
            for (k, block) in text.components(separatedBy: "```").enumerated() where k % 2 == 1 {
                let body = block.drop { $0 != "\n" }.dropFirst()  // after the fence's language tag
                let first = body.split(separator: "\n").first { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }
                guard first?.hasPrefix("network ") == true else { continue }
                specs += 1
                let f = Frontend(file: SourceFile(path: "\(page) block \(k / 2 + 1)", text: String(body)))
                XCTAssertFalse(f.hasErrors, f.renderedDiagnostics)
            }
        }
        XCTAssertGreaterThanOrEqual(specs, 3, "the pages' specs were not found")
    }

    func testReadmeShowsWhatIrisDemoPrints() throws {
        let (samples, _) = try Self.samples()
        let sample = try XCTUnwrap(samples.first { $0.command == "swift run -c release iris-demo" })
        var printed: [String] = []
        let run = try IrisTraining().run { printed.append($0) }
        printed += run.summary.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(Self.matches(sample.expected, printed), """
            iris-demo prints
            \(printed.joined(separator: "\n"))
            but README shows
            \(sample.expected.joined(separator: "\n"))
            """)
    }

    func testTheMatcherFailsOnDrift() {
        XCTAssertTrue(Self.matches(["a", "...", "d"], ["a", "b", "c", "d"]))
        XCTAssertTrue(Self.matches(["took 3.5 ms", "..."], ["took 12 ms", "x"]))
        XCTAssertFalse(Self.matches(["a", "...", "d"], ["a", "b", "c"]))
        XCTAssertFalse(Self.matches(["loss 0.9378"], ["loss 0.9585"]))
        XCTAssertFalse(Self.matches(["a"], ["a", "b"]))
    }
}
