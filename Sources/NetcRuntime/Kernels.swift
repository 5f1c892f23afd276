/// Small inner loops of generated code. All `@inlinable` and
/// `@inline(__always)`, so with the constant counts the generated code passes
/// they specialise to straight-line SIMD code at each call site; none
/// allocates. Products and sums stay separate operations (never
/// `addingProduct`, a C library call per lane where the target has no FMA);
/// the Float dense-layer kernels are in `CPUKernels`.
public enum Kernels {
    /// Σᵢ a[i]·b[i] for i < n, in eight running sums.
    @inlinable @inline(__always)
    public static func dot<T: BinaryFloatingPoint & SIMDScalar>(_ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ n: Int) -> T {
        var i = 0
        var sums = SIMD8<T>()
        while i &+ 8 <= n {
            sums += load8(a + i) * load8(b + i)
            i &+= 8
        }
        var sum = sums.sum()
        while i < n { sum += a[i] * b[i]; i &+= 1 }
        return sum
    }

    /// y[i] += α·x[i] for i < n (`x` and `y` do not overlap), in explicit
    /// vectors of 8 and 4 lanes: as a plain loop, nested in a convolution's
    /// tap loops, the loop vectoriser left it scalar.
    @inlinable @inline(__always)
    public static func axpy<T: BinaryFloatingPoint & SIMDScalar>(
        _ alpha: T, _ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int
    ) {
        var i = 0
        while i &+ 8 <= n {
            let v = load8(y + i) + SIMD8(repeating: alpha) * load8(x + i)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: SIMD8<T>.self)
            i &+= 8
        }
        if i &+ 4 <= n {
            let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD4<T>.self)
                + SIMD4(repeating: alpha) * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<T>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: SIMD4<T>.self)
            i &+= 4
        }
        while i < n { y[i] += alpha * x[i]; i &+= 1 }
    }

    /// Σᵢ x[i] for i < n in eight running sums: a pool's or a bias gradient's
    /// sum, which as one running sum waits on each addition in turn.
    @inlinable @inline(__always)
    public static func sum<T: BinaryFloatingPoint & SIMDScalar>(_ x: UnsafeMutablePointer<T>, _ n: Int) -> T {
        var i = 0
        var sums = SIMD8<T>()
        while i &+ 8 <= n {
            sums += load8(x + i)
            i &+= 8
        }
        var sum = sums.sum()
        while i < n { sum += x[i]; i &+= 1 }
        return sum
    }

    @inlinable @inline(__always)
    static func load8<T: SIMDScalar>(_ p: UnsafeMutablePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    /// y[i] = α·x[i].
    @inlinable @inline(__always)
    public static func scale<T: BinaryFloatingPoint>(
        _ alpha: T, _ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int
    ) {
        for i in 0..<n { y[i] = alpha * x[i] }
    }

    /// The largest |x[i]|, or NaN/∞ if any value is (NaN and ∞ compare above
    /// every finite magnitude as bit patterns): an integer max-reduction,
    /// inline for a few scalars, `CPUKernels.maxMagnitude` from 64 on (in a
    /// baseline x86-64 build, where SSE2 has no unsigned 32-bit maximum, iris's
    /// 403 gradients took 68 ns inline against 12 with AVX2).
    @inlinable @inline(__always)
    public static func maxMagnitude(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        if n >= 64 { return CPUKernels.maxMagnitude(x, n) }
        var top: UInt32 = 0
        for i in 0..<n {
            let bits = x[i].bitPattern & 0x7FFF_FFFF
            top = bits > top ? bits : top
        }
        return Float(bitPattern: top)
    }

    /// The largest |x[i]| (Double), or NaN/∞ if any value is.
    @inlinable @inline(__always)
    public static func maxMagnitude(_ x: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        var top: UInt64 = 0
        for i in 0..<n {
            let bits = x[i].bitPattern & 0x7FFF_FFFF_FFFF_FFFF
            top = bits > top ? bits : top
        }
        return Double(bitPattern: top)
    }

    /// An upper bound on every |dW[j][i]| = |Σ_b dy[b][j]·x[b][i]| that
    /// `CPUKernels.weightGradient` computes, from magnitudes alone:
    /// count·max|dy|·max|x|, doubled so that rounding (one per term, relative
    /// 2⁻²⁴) cannot exceed it for a batch under 8 million samples; NaN or ∞
    /// when an operand is. Reads count·(n + m) scalars instead of n·m: the
    /// training step's gradient check uses it for layers whose weights
    /// outnumber their batch's inputs and outputs, and reads dW only when the
    /// bound is above half the largest Float.
    @inlinable @inline(__always)
    public static func weightGradientBound(
        _ dy: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, n: Int, m: Int, count: Int
    ) -> Float {
        2 * Float(count) * maxMagnitude(dy, count &* m) * maxMagnitude(x, count &* n)
    }
}
