#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementary functions for the scalar types generated code uses.
///
/// The standard library has no `exp` or `log`; these forward to the C library
/// and are `@inlinable` so they cost nothing across the module boundary.
public enum Math {
    @inlinable public static func exp(_ x: Float) -> Float { expf(x) }
    @inlinable public static func exp(_ x: Double) -> Double { Glibc_exp(x) }
    @inlinable public static func expm1(_ x: Float) -> Float { expm1f(x) }
    @inlinable public static func expm1(_ x: Double) -> Double { Glibc_expm1(x) }
    @inlinable public static func log(_ x: Float) -> Float { logf(x) }
    @inlinable public static func log(_ x: Double) -> Double { Glibc_log(x) }
    /// log(1 + x) for x ≥ −1, through `logf` with Goldberg's correction
    /// (log(u)·x/(u − 1), u = 1 + x; x itself when u rounds to 1): within
    /// 2 ulp where `log(1 + x)` alone loses the small part, and shorter in
    /// latency than glibc's `log1pf` (16 against 21 ns in a C loop, `-O2`).
    @inlinable public static func log1p(_ x: Float) -> Float {
        let u = 1 + x
        if u == 1 || u == .infinity { return u == 1 ? x : u }
        return logf(u) * (x / (u - 1))
    }
    @inlinable public static func log1p(_ x: Double) -> Double { Glibc_log1p(x) }
    @inlinable public static func erfc(_ x: Float) -> Float { erfcf(x) }
    @inlinable public static func erfc(_ x: Double) -> Double { Glibc_erfc(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Glibc_tanh(x) }
    @inlinable public static func cos(_ x: Double) -> Double { Glibc_cos(x) }

    /// Logistic sigmoid, computed without overflow for any input.
    @inlinable public static func sigmoid<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar {
        if x >= 0 { return 1 / (1 + T.mathExp(-x)) }
        let e = T.mathExp(x)
        return e / (1 + e)
    }

    /// SiLU (swish): x·σ(x).
    @inlinable public static func silu<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar { x * sigmoid(x) }

    /// σ(x) and σ′(x) = σ(x)(1 − σ(x)), the latter as e/(1 + e)² with
    /// e = e^−|x|: 1 − σ(x) cancels for large x.
    @inlinable public static func sigmoidAndSlope<T: BinaryFloatingPoint>(_ x: T) -> (value: T, slope: T) where T: MathScalar {
        let e = T.mathExp(-abs(x)), d = 1 / (1 + e)
        return (x < 0 ? e * d : d, e * d * d)
    }

    /// SiLU′(x) = σ(x) + x·σ′(x).
    @inlinable public static func siluDerivative<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar {
        let (s, slope) = sigmoidAndSlope(x)
        return s + x * slope
    }

    /// GELU: x·Φ(x), with the normal distribution Φ(x) = erfc(−x/√2)/2,
    /// which keeps its digits far below 0 where 1 + erf(x/√2) cancels.
    @inlinable public static func gelu<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar {
        x * (T.mathErfc(-x * T(0.70710678118654752440)) * T(0.5))
    }

    /// GELU′(x) = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
    @inlinable public static func geluDerivative<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar {
        T.mathErfc(-x * T(0.70710678118654752440)) * T(0.5) + x * (T.mathExp(-x * x * T(0.5)) * T(0.39894228040143267794))
    }

    /// GELU's tanh approximation, 0.5·x·(1 + tanh(u)) with
    /// u = √(2/π)·(x + 0.044715x³), as x·σ(2u), which does not cancel below 0.
    @inlinable public static func geluTanh<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar {
        x * sigmoid(geluTanhArgument(x))
    }

    /// The derivative of `geluTanh`: σ(2u) + x·σ′(2u)·2u′.
    @inlinable public static func geluTanhDerivative<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar {
        let (s, slope) = sigmoidAndSlope(geluTanhArgument(x))
        return s + x * slope * (T(1.5957691216057307118) * (1 + T(0.134145) * x * x))
    }

    /// 2u = 2√(2/π)·(x + 0.044715x³), as x·(c + c·0.044715·x²): three roundings.
    @inlinable static func geluTanhArgument<T: BinaryFloatingPoint>(_ x: T) -> T {
        x * (T(1.5957691216057307118) + T(0.0713548162726) * (x * x))
    }

    /// Mish: x·tanh(softplus(x)), as `torch.nn.Mish`.
    @inlinable public static func mish<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar { x * T.mathTanh(softplus(x)) }

    /// Mish′(x) = tanh(s) + x·sech²(s)·σ(x), s = softplus(x) ≥ 0; sech²(s) as
    /// 4/(eˢ + e⁻ˢ)², which neither cancels (1 − tanh² would, for large x) nor
    /// overflows into NaN (it reaches 0).
    @inlinable public static func mishDerivative<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar {
        let s = softplus(x), e = T.mathExp(s), c = e + 1 / e
        return T.mathTanh(s) + x * (4 / (c * c)) * sigmoid(x)
    }

    /// softplus(x) = log(1 + eˣ), computed without overflow for any input.
    @inlinable public static func softplus<T: BinaryFloatingPoint>(_ x: T) -> T where T: MathScalar {
        x > 0 ? x + T.mathLog1p(T.mathExp(-x)) : T.mathLog1p(T.mathExp(x))
    }
}

extension Math {
    /// yᵢ = e^(xᵢ − shift) for i < n (`y` may be `x`): the exponentials softmax
    /// and its cross-entropy spend their time on, with the largest logit as
    /// `shift`; a vector polynomial in C, chosen for the CPU (`CPUKernels.exp`).
    @inlinable @inline(__always)
    public static func exp(_ x: UnsafeMutablePointer<Float>, minus shift: Float, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        CPUKernels.exp(x, minus: shift, into: y, n)
    }

    /// yᵢ = e^(xᵢ − shift) for i < n (Double: the C library's `exp`).
    @inlinable @inline(__always)
    public static func exp(_ x: UnsafeMutablePointer<Double>, minus shift: Double, into y: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 0..<n { y[i] = Glibc_exp(x[i] - shift) }
    }
}

/// A scalar type with the elementary functions generic helpers need.
public protocol MathScalar {
    static func mathExp(_ x: Self) -> Self
    /// yᵢ = e^(xᵢ − shift) for i < n (`Math.exp(_:minus:into:_:)`).
    static func mathExp(_ x: UnsafeMutablePointer<Self>, minus shift: Self, into y: UnsafeMutablePointer<Self>, _ n: Int)
    static func mathLog1p(_ x: Self) -> Self
    static func mathErfc(_ x: Self) -> Self
    static func mathTanh(_ x: Self) -> Self
}
extension Float: MathScalar {
    @inlinable public static func mathExp(_ x: Float) -> Float { expf(x) }
    @inlinable public static func mathExp(_ x: UnsafeMutablePointer<Float>, minus shift: Float, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        Math.exp(x, minus: shift, into: y, n)
    }
    @inlinable public static func mathLog1p(_ x: Float) -> Float { Math.log1p(x) }
    @inlinable public static func mathErfc(_ x: Float) -> Float { erfcf(x) }
    @inlinable public static func mathTanh(_ x: Float) -> Float { tanhf(x) }
}
extension Double: MathScalar {
    @inlinable public static func mathExp(_ x: Double) -> Double { Glibc_exp(x) }
    @inlinable public static func mathExp(_ x: UnsafeMutablePointer<Double>, minus shift: Double, into y: UnsafeMutablePointer<Double>, _ n: Int) {
        Math.exp(x, minus: shift, into: y, n)
    }
    @inlinable public static func mathLog1p(_ x: Double) -> Double { Glibc_log1p(x) }
    @inlinable public static func mathErfc(_ x: Double) -> Double { Glibc_erfc(x) }
    @inlinable public static func mathTanh(_ x: Double) -> Double { Glibc_tanh(x) }
}

// Unambiguous names for the C library's double-precision functions
// (inside `Math`, `exp` would otherwise resolve to the static method).
@usableFromInline func Glibc_exp(_ x: Double) -> Double { exp(x) }
@usableFromInline func Glibc_expm1(_ x: Double) -> Double { expm1(x) }
@usableFromInline func Glibc_log(_ x: Double) -> Double { log(x) }
@usableFromInline func Glibc_log1p(_ x: Double) -> Double { log1p(x) }
@usableFromInline func Glibc_tanh(_ x: Double) -> Double { tanh(x) }
@usableFromInline func Glibc_erfc(_ x: Double) -> Double { erfc(x) }
@usableFromInline func Glibc_cos(_ x: Double) -> Double { cos(x) }

extension Math {
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Glibc_pow(x, y) }
}
@usableFromInline func Glibc_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
