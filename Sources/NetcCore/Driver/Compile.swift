import NetcRuntime

extension Driver {
    /// `netc compile SPEC... [-o DIR] [--verbose]`: checks every spec first
    /// and writes nothing unless all are clean; then writes each file
    /// atomically and only if its content changed.
    mutating func compile(_ arguments: ParsedArguments) -> Int32 {
        let outputFile = arguments.value("--output-file")
        if outputFile != nil && arguments.has("--output") {
            return usageError(UsageError("compile", "give -o <dir> or --output-file <file>, not both"))
        }
        if outputFile == nil && arguments.has("--conflicts-with") {
            return usageError(UsageError("compile", "--conflicts-with applies only with --output-file"))
        }
        if outputFile != nil && arguments.paths.count > 1 {
            return usageError(UsageError("compile", "--output-file takes one spec, got \(arguments.paths.count)"))
        }
        let output = arguments.value("--output") ?? "Generated"
        let verbose = arguments.has("--verbose")
        let (graphs, failure) = loadAll(arguments.paths)
        if let failure { return failure }
        if let outputFile { return compileSingleFile(graphs, to: outputFile, conflicts: arguments.values["--conflicts-with"] ?? []) }
        let o = (output: output, paths: arguments.paths)
        // Two specs declaring one network would write one file twice.
        var owners: [String: (Graph, SourceFile)] = [:]
        var clash = false
        for (g, file) in graphs.sorted(by: { $0.1.path < $1.1.path }) {
            let key = g.name.lowercased()
            if let (first, firstFile) = owners[key] {
                err += "\(file.path): error: network '\(g.name)' is also defined in \(firstFile.path) "
                    + "(as '\(first.name)'); both would be written to \(o.output)/\(first.name).swift\n"
                clash = true
            } else {
                owners[key] = (g, file)
            }
        }
        if clash { return 1 }
        do {
            try FileIO.createDirectory(o.output)
        } catch {
            err += "netc: error: cannot create output directory \(error)\n"
            return 2
        }
        let outputs = graphs.map { o.output + "/" + $0.0.name + ".swift" }
        if let spec = o.paths.first(where: { p in outputs.contains { FileIO.sameFile($0, p) } }) {
            err += "netc: error: \(FileIO.printable(spec)) would be overwritten by its own output; choose another -o directory\n"
            return 2
        }
        for (g, file) in graphs {
            let command = "netc compile \(file.path == "<stdin>" ? "-" : file.path) -o \(output)"
            for (name, source) in Compiler.emit([g], sourcePath: file.path, command: command) {
                let path = o.output + "/" + name
                do {
                    let changed = try FileIO.writeIfChanged(Array(source.utf8), to: path)
                    if verbose { out += "\(changed ? "wrote" : "unchanged") \(FileIO.printable(path)) (network \(g.name) from \(FileIO.printable(file.path)))\n" }
                } catch {
                    err += "netc: error: cannot write \(error)\n"
                    return 2
                }
            }
        }
        return 0
    }

    /// `netc compile SPEC --output-file FILE [--conflicts-with SPEC...]`: the
    /// build plugin's form. Every network of one spec goes into one file; a
    /// network also declared in one of the other specs is an error at its name.
    mutating func compileSingleFile(_ graphs: [(Graph, SourceFile)], to path: String, conflicts: [String]) -> Int32 {
        if let spec = graphs.first?.1.path, FileIO.sameFile(spec, path) {
            err += "netc: error: --output-file \(FileIO.printable(path)) is the spec itself; it would be overwritten\n"
            return 2
        }
        var clash = false
        for other in conflicts {
            guard let bytes = try? FileIO.read(other, limit: Limits.fileBytes) else { continue }
            let (spec, _) = Parser.parse(SourceFile(path: other, bytes: bytes))
            for network in spec.networks {
                for (g, file) in graphs where g.name == network.name.name {
                    let at = file.networkNameRange(g.name)
                    err += DiagnosticRenderer(file: file).render(Diagnostic(.duplicateNetworkAcrossFiles(g.name, other), at: at))
                    err += DiagnosticRenderer(file: SourceFile(path: other, bytes: bytes))
                        .entry(.note, Message.noteFirstDefined, network.name.range)
                    clash = true
                }
            }
        }
        if clash { return 1 }
        let source = Compiler.emitSingleFile(graphs.map(\.0), sourcePath: graphs.first?.1.path ?? path)
        do {
            let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            if !directory.isEmpty { try FileIO.createDirectory(directory) }
            try FileIO.writeIfChanged(Array(source.utf8), to: path)
        } catch {
            err += "netc: error: cannot write \(error)\n"
            return 2
        }
        return 0
    }
}

extension SourceFile {
    /// The range of `network NAME`'s name, found by re-parsing (used for cross-file errors).
    func networkNameRange(_ name: String) -> SourceRange? {
        Parser.parse(self).0.networks.first { $0.name.name == name }?.name.range
    }
}
