/// A sliding window over a channels × height × width sample (height 1 for a
/// sequence, channels × length): the kernel's extent, stride, dilation and
/// zero padding, as PyTorch's `Conv2d`/`MaxPool2d` define them. Output
/// position (oy, ox) and kernel tap (ky, kx) read input row
/// `oy·stride − padTop + ky·dilation` and column `ox·stride − padLeft + kx·dilation`;
/// taps outside the input read zero (convolution) or nothing (pooling).
public struct Window: Sendable, Hashable {
    public var channels: Int, height: Int, width: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideY = 1, strideX = 1, dilation = 1
    public var padTop = 0, padBottom = 0, padLeft = 0, padRight = 0

    public var outputHeight: Int { (height + padTop + padBottom - dilation * (kernelHeight - 1) - 1) / strideY + 1 }
    public var outputWidth: Int { (width + padLeft + padRight - dilation * (kernelWidth - 1) - 1) / strideX + 1 }
    /// Whether the window fits at least once.
    public var fits: Bool {
        height + padTop + padBottom >= dilation * (kernelHeight - 1) + 1 && width + padLeft + padRight >= dilation * (kernelWidth - 1) + 1
    }
    public var inputPlane: Int { height * width }
    public var outputPlane: Int { outputHeight * outputWidth }
    public var kernelArea: Int { kernelHeight * kernelWidth }

    /// The output rows whose tap `ky` reads a row inside the input.
    public func rows(_ ky: Int) -> Range<Int> {
        Window.inside(offset: ky * dilation - padTop, extent: height, stride: strideY, outputs: outputHeight)
    }

    /// The output columns whose tap `kx` reads a column inside the input.
    public func columns(_ kx: Int) -> Range<Int> {
        Window.inside(offset: kx * dilation - padLeft, extent: width, stride: strideX, outputs: outputWidth)
    }

    /// The o in 0..<outputs with 0 ≤ o·stride + offset < extent.
    static func inside(offset: Int, extent: Int, stride: Int, outputs: Int) -> Range<Int> {
        let low = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = extent - 1 - offset
        let high = last < 0 ? 0 : Swift.min(outputs, last / stride + 1)
        return low < high ? low..<high : low..<low
    }

    /// The input index a tap reads, or nil in the padding.
    public func input(channel: Int, oy: Int, ox: Int, ky: Int, kx: Int) -> Int? {
        let iy = oy * strideY - padTop + ky * dilation, ix = ox * strideX - padLeft + kx * dilation
        guard (0..<height).contains(iy), (0..<width).contains(ix) else { return nil }
        return (channel * height + iy) * width + ix
    }

    /// Swift for the range `rows(ky)` (or `columns(kx)`) when `ky` is a loop
    /// variable: the same arithmetic as `inside`, with the constants folded in.
    func insideCode(_ tap: String, rows: Bool) -> (low: String, high: String) {
        let stride = rows ? strideY : strideX, pad = rows ? padTop : padLeft, extent = rows ? height : width, outputs = rows ? outputHeight : outputWidth
        let offset = dilation == 1 ? tap : "\(tap) &* \(dilation)"
        // low = max(0, ceil((pad − tap·d) / stride)); for pad − tap·d ≤ 0 the quotient is ≤ 0.
        let low = pad == 0 ? "0" : stride == 1 ? "Swift.max(0, \(pad) &- \(offset))"
            : "Swift.max(0, (\(pad + stride - 1) &- \(offset)) / \(stride))"
        // high = last < 0 ? low : min(outputs, last / stride + 1), last = extent − 1 + pad − tap·d.
        let last = "(\(extent - 1 + pad) &- \(offset))"
        let high = stride == 1 ? "Swift.min(\(outputs), \(last) &+ 1)" : "(\(last) < 0 ? 0 : Swift.min(\(outputs), \(last) / \(stride) &+ 1))"
        return (low, "Swift.max(\(rows ? "yLow" : "xLow"), \(high))")
    }
}
