import NetcRuntime

/// The compiler's questions about a convolution's or pool's window
/// (`ConvolutionGeometry`, in the runtime, which generated code passes to its
/// kernels): whether it fits, which outputs a tap reaches, which input a tap
/// reads, and the same ranges as Swift for emitted loops.
extension ConvolutionGeometry {
    /// Whether the window fits at least once.
    public var fits: Bool {
        height + padTop + padBottom >= dilation * (kernelHeight - 1) + 1 && width + padLeft + padRight >= dilation * (kernelWidth - 1) + 1
    }
    /// The output rows whose tap `ky` reads a row inside the input.
    public func rows(_ ky: Int) -> Range<Int> {
        ConvolutionGeometry.inside(offset: ky * dilation - padTop, extent: height, stride: strideY, outputs: outputHeight)
    }

    /// The output columns whose tap `kx` reads a column inside the input.
    public func columns(_ kx: Int) -> Range<Int> {
        ConvolutionGeometry.inside(offset: kx * dilation - padLeft, extent: width, stride: strideX, outputs: outputWidth)
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
    /// `low` names the local the range's start is bound to (the end is never below it).
    func insideCode(_ tap: String, rows: Bool, low lowName: String) -> (low: String, high: String) {
        let stride = rows ? strideY : strideX, pad = rows ? padTop : padLeft, extent = rows ? height : width, outputs = rows ? outputHeight : outputWidth
        let offset = dilation == 1 ? tap : "\(tap) &* \(dilation)"
        // low = max(0, ceil((pad − tap·d) / stride)); for pad − tap·d ≤ 0 the quotient is ≤ 0.
        let low = pad == 0 ? "0" : stride == 1 ? "Swift.max(0, \(pad) &- \(offset))"
            : "Swift.max(0, (\(pad + stride - 1) &- \(offset)) / \(stride))"
        // high = last < 0 ? low : min(outputs, last / stride + 1), last = extent − 1 + pad − tap·d.
        let last = "(\(extent - 1 + pad) &- \(offset))"
        let high = stride == 1 ? "Swift.min(\(outputs), \(last) &+ 1)" : "(\(last) < 0 ? 0 : Swift.min(\(outputs), \(last) / \(stride) &+ 1))"
        return (low, "Swift.max(\(lowName), \(high))")
    }
}

extension ConvolutionGeometry {
    /// PyTorch's arguments for the window (a sequence's: its width alone):
    /// kernel, stride and padding, and where the padding is uneven (which
    /// PyTorch's layers cannot take), the `F.pad` widths to apply first.
    func pytorch(sequence: Bool) -> (kernel: String, stride: String, padding: String, pad: String?) {
        let kernel = sequence ? "\(kernelWidth)" : Python.pair(kernelHeight, kernelWidth)
        let stride = sequence ? "\(strideX)" : Python.pair(strideY, strideX)
        let even = padLeft == padRight && (sequence || padTop == padBottom)
        if even { return (kernel, stride, sequence ? "\(padLeft)" : Python.pair(padTop, padLeft), nil) }
        return (kernel, stride, "0", sequence ? "(\(padLeft), \(padRight))" : "(\(padLeft), \(padRight), \(padTop), \(padBottom))")
    }
}
