/// Splits a spec into tokens. Never fails: bad bytes become diagnostics and are skipped.
struct Lexer {
    let file: SourceFile
    var diagnostics: DiagnosticBag

    init(file: SourceFile, diagnostics: DiagnosticBag) {
        self.file = file
        self.diagnostics = diagnostics
    }

    mutating func tokenize() -> [Token] {
        let b = file.bytes
        var tokens: [Token] = []
        // A UTF-8 byte-order mark (editors on Windows write one) is not part of the spec.
        var i = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var startsLine = true
        var badRun = false  // report a run of bad bytes once
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\n") { startsLine = true; badRun = false; i += 1; continue }
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { badRun = false; i += 1; continue }
            if c == UInt8(ascii: "#") || (c == UInt8(ascii: "/") && i + 1 < b.count && b[i + 1] == UInt8(ascii: "/")) {
                while i < b.count && b[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            }
            let start = i
            var kind: TokenKind?
            if isIdentifierStart(c) || startsNonASCIIName(at: i) {
                // Non-ASCII bytes inside a name (`café`) stay in the token, so
                // the name is reported once and nothing cascades from it.
                while i < b.count && (isIdentifierPart(b[i]) || b[i] >= 0x80) { i += 1 }
                kind = .identifier
                let name = b[start..<i]
                if name.contains(where: { $0 >= 0x80 }) {
                    diagnostics.emit(.nonASCIIName(String(decoding: name, as: UTF8.self)), at: SourceRange(start, i))
                } else if i - start > Limits.identifierLength {
                    diagnostics.emit(.identifierTooLong, at: SourceRange(start, i))
                }
            } else if isDigit(c) || (c == UInt8(ascii: ".") && i + 1 < b.count && isDigit(b[i + 1])) {
                i = scanNumber(from: i)
                kind = .number
            } else {
                i += 1
                switch c {
                case UInt8(ascii: "{"): kind = .leftBrace
                case UInt8(ascii: "}"): kind = .rightBrace
                case UInt8(ascii: "("): kind = .leftParen
                case UInt8(ascii: ")"): kind = .rightParen
                case UInt8(ascii: "["): kind = .leftBracket
                case UInt8(ascii: "]"): kind = .rightBracket
                case UInt8(ascii: ":"): kind = .colon
                case UInt8(ascii: ","): kind = .comma
                case UInt8(ascii: ";"): kind = .semicolon
                case UInt8(ascii: "-"): kind = .minus
                default:
                    i = skipInvalid(from: start)
                    if !badRun { reportInvalid(SourceRange(start, i)) }
                    badRun = true
                    continue
                }
            }
            badRun = false
            let text = String(decoding: b[start..<i], as: UTF8.self)
            tokens.append(Token(kind: kind!, text: text, range: SourceRange(start, i), startsLine: startsLine))
            startsLine = false
        }
        tokens.append(Token(kind: .endOfFile, text: "end of file", range: SourceRange(b.count, b.count), startsLine: true))
        return tokens
    }

    /// Digits, an optional fraction and an optional exponent; the value is parsed later.
    func scanNumber(from start: Int) -> Int {
        let b = file.bytes
        var i = start
        while i < b.count && (isDigit(b[i]) || b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: "_")) { i += 1 }
        if i < b.count && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < b.count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
        }
        // Trailing letters or digits belong to the (malformed) number, e.g. `16x`.
        while i < b.count && isIdentifierPart(b[i]) { i += 1 }
        return i
    }

    /// One invalid character: a whole UTF-8 sequence if it is valid, else one byte.
    func skipInvalid(from i: Int) -> Int {
        let b = file.bytes
        let c = b[i]
        let length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
        guard length > 1, i + length <= b.count, b[(i + 1)..<(i + length)].allSatisfy({ $0 & 0xC0 == 0x80 }) else {
            return i + 1
        }
        return i + length
    }

    mutating func reportInvalid(_ range: SourceRange) {
        let slice = file.bytes[range.start..<range.end]
        if slice.count > 1, let s = String(validating: slice, as: UTF8.self), let ch = s.first {
            diagnostics.emit(.invalidCharacter(ch), at: range)
        } else {
            diagnostics.emit(.invalidByte(slice.first!), at: range)
        }
    }

    /// A letter outside ASCII (`é`, `Ü`, `λ`) begins a name that will be rejected.
    func startsNonASCIIName(at i: Int) -> Bool {
        let b = file.bytes
        guard b[i] >= 0xC0 else { return false }
        let end = skipInvalid(from: i)
        guard end > i + 1, let s = String(validating: b[i..<end], as: UTF8.self), let ch = s.first else { return false }
        return ch.isLetter
    }

    func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    }
    func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) }
}
