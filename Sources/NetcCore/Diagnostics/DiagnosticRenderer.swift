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

    /// Source lines longer than this are shown as a window around the range.
    static let maxShownBytes = 160
    /// Longer messages (quoting a huge name, say) are shortened in the middle.
    static let maxMessageCharacters = 300

    func entry(_ severity: Severity, _ message: String, _ range: SourceRange?) -> String {
        let message = message.count <= Self.maxMessageCharacters ? message
            : String(message.prefix(Self.maxMessageCharacters - 60)) + "…" + String(message.suffix(59))
        guard let range else { return "\(file.path): \(severity.rawValue): \(message)\n" }
        let loc = file.location(of: range.start)
        var out = "\(file.path):\(loc.line):\(loc.column): \(severity.rawValue): \(message)\n"
        let line = file.lineBytes(loc.line)
        // The shown part of the line: all of it, or a window starting a little before the range.
        var shownStart = line.startIndex, shownEnd = line.endIndex
        if line.count > Self.maxShownBytes {
            shownStart = max(line.startIndex, min(range.start, line.endIndex) - Self.maxShownBytes / 4)
            while shownStart > line.startIndex && file.bytes[shownStart] & 0xC0 == 0x80 { shownStart -= 1 }
            shownEnd = min(line.endIndex, shownStart + Self.maxShownBytes)
            while shownEnd < line.endIndex && file.bytes[shownEnd] & 0xC0 == 0x80 { shownEnd += 1 }
        }
        let lead = shownStart > line.startIndex ? "…" : "", trail = shownEnd < line.endIndex ? "…" : ""
        let shown = file.bytes[shownStart..<shownEnd].map { $0 == 0 || $0 == 0x7F ? UInt8(ascii: "?") : $0 }
        out += lead + String(decoding: shown, as: UTF8.self) + trail + "\n"
        // Align the caret by characters: a UTF-8 continuation byte adds no column.
        var caret = lead.isEmpty ? "" : " "
        for i in shownStart..<min(range.start, shownEnd) where file.bytes[i] & 0xC0 != 0x80 {
            caret += file.bytes[i] == UInt8(ascii: "\t") ? "\t" : " "
        }
        caret += "^"
        let end = min(range.end, shownEnd)
        if end > range.start + 1 {
            let tail = file.bytes[(range.start + 1)..<end].filter { $0 & 0xC0 != 0x80 }.count
            caret += String(repeating: "~", count: tail)
        }
        return out + caret + "\n"
    }
}
