/// How serious a diagnostic is.
public enum Severity: String, Sendable {
    case error, warning, note
}

/// A message from the compiler, anchored in the source.
public struct Diagnostic: Sendable, Equatable {
    /// A related place: "first defined here", "opened here".
    public struct Note: Sendable, Equatable {
        public var message: String
        public var range: SourceRange?
    }

    public var severity: Severity
    /// A stable identifier from the catalogue in `Messages.swift`.
    public var id: String
    public var message: String
    public var range: SourceRange?
    public var notes: [Note]

    public init(_ message: Message, at range: SourceRange?, notes: [Note] = []) {
        severity = message.severity
        id = message.id
        self.message = message.text
        self.range = range
        self.notes = notes
    }
}

/// Collects diagnostics for one file; caps their number so hostile input cannot flood the output.
public struct DiagnosticBag: Sendable {
    public static let limit = 100
    public private(set) var items: [Diagnostic] = []
    private var dropped = 0

    public init() {}

    public var hasErrors: Bool { items.contains { $0.severity == .error } }
    public var errorCount: Int { items.filter { $0.severity == .error }.count + dropped }

    public mutating func emit(_ message: Message, at range: SourceRange?, notes: [Diagnostic.Note] = []) {
        append(Diagnostic(message, at: range, notes: notes))
    }

    public mutating func append(_ diagnostic: Diagnostic) {
        if items.count >= Self.limit {
            if diagnostic.severity == .error { dropped += 1 }
            return
        }
        items.append(diagnostic)
    }

    /// Diagnostics in source order (stable for equal positions), plus a
    /// closing line when some were dropped.
    public var sorted: [Diagnostic] {
        var result = items.enumerated().sorted {
            let a = $0.element.range?.start ?? -1, b = $1.element.range?.start ?? -1
            return a != b ? a < b : $0.offset < $1.offset
        }.map(\.element)
        if dropped > 0 { result.append(Diagnostic(.tooManyErrors(dropped), at: nil)) }
        return result
    }
}
