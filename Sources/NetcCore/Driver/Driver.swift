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

    var out = ""
    var err = ""
    /// Standard input's bytes, for a spec path of '-' (read at most once).
    let standardInput: () -> [UInt8]?
    var readStandardInput = false
    /// Diagnostics printed so far, for the closing count.
    var errorCount = 0, warningCount = 0
    var filesWithDiagnostics = 0

    /// Runs one command line (without the program name); `standardInput`
    /// supplies the bytes a '-' path reads.
    public static func run(_ arguments: [String], standardInput: @escaping () -> [UInt8]? = { nil }) -> Result {
        var d = Driver(standardInput: standardInput)
        var code = d.dispatch(arguments)
        if code == 0 && d.errorCount > 0 { code = 1 }
        d.countLine()
        return Result(code: code, stdout: d.out, stderr: d.err)
    }

    init(standardInput: @escaping () -> [UInt8]?) { self.standardInput = standardInput }

    mutating func usageError(_ e: UsageError) -> Int32 {
        let help = e.command.map { "netc \($0) --help" } ?? "netc --help"
        err += "netc: error: \(e.message)\nRun '\(help)' for usage.\n"
        return 2
    }

    mutating func dispatch(_ arguments: [String]) -> Int32 {
        guard let name = arguments.first else { return usageError(UsageError(nil, "missing command")) }
        switch name {
        case "-h", "--help": out += CommandSpec.overview; return 0
        case "--version": out += "netc \(NetcVersion.string)\n"; return 0
        case "help":
            guard let topic = arguments.dropFirst().first else { out += CommandSpec.overview; return 0 }
            guard let command = CommandSpec.named(topic) else { return unknownCommand(topic) }
            out += command.usage
            return 0
        default: break
        }
        guard let command = CommandSpec.named(name) else { return unknownCommand(name) }
        let parsed: ParsedArguments
        switch ParsedArguments.parse(Array(arguments.dropFirst()), for: command) {
        case .success(let p): parsed = p
        case .failure(let e): return usageError(e)
        }
        if parsed.has("--help") { out += command.usage; return 0 }
        if parsed.paths.isEmpty { return usageError(UsageError(name, "missing spec file")) }
        if parsed.paths.count > command.specs.upperBound {
            return usageError(UsageError(name, "expected one spec file, got \(parsed.paths.count)"))
        }
        switch name {
        case "check": return check(parsed)
        case "graph": return graph(parsed)
        case "gradcheck": return gradcheck(parsed)
        case "export-pytorch": return exportPyTorch(parsed)
        default: return compile(parsed)
        }
    }

    mutating func unknownCommand(_ name: String) -> Int32 {
        if name.hasPrefix("-") { return usageError(UsageError(nil, "expected a command before '\(name)'")) }
        let hint = Suggestions.hint(name, CommandSpec.all.map(\.name))
        return usageError(UsageError(nil, "unknown command '\(name)'\(hint); the commands are "
                                         + CommandSpec.all.map { "'\($0.name)'" }.joined(separator: ", ")))
    }

    /// Reads and checks one spec ('-': standard input); prints its
    /// diagnostics. Nil on I/O error (exit 2).
    mutating func load(_ path: String) -> Frontend? {
        let file: SourceFile
        if path == "-" {
            guard !readStandardInput, let bytes = standardInput() else {
                err += "netc: error: cannot read standard input\(readStandardInput ? " twice" : "")\n"
                return nil
            }
            readStandardInput = true
            guard bytes.count <= Limits.fileBytes else {
                err += "netc: error: standard input is larger than \(Limits.fileBytes) bytes\n"
                return nil
            }
            file = SourceFile(path: "<stdin>", bytes: bytes)
        } else {
            do {
                file = SourceFile(path: path, bytes: try FileIO.read(path, limit: Limits.fileBytes))
            } catch {
                err += "netc: error: cannot read \(error)\n"
                return nil
            }
        }
        let frontend = Frontend(file: file)
        err += frontend.renderedDiagnostics
        let errors = frontend.diagnostics.filter { $0.severity == .error }.count
        errorCount += errors
        warningCount += frontend.diagnostics.filter { $0.severity == .warning }.count
        if !frontend.diagnostics.isEmpty { filesWithDiagnostics += 1 }
        return frontend
    }

    /// "2 errors and 1 warning in 1 file", after the diagnostics.
    mutating func countLine() {
        guard errorCount + warningCount > 0 else { return }
        func count(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }
        let parts = [errorCount > 0 ? count(errorCount, "error") : nil, warningCount > 0 ? count(warningCount, "warning") : nil]
        err += parts.compactMap { $0 }.joined(separator: " and ") + " in " + count(filesWithDiagnostics, "file") + "\n"
    }

    /// Loads every spec; returns the graphs (with their files), or an exit code.
    mutating func loadAll(_ paths: [String]) -> ([(Graph, SourceFile)], Int32?) {
        var graphs: [(Graph, SourceFile)] = []
        var ioFailed = false, specFailed = false
        var seen: [String] = []
        for path in paths {
            // The same file named twice (`a.net ./a.net`) is read once, not reported as clashing with itself.
            if path != "-" && seen.contains(where: { $0 == path || FileIO.sameFile($0, path) }) { continue }
            seen.append(path)
            guard let f = load(path) else { ioFailed = true; continue }
            specFailed = specFailed || f.hasErrors
            graphs += f.graphs.map { ($0, f.file) }
        }
        return (graphs, ioFailed ? 2 : specFailed ? 1 : nil)
    }

    mutating func check(_ arguments: ParsedArguments) -> Int32 {
        let (graphs, failure) = loadAll(arguments.paths)
        for (g, _) in graphs { out += g.summary + "\n" + (arguments.has("--layers") ? g.layerTable : "") }
        guard let weights = arguments.value("--weights"), failure == nil else { return failure ?? 0 }
        return checkWeights(weights, graphs.map(\.0))
    }

    /// Whether a safetensors file fits each network: tensor names, shapes and
    /// the precision's dtype; every difference reported.
    mutating func checkWeights(_ path: String, _ graphs: [Graph]) -> Int32 {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch {
            err += "netc: error: \(error)\n"
            return 2
        }
        let found: [String: SafeTensors.Entry]
        do { found = try SafeTensors.header(bytes, path: path).tensors } catch {
            let reason = if case .malformed(_, let reason) = error { reason } else { "\(error)" }
            err += "\(FileIO.printable(path)): error: not a valid safetensors file: \(reason)\n"
            errorCount += 1
            filesWithDiagnostics += 1
            return 1
        }
        var failed = false
        for g in graphs {
            let tensors = g.parameters.map { ModelInfo.Tensor($0.name, shape: $0.shape, offset: $0.offset, decays: $0.isWeight) }
            let dtype = g.precision == .double ? "F64" : "F32"
            let problems = SafeTensors.mismatches(found, tensors, dtype: dtype)
            for problem in problems { err += "\(FileIO.printable(path)): error: \(g.name): \(problem)\n" }
            errorCount += problems.count
            failed = failed || !problems.isEmpty
            if problems.isEmpty { out += "\(FileIO.printable(path)) fits \(g.name): \(tensors.count) tensors, \(g.parameterCount) parameters, \(dtype)\n" }
        }
        if failed { filesWithDiagnostics += 1 }
        return failed ? 1 : 0
    }
}
