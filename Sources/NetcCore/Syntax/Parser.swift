/// A recursive-descent parser for the grammar in docs/Language.md.
///
/// It never gives up: after an error it skips to the start of the next line
/// (or the closing brace) and carries on, so one run reports every error.
public struct Parser {
    var tokens: [Token]
    var index = 0
    var diagnostics: DiagnosticBag
    var depth = 0

    /// Parses a whole file; the diagnostics include the lexer's.
    public static func parse(_ file: SourceFile) -> (SpecFile, DiagnosticBag) {
        var bag = DiagnosticBag()
        guard file.bytes.count <= Limits.fileBytes else {
            bag.emit(.fileTooLarge(Limits.fileBytes), at: nil)
            return (SpecFile(source: file, networks: []), bag)
        }
        var lexer = Lexer(file: file, diagnostics: bag)
        let tokens = lexer.tokenize()
        var parser = Parser(tokens: tokens, diagnostics: lexer.diagnostics)
        let networks = parser.parseFile()
        return (SpecFile(source: file, networks: networks), notASpec(file, tokens, parser.diagnostics) ?? parser.diagnostics)
    }

    /// A file that is not a spec at all (a README, a Swift file) would bury
    /// the one useful message under hundreds: when three or more lines
    /// before the first `network` have errors, that message replaces them all.
    static func notASpec(_ file: SourceFile, _ tokens: [Token], _ bag: DiagnosticBag) -> DiagnosticBag? {
        let firstNetwork = tokens.first { $0.kind == .identifier && $0.text == "network" && $0.startsLine }?.range.start ?? Int.max
        let early = bag.items.filter { $0.severity == .error && ($0.range?.start ?? Int.max) < firstNetwork }
        guard Set(early.map { file.location(of: $0.range!.start).line }).count >= 3 else { return nil }
        var replaced = DiagnosticBag()
        replaced.emit(.notASpec, at: tokens.first?.range)
        return replaced
    }

    var current: Token { tokens[index] }
    var previous: Token { tokens[max(0, index - 1)] }

    mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    mutating func consume(_ kind: TokenKind) -> Token? {
        guard current.kind == kind else { return nil }
        defer { advance() }
        return current
    }

    /// Where a missing token is reported: at the current token, or just
    /// after the previous one when the current one starts another line
    /// (`(y` at the end of a line is missing its `)` there, not on the next line).
    var missingTokenRange: SourceRange {
        current.startsLine || current.kind == .endOfFile ? SourceRange(previous.range.end, previous.range.end) : current.range
    }

    func describe(_ t: Token) -> String {
        t.kind == .endOfFile ? "end of file" : "'\(t.text)'"
    }

    // file = { network }
    mutating func parseFile() -> [NetworkDecl] {
        var networks: [NetworkDecl] = []
        while current.kind != .endOfFile {
            if current.kind == .identifier && current.text == "network" {
                if let n = parseNetwork() { networks.append(n) }
            } else {
                diagnostics.emit(.expectedNetwork, at: current.range)
                skipToNextNetwork(atLineStart: false)
            }
        }
        if networks.isEmpty && !diagnostics.hasErrors {
            diagnostics.emit(.expectedNetwork, at: current.range)
        }
        return networks
    }

    /// Skips to the next `network` keyword (or the end). After a malformed
    /// header the body cannot be read as a network, so only a `network` that
    /// starts a line ends the skip; at the top level any `network` does.
    mutating func skipToNextNetwork(atLineStart: Bool = true) {
        repeat { advance() } while current.kind != .endOfFile
            && !(current.kind == .identifier && current.text == "network" && (current.startsLine || !atLineStart))
    }

    // network = "network" IDENT "{" { statement } "}"
    mutating func parseNetwork() -> NetworkDecl? {
        let start = current.range
        advance()
        var name: Identifier
        var isValid = true
        if let nameToken = consume(.identifier) {
            name = Identifier(name: nameToken.text, range: nameToken.range)
        } else {
            let bad = current
            if bad.kind == .number && bad.text.contains(where: \.isLetter) {
                diagnostics.emit(.invalidNetworkName(bad.text), at: bad.range)
            } else {
                diagnostics.emit(.expected("a network name", after: "'network'"), at: bad.range)
            }
            // Read the body anyway when the line opens one, so its errors are reported too;
            // the network itself gets no graph.
            name = Identifier(name: bad.kind == .endOfFile ? "" : bad.text, range: bad.range)
            isValid = false
            while !current.startsLine || current.range == bad.range {
                if current.kind == .leftBrace || current.kind == .endOfFile { break }
                advance()
            }
        }
        guard let open = consume(.leftBrace) else {
            if isValid { diagnostics.emit(.expected("'{'", after: "the network name"), at: current.range) }
            skipToNextNetwork()
            return nil
        }
        var network = parseBody(name: name, open: open, start: start)
        network.isValid = isValid
        return network
    }

    /// The statements up to the network's closing brace.
    mutating func parseBody(name: Identifier, open: Token, start: SourceRange) -> NetworkDecl {
        var statements: [Statement] = []
        while true {
            switch current.kind {
            case .rightBrace:
                let end = current.range
                advance()
                return NetworkDecl(name: name, statements: statements, range: start.union(end))
            case .endOfFile:
                diagnostics.emit(.unterminatedNetwork, at: current.range,
                                 notes: [.init(message: Message.noteOpenedHere, range: open.range)])
                return NetworkDecl(name: name, statements: statements, range: start.union(previous.range))
            case .semicolon:
                advance()
            case .identifier where current.text == "network" && current.startsLine:
                diagnostics.emit(.expectedCloseBrace, at: current.range,
                                 notes: [.init(message: Message.noteOpenedHere, range: open.range)])
                return NetworkDecl(name: name, statements: statements, range: start.union(previous.range))
            default:
                if let s = parseStatement() { statements.append(s) }
            }
        }
    }

    // statement = NODE IDENT [ "(" names ")" ] [ ":" expr ] { "," argument }
    //           | SETTING argument { "," argument }
    mutating func parseStatement() -> Statement? {
        guard current.kind == .identifier else {
            diagnostics.emit(.unexpectedToken(current.text, "at the start of a statement"), at: current.range)
            skipLine()
            return nil
        }
        let keyword = Identifier(name: current.text, range: current.range)
        var isNode = Keyword.nodes.contains(keyword.name)
        var statement = Statement(keyword: keyword, name: nil, inputs: nil, value: nil, arguments: [], range: keyword.range)
        if !isNode && !Keyword.settings.contains(keyword.name) {
            diagnostics.emit(.unknown("statement", keyword.name, Keyword.all), at: keyword.range)
            statement.isValid = false
            // Keep the node's name if it looks like one, so uses of it do not cascade.
            let next = tokens[index + 1]
            guard next.kind == .identifier, !next.startsLine,
                  [.colon, .leftParen, .comma].contains(tokens[index + 2].kind) || tokens[index + 2].startsLine
            else { skipLine(); return nil }
            isNode = true
        }
        advance()
        /// Gives up on the rest of the line; keeps the statement, marked
        /// invalid, so its name is declared and its setting not reported missing.
        func failed(_ parser: inout Parser, _ s: Statement) -> Statement? {
            parser.skipLine()
            var invalid = s
            invalid.isValid = false
            return invalid
        }
        if isNode {
            guard let nameToken = consume(.identifier) else {
                diagnostics.emit(.expected("a node name", after: "'\(keyword.name)'"), at: current.range)
                skipLine()
                return nil
            }
            statement.name = Identifier(name: nameToken.text, range: nameToken.range)
            if let open = consume(.leftParen) {
                guard let inputs = parseNames(open: open) else { return failed(&self, statement) }
                statement.inputs = inputs
            }
            if consume(.colon) != nil {
                guard let value = parseExpression() else { return failed(&self, statement) }
                statement.value = value
            }
            if current.kind == .comma && !current.startsLine {
                if endsStatementAtComma() { return finish(statement) }
            } else {
                return finish(statement)
            }
        }
        while true {
            guard let argument = parseArgument() else { return failed(&self, statement) }
            statement.arguments.append(argument)
            if current.kind == .comma && !current.startsLine {
                if endsStatementAtComma() { return finish(statement) }
            } else {
                break
            }
        }
        return finish(statement)
    }

    /// At a `,` between arguments: consumes it and says whether the
    /// statement ends here anyway. A `,` at the end of a line continues the
    /// statement onto the next; when that line plainly starts a statement of
    /// its own (a keyword, then no `:`), the comma is the mistake: it is
    /// reported there and the next line is read as the new statement.
    mutating func endsStatementAtComma() -> Bool {
        let comma = current
        advance()
        guard current.startsLine, current.kind == .identifier, Keyword.all.contains(current.text),
              tokens[index + 1].kind != .colon, !tokens[index + 1].startsLine || Keyword.settings.contains(current.text)
        else { return false }
        diagnostics.emit(.trailingComma(current.text), at: comma.range)
        return true
    }

    /// A statement ends at a line break, `;`, `}` or the end of the file.
    mutating func finish(_ statement: Statement) -> Statement? {
        var s = statement
        s.range = s.range.union(previous.range)
        if current.startsLine || current.kind == .semicolon || current.kind == .rightBrace { return s }
        diagnostics.emit(.expectedEndOfStatement, at: current.range)
        skipLine()
        s.isValid = false
        return s
    }

    // names = IDENT { "," IDENT } ")"
    mutating func parseNames(open: Token) -> [Identifier]? {
        var names: [Identifier] = []
        if consume(.rightParen) != nil { return names }
        while true {
            guard let t = consume(.identifier) else {
                diagnostics.emit(.expected("an input name", after: describe(previous)), at: missingTokenRange)
                return nil
            }
            names.append(Identifier(name: t.text, range: t.range))
            if consume(.comma) != nil { continue }
            if consume(.rightParen) != nil { return names }
            diagnostics.emit(.expectedCloseParen, at: missingTokenRange,
                             notes: [.init(message: Message.noteOpenedHere, range: open.range)])
            return nil
        }
    }

    // argument = [ IDENT ":" ] expr
    mutating func parseArgument() -> Argument? {
        var label: Identifier?
        if current.kind == .identifier && tokens[index + 1].kind == .colon {
            label = Identifier(name: current.text, range: current.range)
            advance(); advance()
        }
        guard let value = parseExpression() else { return nil }
        return Argument(label: label, value: value)
    }

    // expr = [ "-" ] NUMBER | IDENT [ "(" [ argument { "," argument } ] ")" ] | "[" [ expr { "," expr } ] "]"
    mutating func parseExpression() -> Expression? {
        switch current.kind {
        case .minus, .number:
            let start = current.range
            let negative = consume(.minus) != nil
            guard let t = consume(.number) else {
                diagnostics.emit(.expected("a number", after: "'-'"), at: current.range)
                return nil
            }
            let range = start.union(t.range)
            let text = t.text.replacing("_", with: "")
            if !negative, let dimensions = Parser.shape(text) { return .shape(dimensions, range: range) }
            guard let value = Double(text) else {
                diagnostics.emit(.malformedNumber(t.text), at: t.range)
                return .number(.nan, isInteger: false, range: range)
            }
            guard value.isFinite else {
                diagnostics.emit(.numberTooLarge(t.text), at: t.range)
                return .number(.nan, isInteger: false, range: range)
            }
            let isInteger = !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
            return .number(negative ? -value : value, isInteger: isInteger, range: range)
        case .identifier:
            let name = Identifier(name: current.text, range: current.range)
            advance()
            guard let open = consume(.leftParen) else { return .word(name) }
            guard let (arguments, close) = parseItems(after: open, until: .rightParen, missing: .expectedCloseParen, { $0.parseArgument() })
            else { return nil }
            return .call(name, arguments, range: name.range.union(close.range))
        case .leftBracket:
            let open = current
            advance()
            guard let (items, close) = parseItems(after: open, until: .rightBracket, missing: .expectedCloseBracket, { $0.parseExpression() })
            else { return nil }
            return .list(items, range: open.range.union(close.range))
        default:
            diagnostics.emit(.expected("a value", after: describe(previous)), at: missingTokenRange)
            return nil
        }
    }

    /// `item { "," item }` up to the token that closes `open` (none at all
    /// before it is fine), one level deeper; the items and the closing token.
    mutating func parseItems<T>(after open: Token, until closing: TokenKind, missing: Message,
                                _ item: (inout Parser) -> T?) -> ([T], Token)? {
        depth += 1
        defer { depth -= 1 }
        if depth > Limits.nestingDepth {
            diagnostics.emit(.nestingTooDeep(Limits.nestingDepth), at: open.range)
            return nil
        }
        var items: [T] = []
        if let close = consume(closing) { return (items, close) }
        while true {
            guard let next = item(&self) else { return nil }
            items.append(next)
            if consume(.comma) != nil { continue }
            if let close = consume(closing) { return (items, close) }
            diagnostics.emit(missing, at: missingTokenRange, notes: [.init(message: Message.noteOpenedHere, range: open.range)])
            return nil
        }
    }

    /// The dimensions of a shape literal (`1x28x28`: two or more whole
    /// numbers joined by `x`), or nil. A dimension too large for an Int is
    /// kept as Int.max for the checks to report.
    static func shape(_ text: String) -> [Int]? {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
        return parts.map { Int($0) ?? Int.max }
    }

    /// Error recovery: skip to the first token of the next line, or a `}` / end of file.
    mutating func skipLine() {
        while current.kind != .endOfFile && current.kind != .rightBrace {
            advance()
            if current.startsLine { return }
        }
    }
}
