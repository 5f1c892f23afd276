#if canImport(Glibc)
import Glibc
#endif
import _Differentiation

/// Baseline (c): the same MLP with Swift's built-in differentiable
/// programming: the loss is written once, `valueWithGradient` derives the
/// backward pass, and the update is plain SGD on the tangent vector.
struct ADLayer: Differentiable {
    var weights: [Float]
    var bias: [Float]
}

struct ADMLP {
    var layers: [ADLayer]
    @noDerivative let sizes: [Int]
    @noDerivative let sigmoidHidden: Bool
    @noDerivative let squaredError: Bool
    @noDerivative let learningRate: Float

    init(sizes: [Int], sigmoidHidden: Bool, squaredError: Bool, learningRate: Float) {
        self.sizes = sizes
        self.sigmoidHidden = sigmoidHidden
        self.squaredError = squaredError
        self.learningRate = learningRate
        layers = (1..<sizes.count).map { l in
            ADLayer(weights: (0..<(sizes[l] * sizes[l - 1])).map { Float(($0 * 7919) % 1000) / 5000 - 0.1 },
                    bias: [Float](repeating: 0, count: sizes[l]))
        }
    }

    func predict(_ x: [Float], batch: Int) -> [Float] {
        (0..<batch).flatMap { b in
            adForward(layers, Array(x[(b * sizes[0])..<((b + 1) * sizes[0])]), sizes, sigmoidHidden, squaredError)
        }
    }

    @discardableResult
    mutating func trainStep(_ x: [Float], _ target: [Float], batch: Int) -> Float {
        let (sizes, sigmoid, se) = (self.sizes, sigmoidHidden, squaredError)
        let (loss, gradient) = valueWithGradient(at: layers) { layers in
            adBatchLoss(layers, x, target, batch, sizes, sigmoid, se)
        }
        for l in layers.indices {
            for k in layers[l].weights.indices { layers[l].weights[k] -= learningRate * gradient[l].weights[k] }
            for k in layers[l].bias.indices { layers[l].bias[k] -= learningRate * gradient[l].bias[k] }
        }
        return loss
    }
}

/// A dense layer. Its derivative is registered by hand, as Swift for
/// TensorFlow did for matmul: differentiating the scalar loops through
/// `Array` subscripts would allocate a zero tangent array per element read
/// (quadratic), which no competent user of `_Differentiation` would ship.
@differentiable(reverse, wrt: (x, w, b))
func adDense(_ x: [Float], _ w: [Float], _ b: [Float], _ n: Int, _ m: Int) -> [Float] {
    var y = b
    for j in 0..<m {
        var s: Float = 0
        for i in 0..<n { s += w[j * n + i] * x[i] }
        y[j] += s
    }
    return y
}

@derivative(of: adDense, wrt: (x, w, b))
func adDenseVJP(_ x: [Float], _ w: [Float], _ b: [Float], _ n: Int, _ m: Int)
    -> (value: [Float], pullback: ([Float].TangentVector) -> ([Float].TangentVector, [Float].TangentVector, [Float].TangentVector))
{
    (adDense(x, w, b, n, m), { dy in
        let dy = dy.base
        var dx = [Float](repeating: 0, count: n), dw = [Float](repeating: 0, count: n * m)
        for j in 0..<m {
            for i in 0..<n {
                dx[i] += w[j * n + i] * dy[j]
                dw[j * n + i] = dy[j] * x[i]
            }
        }
        return (.init(dx), .init(dw), .init(dy))
    })
}

/// Elementwise activation through `differentiableMap`, whose pullback is linear in the width.
@differentiable(reverse)
func adActivate(_ x: [Float], _ sigmoid: Bool) -> [Float] {
    sigmoid ? x.differentiableMap { 1 / (1 + exp(-$0)) } : x.differentiableMap { relu($0) }
}

@differentiable(reverse)
func relu(_ x: Float) -> Float { x > 0 ? x : 0 }

@differentiable(reverse, wrt: layers)
func adForward(_ layers: [ADLayer], _ x: [Float], _ sizes: [Int], _ sigmoidHidden: Bool, _ squaredError: Bool) -> [Float] {
    var h = x
    for l in withoutDerivative(at: layers.indices) {
        h = adDense(h, layers[l].weights, layers[l].bias, sizes[l], sizes[l + 1])
        if l < withoutDerivative(at: layers.count) - 1 || squaredError { h = adActivate(h, sigmoidHidden) }
    }
    return h
}

@differentiable(reverse, wrt: layers)
func adBatchLoss(_ layers: [ADLayer], _ x: [Float], _ t: [Float], _ batch: Int, _ sizes: [Int],
                 _ sigmoidHidden: Bool, _ squaredError: Bool) -> Float {
    let n = sizes[0], m = sizes[sizes.count - 1]
    var total: Float = 0
    for b in withoutDerivative(at: 0..<batch) {
        let y = adForward(layers, Array(x[(b * n)..<((b + 1) * n)]), sizes, sigmoidHidden, squaredError)
        if squaredError {
            for j in withoutDerivative(at: 0..<m) { total = total + 0.5 * (y[j] - t[b * m + j]) * (y[j] - t[b * m + j]) }
        } else {
            var top = withoutDerivative(at: y[0])
            for j in withoutDerivative(at: 1..<m) { top = withoutDerivative(at: Swift.max(top, y[j])) }
            var sum: Float = 0
            for j in withoutDerivative(at: 0..<m) { sum = sum + exp(y[j] - top) }
            let lse = top + log(sum)
            for j in withoutDerivative(at: 0..<m) { total = total + t[b * m + j] * (lse - y[j]) }
        }
    }
    return total / Float(batch)
}
