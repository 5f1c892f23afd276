import NetcRuntime
import XCTest

/// `NormalisationKernels.layerNormForward` and `layerNormBackward`, the
/// latter from the statistics the former kept (every kernel set this CPU
/// runs), against the op's formulas in Double, for sample sizes around the
/// vector width, with and without γ and β, accumulating or not, with and
/// without an input gradient.
final class LayerNormKernelTests: XCTestCase {
    struct Reference {
        var y: [Double], dx: [Double], dGamma: [Double], dBeta: [Double]
    }

    func reference(_ x: [Float], _ dy: [Float], _ gamma: [Float]?, _ beta: [Float]?, n: Int, count: Int, epsilon: Double) -> Reference {
        var r = Reference(y: [], dx: [], dGamma: [Double](repeating: 0, count: n), dBeta: [Double](repeating: 0, count: n))
        for b in 0..<count {
            let xs = x[(b * n)..<((b + 1) * n)].map(Double.init), ds = dy[(b * n)..<((b + 1) * n)].map(Double.init)
            let mean = xs.reduce(0, +) / Double(n)
            let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            let inverse = 1 / (variance + epsilon).squareRoot()
            let xhat = xs.map { ($0 - mean) * inverse }
            let g = (0..<n).map { ds[$0] * Double(gamma?[$0] ?? 1) }
            r.y += (0..<n).map { xhat[$0] * Double(gamma?[$0] ?? 1) + Double(beta?[$0] ?? 0) }
            let meanG = g.reduce(0, +) / Double(n), meanGX = zip(g, xhat).reduce(0) { $0 + $1.0 * $1.1 } / Double(n)
            r.dx += (0..<n).map { (g[$0] - meanG - xhat[$0] * meanGX) * inverse }
            for i in 0..<n {
                r.dGamma[i] += ds[i] * xhat[i]
                r.dBeta[i] += ds[i]
            }
        }
        return r
    }

    func assertClose(_ a: [Float], _ b: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        let scale = max(1, b.map(abs).max() ?? 0)
        let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 2e-5 * scale, message, file: file, line: line)
    }

    func testAgainstTheFormulasInDouble() {
        KernelSets.forEach { set in
            var random = SplitMix64(seed: 11)
            func draw(_ k: Int, _ range: ClosedRange<Float>) -> [Float] { (0..<k).map { _ in Float.random(in: range, using: &random) } }
            for n in [1, 2, 7, 8, 9, 15, 16, 17, 37, 128] {
                for affine in [false, true] {
                    for accumulate in [false, true] {
                        let count = 3, what = "\(set) n=\(n) affine=\(affine) accumulate=\(accumulate)"
                        var x = draw(count * n, -3...5), dy = draw(count * n, -1...1)
                        var gamma = draw(n, 0.5...1.5), beta = draw(n, -1...1)
                        let start = draw(count * n, -1...1), startGamma = draw(n, -1...1), startBeta = draw(n, -1...1)
                        var y = [Float](repeating: .nan, count: count * n), dx = start
                        var dGamma = startGamma, dBeta = startBeta, statistics = [Float](repeating: .nan, count: 2 * count)
                        x.withUnsafeMutableBufferPointer { x in y.withUnsafeMutableBufferPointer { y in
                            gamma.withUnsafeMutableBufferPointer { g in beta.withUnsafeMutableBufferPointer { b in statistics.withUnsafeMutableBufferPointer { s in
                                NormalisationKernels.layerNormForward(x.baseAddress!, y.baseAddress!, gamma: affine ? g.baseAddress! : nil,
                                                                      beta: affine ? b.baseAddress! : nil, statistics: s.baseAddress!, n: n,
                                                                      epsilon: 1e-5, count: count)
                                dy.withUnsafeMutableBufferPointer { d in dx.withUnsafeMutableBufferPointer { dx in
                                    dGamma.withUnsafeMutableBufferPointer { dg in dBeta.withUnsafeMutableBufferPointer { db in
                                        NormalisationKernels.layerNormBackward(x.baseAddress!, d.baseAddress!, dx.baseAddress!, accumulate: accumulate,
                                                                               gamma: affine ? g.baseAddress! : nil, dGamma: affine ? dg.baseAddress! : nil,
                                                                               dBeta: affine ? db.baseAddress! : nil, statistics: s.baseAddress!,
                                                                               n: n, count: count)
                                    } }
                                } }
                            } } }
                        } }
                        let r = reference(x, dy, affine ? gamma : nil, affine ? beta : nil, n: n, count: count, epsilon: 1e-5)
                        assertClose(y, r.y, "\(what): y")
                        assertClose(dx, accumulate ? zip(start, r.dx).map { Double($0) + $1 } : r.dx, "\(what): dx")
                        assertClose(dGamma, affine ? zip(startGamma, r.dGamma).map { Double($0) + $1 } : startGamma.map(Double.init), "\(what): dγ")
                        assertClose(dBeta, affine ? zip(startBeta, r.dBeta).map { Double($0) + $1 } : startBeta.map(Double.init), "\(what): dβ")
                    }
                }
            }
        }
    }

    /// Without an input gradient (dx nil) only γ's and β's gradients are written.
    func testParameterGradientsAlone() {
        var x: [Float] = (0..<20).map { Float($0 % 7) - 2 }, dy: [Float] = (0..<20).map { Float($0 % 3) - 1 }, y = x
        var gamma = [Float](repeating: 2, count: 10), beta = [Float](repeating: 0, count: 10), statistics = [Float](repeating: .nan, count: 4)
        var dGamma = [Float](repeating: 0, count: 10), dBeta = dGamma
        x.withUnsafeMutableBufferPointer { x in dy.withUnsafeMutableBufferPointer { d in gamma.withUnsafeMutableBufferPointer { g in
            dGamma.withUnsafeMutableBufferPointer { dg in dBeta.withUnsafeMutableBufferPointer { db in statistics.withUnsafeMutableBufferPointer { s in
                NormalisationKernels.layerNormForward(x.baseAddress!, &y, gamma: g.baseAddress!, beta: &beta, statistics: s.baseAddress!,
                                                      n: 10, epsilon: 1e-5, count: 2)
                NormalisationKernels.layerNormBackward(x.baseAddress!, d.baseAddress!, nil, accumulate: false, gamma: g.baseAddress!,
                                                       dGamma: dg.baseAddress!, dBeta: db.baseAddress!, statistics: s.baseAddress!, n: 10, count: 2)
            } } }
        } } }
        let r = reference(x, dy, gamma, nil, n: 10, count: 2, epsilon: 1e-5)
        assertClose(dGamma, r.dGamma, "dγ")
        assertClose(dBeta, r.dBeta, "dβ")
    }
}
