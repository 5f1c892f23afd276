/// Inner loops of generated code. All `@inlinable` and `@inline(__always)`,
/// so with the constant counts the generated code passes they specialise
/// to straight-line SIMD code at each call site; none allocates.
public enum Kernels {
    /// Σᵢ a[i]·b[i] in Float, with two SIMD8 accumulators.
    ///
    /// Concrete, and only concrete SIMD operators (`+`, `*`, lane subscripts):
    /// the generic SIMD protocol methods (`+=`, `sum()`) box their vectors on the
    /// heap when not specialised, as in debug builds.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var sum: Float = 0
        if n >= 16 {
            var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
            while i + 16 <= n {
                acc0 = acc0 + UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
                acc1 = acc1 + UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self)
                i += 16
            }
            let acc = acc0 + acc1
            sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
        }
        while i < n {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// Σᵢ a[i]·b[i] in Double, with two SIMD4 accumulators.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        var i = 0
        var sum: Double = 0
        if n >= 8 {
            var acc0 = SIMD4<Double>(), acc1 = SIMD4<Double>()
            while i + 8 <= n {
                acc0 = acc0 + UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<Double>.self)
                acc1 = acc1 + UnsafeRawPointer(a + i + 4).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + i + 4).loadUnaligned(as: SIMD4<Double>.self)
                i += 8
            }
            let acc = acc0 + acc1
            sum = (acc[0] + acc[1]) + (acc[2] + acc[3])
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

    /// Whether every value is finite: Σ 0·x is NaN exactly when some x is
    /// NaN or ±∞. Branch-free, so it vectorises.
    @inlinable @inline(__always)
    public static func allFinite(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Bool {
        var acc = SIMD8<Float>()
        var i = 0
        while i &+ 8 <= n {
            acc = acc + UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) * SIMD8<Float>()
            i &+= 8
        }
        var s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
        while i < n {
            s += x[i] * 0
            i &+= 1
        }
        return s == 0
    }

    /// Whether every value is finite (Double).
    @inlinable @inline(__always)
    public static func allFinite(_ x: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
        var acc = SIMD4<Double>()
        var i = 0
        while i &+ 4 <= n {
            acc = acc + UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Double>.self) * SIMD4<Double>()
            i &+= 4
        }
        var s = (acc[0] + acc[1]) + (acc[2] + acc[3])
        while i < n {
            s += x[i] * 0
            i &+= 1
        }
        return s == 0
    }
}
