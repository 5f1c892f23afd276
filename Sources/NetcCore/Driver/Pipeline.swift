/// The compiler, top-down, one typed value per stage boundary:
///
///     SourceFile ─parse→ SpecFile ─check→ [Graph] ─plan→ [Plan] ─emit→ Swift
///
/// - `Parser.parse` (Syntax/) reads tokens into the AST, never giving up on a
///   file: malformed statements become diagnostics and are skipped.
/// - `GraphBuilder.build` (Semantics/, reading the node kinds in Kinds/)
///   checks every statement and builds each network's graph of ops (Ops/)
///   with every shape known; a network with an error gets no graph.
/// - `Plan` (Planning/) derives the backward graphs (Autodiff/) and decides
///   how each node runs and where each buffer lies.
/// - `ModelEmitter` (Emitter/) lowers a plan to the code model and renders it.
///
/// `Frontend` runs the first two stages (what `check`, `graph` and
/// `gradcheck` need); `Compiler` runs them all.
public struct Frontend: Sendable {
    public let file: SourceFile
    public let graphs: [Graph]
    public let diagnostics: [Diagnostic]
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Parses and checks one spec file.
    public init(file: SourceFile) {
        self.file = file
        let (spec, bag) = Parser.parse(file)
        var diagnostics = bag
        // Checking runs even after syntax errors (malformed statements are
        // marked invalid and skipped), so one run reports everything.
        let built = GraphBuilder.build(spec, diagnostics: &diagnostics)
        graphs = diagnostics.hasErrors ? [] : built
        self.diagnostics = diagnostics.sorted
    }

    /// Rendered diagnostics, clang style.
    public var renderedDiagnostics: String { DiagnosticRenderer(file: file).render(diagnostics) }
}

/// The plan and emit stages over a checked spec's graphs.
public enum Compiler {
    /// One file per network: `<Network>.swift` and its source.
    public static func emit(_ graphs: [Graph], sourcePath: String, command: String? = nil) -> [(fileName: String, source: String)] {
        graphs.map { ("\($0.name).swift", ModelEmitter(plan: Plan($0), sourceName: fileName(sourcePath), command: command).emit()) }
    }

    /// Every network of a spec in one file (what the build plugin writes).
    public static func emitSingleFile(_ graphs: [Graph], sourcePath: String, command: String? = nil) -> String {
        let name = fileName(sourcePath)
        let emitters = graphs.map { ModelEmitter(plan: Plan($0), sourceName: name, command: command) }
        return ModelEmitter.header(name, command: emitters.first?.command ?? "netc compile \(name)") + emitters.map { $0.emitType() }.joined()
    }

    static func fileName(_ path: String) -> String { String(path.split(separator: "/").last ?? Substring(path)) }
}
