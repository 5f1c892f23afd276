import NetcRuntime

/// The emit stage: one Swift file per network.
public enum Compiler {
    /// The generated file name and contents for each graph of a spec.
    public static func emit(_ graphs: [Graph], sourcePath: String) -> [(fileName: String, source: String)] {
        let sourceName = String(sourcePath.split(separator: "/").last ?? Substring(sourcePath))
        return graphs.map { ("\($0.name).swift", ModelEmitter(graph: $0, sourceName: sourceName).emit()) }
    }
}

extension Driver {
    /// `netc compile SPEC... [-o DIR]`: checks every spec first and writes
    /// nothing unless all are clean; then writes each file atomically and
    /// only if its content changed.
    mutating func compile(_ o: inout Options) -> Int32 {
        let (graphs, failure) = loadAll(o.paths)
        if let failure { return failure }
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
        for (g, file) in graphs {
            for (name, source) in Compiler.emit([g], sourcePath: file.path) {
                let path = o.output + "/" + name
                do {
                    try FileIO.writeIfChanged(Array(source.utf8), to: path)
                } catch {
                    err += "netc: error: cannot write \(error)\n"
                    return 2
                }
            }
        }
        return 0
    }
}
