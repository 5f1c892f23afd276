#if canImport(Glibc)
import Glibc
#endif

/// Baseline (b) for `mobile b32` (Models/MobileB32.net): a depthwise 3 × 3
/// convolution (zero padding 1, no bias) and a pointwise 1 × 1 one over 32
/// channels of 16 × 16, each with relu6, averaged over the positions and
/// classified, over `[Float]` arrays written the way a competent Swift
/// developer would without netc — NCHW arrays, each convolution as its direct
/// loop nest (a sum in a local per output, bounds checked per tap), the
/// activations kept for the backward pass, fresh arrays per call, softmax
/// cross-entropy and SGD with momentum, as HandCNN does for mnist-cnn.
final class HandMobile: HandWrittenNetwork {
    let channels = 32, side = 16, outputs = 64, classes = 10
    let learningRate: Float = 0.05, momentum: Float = 0.9
    var plane: Int { side * side }
    /// Depthwise W [C][3][3], pointwise W [O][C] and b [O], dense W [10][O] and b [10].
    var parameters: [[Float]], velocity: [[Float]]

    init() {
        var seed: UInt32 = 1
        func random() -> Float {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(seed >> 8) / Float(1 << 24) - 0.5
        }
        let sizes = [channels * 9, outputs * channels, outputs, classes * outputs, classes]
        parameters = sizes.map { n in (0..<n).map { _ in random() * 0.4 } }
        velocity = sizes.map { [Float](repeating: 0, count: $0) }
    }

    static func relu6(_ v: Float) -> Float { min(max(v, 0), 6) }
    static func slope6(_ v: Float) -> Float { v > 0 && v < 6 ? 1 : 0 }

    /// One sample's depthwise and pointwise pre-activations, the pooled features and the logits.
    func run(_ x: ArraySlice<Float>) -> (d: [Float], p: [Float], pooled: [Float], logits: [Float]) {
        let (c, s, n) = (channels, side, plane), base = x.startIndex
        let wd = parameters[0], wp = parameters[1], bp = parameters[2], w = parameters[3], b = parameters[4]
        var d = [Float](repeating: 0, count: c * n)
        for ch in 0..<c {
            for oy in 0..<s {
                for ox in 0..<s {
                    var sum: Float = 0
                    for ky in 0..<3 {
                        let iy = oy + ky - 1
                        if iy < 0 || iy >= s { continue }
                        for kx in 0..<3 {
                            let ix = ox + kx - 1
                            if ix < 0 || ix >= s { continue }
                            sum += wd[ch * 9 + ky * 3 + kx] * x[base + ch * n + iy * s + ix]
                        }
                    }
                    d[ch * n + oy * s + ox] = sum
                }
            }
        }
        var p = [Float](repeating: 0, count: outputs * n), pooled = [Float](repeating: 0, count: outputs)
        for o in 0..<outputs {
            for i in 0..<n {
                var sum = bp[o]
                for ch in 0..<c { sum += wp[o * c + ch] * Self.relu6(d[ch * n + i]) }
                p[o * n + i] = sum
                pooled[o] += Self.relu6(sum)
            }
            pooled[o] /= Float(n)
        }
        var logits = [Float](repeating: 0, count: classes)
        for k in 0..<classes {
            var sum = b[k]
            for o in 0..<outputs { sum += w[k * outputs + o] * pooled[o] }
            logits[k] = sum
        }
        return (d, p, pooled, logits)
    }

    func predict(_ x: [Float], batch: Int) -> [Float] {
        let size = channels * plane
        return (0..<batch).flatMap { run(x[($0 * size)..<(($0 + 1) * size)]).logits }
    }

    /// The mean loss over the batch and its gradients, one array per tensor.
    func gradients(_ x: [Float], _ t: [Float], batch: Int) -> (loss: Float, gradients: [[Float]]) {
        let (c, s, n) = (channels, side, plane), size = c * n
        let wp = parameters[1], w = parameters[3]
        var gWd = [Float](repeating: 0, count: c * 9), gWp = [Float](repeating: 0, count: outputs * c)
        var gBp = [Float](repeating: 0, count: outputs), gW = [Float](repeating: 0, count: classes * outputs)
        var gB = [Float](repeating: 0, count: classes)
        var loss: Float = 0
        for sample in 0..<batch {
            let xs = x[(sample * size)..<((sample + 1) * size)], base = xs.startIndex
            let (d, p, pooled, logits) = run(xs)
            let top = logits.max()!, exps = logits.map { expf($0 - top) }, total = exps.reduce(0, +)
            var dz = [Float](repeating: 0, count: classes)
            for k in 0..<classes {
                let target = t[sample * classes + k]
                loss += target * (logf(total) - (logits[k] - top)) / Float(batch)
                dz[k] = (exps[k] / total - target) / Float(batch)
            }
            var dPooled = [Float](repeating: 0, count: outputs)
            for k in 0..<classes {
                gB[k] += dz[k]
                for o in 0..<outputs {
                    gW[k * outputs + o] += dz[k] * pooled[o]
                    dPooled[o] += dz[k] * w[k * outputs + o]
                }
            }
            var dD = [Float](repeating: 0, count: c * n)
            for o in 0..<outputs {
                for i in 0..<n {
                    let dp = dPooled[o] / Float(n) * Self.slope6(p[o * n + i])
                    gBp[o] += dp
                    for ch in 0..<c {
                        gWp[o * c + ch] += dp * Self.relu6(d[ch * n + i])
                        dD[ch * n + i] += dp * wp[o * c + ch]
                    }
                }
            }
            for ch in 0..<c {
                for oy in 0..<s {
                    for ox in 0..<s {
                        let delta = dD[ch * n + oy * s + ox] * Self.slope6(d[ch * n + oy * s + ox])
                        for ky in 0..<3 {
                            let iy = oy + ky - 1
                            if iy < 0 || iy >= s { continue }
                            for kx in 0..<3 {
                                let ix = ox + kx - 1
                                if ix < 0 || ix >= s { continue }
                                gWd[ch * 9 + ky * 3 + kx] += delta * xs[base + ch * n + iy * s + ix]
                            }
                        }
                    }
                }
            }
        }
        return (loss, [gWd, gWp, gBp, gW, gB])
    }

    func trainStep(_ x: [Float], _ t: [Float], batch: Int) {
        let g = gradients(x, t, batch: batch).gradients
        for k in g.indices {
            for i in g[k].indices {
                velocity[k][i] = momentum * velocity[k][i] + g[k][i]
                parameters[k][i] -= learningRate * velocity[k][i]
            }
        }
    }
}
