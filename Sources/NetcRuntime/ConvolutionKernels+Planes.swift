internal import CNetcRuntime

/// Float convolutions in the model's own layout, channels first (C,
/// Sources/CNetcRuntime/kernels/convolution.h): the product of weights and
/// windows runs along each row of output positions, reading the sample in
/// place at stride 1 (or its windows copied out at other strides), so no
/// position-major matrix is built and nothing is transposed. The plan picks
/// them where `planesSupported` holds; each computes what its C function
/// documents in netc_kernels.h.
extension ConvolutionKernels {
    /// Output rows of 8 or more at stride 1, or 8 or more output positions.
    public static func planesSupported(_ g: ConvolutionGeometry) -> Bool {
        var c = g.kernelGeometry(outputs: 1)
        return netc_convolution_supported(&c) != 0
    }

    /// Scalars of scratch the three kernels need for up to `count` samples.
    public static func planesScratch(_ g: ConvolutionGeometry, outputs: Int, count: Int) -> Int {
        var c = g.kernelGeometry(outputs: outputs)
        return netc_convolution_scratch(&c, count)
    }

    /// y = bias + W ⊛ x, W [outputs][channels][kh][kw], per sample; with `rectify`, relu of that.
    public static func forward(_ g: ConvolutionGeometry, outputs: Int, _ w: UnsafeMutablePointer<Float>,
                               _ bias: UnsafeMutablePointer<Float>?, _ x: UnsafeMutablePointer<Float>,
                               _ y: UnsafeMutablePointer<Float>, rectify: Bool = false, count: Int, scratch: UnsafeMutablePointer<Float>) {
        var c = g.kernelGeometry(outputs: outputs)
        netc_convolution_forward(&c, w, bias, x, y, rectify ? 1 : 0, count, scratch)
    }

    /// dW and db (overwritten) from δ and the forward input.
    public static func weightGradient(_ g: ConvolutionGeometry, outputs: Int, _ dy: UnsafeMutablePointer<Float>,
                                      _ x: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>,
                                      _ db: UnsafeMutablePointer<Float>?, count: Int, scratch: UnsafeMutablePointer<Float>) {
        var c = g.kernelGeometry(outputs: outputs)
        netc_convolution_weight_gradient(&c, dy, x, dw, db, count, scratch)
    }

    /// dx (= or +=) the windows' gradients added back where they read.
    public static func inputGradient(_ g: ConvolutionGeometry, outputs: Int, _ dy: UnsafeMutablePointer<Float>,
                                     _ w: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>, accumulate: Bool,
                                     count: Int, scratch: UnsafeMutablePointer<Float>) {
        var c = g.kernelGeometry(outputs: outputs)
        netc_convolution_input_gradient(&c, dy, w, dx, accumulate ? 1 : 0, count, scratch)
    }
}

extension ConvolutionGeometry {
    func kernelGeometry(outputs: Int) -> netc_convolution {
        netc_convolution(channels: channels, height: height, width: width, kernel_height: kernelHeight, kernel_width: kernelWidth,
                         stride_y: strideY, stride_x: strideX, dilation: dilation, pad_top: padTop, pad_bottom: padBottom,
                         pad_left: padLeft, pad_right: padRight, output_height: outputHeight, output_width: outputWidth,
                         outputs: outputs)
    }
}
