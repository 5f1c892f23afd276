/// The compiler, top-down: parse → build graphs → (differentiate → emit).
///
/// Each stage reports into one diagnostic bag; a stage runs only if the
/// ones before it reported no error.
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
