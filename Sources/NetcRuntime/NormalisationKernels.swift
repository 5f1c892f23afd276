internal import CNetcRuntime

/// Float batch normalisation over planes while training, and layer
/// normalisation, in C (Sources/CNetcRuntime/kernels/normalisation.h):
/// activations [count][channels][plane], each channel's batch statistics (or
/// each sample's) summed in vectors. Each computes what its C
/// function documents in netc_kernels.h; optional tensors are nil.
public enum NormalisationKernels {
    /// Keeps each channel's mean and biased variance in `statistics` [channels][2] for the two below.
    public static func batchNormForward(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                        gamma: UnsafeMutablePointer<Float>?, beta: UnsafeMutablePointer<Float>?,
                                        statistics: UnsafeMutablePointer<Float>, channels: Int, plane: Int, epsilon: Float, count: Int) {
        netc_batch_norm_forward(x, y, gamma, beta, statistics, count, channels, plane, epsilon)
    }

    public static func batchNormBackward(_ x: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>,
                                         _ dx: UnsafeMutablePointer<Float>?, accumulate: Bool, gamma: UnsafeMutablePointer<Float>?,
                                         dGamma: UnsafeMutablePointer<Float>?, dBeta: UnsafeMutablePointer<Float>?,
                                         statistics: UnsafeMutablePointer<Float>, channels: Int, plane: Int, epsilon: Float, count: Int) {
        netc_batch_norm_backward(x, dy, dx, gamma, dGamma, dBeta, statistics, accumulate ? 1 : 0, count, channels, plane, epsilon)
    }

    /// From the statistics the forward pass kept; returns the largest value written.
    public static func batchNormUpdate(statistics: UnsafeMutablePointer<Float>, runningMean: UnsafeMutablePointer<Float>,
                                       runningVariance: UnsafeMutablePointer<Float>, channels: Int, plane: Int,
                                       keep: Float, take: Float, count: Int) -> Float {
        netc_batch_norm_update(statistics, runningMean, runningVariance, count, channels, plane, keep, take)
    }

    /// Layer normalisation of `count` samples of `n` values each (NetcCore's LayerNormOp), each
    /// sample's statistics summed in vectors and kept in `statistics` [count][2] for the backward pass.
    public static func layerNormForward(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                        gamma: UnsafeMutablePointer<Float>?, beta: UnsafeMutablePointer<Float>?,
                                        statistics: UnsafeMutablePointer<Float>, n: Int, epsilon: Float, count: Int) {
        netc_layer_norm_forward(x, y, gamma, beta, statistics, n, epsilon, count)
    }

    /// From the statistics the forward pass kept for the same samples.
    public static func layerNormBackward(_ x: UnsafeMutablePointer<Float>, _ dy: UnsafeMutablePointer<Float>,
                                         _ dx: UnsafeMutablePointer<Float>?, accumulate: Bool, gamma: UnsafeMutablePointer<Float>?,
                                         dGamma: UnsafeMutablePointer<Float>?, dBeta: UnsafeMutablePointer<Float>?,
                                         statistics: UnsafeMutablePointer<Float>, n: Int, count: Int) {
        netc_layer_norm_backward(x, dy, dx, gamma, dGamma, dBeta, statistics, accumulate ? 1 : 0, n, count)
    }
}
