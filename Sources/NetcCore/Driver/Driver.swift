import NetcRuntime

/// The `netc` command line, as a function from arguments to output and an
/// exit code (0 ok, 1 errors in specs, 2 usage or I/O errors), so tests
/// can run it in-process. `main.swift` only forwards streams.
public struct Driver {
    public struct Result: Sendable {
        public var code: Int32
        public var stdout: String
        public var stderr: String
    }

    public static let usage = """
        OVERVIEW: netc \(NetcVersion.string) — compile neural-network specs (.net) to specialised Swift

        USAGE: netc <command> [options] <spec>...

        COMMANDS:
          check <spec>...                check specs; print one summary line per network
          graph <spec> [--backward]      print the graph as Graphviz DOT, with gradient flow if --backward
          gradcheck <spec> [--seed N]    compare analytic and finite-difference gradients
          compile <spec>... [-o <dir>]   write <dir>/<Network>.swift for each network (default dir: Generated)
          compile <spec> --output-file <file> [--conflicts-with <spec>]...
                                         write every network of one spec to <file> (the build plugin's form);
                                         a network also declared in a --conflicts-with spec is an error

        OPTIONS:
          -h, --help                     show this help
          --version                      print the version

        EXIT CODES: 0 success, 1 errors in a spec, 2 usage or I/O errors

        """

    var out = ""
    var err = ""

    /// Runs one command line (without the program name).
    public static func run(_ arguments: [String]) -> Result {
        var d = Driver()
        let code = d.dispatch(arguments)
        return Result(code: code, stdout: d.out, stderr: d.err)
    }

    mutating func usageError(_ message: String) -> Int32 {
        err += "netc: error: \(message)\nRun 'netc --help' for usage.\n"
        return 2
    }

    mutating func dispatch(_ arguments: [String]) -> Int32 {
        guard let command = arguments.first else { return usageError("missing command") }
        if command == "-h" || command == "--help" || command == "help" { out += Self.usage; return 0 }
        if command == "--version" { out += "netc \(NetcVersion.string)\n"; return 0 }
        guard var options = Options(Array(arguments.dropFirst())) else {
            return usageError("unexpected option")
        }
        if let bad = options.error { return usageError(bad) }
        if options.help { out += Self.usage; return 0 }
        switch command {
        case "check": return check(&options)
        case "graph": return graph(&options)
        case "gradcheck": return gradcheck(&options)
        case "compile": return compile(&options)
        default:
            let hint = Suggestions.hint(command, ["check", "graph", "gradcheck", "compile"])
            return usageError("unknown command '\(command)'\(hint)")
        }
    }

    /// Reads and checks one spec; prints its diagnostics. Nil on I/O error (exit 2).
    mutating func load(_ path: String) -> Frontend? {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path, limit: Limits.fileBytes)
        } catch {
            err += "netc: error: cannot read \(error)\n"
            return nil
        }
        let frontend = Frontend(file: SourceFile(path: path, bytes: bytes))
        err += frontend.renderedDiagnostics
        return frontend
    }

    /// Loads every spec; returns the graphs (with their files), or an exit code.
    mutating func loadAll(_ paths: [String], atMostOne: Bool = false) -> ([(Graph, SourceFile)], Int32?) {
        if paths.isEmpty { return ([], usageError("missing spec file")) }
        if atMostOne && paths.count > 1 { return ([], usageError("expected one spec file, got \(paths.count)")) }
        var graphs: [(Graph, SourceFile)] = []
        var ioFailed = false, specFailed = false
        var seen: [String] = []
        for path in paths {
            // The same file named twice (`a.net ./a.net`) is read once, not reported as clashing with itself.
            if seen.contains(where: { $0 == path || FileIO.sameFile($0, path) }) { continue }
            seen.append(path)
            guard let f = load(path) else { ioFailed = true; continue }
            specFailed = specFailed || f.hasErrors
            graphs += f.graphs.map { ($0, f.file) }
        }
        return (graphs, ioFailed ? 2 : specFailed ? 1 : nil)
    }

    mutating func check(_ o: inout Options) -> Int32 {
        let (graphs, failure) = loadAll(o.paths)
        for (g, _) in graphs { out += g.summary + "\n" }
        return failure ?? 0
    }

    mutating func graph(_ o: inout Options) -> Int32 {
        let (graphs, failure) = loadAll(o.paths, atMostOne: true)
        if let failure { return failure }
        for (g, _) in graphs {
            out += DotWriter.dot(g, backward: o.backward ? BackwardGraph(g, inputGradient: true) : nil)
        }
        return 0
    }

    mutating func gradcheck(_ o: inout Options) -> Int32 {
        let (graphs, failure) = loadAll(o.paths, atMostOne: true)
        if let failure { return failure }
        var ok = true
        for (g, _) in graphs {
            out += "\(g.name): gradient check, seed \(o.seed), tolerance \(GradientCheck.tolerance)\n"
            for row in GradientCheck.run(g, seed: o.seed) {
                let error = row.worstError.isFinite ? String(format: row.worstError) : "\(row.worstError)"
                let pad = String(repeating: " ", count: max(1, 24 - row.name.count))
                out += "  \(row.name)\(pad)worst relative error \(error)  (\(row.checked) checked)  \(row.passed ? "ok" : "FAILED")\n"
                ok = ok && row.passed
            }
        }
        return ok ? 0 : 1
    }
}

/// Parsed command options.
struct Options {
    var paths: [String] = []
    var output = "Generated"
    var backward = false
    var help = false
    var seed: UInt64 = 1
    var outputFile: String?
    var conflictsWith: [String] = []
    var error: String?

    init?(_ arguments: [String]) {
        var i = 0
        func value(_ flag: String) -> String? {
            i += 1
            guard i < arguments.count else { error = "\(flag) needs a value"; return nil }
            return arguments[i]
        }
        while i < arguments.count, error == nil {
            let a = arguments[i]
            switch a {
            case "-o", "--output": if let v = value(a) { output = v }
            case "--backward": backward = true
            case "--output-file": if let v = value(a) { outputFile = v }
            case "--conflicts-with": if let v = value(a) { conflictsWith.append(v) }
            case "-h", "--help": help = true
            case "--seed":
                if let v = value(a) {
                    if let s = UInt64(v) { seed = s } else { error = "--seed needs a non-negative integer, got '\(v)'" }
                }
            case "--": paths += arguments[(i + 1)...]; i = arguments.count
            default:
                if a.hasPrefix("-") && a.count > 1 { error = "unknown option '\(a)'" } else { paths.append(a) }
            }
            i += 1
        }
    }
}

extension String {
    /// A compact scientific rendering of an error value.
    init(format value: Double) {
        if value == 0 { self = "0"; return }
        var exponent = 0
        var m = value
        while m >= 10 { m /= 10; exponent += 1 }
        while m < 1 { m *= 10; exponent -= 1 }
        let rounded = (m * 100).rounded() / 100
        self = "\(rounded)e\(exponent)"
    }
}

