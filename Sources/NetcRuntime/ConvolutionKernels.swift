/// Where a convolution's windows lie (PyTorch's conventions; height 1 for a
/// sequence), for the kernels that turn it into matrix products.
public struct ConvolutionGeometry: Sendable {
    public let channels: Int, height: Int, width: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let strideY: Int, strideX: Int, dilation: Int
    public let padTop: Int, padLeft: Int
    public let outputHeight: Int, outputWidth: Int

    @inlinable
    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int,
                dilation: Int, padTop: Int, padLeft: Int, outputHeight: Int, outputWidth: Int) {
        (self.channels, self.height, self.width) = (channels, height, width)
        (self.kernelHeight, self.kernelWidth) = (kernelHeight, kernelWidth)
        (self.strideY, self.strideX, self.dilation) = (strideY, strideX, dilation)
        (self.padTop, self.padLeft) = (padTop, padLeft)
        (self.outputHeight, self.outputWidth) = (outputHeight, outputWidth)
    }

    /// Output positions per sample, and values per window.
    @inlinable public var positions: Int { outputHeight &* outputWidth }
    @inlinable public var patch: Int { channels &* kernelHeight &* kernelWidth }
}

/// A convolution as matrix products (the im2col scheme): the windows of a
/// batch become the rows of P [count·positions][patch], so the forward pass is
/// the dense kernel's Y = P·Wᵀ + b, the weight gradient its dW = dYᵀ·P and the
/// input gradient dP = dY·W scattered back (col2im). Rows are position-major
/// where the model keeps channels first; `fromPositions`/`toPositions` move
/// between the two.
public enum ConvolutionKernels {
    /// P's rows (sample, oy, ox), columns (channel, ky, kx): what each window reads, 0 in the padding.
    @inlinable
    public static func im2col<T: BinaryFloatingPoint>(_ x: UnsafeMutablePointer<T>, _ p: UnsafeMutablePointer<T>,
                                                      _ g: ConvolutionGeometry, count: Int) {
        var row = p
        for b in 0..<count {
            let sample = x + b &* g.channels &* g.height &* g.width
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    var k = 0
                    for c in 0..<g.channels {
                        let plane = sample + c &* g.height &* g.width
                        for ky in 0..<g.kernelHeight {
                            let iy = oy &* g.strideY &- g.padTop &+ ky &* g.dilation
                            guard iy >= 0 && iy < g.height else {
                                for _ in 0..<g.kernelWidth { row[k] = 0; k &+= 1 }
                                continue
                            }
                            let line = plane + iy &* g.width
                            for kx in 0..<g.kernelWidth {
                                let ix = ox &* g.strideX &- g.padLeft &+ kx &* g.dilation
                                row[k] = ix >= 0 && ix < g.width ? line[ix] : 0
                                k &+= 1
                            }
                        }
                    }
                    row += g.patch
                }
            }
        }
    }

    /// dx (= or +=) every window's gradient dP added back at the positions it read.
    @inlinable
    public static func col2im<T: BinaryFloatingPoint>(_ dp: UnsafeMutablePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                                      _ g: ConvolutionGeometry, count: Int, accumulate: Bool) {
        if !accumulate { dx.update(repeating: 0, count: count &* g.channels &* g.height &* g.width) }
        var row = dp
        for b in 0..<count {
            let sample = dx + b &* g.channels &* g.height &* g.width
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    var k = 0
                    for c in 0..<g.channels {
                        let plane = sample + c &* g.height &* g.width
                        for ky in 0..<g.kernelHeight {
                            let iy = oy &* g.strideY &- g.padTop &+ ky &* g.dilation
                            guard iy >= 0 && iy < g.height else { k &+= g.kernelWidth; continue }
                            let line = plane + iy &* g.width
                            for kx in 0..<g.kernelWidth {
                                let ix = ox &* g.strideX &- g.padLeft &+ kx &* g.dilation
                                if ix >= 0 && ix < g.width { line[ix] += row[k] }
                                k &+= 1
                            }
                        }
                    }
                    row += g.patch
                }
            }
        }
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
