import NetcCore
import NetcRuntime

/// Hostile variants of a spec: byte-level damage, token-level edits, and
/// pathological shapes (huge numbers, deep nesting, long lines and names,
/// NUL bytes, invalid UTF-8).
public struct Mutator {
    var random: SplitMix64

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func int(_ upper: Int) -> Int { upper <= 0 ? 0 : Int(random.next() % UInt64(upper)) }

    /// The kinds of mutation, for reports.
    public static let kinds = [
        "random bytes", "truncate", "flip bytes", "insert special bytes", "delete token", "duplicate token",
        "swap tokens", "replace number", "replace name", "deep nesting", "long line", "long identifier",
        "duplicate line", "delete line", "splice", "stack mutations",
    ]

    /// Applies mutation `kind` (an index into `kinds`) to `bytes`; `other` feeds splices.
    public mutating func mutate(_ bytes: [UInt8], kind: Int, other: [UInt8]) -> [UInt8] {
        var b = bytes
        switch kind {
        case 0:
            return (0..<int(400)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 1:
            return Array(b.prefix(int(b.count + 1)))
        case 2:
            for _ in 0...int(8) where !b.isEmpty { b[int(b.count)] = UInt8(truncatingIfNeeded: random.next()) }
        case 3:
            let specials: [[UInt8]] = [[0], [0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98, 0x80],
                                       Array("é".utf8), [0x0D], [0x09], Array("{".utf8), Array("}".utf8), Array("(".utf8),
                                       Array(")".utf8), Array(",".utf8), Array(":".utf8), Array(";".utf8), Array("-".utf8), Array("[".utf8), Array("]".utf8),
                                       Array("\n".utf8), Array("#".utf8), Array("//".utf8), Array("network".utf8)]
            for _ in 0...int(4) { b.insert(contentsOf: specials[int(specials.count)], at: int(b.count + 1)) }
        case 4, 5, 6, 7, 8:
            var tokens = Mutator.tokens(b)
            guard !tokens.isEmpty else { return b }
            let i = int(tokens.count)
            switch kind {
            case 4: tokens.remove(at: i)
            case 5: tokens.insert(tokens[i], at: int(tokens.count + 1))
            case 6: tokens.swapAt(i, int(tokens.count))
            case 7:
                let numbers = ["0", "-1", "1e308", "1e999", "-1e999", "99999999999999999999999", "4294967297", "65537",
                               "0.0000001", "1.5", "1_000", "1__0", "1e", "1.2.3", "0x10", "nan", "inf", "-0", "00", "2147483648"]
                let targets = tokens.indices.filter { tokens[$0].first.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false }
                tokens[targets.isEmpty ? i : targets[int(targets.count)]] = Array(numbers[int(numbers.count)].utf8)
            default:
                let names = ["network", "x", "out", "class", "self", "Type", "parameters", "predict", "m", "Scalar", "_", "__",
                             "a1", "true", "false", "mean", "sum", "batch", "seed", "double", "float", "Iris", "iris", "1x28x28",
                             "3x0x2", "2x2x2x2x2"] + Keyword.all + Activations.names + Losses.names
                tokens[i] = Array(names[int(names.count)].utf8)
            }
            return Array(tokens.map { $0 + [UInt8(ascii: " ")] }.joined())
        case 9:
            let depth = 1 + int(400)
            // Calls in calls, or lists in lists.
            let (left, right): (UInt8, UInt8) = int(2) == 0 ? (UInt8(ascii: "("), UInt8(ascii: ")")) : (UInt8(ascii: "["), UInt8(ascii: "]"))
            let open = Array(repeating: left, count: depth), close = Array(repeating: right, count: int(depth + 1))
            b.insert(contentsOf: Array("relu".utf8) + open + Array("x".utf8) + close, at: int(b.count + 1))
        case 10:
            b.insert(contentsOf: Array(repeating: UInt8(ascii: "a") &+ UInt8(int(3)), count: 1 + int(100_000)), at: int(b.count + 1))
        case 11:
            let name = Array(repeating: UInt8(ascii: "n"), count: 100 + int(400))
            var tokens = Mutator.tokens(b)
            if !tokens.isEmpty { tokens[int(tokens.count)] = name }
            return Array(tokens.map { $0 + [UInt8(ascii: " ")] }.joined())
        case 12, 13:
            var lines = b.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            guard !lines.isEmpty else { return b }
            let i = int(lines.count)
            if kind == 12 { lines.insert(lines[i], at: int(lines.count + 1)) } else { lines.remove(at: i) }
            return Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        case 14:
            let cut = int(b.count + 1)
            return Array(b.prefix(cut)) + Array(other.suffix(int(other.count + 1)))
        default:
            for _ in 0...int(3) { b = mutate(b, kind: int(Mutator.kinds.count - 1), other: other) }
        }
        return b
    }

    /// Whitespace-separated pieces, with punctuation split off: a cheap
    /// tokenisation that does not trust the lexer under test.
    static func tokens(_ b: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var word: [UInt8] = []
        for c in b {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") {
                if !word.isEmpty { out.append(word); word = [] }
            } else if "{}():,;\n".utf8.contains(c) {
                if !word.isEmpty { out.append(word); word = [] }
                out.append([c])
            } else {
                word.append(c)
            }
        }
        if !word.isEmpty { out.append(word) }
        return out
    }
}
