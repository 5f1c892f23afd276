#if canImport(Glibc)
import Glibc
#endif

/// Baseline (b) for Specs/mnist-cnn.net: the LeNet-like network over `[Float]`
/// arrays written the way a competent Swift developer would without netc —
/// NCHW arrays, weights [out][in][kh][kw], the convolution as its direct loop
/// nest (accumulated in a local, bounds hoisted), max pools that remember
/// where each maximum was, fresh arrays per call, softmax cross-entropy and
/// SGD with momentum, as HandMLP does for the MLPs.
final class HandCNN: HandWrittenNetwork {
    struct Conv {
        let channels: Int, outputs: Int, kernel: Int, height: Int, width: Int
        var rows: Int { height - kernel + 1 }
        var columns: Int { width - kernel + 1 }
    }

    let convs = [Conv(channels: 1, outputs: 6, kernel: 5, height: 28, width: 28), Conv(channels: 6, outputs: 16, kernel: 5, height: 12, width: 12)]
    let dense = [256, 120, 84, 10]
    let learningRate: Float = 0.05, momentum: Float = 0.9
    /// Convolutions first, then the dense layers; biases alike.
    var weights: [[Float]], biases: [[Float]], weightVelocity: [[Float]], biasVelocity: [[Float]]

    init() {
        var seed: UInt32 = 1
        func random() -> Float {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(seed >> 8) / Float(1 << 24) - 0.5
        }
        let sizes = dense
        let shapes = convs.map { ($0.outputs * $0.channels * $0.kernel * $0.kernel, $0.outputs) } + (1..<sizes.count).map { (sizes[$0] * sizes[$0 - 1], sizes[$0]) }
        weights = shapes.map { s in (0..<s.0).map { _ in random() * 0.2 } }
        biases = shapes.map { [Float](repeating: 0, count: $0.1) }
        weightVelocity = weights.map { [Float](repeating: 0, count: $0.count) }
        biasVelocity = biases.map { [Float](repeating: 0, count: $0.count) }
    }

    /// relu(W ⊛ x + b) for a batch.
    func convolve(_ c: Conv, _ x: [Float], _ w: [Float], _ bias: [Float], batch: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * c.outputs * c.rows * c.columns)
        for b in 0..<batch {
            for o in 0..<c.outputs {
                for oy in 0..<c.rows {
                    for ox in 0..<c.columns {
                        var s = bias[o]
                        for ch in 0..<c.channels {
                            let plane = (b * c.channels + ch) * c.height * c.width, taps = (o * c.channels + ch) * c.kernel * c.kernel
                            for ky in 0..<c.kernel {
                                let row = plane + (oy + ky) * c.width + ox, tap = taps + ky * c.kernel
                                for kx in 0..<c.kernel { s += w[tap + kx] * x[row + kx] }
                            }
                        }
                        y[((b * c.outputs + o) * c.rows + oy) * c.columns + ox] = max(0, s)
                    }
                }
            }
        }
        return y
    }

    /// 2×2 max pools of `planes` planes rows × columns: the maxima and where each was.
    func pool(_ x: [Float], planes: Int, rows: Int, columns: Int) -> ([Float], [Int]) {
        let r = rows / 2, c = columns / 2
        var y = [Float](repeating: 0, count: planes * r * c), at = [Int](repeating: 0, count: y.count)
        for p in 0..<planes {
            for oy in 0..<r {
                for ox in 0..<c {
                    let first = p * rows * columns + 2 * oy * columns + 2 * ox
                    var best = first
                    for i in [first + 1, first + columns, first + columns + 1] where x[i] > x[best] { best = i }
                    y[(p * r + oy) * c + ox] = x[best]
                    at[(p * r + oy) * c + ox] = best
                }
            }
        }
        return (y, at)
    }

    struct Pass {
        var conv: [[Float]] = [], pooled: [[Float]] = [], argmax: [[Int]] = [], dense: [[Float]] = []
    }

    func forward(_ x: [Float], batch: Int) -> Pass {
        var pass = Pass()
        var input = x
        for (k, c) in convs.enumerated() {
            let y = convolve(c, input, weights[k], biases[k], batch: batch)
            let (p, at) = pool(y, planes: batch * c.outputs, rows: c.rows, columns: c.columns)
            pass.conv.append(y); pass.pooled.append(p); pass.argmax.append(at)
            input = p
        }
        pass.dense = [input]
        for l in 1..<dense.count {
            let n = dense[l - 1], m = dense[l], w = weights[convs.count + l - 1], bias = biases[convs.count + l - 1], h = pass.dense[l - 1]
            var out = [Float](repeating: 0, count: batch * m)
            for b in 0..<batch {
                for j in 0..<m {
                    var s = bias[j]
                    for i in 0..<n { s += w[j * n + i] * h[b * n + i] }
                    out[b * m + j] = l == dense.count - 1 ? s : max(0, s)
                }
            }
            pass.dense.append(out)
        }
        return pass
    }

    func predict(_ x: [Float], batch: Int) -> [Float] { forward(x, batch: batch).dense.last! }

    /// One SGD step with momentum on a batch.
    func trainStep(_ x: [Float], _ target: [Float], batch: Int) {
        let pass = forward(x, batch: batch)
        let outputs = dense.last!, logits = pass.dense.last!, scale = 1 / Float(batch)
        var delta = [Float](repeating: 0, count: batch * outputs)
        for b in 0..<batch {
            var top = logits[b * outputs]
            for j in 1..<outputs { top = max(top, logits[b * outputs + j]) }
            var sum: Float = 0
            for j in 0..<outputs { sum += expf(logits[b * outputs + j] - top) }
            for j in 0..<outputs {
                let p = expf(logits[b * outputs + j] - top) / sum
                delta[b * outputs + j] = (p - target[b * outputs + j]) * scale
            }
        }
        var gradients = weights.map { [Float](repeating: 0, count: $0.count) }, biasGradients = biases.map { [Float](repeating: 0, count: $0.count) }
        for l in stride(from: dense.count - 1, through: 1, by: -1) {
            let n = dense[l - 1], m = dense[l], k = convs.count + l - 1, h = pass.dense[l - 1], w = weights[k]
            var previous = [Float](repeating: 0, count: batch * n), gw = gradients[k], gb = biasGradients[k]
            gradients[k] = []; biasGradients[k] = []  // keep the buffers unique
            for b in 0..<batch {
                for j in 0..<m {
                    let d = delta[b * m + j]
                    gb[j] += d
                    for i in 0..<n {
                        gw[j * n + i] += d * h[b * n + i]
                        previous[b * n + i] += w[j * n + i] * d
                    }
                }
            }
            gradients[k] = gw
            biasGradients[k] = gb
            if l > 1 { for i in previous.indices where h[i] <= 0 { previous[i] = 0 } }
            delta = previous
        }
        for (k, c) in convs.enumerated().reversed() {
            // Through the pool to the relu'd convolution output, then through the relu.
            var dy = [Float](repeating: 0, count: pass.conv[k].count)
            for (i, at) in pass.argmax[k].enumerated() { dy[at] += delta[i] }
            for i in dy.indices where pass.conv[k][i] <= 0 { dy[i] = 0 }
            let input = k == 0 ? x : pass.pooled[k - 1], w = weights[k]
            var dx = [Float](repeating: 0, count: k == 0 ? 0 : input.count), gw = gradients[k], gb = biasGradients[k]
            gradients[k] = []; biasGradients[k] = []
            for b in 0..<batch {
                for o in 0..<c.outputs {
                    for oy in 0..<c.rows {
                        for ox in 0..<c.columns {
                            let d = dy[((b * c.outputs + o) * c.rows + oy) * c.columns + ox]
                            gb[o] += d
                            for ch in 0..<c.channels {
                                let plane = (b * c.channels + ch) * c.height * c.width, taps = (o * c.channels + ch) * c.kernel * c.kernel
                                for ky in 0..<c.kernel {
                                    let row = plane + (oy + ky) * c.width + ox, tap = taps + ky * c.kernel
                                    for kx in 0..<c.kernel {
                                        gw[tap + kx] += d * input[row + kx]
                                        if k > 0 { dx[row + kx] += w[tap + kx] * d }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            gradients[k] = gw
            biasGradients[k] = gb
            delta = dx
        }
        for k in weights.indices {
            var w = weights[k], v = weightVelocity[k], b = biases[k], bv = biasVelocity[k]
            weights[k] = []; weightVelocity[k] = []; biases[k] = []; biasVelocity[k] = []  // keep the buffers unique
            let g = gradients[k], gb = biasGradients[k]
            for i in w.indices {
                v[i] = momentum * v[i] + g[i]
                w[i] -= learningRate * v[i]
            }
            for i in b.indices {
                bv[i] = momentum * bv[i] + gb[i]
                b[i] -= learningRate * bv[i]
            }
            weights[k] = w; weightVelocity[k] = v; biases[k] = b; biasVelocity[k] = bv
        }
    }
}
