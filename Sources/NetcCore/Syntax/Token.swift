/// The kinds of token in a `.net` file.
public enum TokenKind: Sendable, Equatable {
    case identifier, number
    case leftBrace, rightBrace, leftParen, rightParen, leftBracket, rightBracket
    case colon, comma, semicolon, minus
    case endOfFile
}

/// One token with its source range and whether a line break precedes it
/// (statements end at line breaks).
public struct Token: Sendable, Equatable {
    public var kind: TokenKind
    public var text: String
    public var range: SourceRange
    public var startsLine: Bool
}
