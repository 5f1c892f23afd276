/// SplitMix64: a small, fast, well-distributed 64-bit generator.
///
/// Initialisation and dropout masks use it in both generated code and the
/// reference interpreter, so both see the same stream for the same seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// `items` in a random order: Fisher–Yates from the last position down,
    /// swapping position i with j = next() mod (i + 1) — simple enough to
    /// reproduce in any language (Benchmarks/peers/digits.py does).
    public mutating func shuffle<T>(_ items: [T]) -> [T] {
        var order = items
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(next() % UInt64(i + 1))) }
        return order
    }

    /// A standard normal sample (Box–Muller, one sample per two uniforms).
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextUnit()  // (0, 1]
        let u2 = nextUnit()
        return (-2 * Math.log(u1)).squareRoot() * Math.cos(2 * Double.pi * u2)
    }
}
