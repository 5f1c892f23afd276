/// Inner loops of generated code. All `@inlinable` and `@inline(__always)`,
/// so with the constant counts the generated code passes they specialise
/// to straight-line SIMD code at each call site; none allocates.
public enum Kernels {
    /// Σᵢ a[i]·b[i], with eight independent SIMD accumulators lanes.
    @inlinable @inline(__always)
    public static func dot<T: BinaryFloatingPoint & SIMDScalar>(
        _ a: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ n: Int
    ) -> T {
        var i = 0
        var sum: T = 0
        if n >= 16 {
            var acc0 = SIMD8<T>(), acc1 = SIMD8<T>()
            while i + 16 <= n {
                acc0 += load8(a + i) * load8(b + i)
                acc1 += load8(a + i + 8) * load8(b + i + 8)
                i += 16
            }
            if i + 8 <= n {
                acc0 += load8(a + i) * load8(b + i)
                i += 8
            }
            sum = (acc0 + acc1).sum()
        }
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// y[i] += α·x[i].
    @inlinable @inline(__always)
    public static func axpy<T: BinaryFloatingPoint>(
        _ alpha: T, _ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int
    ) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// y[i] = α·x[i].
    @inlinable @inline(__always)
    public static func scale<T: BinaryFloatingPoint>(
        _ alpha: T, _ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int
    ) {
        for i in 0..<n { y[i] = alpha * x[i] }
    }

    @inlinable @inline(__always)
    static func load8<T: SIMDScalar>(_ p: UnsafeMutablePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }
}
