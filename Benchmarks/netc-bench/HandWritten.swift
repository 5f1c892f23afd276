#if canImport(Glibc)
import Glibc
#endif

/// Baseline (b): an MLP over `[Float]` arrays written the way a competent
/// Swift developer would without netc — flat row-major weights, index loops,
/// per-layer arrays hoisted into locals (no nested subscripts in inner loops),
/// fresh arrays for activations and deltas each call, SGD with momentum.
final class HandMLP {
    enum Activation { case relu, sigmoid, identity }
    enum Loss { case halfSquaredError, softmaxCrossEntropy }

    let sizes: [Int]
    let hidden: Activation, output: Activation, loss: Loss
    let learningRate: Float, momentum: Float
    var weights: [[Float]], biases: [[Float]]
    var weightVelocity: [[Float]], biasVelocity: [[Float]]

    init(sizes: [Int], hidden: Activation, output: Activation, loss: Loss, learningRate: Float, momentum: Float) {
        self.sizes = sizes
        self.hidden = hidden
        self.output = output
        self.loss = loss
        self.learningRate = learningRate
        self.momentum = momentum
        var seed: UInt32 = 1
        func random() -> Float {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(seed >> 8) / Float(1 << 24) - 0.5
        }
        weights = (1..<sizes.count).map { l in (0..<(sizes[l] * sizes[l - 1])).map { _ in random() * 0.2 } }
        biases = (1..<sizes.count).map { l in [Float](repeating: 0, count: sizes[l]) }
        weightVelocity = weights.map { [Float](repeating: 0, count: $0.count) }
        biasVelocity = biases.map { [Float](repeating: 0, count: $0.count) }
    }

    func activation(_ layer: Int) -> Activation { layer == sizes.count - 2 ? output : hidden }

    /// Activations of every layer (the input first), each [batch][size].
    func forward(_ x: [Float], batch: Int) -> [[Float]] {
        var activations = [x]
        for l in 0..<weights.count {
            let n = sizes[l], m = sizes[l + 1]
            let input = activations[l], w = weights[l], bias = biases[l], f = activation(l)
            var out = [Float](repeating: 0, count: batch * m)
            for b in 0..<batch {
                for j in 0..<m {
                    var s = bias[j]
                    for i in 0..<n { s += w[j * n + i] * input[b * n + i] }
                    switch f {
                    case .relu: s = max(0, s)
                    case .sigmoid: s = 1 / (1 + expf(-s))
                    case .identity: break
                    }
                    out[b * m + j] = s
                }
            }
            activations.append(out)
        }
        return activations
    }

    func predict(_ x: [Float], batch: Int) -> [Float] { forward(x, batch: batch).last! }

    /// One SGD step on a batch; returns the mean loss.
    @discardableResult
    func trainStep(_ x: [Float], _ target: [Float], batch: Int) -> Float {
        let activations = forward(x, batch: batch)
        let outputs = sizes.last!
        let y = activations.last!
        var delta = [Float](repeating: 0, count: batch * outputs)
        var total: Float = 0
        for b in 0..<batch {
            switch loss {
            case .halfSquaredError:
                for j in 0..<outputs {
                    let d = y[b * outputs + j] - target[b * outputs + j]
                    total += 0.5 * d * d
                    delta[b * outputs + j] = d * (output == .sigmoid ? y[b * outputs + j] * (1 - y[b * outputs + j]) : 1)
                }
            case .softmaxCrossEntropy:
                var top = y[b * outputs]
                for j in 1..<outputs { top = max(top, y[b * outputs + j]) }
                var sum: Float = 0
                for j in 0..<outputs { sum += expf(y[b * outputs + j] - top) }
                for j in 0..<outputs {
                    let p = expf(y[b * outputs + j] - top) / sum
                    total -= target[b * outputs + j] * logf(max(p, 1e-30))
                    delta[b * outputs + j] = p - target[b * outputs + j]
                }
            }
        }
        let scale = 1 / Float(batch)
        for l in stride(from: weights.count - 1, through: 0, by: -1) {
            let n = sizes[l], m = sizes[l + 1]
            let input = activations[l]
            var gradW = [Float](repeating: 0, count: n * m), gradB = [Float](repeating: 0, count: m)
            var previous = [Float](repeating: 0, count: batch * n)
            weights[l].withUnsafeBufferPointer { w in
            for b in 0..<batch {
                for j in 0..<m {
                    let d = delta[b * m + j] * scale, dj = delta[b * m + j]
                    gradB[j] += d
                    for i in 0..<n { gradW[j * n + i] += d * input[b * n + i] }
                    if l > 0 { for i in 0..<n { previous[b * n + i] += w[j * n + i] * dj } }
                }
            }
            }
            if l > 0 {
                for k in previous.indices {
                    let a = input[k]
                    switch hidden {
                    case .relu: previous[k] *= a > 0 ? 1 : 0
                    case .sigmoid: previous[k] *= a * (1 - a)
                    case .identity: break
                    }
                }
            }
            var wl = weights[l], vl = weightVelocity[l], bl = biases[l], bvl = biasVelocity[l]
            weights[l] = []; weightVelocity[l] = []; biases[l] = []; biasVelocity[l] = []  // keep the buffers unique
            for k in gradW.indices {
                vl[k] = momentum * vl[k] + gradW[k]
                wl[k] -= learningRate * vl[k]
            }
            for k in gradB.indices {
                bvl[k] = momentum * bvl[k] + gradB[k]
                bl[k] -= learningRate * bvl[k]
            }
            weights[l] = wl; weightVelocity[l] = vl; biases[l] = bl; biasVelocity[l] = bvl
            delta = previous
        }
        return total * scale
    }
}
