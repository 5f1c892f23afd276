/// A tiny indenting writer for generated Swift: lines and nested blocks.
public struct SwiftWriter {
    public internal(set) var text = ""
    var level = 0

    public init() {}

    /// One line at the current indentation (an empty string writes a blank line).
    public mutating func line(_ s: String) {
        text += s.isEmpty ? "\n" : String(repeating: "    ", count: level) + s + "\n"
    }

    /// `header {`, the body one level deeper, then `closing`. A header that
    /// already opens a closure (ends in `in`) gets no extra brace.
    public mutating func block(_ header: String, closing: String = "}", _ body: (inout SwiftWriter) -> Void) {
        line(header.hasSuffix(" in") ? header : header + " {")
        level += 1
        body(&self)
        level -= 1
        line(closing)
    }

    /// A `///` doc comment, one line per element.
    public mutating func doc(_ lines: String...) {
        for l in lines { line(l.isEmpty ? "///" : "/// " + l) }
    }
}
