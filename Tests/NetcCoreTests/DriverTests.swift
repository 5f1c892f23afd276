import NetcRuntime
import XCTest
@testable import NetcCore

/// The command line: exit codes, outputs, and writing files safely.
final class DriverTests: XCTestCase {
    let specs = "\(repositoryRoot)/Specs"

    func testExitCodes() throws {
        let dir = temporaryDirectory()
        try FileIO.writeAtomically(Array("network N {\n input x: 2\n dense y: 1, rleu\n}\n".utf8), to: "\(dir)/bad.net")
        let cases: [([String], Int32)] = [
            (["check", "\(specs)/xor.net", "\(specs)/iris.net"], 0),
            (["check", "\(dir)/bad.net"], 1),
            (["check", "\(specs)/xor.net", "\(dir)/bad.net"], 1),
            (["check", "\(dir)/missing.net"], 2),
            (["check", dir], 2),
            (["check"], 2),
            ([], 2),
            (["chek", "x.net"], 2),
            (["check", "--frobnicate", "x.net"], 2),
            (["gradcheck", "\(specs)/xor.net", "--seed", "minus one"], 2),
            (["--help"], 0),
            (["--version"], 0),
            (["graph", "\(specs)/iris.net"], 0),
            (["graph", "\(specs)/iris.net", "\(specs)/xor.net"], 2),
            (["gradcheck", "\(specs)/two-towers.net", "--seed", "3"], 0),
        ]
        for (arguments, code) in cases {
            let r = Driver.run(arguments)
            XCTAssertEqual(r.code, code, "netc \(arguments.joined(separator: " "))\n\(r.stderr)")
        }
    }

    func testCheckPrintsOneSummaryPerNetworkAndDiagnosticsWithPaths() throws {
        let r = Driver.run(["check", "\(specs)/xor.net", "\(specs)/iris.net"])
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 2)
        let dir = temporaryDirectory()
        try FileIO.writeAtomically(Array("network N {\n input x: 2\n dense y: 1, rleu\n loss squared_error(y)\n}\n".utf8), to: "\(dir)/bad.net")
        let bad = Driver.run(["check", "\(dir)/bad.net"])
        XCTAssertTrue(bad.stderr.hasPrefix("\(dir)/bad.net:3:14: error: unknown activation 'rleu'; did you mean 'relu'?\n"), bad.stderr)
        XCTAssertTrue(Driver.run(["chek"]).stderr.contains("did you mean 'check'?"))
    }

    func testCompileWritesOnlyChangedFilesAndKeepsOutputOnFailure() throws {
        let dir = temporaryDirectory()
        XCTAssertEqual(Driver.run(["compile", "\(specs)/xor.net", "-o", "\(dir)/out"]).code, 0)
        let path = "\(dir)/out/XOR.swift"
        let first = try FileIO.read(path)
        var before = stat()
        stat(path, &before)
        usleep(20_000)
        XCTAssertEqual(Driver.run(["compile", "\(specs)/xor.net", "-o", "\(dir)/out"]).code, 0)
        var after = stat()
        stat(path, &after)
        XCTAssertEqual(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec, "an unchanged file is not rewritten")
        XCTAssertEqual(before.st_ino, after.st_ino)

        // A failing spec in the same run writes nothing and leaves earlier output intact.
        try FileIO.writeAtomically(Array("network XOR {\n input x: 2\n}\n".utf8), to: "\(dir)/broken.net")
        XCTAssertEqual(Driver.run(["compile", "\(specs)/xor.net", "\(dir)/broken.net", "-o", "\(dir)/out"]).code, 1)
        XCTAssertEqual(try FileIO.read(path), first)
        XCTAssertEqual(files(in: "\(dir)/out", suffix: "").filter { $0 != "." && $0 != ".." }, ["XOR.swift"])
    }

    func testCompileRefusesTwoSpecsDeclaringOneNetwork() throws {
        let dir = temporaryDirectory()
        let text = Array(try FileIO.read("\(specs)/xor.net"))
        try FileIO.writeAtomically(text, to: "\(dir)/a.net")
        try FileIO.writeAtomically(text, to: "\(dir)/b.net")
        let r = Driver.run(["compile", "\(dir)/a.net", "\(dir)/b.net", "-o", "\(dir)/out"])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.contains("network 'XOR' is also defined in \(dir)/a.net"), r.stderr)
    }

    func testCompileReportsAnUnwritableOutputDirectory() throws {
        let dir = temporaryDirectory()
        try FileIO.writeAtomically([1], to: "\(dir)/file")
        let r = Driver.run(["compile", "\(specs)/xor.net", "-o", "\(dir)/file/sub"])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("cannot create output directory"), r.stderr)
    }

    /// A full disk mid-write, simulated with RLIMIT_FSIZE (which binds root
    /// too): a clear message naming the file, exit 2, the earlier file
    /// intact, and no temporary file left behind.
    func testFullDiskMidWriteKeepsEarlierOutput() throws {
        let dir = temporaryDirectory()
        try FileIO.createDirectory("\(dir)/out")
        let old = Array("// earlier output\n".utf8)
        try FileIO.writeAtomically(old, to: "\(dir)/out/MnistMLP.swift")
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        var small = saved
        small.rlim_cur = 4096  // the generated file is ~20 kB
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &small)
        let r = Driver.run(["compile", "\(specs)/mnist-mlp.net", "-o", "\(dir)/out"])
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, previousHandler)
        XCTAssertEqual(r.code, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(dir)/out/MnistMLP.swift") && r.stderr.contains("File too large"), r.stderr)
        XCTAssertEqual(try FileIO.read("\(dir)/out/MnistMLP.swift"), old)
        XCTAssertEqual(files(in: "\(dir)/out", suffix: "").filter { $0 != "." && $0 != ".." }, ["MnistMLP.swift"])
    }

    func testUnreadableSpecPathsAreUsageErrors() throws {
        let dir = temporaryDirectory()
        try FileIO.writeAtomically([1], to: "\(dir)/file")
        for path in ["\(dir)/file/x.net", "\(dir)/missing.net", dir, "/dev/zero"] {
            let r = Driver.run(["compile", path, "-o", "\(dir)/out"])
            XCTAssertEqual(r.code, 2, path)
            XCTAssertTrue(r.stderr.hasPrefix("netc: error: cannot read \(path): "), r.stderr)
        }
        XCTAssertTrue(files(in: "\(dir)/out", suffix: ".swift").isEmpty)
    }

    /// Network names become file names: nothing that could leave the output
    /// directory or clash with Swift gets through, and nothing is written.
    func testHostileNetworkNamesWriteNothing() throws {
        let dir = temporaryDirectory()
        for name in ["../Evil", "a/b", "..", "class", "Type", "9lives", "Café", "Swift", "NetcRuntime", "self", "/tmp/x"] {
            try FileIO.writeAtomically(Array("network \(name) {\n input x: 1\n dense y: 1\n loss squared_error(y)\n}\n".utf8), to: "\(dir)/n.net")
            let r = Driver.run(["compile", "\(dir)/n.net", "-o", "\(dir)/out/inner"])
            XCTAssertEqual(r.code, 1, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("\(dir)/n.net:1:"), "\(name): \(r.stderr)")
        }
        XCTAssertEqual(files(in: dir, suffix: "").filter { $0 != "." && $0 != ".." }, ["n.net"])
    }

    func testCompilationIsDeterministicAndOrderIndependent() throws {
        let dir = temporaryDirectory()
        let all = files(in: specs, suffix: ".net").map { "\(specs)/\($0)" }
        XCTAssertEqual(Driver.run(["compile"] + all + ["-o", "\(dir)/a"]).code, 0)
        let names = files(in: "\(dir)/a", suffix: ".swift")
        let first = try names.map { try FileIO.read("\(dir)/a/\($0)") }
        for name in names { unlink("\(dir)/a/\(name)") }
        XCTAssertEqual(Driver.run(["compile"] + all.reversed() + ["-o", "\(dir)/a"]).code, 0)
        XCTAssertEqual(try names.map { try FileIO.read("\(dir)/a/\($0)") }, first)
    }

    /// Generated/ is the golden output: it must match what netc emits for Specs/ now.
    func testGeneratedDirectoryIsUpToDate() throws {
        var emitted: [String] = []
        for spec in files(in: specs, suffix: ".net") {
            let path = "\(specs)/\(spec)"
            let f = Frontend(file: SourceFile(path: "Specs/\(spec)", bytes: try FileIO.read(path)))
            for (name, source) in Compiler.emit(f.graphs, sourcePath: "Specs/\(spec)", command: "netc compile Specs/\(spec) -o Generated") {
                assertGolden(source, "\(repositoryRoot)/Generated/\(name)")
                emitted.append(name)
            }
        }
        XCTAssertEqual(files(in: "\(repositoryRoot)/Generated", suffix: ".swift"), emitted.sorted(), "a file in Generated/ that no spec makes")
    }
}
