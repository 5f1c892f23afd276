/// Baseline (b) for `generator b32` (Models/GeneratorB32.net): a DCGAN-style
/// decoder, 64 × 8 × 8 through three transposed convolutions (kernel 4,
/// stride 2, padding 1) to 32 × 16 × 16, 16 × 32 × 32 and 3 × 64 × 64, relu
/// between them, over `[Float]` arrays written the way a competent Swift
/// developer would without netc — NCHW arrays, W [in][out][4][4] as PyTorch
/// lays it out, each layer as its scatter loop nest (each input value times
/// the kernel added into the output window, bounds checked per tap), the
/// values kept for the backward pass, fresh arrays per call, mean squared
/// error and Adam, as netc's spec trains it.
final class HandGenerator: HandWrittenNetwork {
    struct Layer {
        let inputs: Int, outputs: Int, side: Int
        var outSide: Int { 2 * side }
    }

    let layers = [Layer(inputs: 64, outputs: 32, side: 8), Layer(inputs: 32, outputs: 16, side: 16), Layer(inputs: 16, outputs: 3, side: 32)]
    let learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    /// Per layer: W [in][out][4][4] and b [out]; Adam's two moments alike.
    var weights: [[Float]], biases: [[Float]], moments: [[[Float]]], powers: (Float, Float) = (1, 1)
    var inputCount: Int { layers[0].inputs * layers[0].side * layers[0].side }
    var outputCount: Int { layers[2].outputs * layers[2].outSide * layers[2].outSide }

    init() {
        var seed: UInt32 = 1
        func random() -> Float {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return Float(seed >> 8) / Float(1 << 24) - 0.5
        }
        weights = layers.map { l in (0..<(l.inputs * l.outputs * 16)).map { _ in random() * 0.1 } }
        biases = layers.map { [Float](repeating: 0, count: $0.outputs) }
        moments = (weights + biases).map { [[Float](repeating: 0, count: $0.count), [Float](repeating: 0, count: $0.count)] }
    }

    /// y = bias + each input value times the kernel, added at 2·i − 1 + k.
    func spread(_ l: Layer, _ w: [Float], _ b: [Float], _ x: ArraySlice<Float>) -> [Float] {
        let (s, t) = (l.side, l.outSide), base = x.startIndex
        var y = [Float](repeating: 0, count: l.outputs * t * t)
        for c in 0..<l.outputs { for i in 0..<(t * t) { y[c * t * t + i] = b[c] } }
        for o in 0..<l.inputs {
            for iy in 0..<s {
                for ix in 0..<s {
                    let v = x[base + (o * s + iy) * s + ix]
                    for c in 0..<l.outputs {
                        for ky in 0..<4 {
                            let oy = 2 * iy - 1 + ky
                            if oy < 0 || oy >= t { continue }
                            for kx in 0..<4 {
                                let ox = 2 * ix - 1 + kx
                                if ox < 0 || ox >= t { continue }
                                y[(c * t + oy) * t + ox] += w[((o * l.outputs + c) * 4 + ky) * 4 + kx] * v
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// One sample's layer inputs (relu applied) and its output.
    func run(_ x: ArraySlice<Float>) -> (inputs: [[Float]], output: [Float]) {
        var inputs = [Array(x)], h = Array(x)
        for (k, l) in layers.enumerated() {
            h = spread(l, weights[k], biases[k], h[...])
            if k < layers.count - 1 {
                h = h.map { max($0, 0) }
                inputs.append(h)
            }
        }
        return (inputs, h)
    }

    func predict(_ x: [Float], batch: Int) -> [Float] {
        (0..<batch).flatMap { run(x[($0 * inputCount)..<(($0 + 1) * inputCount)]).output }
    }

    /// The mean squared error over the batch and its gradients: the layers' weights, then their biases.
    func gradients(_ x: [Float], _ target: [Float], batch: Int) -> (loss: Float, gradients: [[Float]]) {
        var gw = weights.map { [Float](repeating: 0, count: $0.count) }, gb = biases.map { [Float](repeating: 0, count: $0.count) }
        var loss: Float = 0
        let scale = 1 / Float(outputCount * batch)
        for sample in 0..<batch {
            let (inputs, output) = run(x[(sample * inputCount)..<((sample + 1) * inputCount)])
            var dy = [Float](repeating: 0, count: outputCount)
            for i in 0..<outputCount {
                let d = output[i] - target[sample * outputCount + i]
                loss += d * d * scale
                dy[i] = 2 * d * scale
            }
            for k in stride(from: layers.count - 1, through: 0, by: -1) {
                let l = layers[k], (s, t) = (l.side, l.outSide), h = inputs[k], w = weights[k]
                var dx = [Float](repeating: 0, count: l.inputs * s * s)
                for c in 0..<l.outputs { for i in 0..<(t * t) { gb[k][c] += dy[c * t * t + i] } }
                for o in 0..<l.inputs {
                    for iy in 0..<s {
                        for ix in 0..<s {
                            let at = (o * s + iy) * s + ix, v = h[at]
                            var sum: Float = 0
                            for c in 0..<l.outputs {
                                for ky in 0..<4 {
                                    let oy = 2 * iy - 1 + ky
                                    if oy < 0 || oy >= t { continue }
                                    for kx in 0..<4 {
                                        let ox = 2 * ix - 1 + kx
                                        if ox < 0 || ox >= t { continue }
                                        let tap = ((o * l.outputs + c) * 4 + ky) * 4 + kx, g = dy[(c * t + oy) * t + ox]
                                        gw[k][tap] += v * g
                                        sum += w[tap] * g
                                    }
                                }
                            }
                            dx[at] = k > 0 && v <= 0 ? 0 : sum  // through the relu before this layer
                        }
                    }
                }
                dy = dx
            }
        }
        return (loss, gw + gb)
    }

    func trainStep(_ x: [Float], _ target: [Float], batch: Int) {
        let g = gradients(x, target, batch: batch).gradients
        powers = (powers.0 * beta1, powers.1 * beta2)
        let c1 = 1 - powers.0, c2 = 1 - powers.1
        for k in g.indices {
            for i in g[k].indices {
                moments[k][0][i] = beta1 * moments[k][0][i] + (1 - beta1) * g[k][i]
                moments[k][1][i] = beta2 * moments[k][1][i] + (1 - beta2) * g[k][i] * g[k][i]
                let update = learningRate * (moments[k][0][i] / c1) / ((moments[k][1][i] / c2).squareRoot() + epsilon)
                if k < layers.count { weights[k][i] -= update } else { biases[k - layers.count][i] -= update }
            }
        }
    }
}
