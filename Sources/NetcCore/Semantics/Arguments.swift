/// A checked argument value.
public enum Value: Sendable, Equatable {
    case number(Double)
    case shape(Shape)
    case bool(Bool)
    case word(String)
    case expression(Expression)
    case numbers([Double])

    var number: Double { if case .number(let v) = self { return v }; return .nan }
    var integer: Int { Int(number) }
    var bool: Bool { if case .bool(let v) = self { return v }; return false }
    var word: String { if case .word(let v) = self { return v }; return "" }
    var expression: Expression? { if case .expression(let e) = self { return e }; return nil }
    var shape: Shape? { if case .shape(let s) = self { return s }; return nil }
    var numbers: [Double]? { if case .numbers(let v) = self { return v }; return nil }
}

/// One accepted argument: its name, what it takes, and its default (none: required, unless optional).
public struct ParameterSpec: Sendable {
    public enum Kind: Sendable {
        case number(ClosedRange<Double>)
        case integer(ClosedRange<Int>)
        /// A size (`784`) or a shape (`1x28x28`): each dimension in the range, at most `maxRank` of them.
        case shape(ClosedRange<Int>, maxRank: Int)
        case bool
        case word([String])
        /// `[1, 2.5]`: one or more numbers, each in the range.
        case numbers(ClosedRange<Double>)
        /// `2` or `[1, 2.5]`: as `numbers`, and a lone number stands for a list of one.
        case numberOrNumbers(ClosedRange<Double>)
        case expression
    }
    public let name: String
    public let kind: Kind
    public let defaultValue: Value?
    /// Whether it may be left out with no value at all (PyTorch's `None`):
    /// then the values read have no entry for it.
    public let isOptional: Bool

    init(_ name: String, _ kind: Kind, default defaultValue: Value? = nil) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        isOptional = false
    }

    init(_ name: String, _ kind: Kind, optional: Bool) {
        self.name = name
        self.kind = kind
        defaultValue = nil
        isOptional = optional
    }
}

/// Matches positional and labelled arguments against parameter specs,
/// reporting every mismatch; the one mechanism behind all argument lists.
struct ArgumentReader {
    /// Returns the values by name (defaults filled in), or nil after reporting errors.
    /// `elsewhere` gives a note for names that belong to another argument
    /// list (the optimizer's values written after it in `train`, say).
    static func read(_ arguments: [Argument], _ specs: [ParameterSpec], what: String, at range: SourceRange,
                     elsewhere: [String: String] = [:], diagnostics: inout DiagnosticBag) -> [String: Value]? {
        let (values, ok) = readAll(arguments, specs, what: what, at: range, elsewhere: elsewhere, diagnostics: &diagnostics)
        return ok ? values : nil
    }

    /// Like `read`, but returns the values that did check even when others did not,
    /// so nested arguments can still be checked.
    static func readAll(_ arguments: [Argument], _ specs: [ParameterSpec], what: String, at range: SourceRange,
                        elsewhere: [String: String] = [:],
                        diagnostics: inout DiagnosticBag) -> (values: [String: Value], ok: Bool) {
        var values: [String: Value] = [:]
        var given: [String: SourceRange] = [:]
        var ok = true
        var position = 0
        let positional = arguments.filter { $0.label == nil }.count
        for argument in arguments {
            let spec: ParameterSpec
            if let label = argument.label {
                guard let s = specs.first(where: { $0.name == label.name }) else {
                    let note = elsewhere[label.name].map { [Diagnostic.Note(message: $0, range: nil)] } ?? []
                    diagnostics.emit(.unknownArgument(label.name, what, specs.map(\.name)), at: label.range, notes: note)
                    ok = false
                    continue
                }
                spec = s
            } else {
                guard position < specs.count else {
                    diagnostics.emit(.argumentCountMismatch(what, specs.count, positional), at: argument.range)
                    ok = false
                    break
                }
                spec = specs[position]
                position += 1
            }
            if let first = given[spec.name] {
                diagnostics.emit(.duplicateArgument(spec.name), at: argument.range,
                                 notes: [.init(message: Message.noteFirstDefined, range: first)])
                ok = false
                continue
            }
            given[spec.name] = argument.range
            if let v = convert(argument.value, spec, what: what, diagnostics: &diagnostics) {
                values[spec.name] = v
            } else {
                ok = false
            }
        }
        for spec in specs where values[spec.name] == nil && given[spec.name] == nil {
            if let d = spec.defaultValue {
                values[spec.name] = d
            } else if !spec.isOptional {
                diagnostics.emit(.missingArgument(spec.name, what), at: range)
                ok = false
            }
        }
        return (values, ok)
    }

    static func convert(_ e: Expression, _ spec: ParameterSpec, what: String,
                        diagnostics: inout DiagnosticBag) -> Value? {
        let name = "'\(spec.name)' of \(what)"
        switch (spec.kind, e) {
        case (.expression, _):
            return .expression(e)
        case (.number(let r), .number(let v, _, let range)):
            guard !v.isNaN else { return nil }  // already reported as malformed
            guard r.contains(v) else {
                diagnostics.emit(.outOfRange(name, describe(r)), at: range)
                return nil
            }
            return .number(v)
        case (.integer(let r), .number(let v, let isInteger, let range)):
            guard !v.isNaN else { return nil }
            guard isInteger else {
                diagnostics.emit(.wrongType(name, "a whole number"), at: range)
                return nil
            }
            guard v >= Double(r.lowerBound), v <= Double(r.upperBound) else {
                diagnostics.emit(.outOfRange(name, "between \(r.lowerBound) and \(r.upperBound)"), at: range)
                return nil
            }
            return .number(v)
        case (.shape(let r, _), .number(let v, let isInteger, let range)):
            guard !v.isNaN else { return nil }
            guard isInteger else {
                diagnostics.emit(.wrongType(name, "a whole number"), at: range)
                return nil
            }
            guard v >= Double(r.lowerBound), v <= Double(r.upperBound) else {
                diagnostics.emit(.outOfRange(name, "between \(r.lowerBound) and \(r.upperBound)"), at: range)
                return nil
            }
            return .shape(.vector(Int(v)))
        case (.shape(let r, let maxRank), .shape(let dimensions, let range)):
            guard dimensions.count <= maxRank else {
                diagnostics.emit(.shapeRank(dimensions.count, maxRank), at: range)
                return nil
            }
            guard dimensions.allSatisfy(r.contains) else {
                diagnostics.emit(.outOfRange("every dimension of \(what)", "between \(r.lowerBound) and \(r.upperBound)"), at: range)
                return nil
            }
            return .shape(Shape(dimensions))
        case (.numberOrNumbers(let r), .number):
            return convert(e, ParameterSpec(spec.name, .number(r)), what: what, diagnostics: &diagnostics).map { .numbers([$0.number]) }
        case (.numbers(let r), .list(let items, let range)), (.numberOrNumbers(let r), .list(let items, let range)):
            guard !items.isEmpty else {
                diagnostics.emit(.wrongType(name, "one or more numbers"), at: range)
                return nil
            }
            // Every item is checked, so that each mistake is reported.
            let values = items.map { convert($0, ParameterSpec(spec.name, .number(r)), what: what, diagnostics: &diagnostics)?.number }
            return values.contains(nil) ? nil : .numbers(values.map { $0! })
        case (.bool, .word(let id)) where id.name == "true" || id.name == "false":
            return .bool(id.name == "true")
        case (.word(let choices), .word(let id)):
            guard choices.contains(id.name) else {
                diagnostics.emit(.unknown(spec.name, id.name, choices), at: id.range)
                return nil
            }
            return .word(id.name)
        case (.number, _), (.integer, _):
            diagnostics.emit(.wrongType(name, "a number"), at: e.range)
        case (.shape, _):
            diagnostics.emit(.wrongType(name, "a size such as 784 or a shape such as 1x28x28"), at: e.range)
        case (.bool, _):
            diagnostics.emit(.wrongType(name, "'true' or 'false'"), at: e.range)
        case (.word(let choices), _):
            diagnostics.emit(.wrongType(name, "one of " + choices.map { "'\($0)'" }.joined(separator: ", ")), at: e.range)
        case (.numbers, _):
            diagnostics.emit(.wrongType(name, "a list of numbers such as [1, 2.5]"), at: e.range)
        case (.numberOrNumbers, _):
            diagnostics.emit(.wrongType(name, "a number or a list of numbers such as [1, 2.5]"), at: e.range)
        }
        return nil
    }

    /// The whole range, both ends: "between 1e-12 and 1e6".
    static func describe(_ r: ClosedRange<Double>) -> String {
        if r.upperBound == 0.999999 { return "at least \(format(r.lowerBound)) and less than 1" }
        return "between \(format(r.lowerBound)) and \(format(r.upperBound))"
    }

    /// 0.5, 3, 1e6, 1e-12: powers of ten from 10⁴ up and 10⁻⁴ down as exponents.
    static func format(_ v: Double) -> String {
        for e in -30...30 where abs(e) >= 4 && v == Double("1e\(e)")! { return "1e\(e)" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    /// Resolves `name` or `name(arguments)` against a catalogue of callables.
    static func resolveCall(_ e: Expression, kind: String, catalogue: [(name: String, parameters: [ParameterSpec])],
                            elsewhere: [String: String] = [:],
                            diagnostics: inout DiagnosticBag) -> (name: String, values: [String: Value])? {
        let id: Identifier, arguments: [Argument]
        switch e {
        case .word(let w): (id, arguments) = (w, [])
        case .call(let w, let a, _): (id, arguments) = (w, a)
        case .number(let v, _, let range):
            if !v.isNaN { diagnostics.emit(.wrongType("a number", "the name of \(article(kind)) \(kind)"), at: range) }
            return nil
        case .shape(_, let range):
            diagnostics.emit(.wrongType("a shape", "the name of \(article(kind)) \(kind)"), at: range)
            return nil
        case .list(_, let range):
            diagnostics.emit(.wrongType("a list", "the name of \(article(kind)) \(kind)"), at: range)
            return nil
        }
        guard let entry = catalogue.first(where: { $0.name == id.name }) else {
            diagnostics.emit(.unknown(kind, id.name, catalogue.map(\.name)), at: id.range)
            return nil
        }
        guard let values = read(arguments, entry.parameters, what: "'\(id.name)'", at: e.range, elsewhere: elsewhere,
                                diagnostics: &diagnostics)
        else { return nil }
        return (id.name, values)
    }

    static func article(_ word: String) -> String { "aeiou".contains(word.first ?? "x") ? "an" : "a" }
}
