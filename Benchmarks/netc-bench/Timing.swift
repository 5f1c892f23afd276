#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in seconds.
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Seconds per call of `body`: the best of several rounds, each long enough
/// (≈ `budget`/rounds) to swamp timer overhead.
func measure(budget: Double = 0.3, rounds: Int = 5, _ body: () -> Void) -> Double {
    body()  // warm up
    var iterations = 1
    while true {
        let start = now()
        for _ in 0..<iterations { body() }
        let elapsed = now() - start
        if elapsed > budget / Double(rounds) || iterations > 1 << 26 { break }
        iterations *= 2
    }
    var best = Double.infinity
    for _ in 0..<rounds {
        let start = now()
        for _ in 0..<iterations { body() }
        best = min(best, (now() - start) / Double(iterations))
    }
    return best
}

/// "1.23 µs" style.
func formatTime(_ seconds: Double) -> String {
    if seconds < 1e-6 { return fixed(seconds * 1e9, 1) + " ns" }
    if seconds < 1e-3 { return fixed(seconds * 1e6, 2) + " µs" }
    return fixed(seconds * 1e3, 2) + " ms"
}

func fixed(_ v: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (v * scale).rounded() / scale
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    }
    return s
}

/// The smallest of `values` (NaN if none): the time noise did not add to.
func minimum(_ values: [Double]) -> Double { values.min() ?? .nan }

/// The middle of `values` (the upper one of an even count; NaN if none).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}

/// A new buffer of `count` copies of `value`; the caller deallocates it.
func filledBuffer(_ count: Int, _ value: Float) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
    p.initialize(repeating: value, count: count)
    return p
}

func padded(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}
