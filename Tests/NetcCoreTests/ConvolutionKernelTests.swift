@testable import NetcCore
import NetcRuntime
import XCTest

/// The Float convolution and pooling kernels (`ConvolutionKernels.forward`
/// and its gradients, `PoolingKernels`) against the ops' own definitions in
/// Double, on both kernel sets, over random geometries that reach every
/// path: read in place, padded copies, windows copied out (strides above 1),
/// dilation, rows whose last vector overlaps the one before, outputs below
/// 16 (positions along the vectors) and from 16 (outputs along them, in whole
/// and partial 8s), and samples split into chunks.
final class ConvolutionKernelTests: XCTestCase {
    /// A random geometry the planes kernels take, and output channels.
    func randomGeometry(_ rng: inout SplitMix64) -> (ConvolutionGeometry, Int) {
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
        while true {
            let k = pick(1...5), kw = pick(1...5), stride = pick(1...4) <= 3 ? 1 : pick(2...3), dilation = pick(1...4) == 1 ? 2 : 1
            let pad = pick(0...3) == 0 ? pick(1...2) : 0
            let g = ConvolutionGeometry(channels: pick(1...7), height: pick(k...14), width: pick(8...27), kernelHeight: k, kernelWidth: kw,
                                        strideY: stride, strideX: stride, dilation: dilation, padTop: pad, padBottom: pick(0...pad),
                                        padLeft: pad, padRight: pad)
            if g.outputHeight > 0, g.outputWidth > 0, ConvolutionKernels.planesSupported(g) {
                return (g, [1, 3, 6, 7, 16, 20, 33][pick(0...6)])
            }
        }
    }

    func input(_ g: ConvolutionGeometry, _ x: [Double], sample b: Int, c: Int, oy: Int, ox: Int, ky: Int, kx: Int) -> Double {
        g.input(channel: c, oy: oy, ox: ox, ky: ky, kx: kx).map { x[b * g.channels * g.inputPlane + $0] } ?? 0
    }

    func testConvolutionKernelsMatchTheDefinition() {
        var rng = SplitMix64(seed: 11)
        for trial in 0..<60 {
            let (g, outputs) = randomGeometry(&rng)
            let count = 1 + Int(rng.next() % 4)
            let taps = g.patch, positions = g.outputPlane
            let x = randomFloats(count * g.channels * g.inputPlane, &rng), w = randomFloats(outputs * taps, &rng)
            let bias = randomFloats(outputs, &rng), dy = randomFloats(count * outputs * positions, &rng)
            let dxBefore = randomFloats(x.count, &rng)
            let (xd, wd, dyd) = (x.map(Double.init), w.map(Double.init), dy.map(Double.init))
            // The definition, in Double.
            var y = [Double](repeating: 0, count: dy.count), dw = [Double](repeating: 0, count: w.count)
            var db = [Double](repeating: 0, count: outputs), dx = [Double](repeating: 0, count: x.count)
            for b in 0..<count {
                for o in 0..<outputs {
                    for oy in 0..<g.outputHeight {
                        for ox in 0..<g.outputWidth {
                            let at = (b * outputs + o) * positions + oy * g.outputWidth + ox
                            var s = Double(bias[o])
                            db[o] += dyd[at]
                            for c in 0..<g.channels {
                                for ky in 0..<g.kernelHeight {
                                    for kx in 0..<g.kernelWidth {
                                        let r = (c * g.kernelHeight + ky) * g.kernelWidth + kx
                                        s += wd[o * taps + r] * input(g, xd, sample: b, c: c, oy: oy, ox: ox, ky: ky, kx: kx)
                                        dw[o * taps + r] += dyd[at] * input(g, xd, sample: b, c: c, oy: oy, ox: ox, ky: ky, kx: kx)
                                        if let i = g.input(channel: c, oy: oy, ox: ox, ky: ky, kx: kx) {
                                            dx[b * g.channels * g.inputPlane + i] += dyd[at] * wd[o * taps + r]
                                        }
                                    }
                                }
                            }
                            y[at] = s
                        }
                    }
                }
            }
            let what = "trial \(trial): \(g), \(outputs) outputs, \(count) samples"
            KernelSets.forEach { path in
                var (xs, ws, bs, dys) = (x, w, bias, dy)
                var yk = [Float](repeating: .nan, count: dy.count), dwk = [Float](repeating: .nan, count: w.count)
                var dbk = [Float](repeating: .nan, count: outputs), dxk = [Float](repeating: .nan, count: x.count), dxa = dxBefore
                var scratch = [Float](repeating: .nan, count: ConvolutionKernels.planesScratch(g, outputs: outputs, count: count))
                var yr = yk
                ConvolutionKernels.forward(g, outputs: outputs, &ws, &bs, &xs, &yk, count: count, scratch: &scratch)
                ConvolutionKernels.forward(g, outputs: outputs, &ws, &bs, &xs, &yr, rectify: true, count: count, scratch: &scratch)
                ConvolutionKernels.weightGradient(g, outputs: outputs, &dys, &xs, &dwk, &dbk, count: count, scratch: &scratch)
                ConvolutionKernels.inputGradient(g, outputs: outputs, &dys, &ws, &dxk, accumulate: false, count: count, scratch: &scratch)
                ConvolutionKernels.inputGradient(g, outputs: outputs, &dys, &ws, &dxa, accumulate: true, count: count, scratch: &scratch)
                assertClose(yk, y.map(Float.init), "\(path) forward, \(what)")
                XCTAssertEqual(yr, yk.map { $0 < 0 ? 0 : $0 }, "\(path) forward with relu, \(what)")
                assertClose(dwk, dw.map(Float.init), "\(path) dW, \(what)")
                assertClose(dbk, db.map(Float.init), "\(path) db, \(what)")
                assertClose(dxk, dx.map(Float.init), "\(path) dx, \(what)")
                assertClose(dxa, zip(dx, dxBefore).map { Float($0 + Double($1)) }, "\(path) dx +=, \(what)")
            }
        }
    }

    /// Scratch is what `planesScratch` says: the kernels write nothing past it.
    func testConvolutionKernelsStayInsideTheirScratch() {
        let g = ConvolutionGeometry(channels: 3, height: 11, width: 13, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2, padTop: 1,
                                    padBottom: 1, padLeft: 1, padRight: 1)
        let same = ConvolutionGeometry(channels: 3, height: 11, width: 13, kernelHeight: 3, kernelWidth: 3, padTop: 1, padBottom: 1,
                                       padLeft: 1, padRight: 1)
        var rng = SplitMix64(seed: 3)
        for (g, outputs) in [(g, 20), (same, 5), (same, 17)] {
            let count = 9
            let size = ConvolutionKernels.planesScratch(g, outputs: outputs, count: count)
            var x = randomFloats(count * g.channels * g.inputPlane, &rng), w = randomFloats(outputs * g.patch, &rng)
            var dy = randomFloats(count * outputs * g.outputPlane, &rng), y = dy, dw = w, dx = x
            var scratch = [Float](repeating: 7, count: size + 64)
            scratch.withUnsafeMutableBufferPointer { s in
                ConvolutionKernels.forward(g, outputs: outputs, &w, nil, &x, &y, count: count, scratch: s.baseAddress!)
                ConvolutionKernels.weightGradient(g, outputs: outputs, &dy, &x, &dw, nil, count: count, scratch: s.baseAddress!)
                ConvolutionKernels.inputGradient(g, outputs: outputs, &dy, &w, &dx, accumulate: false, count: count, scratch: s.baseAddress!)
            }
            XCTAssertEqual(Array(scratch[size...]), [Float](repeating: 7, count: 64), "\(g) wrote past its scratch")
        }
    }

    func testPoolingKernelsMatchTheOp() {
        var rng = SplitMix64(seed: 17)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
        // Pairs of 2×2 windows: rows of 8 or more outputs (the last vector
        // overlapping), of 4–7, windows tiling the input or not; then any window.
        var geometries = [ConvolutionGeometry(channels: 3, height: 24, width: 24, kernelHeight: 2, kernelWidth: 2, strideY: 2, strideX: 2),
                          ConvolutionGeometry(channels: 2, height: 7, width: 13, kernelHeight: 2, kernelWidth: 2, strideY: 2, strideX: 2),
                          ConvolutionGeometry(channels: 2, height: 5, width: 21, kernelHeight: 2, kernelWidth: 2, strideY: 2, strideX: 2),
                          ConvolutionGeometry(channels: 2, height: 6, width: 38, kernelHeight: 2, kernelWidth: 2, strideY: 2, strideX: 2),
                          ConvolutionGeometry(channels: 4, height: 8, width: 8, kernelHeight: 2, kernelWidth: 2, strideY: 2, strideX: 2)]
        for _ in 0..<20 {
            let k = pick(1...3), s = pick(1...3), pad = pick(0...k / 2)
            geometries.append(ConvolutionGeometry(channels: pick(1...3), height: pick(k...9), width: pick(k...20), kernelHeight: k,
                                                  kernelWidth: k, strideY: s, strideX: s, padTop: pad, padBottom: pad, padLeft: pad, padRight: pad))
        }
        for g in geometries {
            let count = 1 + pick(0...2), inSize = g.channels * g.inputPlane, outSize = g.channels * g.outputPlane
            // Few distinct values, so windows tie (relu's zeros), and some NaN.
            var x = (0..<(count * inSize)).map { _ in Float(pick(0...3)) - 1 }
            for _ in 0..<3 { x[pick(0...(x.count - 1))] = .nan }
            var dy = randomFloats(count * outSize, &rng)
            for reduction in [PoolOp.Reduction.max, .average] {
                let op = PoolOp(reduction: reduction, window: g, sequence: false)
                // The op's windows and its rule for the maximum (PoolOp.taps, PoolOp.argmax), per sample.
                var y = [Double](), dx = [Double](repeating: 0, count: x.count)
                for b in 0..<count {
                    let xb = x[(b * inSize)..<((b + 1) * inSize)].map(Double.init)
                    for index in 0..<outSize {
                        let taps = op.taps(index), grad = Double(dy[b * outSize + index])
                        switch reduction {
                        case .max:
                            let at = PoolOp.argmax(xb, taps)
                            y.append(xb[at])
                            dx[b * inSize + at] += grad
                        case .average:
                            y.append(taps.reduce(0) { $0 + xb[$1] } / Double(g.kernelArea))
                            for i in taps { dx[b * inSize + i] += grad / Double(g.kernelArea) }
                        }
                    }
                }
                let before = randomFloats(x.count, &rng)
                KernelSets.forEach { path in
                    var yk = [Float](repeating: 5, count: dy.count), dxk = [Float](repeating: 5, count: x.count), dxa = before
                    switch reduction {
                    case .max:
                        PoolingKernels.maxForward(g, &x, &yk, count: count)
                        PoolingKernels.maxBackward(g, &x, &yk, &dy, &dxk, accumulate: false, count: count)
                        PoolingKernels.maxBackward(g, &x, &yk, &dy, &dxa, accumulate: true, count: count)
                        // The relu before the pool done by the pool: relu′ of what the pool read.
                        var dxr = [Float](repeating: 5, count: x.count)
                        PoolingKernels.maxBackward(g, &x, &yk, &dy, &dxr, accumulate: false, rectify: true, count: count)
                        assertClose(dxr, zip(dx, x).map { Float($0) * ($1 > 0 ? 1 : 0) }, "\(path) max pool \(g) backward with relu")
                    case .average:
                        PoolingKernels.averageForward(g, &x, &yk, count: count)
                        PoolingKernels.averageBackward(g, &dy, &dxk, accumulate: false, count: count)
                        PoolingKernels.averageBackward(g, &dy, &dxa, accumulate: true, count: count)
                    }
                    let what = "\(path) \(reduction) pool \(g)"
                    XCTAssertEqual(yk.map { $0.isNaN }, y.map { $0.isNaN }, "\(what): NaN outputs")
                    assertClose(yk.map { $0.isNaN ? 0 : $0 }, y.map { $0.isNaN ? 0 : Float($0) }, "\(what) forward")
                    assertClose(dxk, dx.map(Float.init), "\(what) backward")
                    assertClose(dxa, zip(dx, before).map { Float($0 + Double($1)) }, "\(what) backward +=")
                }
            }
        }
    }
}
