/// Inner loops of generated code. All `@inlinable` and `@inline(__always)`,
/// so with the constant counts the generated code passes they specialise
/// to straight-line SIMD code at each call site; none allocates.
public enum Kernels {
    /// Σᵢ a[i]·b[i] in Float, with two SIMD8 fused multiply-add accumulators
    /// (hardware FMA when built for an AVX2 target, see `BatchKernels`).
    ///
    /// Concrete, and only concrete SIMD operations (`+`, `addingProduct`, lane
    /// subscripts): generic SIMD protocol methods (`+=`, `sum()`) box their
    /// vectors on the heap when not specialised, as in debug builds.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = acc0
        var i = 0
        while i &+ 16 <= n {
            acc0 = acc0.addingProduct(BatchKernels.load(a + i), BatchKernels.load(b + i))
            acc1 = acc1.addingProduct(BatchKernels.load(a + (i &+ 8)), BatchKernels.load(b + (i &+ 8)))
            i &+= 16
        }
        if i &+ 8 <= n {
            acc0 = acc0.addingProduct(BatchKernels.load(a + i), BatchKernels.load(b + i))
            i &+= 8
        }
        var s = BatchKernels.sum(acc0 + acc1)
        while i < n {
            s += a[i] * b[i]
            i &+= 1
        }
        return s
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

    /// The largest |x[i]|, or NaN/∞ if any value is (NaN and ∞ compare above
    /// every finite magnitude as bit patterns). An integer max-reduction, vectorised.
    @inlinable @inline(__always)
    public static func maxMagnitude(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
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
}
