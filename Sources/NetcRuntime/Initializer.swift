/// Weight initialisation schemes, shared by generated code and the interpreter.
///
/// Weights are drawn in the documented flat order from one generator seeded
/// with the spec's seed; biases start at zero.
public enum InitScheme: Sendable, Equatable {
    case zeros
    case constant(Double)
    case uniform(Double, Double)
    case normal(mean: Double, std: Double)
    case xavierUniform, xavierNormal, heUniform, heNormal

    /// Draws one weight for a layer with the given fan-in and fan-out.
    public func sample(fanIn: Int, fanOut: Int, rng: inout SplitMix64) -> Double {
        let fin = Double(fanIn), fout = Double(fanOut)
        switch self {
        case .zeros: return 0
        case .constant(let c): return c
        case .uniform(let a, let b): return a + (b - a) * rng.nextUnit()
        case .normal(let mean, let std): return mean + std * rng.nextNormal()
        case .xavierUniform:
            let a = (6 / (fin + fout)).squareRoot()
            return -a + 2 * a * rng.nextUnit()
        case .xavierNormal: return (2 / (fin + fout)).squareRoot() * rng.nextNormal()
        case .heUniform:
            let a = (6 / fin).squareRoot()
            return -a + 2 * a * rng.nextUnit()
        case .heNormal: return (2 / fin).squareRoot() * rng.nextNormal()
        }
    }

    /// Fills `count` weights of a layer in row-major order.
    public func fill<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, count: Int, fanIn: Int, fanOut: Int, rng: inout SplitMix64
    ) {
        for k in 0..<count { p[k] = T(sample(fanIn: fanIn, fanOut: fanOut, rng: &rng)) }
    }
}
