import NetcRuntime

extension Driver {
    /// `netc export-pytorch SPEC [-o FILE]`: the spec's networks as PyTorch modules.
    mutating func exportPyTorch(_ arguments: ParsedArguments) -> Int32 {
        let (graphs, failure) = loadAll(arguments.paths)
        if let failure { return failure }
        var refused = false
        for (g, file) in graphs {
            for (node, message) in PyTorchExporter.nameProblems(g) {
                err += DiagnosticRenderer(file: file).render(Diagnostic(message, at: node?.range ?? file.networkNameRange(g.name)))
                errorCount += 1
                refused = true
            }
        }
        if refused {
            filesWithDiagnostics += 1
            return 1
        }
        let spec = arguments.paths[0]
        let output = arguments.value("--output")
        let command = "netc export-pytorch \(spec)" + (output.map { " -o \($0)" } ?? "")
        let source = PyTorchExporter.file(graphs.map(\.0), sourceName: Compiler.fileName(graphs.first?.1.path ?? spec), command: command)
        guard let output else {
            out += source
            return 0
        }
        if FileIO.sameFile(spec, output) {
            err += "netc: error: -o \(FileIO.printable(output)) is the spec itself; it would be overwritten\n"
            return 2
        }
        do {
            try FileIO.writeIfChanged(Array(source.utf8), to: output)
        } catch {
            err += "netc: error: cannot write \(error)\n"
            return 2
        }
        return 0
    }
}
