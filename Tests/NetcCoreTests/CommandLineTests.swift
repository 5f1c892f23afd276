import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// The command line as a newcomer meets it: help per command, options that
/// apply only where they mean something, standard input, the closing count,
/// compile's report, gradcheck's options and graph pictures.
final class CommandLineTests: XCTestCase {
    let specs = "\(repositoryRoot)/Specs"

    func testEveryCommandHasItsOwnHelp() {
        for command in ["check", "graph", "gradcheck", "compile"] {
            for arguments in [[command, "--help"], [command, "-h"], ["help", command], [command, "x.net", "--help"]] {
                let r = Driver.run(arguments)
                XCTAssertEqual(r.code, 0, arguments.joined(separator: " "))
                XCTAssertTrue(r.stdout.hasPrefix("USAGE: netc \(command) "), r.stdout)
            }
        }
        XCTAssertTrue(Driver.run(["gradcheck", "--help"]).stdout.contains("--tolerance <T>"))
        let overview = Driver.run(["--help"]).stdout
        XCTAssertTrue(overview.contains("--version") && overview.contains("netc <command> --help"), overview)
        XCTAssertEqual(Driver.run(["--version"]).stdout, "netc \(NetcVersion.string)\n")
        XCTAssertTrue(Driver.run(["help", "chek"]).stderr.contains("did you mean 'check'?"))
    }

    func testOptionsThatDoNotApplyAreUsageErrorsNamingTheCommand() {
        let iris = "\(specs)/iris.net"
        let cases: [([String], String)] = [
            (["check", iris, "--seed", "3"], "option '--seed' does not apply to 'netc check' (it is an option of 'netc gradcheck')"),
            (["check", iris, "--backward"], "option '--backward' does not apply to 'netc check' (it is an option of 'netc graph')"),
            (["check", iris, "-o", "/tmp/zz"], "option '-o' does not apply to 'netc check' (it is an option of 'netc graph')"),
            (["compile", iris, "--seed", "1"], "option '--seed' does not apply to 'netc compile' (it is an option of 'netc gradcheck')"),
            (["gradcheck", iris, "--backward"], "option '--backward' does not apply to 'netc gradcheck' (it is an option of 'netc graph')"),
            (["compile", iris, "--verbos"], "unknown option '--verbos' for 'netc compile'; did you mean '--verbose'?"),
            (["graph", iris, "--format", "jpeg"], "--format must be dot, svg or png, not 'jpeg'"),
            (["graph", iris, "--format", "png"], "--format png writes a binary file: give it with -o <file>"),
            (["compile", iris, "-o", "x", "--output-file", "y.swift"], "give -o <dir> or --output-file <file>, not both"),
            (["compile", iris, "--conflicts-with", "a.net"], "--conflicts-with applies only with --output-file"),
            (["gradcheck", iris, "--samples", "0"], "--samples needs a whole number from 1, not '0'"),
            (["gradcheck", iris, "--tolerance", "-1"], "--tolerance needs a positive number, not '-1'"),
            (["gradcheck", iris, "--all", "--samples", "3"], "give --samples or --all, not both"),
            (["gradcheck", iris, "--seed"], "option '--seed' needs a value (<N>)"),
        ]
        for (arguments, message) in cases {
            let r = Driver.run(arguments)
            XCTAssertEqual(r.code, 2, arguments.joined(separator: " "))
            XCTAssertEqual(r.stdout, "")
            XCTAssertTrue(r.stderr.hasPrefix("netc: error: \(message)\nRun 'netc \(arguments[0]) --help' for usage.\n"), r.stderr)
        }
    }

    func testADashReadsTheSpecFromStandardInput() throws {
        let xor = try FileIO.read("\(specs)/xor.net")
        let r = Driver.run(["check", "-"], standardInput: { xor })
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("XOR: 5 nodes"), r.stdout)
        let spec = "network N {\n input x: 2\n dense y: 1, rleu\n loss squared_error(y)\n}\n"
        let bad = Driver.run(["check", "-"], standardInput: { Array(spec.utf8) })
        XCTAssertEqual(bad.code, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("<stdin>:3:14: error: unknown activation 'rleu'"), bad.stderr)
        XCTAssertEqual(Driver.run(["check", "-", "-"], standardInput: { xor }).code, 2, "standard input read twice")
        XCTAssertEqual(Driver.run(["check", "-"]).code, 2, "no standard input")
    }

    func testDiagnosticsEndWithACount() throws {
        let dir = temporaryDirectory()
        try FileIO.writeAtomically(Array("network N {\n input x: 2\n dense y: 1, rleu\n dense z: 0\n loss squared_error(z)\n}\n".utf8),
                                   to: "\(dir)/a.net")
        try FileIO.writeAtomically(Array("network M {\n input x: 2\n dense y: 2, softmax\n loss softmax_cross_entropy(y)\n}\n".utf8),
                                   to: "\(dir)/b.net")
        let r = Driver.run(["check", "\(dir)/a.net", "\(dir)/b.net"])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.stderr.hasSuffix("\n2 errors and 1 warning in 2 files\n"), r.stderr)
        let warning = Driver.run(["check", "\(dir)/b.net"])
        XCTAssertEqual(warning.code, 0)
        XCTAssertTrue(warning.stderr.hasSuffix("\n1 warning in 1 file\n"), warning.stderr)
        XCTAssertEqual(Driver.run(["check", "\(specs)/xor.net"]).stderr, "", "nothing to count, no count line")
    }

    func testCompileVerboseReportsEachFileAndTheHeaderNamesTheCommand() throws {
        let dir = temporaryDirectory()
        let first = Driver.run(["compile", "\(specs)/xor.net", "-o", "\(dir)/out", "--verbose"])
        XCTAssertEqual(first.stdout, "wrote \(dir)/out/XOR.swift (network XOR from \(specs)/xor.net)\n")
        XCTAssertEqual(Driver.run(["compile", "\(specs)/xor.net", "-o", "\(dir)/out", "-v"]).stdout,
                       "unchanged \(dir)/out/XOR.swift (network XOR from \(specs)/xor.net)\n")
        XCTAssertEqual(Driver.run(["compile", "\(specs)/xor.net", "-o", "\(dir)/out"]).stdout, "", "quiet by default")
        let source = String(decoding: try FileIO.read("\(dir)/out/XOR.swift"), as: UTF8.self)
        XCTAssertTrue(source.contains("// Regenerate with: netc compile \(specs)/xor.net -o \(dir)/out\n"), source)
    }

    func testGradcheckOptions() throws {
        func run(_ extra: [String]) -> Driver.Result { Driver.run(["gradcheck", "\(specs)/iris.net"] + extra) }
        XCTAssertTrue(run(["--all"]).stdout.contains("hidden1.weight  [16, 4]   64 checked"), run(["--all"]).stdout)
        XCTAssertTrue(run(["--samples", "5"]).stdout.contains("hidden2.weight  [16, 16]  5 checked"), run(["--samples", "5"]).stdout)
        let strict = run(["--tolerance", "1e-15"])
        XCTAssertEqual(strict.code, 1)
        XCTAssertTrue(strict.stdout.contains("FAILED"), strict.stdout)
        XCTAssertTrue(run([]).stdout.hasPrefix("Iris: gradient check, seed 1, 4 of 16 samples, tolerance 1e-6\n"), run([]).stdout)
        // The worst entry is reported with its index in the tensor's shape.
        XCTAssertNotNil(run([]).stdout.range(of: #"hidden1\.weight  \[16, 4\]   24 checked; worst error [0-9.]+e-[0-9]+ at \[[0-9]+, [0-3]\]  ok"#,
                                             options: .regularExpression), run([]).stdout)
    }

    /// A finite difference across relu's kink is skipped, not failed: at x₀ = 0 the
    /// central difference sees half the slope the derivative (0 there) has.
    func testGradcheckSkipsDifferencesAcrossKinks() throws {
        let g = try graph("network K {\n input x: 3\n activation a: relu\n dense out: 2\n loss squared_error(out)\n}\n")
        var options = GradientCheck.Options(samplesPerTensor: nil)
        options.input = [0, 0.5, -0.5]
        let input = GradientCheck.run(g, options).first { $0.name == "input" }!
        XCTAssertEqual(input.skipped, 1)
        XCTAssertEqual(input.checked, 2)
        XCTAssertTrue(input.passed)
        // Without kink sides the same entry fails: the check would have failed on it.
        let sides = Interpreter(graph: g)
        let p = sides.initialParameters(seed: g.seed), t = [0.3, -0.2]
        let plus = sides.lossAndKinks(input: [1e-5, 0.5, -0.5], target: t, parameters: p)
        let minus = sides.lossAndKinks(input: [-1e-5, 0.5, -0.5], target: t, parameters: p)
        XCTAssertNotEqual(plus.kinks, minus.kinks)
        let numeric = (plus.loss - minus.loss) / 2e-5
        let analytic = sides.gradients(input: [0, 0.5, -0.5], target: t, parameters: p).input[0]
        XCTAssertEqual(analytic, 0)
        XCTAssertGreaterThan(abs(numeric), 1e-4)
    }

    func testGraphDrawsGradientsWithoutMovingTheForwardLayout() throws {
        let dot = Driver.run(["graph", "\(specs)/two-towers.net", "--backward"]).stdout
        XCTAssertTrue(dot.contains("edge [style=dashed, color=red, fontcolor=red, constraint=false];"), dot)
        let dir = temporaryDirectory()
        XCTAssertEqual(Driver.run(["graph", "\(specs)/iris.net", "-o", "\(dir)/iris.dot"]).code, 0)
        XCTAssertEqual(try FileIO.read("\(dir)/iris.dot"), Array(Driver.run(["graph", "\(specs)/iris.net"]).stdout.utf8))
    }

    func testGraphRendersThroughGraphviz() throws {
        let dir = temporaryDirectory()
        // A stand-in for Graphviz's dot: prints its arguments and the DOT's first line.
        let fake = "\(dir)/dot"
        try FileIO.writeAtomically(Array("#!/bin/sh\necho \"<svg $1>\"\nhead -1 \"$2\"\n".utf8), to: fake)
        XCTAssertEqual(chmod(fake, 0o755), 0)
        setenv("NETC_DOT", fake, 1)
        defer { unsetenv("NETC_DOT") }
        let svg = Driver.run(["graph", "\(specs)/iris.net", "--format", "svg"])
        XCTAssertEqual(svg.code, 0, svg.stderr)
        XCTAssertEqual(svg.stdout, "<svg -Tsvg>\ndigraph \"Iris\" {\n")
        XCTAssertEqual(Driver.run(["graph", "\(specs)/iris.net", "--format", "png", "-o", "\(dir)/iris.png"]).code, 0)
        XCTAssertEqual(String(decoding: try FileIO.read("\(dir)/iris.png"), as: UTF8.self), "<svg -Tpng>\ndigraph \"Iris\" {\n")
        setenv("NETC_DOT", "\(dir)/no-such-dot", 1)
        let missing = Driver.run(["graph", "\(specs)/iris.net", "--format", "svg"])
        XCTAssertEqual(missing.code, 2)
        XCTAssertTrue(missing.stderr.contains("--format svg needs Graphviz's 'dot' on PATH"), missing.stderr)
    }

    /// A row per declaration, whatever it lowers to: a layer and its activation
    /// are one row; every parameter is counted once; a join names all its inputs.
    func testCheckLayersShowsEachDeclaredNodesShapeParametersAndInputs() throws {
        let result = Driver.run(["check", "--layers", "\(specs)/segmentation.net"])
        XCTAssertEqual(result.code, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines[0...9]), [
            lines[0],
            "  layer  kind          output  parameters  inputs",
            "  image  input         3x8x8            0",
            "  e      conv2d, relu  6x8x8          168  image",
            "  p      max_pool      6x4x4            0  e",
            "  code   conv2d, relu  8x4x4          440  p",
            "  u      upsample      8x8x8            0  code",
            "  skip   concat        14x8x8           0  u, e",
            "  out    conv2d        4x8x8           60  skip",
            "  total                               668",
        ])
        XCTAssertTrue(lines[0].hasPrefix("Segmenter: 9 nodes, 668 parameters,"), lines[0])
        // Every network of the file, each with its table; an activation node shows its function.
        XCTAssertEqual(lines.filter { $0.hasPrefix("  layer ") }.count, 3)
        let spec = "network A {\n  input x: 3\n  activation s: softmax\n  loss squared_error(s)\n}\n"
        let activation = Driver.run(["check", "--layers", "-"], standardInput: { Array(spec.utf8) })
        XCTAssertTrue(activation.stdout.contains("  s      softmax  3                0  x\n"), activation.stdout)
        // Without the flag, the summary line alone.
        XCTAssertEqual(Driver.run(["check", "\(specs)/segmentation.net"]).stdout.split(separator: "\n").count, 3)
    }

    func testCheckWeightsReportsEveryDifference() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Iris(seed: 2).save(to: "\(directory)/iris.safetensors")
        try TwoTowers(seed: 2).save(to: "\(directory)/towers.safetensors")
        let fits = Driver.run(["check", "\(specs)/iris.net", "--weights", "\(directory)/iris.safetensors"])
        XCTAssertEqual(fits.code, 0, fits.stderr)
        XCTAssertTrue(fits.stdout.contains("iris.safetensors fits Iris: 6 tensors, 403 parameters, F32"), fits.stdout)
        let other = Driver.run(["check", "\(specs)/xor.net", "--weights", "\(directory)/iris.safetensors"])
        XCTAssertEqual(other.code, 1)
        XCTAssertTrue(other.stderr.contains("error: XOR: missing tensor 'hidden.weight' [4, 2]"), other.stderr)
        XCTAssertTrue(other.stderr.contains("error: XOR: tensor 'logits.bias' is not in this model"), other.stderr)
        XCTAssertTrue(other.stderr.hasSuffix("10 errors in 1 file\n"), other.stderr)
        // Right names and shapes, wrong precision: two-towers.net is double.
        let precision = Driver.run(["check", "\(specs)/two-towers.net", "--weights", "\(directory)/towers.safetensors"])
        XCTAssertEqual(precision.code, 0, precision.stderr)
        let floats = [Float](repeating: 0, count: TwoTowers.parameterCount).withUnsafeBufferPointer {
            SafeTensors.encode($0, tensors: TwoTowers.info.tensors, metadata: [])
        }
        try Data(floats).write(to: URL(fileURLWithPath: "\(directory)/float.safetensors"))
        let float = Driver.run(["check", "\(specs)/two-towers.net", "--weights", "\(directory)/float.safetensors"])
        XCTAssertEqual(float.code, 1)
        XCTAssertTrue(float.stderr.contains("error: TwoTowers: tensor 'stem.weight' is F32, this model's precision is F64"), float.stderr)
        let broken = Driver.run(["check", "\(specs)/xor.net", "--weights", "\(specs)/xor.net"])
        XCTAssertEqual(broken.code, 1)
        XCTAssertTrue(broken.stderr.contains("xor.net: error: not a valid safetensors file: header length"), broken.stderr)
        XCTAssertEqual(Driver.run(["check", "\(specs)/xor.net", "--weights", "\(directory)/none.safetensors"]).code, 2)
    }
}
