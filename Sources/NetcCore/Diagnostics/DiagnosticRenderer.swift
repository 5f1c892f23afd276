/// Renders diagnostics as `path:line:col: severity: message`, then the source
/// line and a caret line under the range, the way clang and swiftc do.
public struct DiagnosticRenderer: Sendable {
    public let file: SourceFile

    public init(file: SourceFile) { self.file = file }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    public func render(_ d: Diagnostic) -> String {
        var out = entry(d.severity, d.message, d.range)
        for note in d.notes { out += entry(.note, note.message, note.range) }
        return out
    }

    func entry(_ severity: Severity, _ message: String, _ range: SourceRange?) -> String {
        guard let range else { return "\(file.path): \(severity.rawValue): \(message)\n" }
        let loc = file.location(of: range.start)
        var out = "\(file.path):\(loc.line):\(loc.column): \(severity.rawValue): \(message)\n"
        let line = file.lineBytes(loc.line)
        out += String(decoding: line.map { $0 == 0 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }, as: UTF8.self) + "\n"
        // Align the caret by characters: a UTF-8 continuation byte adds no column.
        var caret = ""
        let lineStart = line.startIndex
        for i in lineStart..<min(range.start, line.endIndex) where file.bytes[i] & 0xC0 != 0x80 {
            caret += file.bytes[i] == UInt8(ascii: "\t") ? "\t" : " "
        }
        caret += "^"
        let end = min(range.end, line.endIndex)
        if end > range.start + 1 {
            let tail = file.bytes[(range.start + 1)..<end].filter { $0 & 0xC0 != 0x80 }.count
            caret += String(repeating: "~", count: tail)
        }
        return out + caret + "\n"
    }
}
