#if canImport(Glibc)
import Glibc
#endif

/// Baseline (b) for `lstm b32` (Models/LSTMB32.net): a one-channel sequence
/// through an LSTM whose last state feeds a dense layer, over `[Float]`
/// arrays written the way a competent Swift developer would without netc —
/// per sample, a dot product per gate row, every step's gates and cells kept
/// for backpropagation through time, fresh arrays per call, softmax
/// cross-entropy and SGD with momentum, as HandMLP does for the MLPs.
final class HandLSTM: HandWrittenNetwork {
    let channels = 1, length = 50, hidden = 64, classes = 2
    let learningRate: Float = 0.05, momentum: Float = 0.9
    /// W_ih [4H][C], W_hh [4H][H], b [4H] (b_ih + b_hh as one), W_out [2][H], b_out [2].
    var parameters: [[Float]], velocity: [[Float]]

    init() {
        var seed: UInt32 = 1
        func random() -> Float {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(seed >> 8) / Float(1 << 24) - 0.5
        }
        let g = 4 * hidden
        let sizes = [g * channels, g * hidden, g, classes * hidden, classes]
        parameters = sizes.map { n in (0..<n).map { _ in random() * 0.2 } }
        velocity = sizes.map { [Float](repeating: 0, count: $0) }
    }

    func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    /// Each step's gates (after activation) and cell, and the states h₋₁…h_{T−1}, for one sample.
    func run(_ x: ArraySlice<Float>) -> (gates: [[Float]], cells: [[Float]], states: [[Float]]) {
        let g = 4 * hidden, wi = parameters[0], wh = parameters[1], b = parameters[2]
        var gates: [[Float]] = [], cells: [[Float]] = [], states = [[Float](repeating: 0, count: hidden)]
        var c = [Float](repeating: 0, count: hidden)
        for t in 0..<length {
            let h = states[t]
            var a = [Float](repeating: 0, count: g)
            for r in 0..<g {
                var sum = b[r]
                for ch in 0..<channels { sum += wi[r * channels + ch] * x[x.startIndex + ch * length + t] }
                for k in 0..<hidden { sum += wh[r * hidden + k] * h[k] }
                a[r] = r < 2 * hidden || r >= 3 * hidden ? sigmoid(sum) : tanhf(sum)
            }
            var next = [Float](repeating: 0, count: hidden)
            for k in 0..<hidden {
                c[k] = a[hidden + k] * c[k] + a[k] * a[2 * hidden + k]
                next[k] = a[3 * hidden + k] * tanhf(c[k])
            }
            gates.append(a); cells.append(c); states.append(next)
        }
        return (gates, cells, states)
    }

    func logits(_ h: [Float]) -> [Float] {
        (0..<classes).map { o in (0..<hidden).reduce(parameters[4][o]) { $0 + parameters[3][o * hidden + $1] * h[$1] } }
    }

    func predict(_ x: [Float], batch: Int) -> [Float] {
        (0..<batch).flatMap { logits(run(x[(($0) * length)..<(($0 + 1) * length)]).states[length]) }
    }

    func trainStep(_ x: [Float], _ target: [Float], batch: Int) {
        let g = 4 * hidden, wh = parameters[1], wout = parameters[3]
        var gWi = [Float](repeating: 0, count: g * channels), gWh = [Float](repeating: 0, count: g * hidden)
        var gB = [Float](repeating: 0, count: g), gWout = [Float](repeating: 0, count: classes * hidden)
        var gBout = [Float](repeating: 0, count: classes)
        for s in 0..<batch {
            let sample = x[(s * length)..<((s + 1) * length)], (gates, cells, states) = run(sample)
            let last = states[length], z = logits(last), top = z.max()!, e = z.map { expf($0 - top) }, total = e.reduce(0, +)
            var dh = [Float](repeating: 0, count: hidden)
            for o in 0..<classes {
                let dz = (e[o] / total - target[s * classes + o]) / Float(batch)
                gBout[o] += dz
                for k in 0..<hidden {
                    gWout[o * hidden + k] += dz * last[k]
                    dh[k] += dz * wout[o * hidden + k]
                }
            }
            var dc = [Float](repeating: 0, count: hidden), da = [Float](repeating: 0, count: g)
            for t in stride(from: length - 1, through: 0, by: -1) {
                let a = gates[t], c = cells[t], h = states[t]
                for k in 0..<hidden {
                    let tc = tanhf(c[k]), before: Float = t > 0 ? cells[t - 1][k] : 0
                    let i = a[k], f = a[hidden + k], gg = a[2 * hidden + k], o = a[3 * hidden + k]
                    let dck = dc[k] + dh[k] * o * (1 - tc * tc)
                    da[k] = dck * gg * i * (1 - i)
                    da[hidden + k] = dck * before * f * (1 - f)
                    da[2 * hidden + k] = dck * i * (1 - gg * gg)
                    da[3 * hidden + k] = dh[k] * tc * o * (1 - o)
                    dc[k] = dck * f
                }
                for k in 0..<hidden { dh[k] = 0 }
                for r in 0..<g {
                    let d = da[r]
                    gB[r] += d
                    for ch in 0..<channels { gWi[r * channels + ch] += d * sample[sample.startIndex + ch * length + t] }
                    for k in 0..<hidden {
                        gWh[r * hidden + k] += d * h[k]
                        dh[k] += wh[r * hidden + k] * d
                    }
                }
            }
        }
        for (l, grad) in [gWi, gWh, gB, gWout, gBout].enumerated() {
            for i in grad.indices {
                velocity[l][i] = momentum * velocity[l][i] + grad[i]
                parameters[l][i] -= learningRate * velocity[l][i]
            }
        }
    }
}
