internal import CNetcRuntime

/// Float max and average pooling in C (Sources/CNetcRuntime/kernels/pooling.h),
/// over each channel's plane with the window of `ConvolutionGeometry`; each
/// computes what its C function documents in netc_kernels.h. A max pool's
/// backward pass reads the forward input and output and finds the window's
/// first maximum again, so nothing is kept between the passes.
public enum PoolingKernels {
    public static func maxForward(_ g: ConvolutionGeometry, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                  count: Int) {
        var c = g.kernelGeometry(outputs: g.channels)
        netc_max_pool_forward(&c, x, y, count)
    }

    /// With `rectify`, x is a relu's output and dx the gradient of that relu's input (each share times relu′).
    public static func maxBackward(_ g: ConvolutionGeometry, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                   _ dy: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>, accumulate: Bool,
                                   rectify: Bool = false, count: Int) {
        var c = g.kernelGeometry(outputs: g.channels)
        netc_max_pool_backward(&c, x, y, dy, dx, accumulate ? 1 : 0, rectify ? 1 : 0, count)
    }

    public static func averageForward(_ g: ConvolutionGeometry, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                      count: Int) {
        var c = g.kernelGeometry(outputs: g.channels)
        netc_avg_pool_forward(&c, x, y, count)
    }

    public static func averageBackward(_ g: ConvolutionGeometry, _ dy: UnsafeMutablePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                       accumulate: Bool, count: Int) {
        var c = g.kernelGeometry(outputs: g.channels)
        netc_avg_pool_backward(&c, dy, dx, accumulate ? 1 : 0, count)
    }
}
