#if canImport(Glibc)
import Glibc
#endif

/// Baseline (b) for `attention b32` (Models/AttentionB32.net): four-head
/// self-attention over 64 channels × 32 positions, averaged over the
/// positions and classified, over `[Float]` arrays written the way a
/// competent Swift developer would without netc — flat arrays, per sample
/// a dot product per projected value and per score, the activations kept
/// for the backward pass, fresh arrays per call, softmax cross-entropy and SGD with momentum,
/// as HandLSTM does for the LSTM.
final class HandAttention: HandWrittenNetwork {
    let channels = 64, length = 32, heads = 4, classes = 2
    let learningRate: Float = 0.05, momentum: Float = 0.9
    var width: Int { channels / heads }
    /// W_in [3E][E], b_in [3E], W_out [E][E], b_out [E], W [2][E], b [2].
    var parameters: [[Float]], velocity: [[Float]]

    init() {
        var seed: UInt32 = 1
        func random() -> Float {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(seed >> 8) / Float(1 << 24) - 0.5
        }
        let e = channels
        let sizes = [3 * e * e, 3 * e, e * e, e, classes * e, classes]
        parameters = sizes.map { n in (0..<n).map { _ in random() * 0.2 } }
        velocity = sizes.map { [Float](repeating: 0, count: $0) }
    }

    /// One sample's [Q K V] [L][3E] (row-major, flat), each head's P [heads][L][L], O [L][E] and the pooled output [E].
    func run(_ x: ArraySlice<Float>) -> (qkv: [Float], p: [Float], o: [Float], pooled: [Float]) {
        let (e, l, d) = (channels, length, width), wi = parameters[0], bi = parameters[1], wo = parameters[2], bo = parameters[3]
        let base = x.startIndex, scale = 1 / Float(d).squareRoot()
        var qkv = [Float](repeating: 0, count: l * 3 * e)
        for t in 0..<l {
            for j in 0..<(3 * e) {
                var sum = bi[j]
                for k in 0..<e { sum += wi[j * e + k] * x[base + k * l + t] }
                qkv[t * 3 * e + j] = sum
            }
        }
        var p = [Float](repeating: 0, count: heads * l * l), o = [Float](repeating: 0, count: l * e)
        var scores = [Float](repeating: 0, count: l)
        for h in 0..<heads {
            for i in 0..<l {
                var top = -Float.infinity
                for j in 0..<l {
                    var sum: Float = 0
                    for k in 0..<d { sum += qkv[i * 3 * e + h * d + k] * qkv[j * 3 * e + e + h * d + k] }
                    scores[j] = sum * scale
                    top = max(top, scores[j])
                }
                var total: Float = 0
                for j in 0..<l {
                    scores[j] = expf(scores[j] - top)
                    total += scores[j]
                }
                for j in 0..<l {
                    let pj = scores[j] / total
                    p[(h * l + i) * l + j] = pj
                    for k in 0..<d { o[i * e + h * d + k] += pj * qkv[j * 3 * e + 2 * e + h * d + k] }
                }
            }
        }
        var pooled = [Float](repeating: 0, count: e)
        for t in 0..<l {
            for r in 0..<e {
                var sum = bo[r]
                for k in 0..<e { sum += wo[r * e + k] * o[t * e + k] }
                pooled[r] += sum / Float(l)
            }
        }
        return (qkv, p, o, pooled)
    }

    func logits(_ g: [Float]) -> [Float] {
        var z = parameters[5]
        for c in 0..<classes { for k in 0..<channels { z[c] += parameters[4][c * channels + k] * g[k] } }
        return z
    }

    func predict(_ x: [Float], batch: Int) -> [Float] {
        let n = channels * length
        return (0..<batch).flatMap { logits(run(x[($0 * n)..<(($0 + 1) * n)]).pooled) }
    }

    func trainStep(_ x: [Float], _ target: [Float], batch: Int) {
        let (e, l, d) = (channels, length, width), n = e * l, scale = 1 / Float(d).squareRoot()
        let wo = parameters[2], w = parameters[4]
        var gWi = [Float](repeating: 0, count: 3 * e * e), gBi = [Float](repeating: 0, count: 3 * e)
        var gWo = [Float](repeating: 0, count: e * e), gBo = [Float](repeating: 0, count: e)
        var gW = [Float](repeating: 0, count: classes * e), gB = [Float](repeating: 0, count: classes)
        for s in 0..<batch {
            let base = s * n, (qkv, p, o, pooled) = run(x[base..<(base + n)])
            let z = logits(pooled), top = z.max()!
            var ex = z
            var total: Float = 0
            for c in 0..<classes { ex[c] = expf(z[c] - top); total += ex[c] }
            var dg = [Float](repeating: 0, count: e)
            for c in 0..<classes {
                let dz = (ex[c] / total - target[s * classes + c]) / Float(batch)
                gB[c] += dz
                for k in 0..<e {
                    gW[c * e + k] += dz * pooled[k]
                    dg[k] += dz * w[c * e + k]
                }
            }
            // The mean over positions: every position's output gets dg / L.
            var dO = [Float](repeating: 0, count: l * e)
            for t in 0..<l {
                for r in 0..<e {
                    let dy = dg[r] / Float(l)
                    gBo[r] += dy
                    for k in 0..<e {
                        gWo[r * e + k] += dy * o[t * e + k]
                        dO[t * e + k] += dy * wo[r * e + k]
                    }
                }
            }
            var dqkv = [Float](repeating: 0, count: l * 3 * e), dp = [Float](repeating: 0, count: l)
            for h in 0..<heads {
                for i in 0..<l {
                    var dot: Float = 0
                    for j in 0..<l {
                        var sum: Float = 0
                        for k in 0..<d { sum += dO[i * e + h * d + k] * qkv[j * 3 * e + 2 * e + h * d + k] }
                        dp[j] = sum
                        dot += p[(h * l + i) * l + j] * sum
                    }
                    for j in 0..<l {
                        let pj = p[(h * l + i) * l + j], ds = pj * (dp[j] - dot) * scale
                        for k in 0..<d {
                            dqkv[i * 3 * e + h * d + k] += ds * qkv[j * 3 * e + e + h * d + k]
                            dqkv[j * 3 * e + e + h * d + k] += ds * qkv[i * 3 * e + h * d + k]
                            dqkv[j * 3 * e + 2 * e + h * d + k] += pj * dO[i * e + h * d + k]
                        }
                    }
                }
            }
            for t in 0..<l {
                for j in 0..<(3 * e) {
                    let g = dqkv[t * 3 * e + j]
                    gBi[j] += g
                    for k in 0..<e { gWi[j * e + k] += g * x[base + k * l + t] }
                }
            }
        }
        for (k, grad) in [gWi, gBi, gWo, gBo, gW, gB].enumerated() {
            for i in grad.indices {
                velocity[k][i] = momentum * velocity[k][i] + grad[i]
                parameters[k][i] -= learningRate * velocity[k][i]
            }
        }
    }
}
