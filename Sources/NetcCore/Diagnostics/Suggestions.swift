/// "Did you mean" support: the closest candidate by edit distance.
enum Suggestions {
    /// The candidate closest to `word`, if it is close enough to be a likely typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased().utf8)
        guard !w.isEmpty, w.count <= 64 else { return nil }
        var best: (String, Int)?
        for c in candidates.sorted() {
            let d = distance(w, Array(c.lowercased().utf8))
            if d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        guard let (name, d) = best else { return nil }
        return d <= max(1, min(w.count, name.count) / 3) ? name : nil
    }

    /// Damerau–Levenshtein distance (optimal string alignment).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = min(cur[j], prev2[j - 2] + 1)
                }
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }

    /// "'a' or 'b'", "one of 'a', 'b', 'c'" (sorted, so messages do not depend on hashing).
    static func list(_ candidates: [String]) -> String {
        let quoted = Set(candidates).sorted().map { "'\($0)'" }
        switch quoted.count {
        case 1: return quoted[0]
        case 2: return "\(quoted[0]) or \(quoted[1])"
        default: return "one of " + quoted.joined(separator: ", ")
        }
    }

    /// "; did you mean 'x'?" or "".
    static func hint(_ word: String, _ candidates: [String]) -> String {
        closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}
