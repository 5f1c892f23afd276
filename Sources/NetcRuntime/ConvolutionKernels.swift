/// A sliding window over a channels × height × width sample (height 1 for a
/// sequence, channels × length): the kernel's extent, strides, dilation and
/// zero padding, as PyTorch's `Conv2d`/`MaxPool2d` define them. Output
/// position (oy, ox) and kernel tap (ky, kx) read input row
/// `oy·strideY − padTop + ky·dilation` and column `ox·strideX − padLeft + kx·dilation`.
/// The compiler plans convolutions and pools with it, and generated code
/// passes it to `ConvolutionKernels`.
public struct ConvolutionGeometry: Sendable, Hashable {
    public let channels: Int, height: Int, width: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let strideY: Int, strideX: Int, dilation: Int
    public let padTop: Int, padBottom: Int, padLeft: Int, padRight: Int
    /// Stored, not computed: with them computed, mnist-cnn b32's step took
    /// 3.23 ms instead of 2.67 (the kernels' loops re-derived them).
    public let outputHeight: Int, outputWidth: Int

    @inlinable
    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, strideY: Int = 1, strideX: Int = 1,
                dilation: Int = 1, padTop: Int = 0, padBottom: Int = 0, padLeft: Int = 0, padRight: Int = 0) {
        (self.channels, self.height, self.width) = (channels, height, width)
        (self.kernelHeight, self.kernelWidth) = (kernelHeight, kernelWidth)
        (self.strideY, self.strideX, self.dilation) = (strideY, strideX, dilation)
        (self.padTop, self.padBottom, self.padLeft, self.padRight) = (padTop, padBottom, padLeft, padRight)
        outputHeight = (height &+ padTop &+ padBottom &- dilation &* (kernelHeight &- 1) &- 1) / strideY &+ 1
        outputWidth = (width &+ padLeft &+ padRight &- dilation &* (kernelWidth &- 1) &- 1) / strideX &+ 1
    }

    /// Values per channel of the input and of the output, per window, and window taps.
    @inlinable public var inputPlane: Int { height &* width }
    @inlinable public var outputPlane: Int { outputHeight &* outputWidth }
    @inlinable public var kernelArea: Int { kernelHeight &* kernelWidth }
    /// Output positions per sample, and values per window over all channels.
    @inlinable public var positions: Int { outputPlane }
    @inlinable public var patch: Int { channels &* kernelArea }
}

/// A convolution as matrix products (the im2col scheme): the windows of a
/// batch become the rows of P [count·positions][patch], so the forward pass is
/// the dense kernel's Y = P·Wᵀ + b, the weight gradient its dW = dYᵀ·P and the
/// input gradient dP = dY·W scattered back (col2im). Rows are position-major
/// where the model keeps channels first; `fromPositions`/`toPositions` move
/// between the two.
public enum ConvolutionKernels {
    /// Calls `body(row, input)` for every window value of the first `count`
    /// samples in P's order — rows (sample, oy, ox), columns (channel, ky,
    /// kx) — with `row` its index in P and `input` its index in the input,
    /// or -1 in the padding.
    @inlinable @inline(__always)
    public static func forEachWindowValue(_ g: ConvolutionGeometry, count: Int, _ body: (Int, Int) -> Void) {
        var row = 0
        for b in 0..<count {
            let sample = b &* g.channels &* g.inputPlane
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    for c in 0..<g.channels {
                        let plane = sample &+ c &* g.inputPlane
                        for ky in 0..<g.kernelHeight {
                            let iy = oy &* g.strideY &- g.padTop &+ ky &* g.dilation
                            let inside = iy >= 0 && iy < g.height
                            for kx in 0..<g.kernelWidth {
                                let ix = ox &* g.strideX &- g.padLeft &+ kx &* g.dilation
                                body(row, inside && ix >= 0 && ix < g.width ? plane &+ iy &* g.width &+ ix : -1)
                                row &+= 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// P [count·positions][patch]: what each window reads, 0 in the padding.
    @inlinable
    public static func im2col<T: BinaryFloatingPoint>(_ x: UnsafeMutablePointer<T>, _ p: UnsafeMutablePointer<T>,
                                                      _ g: ConvolutionGeometry, count: Int) {
        forEachWindowValue(g, count: count) { row, input in p[row] = input >= 0 ? x[input] : 0 }
    }

    /// dx (= or +=) every window's gradient dP added back at the positions it read.
    @inlinable
    public static func col2im<T: BinaryFloatingPoint>(_ dp: UnsafeMutablePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                                      _ g: ConvolutionGeometry, count: Int, accumulate: Bool) {
        if !accumulate { dx.update(repeating: 0, count: count &* g.channels &* g.inputPlane) }
        forEachWindowValue(g, count: count) { row, input in if input >= 0 { dx[input] += dp[row] } }
    }

    /// y[b][o][position] = t[b·positions + position][o]: position-major rows to channels first.
    @inlinable
    public static func fromPositions<T: BinaryFloatingPoint>(_ t: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                             outputs: Int, positions: Int, count: Int) {
        for b in 0..<count {
            let rows = t + b &* positions &* outputs, sample = y + b &* positions &* outputs
            for p in 0..<positions {
                for o in 0..<outputs { sample[o &* positions &+ p] = rows[p &* outputs &+ o] }
            }
        }
    }

    /// t[b·positions + position][o] = y[b][o][position]: channels first to position-major rows.
    @inlinable
    public static func toPositions<T: BinaryFloatingPoint>(_ y: UnsafeMutablePointer<T>, _ t: UnsafeMutablePointer<T>,
                                                           outputs: Int, positions: Int, count: Int) {
        for b in 0..<count {
            let rows = t + b &* positions &* outputs, sample = y + b &* positions &* outputs
            for o in 0..<outputs {
                for p in 0..<positions { rows[p &* outputs &+ o] = sample[o &* positions &+ p] }
            }
        }
    }
}
