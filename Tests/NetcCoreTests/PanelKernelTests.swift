import NetcRuntime
import XCTest

/// The kernels over weights in 16-output panels against naive loops over the
/// row-major matrix, on shapes that reach every leftover path: 1–5 samples or
/// inputs after blocks of 6, slabs of 24 inputs, several slices of
/// 1024 inputs (PANEL_DEPTH) (unevenly divided), one to five panels (a lone sample
/// runs four at a time).
final class PanelKernelTests: XCTestCase {
    func panels(_ w: [Float], rows m: Int, columns n: Int) -> [Float] {
        var wp = [Float](repeating: .nan, count: m * n)
        w.withUnsafeBufferPointer { w in
            wp.withUnsafeMutableBufferPointer { PanelLayout.toPanels(w.baseAddress!, into: $0.baseAddress!, rows: m, columns: n) }
        }
        return wp
    }

    func testPanelLayoutRoundTripsAndPlacesEachWeight() {
        var state = SplitMix64(seed: 5)
        for (m, n) in [(16, 1), (16, 7), (32, 30), (48, 257)] {
            let w = randomFloats(m * n, &state)
            let wp = panels(w, rows: m, columns: n)
            for j in 0..<m {
                for i in 0..<n where wp[(j / 16) * n * 16 + i * 16 + j % 16] != w[j * n + i] {
                    XCTFail("W[\(j)][\(i)] is not at panel \(j / 16), row \(i), column \(j % 16)")
                    return
                }
            }
            var back = [Float](repeating: .nan, count: m * n)
            wp.withUnsafeBufferPointer { wp in
                back.withUnsafeMutableBufferPointer { PanelLayout.fromPanels(wp.baseAddress!, into: $0.baseAddress!, rows: m, columns: n) }
            }
            XCTAssertEqual(back, w, "fromPanels(toPanels(W)) m=\(m) n=\(n)")
            var arranged = w
            arranged.withUnsafeMutableBufferPointer { PanelLayout.arrangeInPanels($0.baseAddress!, rows: m, columns: n) }
            XCTAssertEqual(arranged, wp, "arrangeInPanels m=\(m) n=\(n)")
        }
        XCTAssertTrue(PanelLayout.fits(m: 128))
        XCTAssertFalse(PanelLayout.fits(m: 10))
        XCTAssertFalse(PanelLayout.fits(m: 0))
    }

    func testPanelKernelsMatchNaiveLoops() {
        KernelSets.forEach(checkPanelKernels)
    }

    func checkPanelKernels(_ path: CPUKernels.Path) {
        var state = SplitMix64(seed: 7)
        for n in [1, 5, 6, 11, 24, 29, 257, 1100] {
            for m in [16, 80] {
                for count in [1, 2, 3, 4, 5, 6, 7, 13] {
                    checkPanelKernels(n: n, m: m, count: count, &state, path)
                }
            }
        }
        checkPanelKernels(n: 30, m: 48, count: 12, &state, path)
    }

    func checkPanelKernels(n: Int, m: Int, count: Int, _ state: inout SplitMix64, _ path: CPUKernels.Path) {
        let w = randomFloats(n * m, &state), x = randomFloats(count * n, &state), dy = randomFloats(count * m, &state)
        let bias = randomFloats(m, &state), old = randomFloats(count * n, &state)
        var wp = panels(w, rows: m, columns: n)
        var x1 = x, dy1 = dy
        // Forward, with and without a bias; y is poisoned first.
        for withBias in [true, false] {
            let expected = DenseReference.forward(w, withBias ? bias : nil, x, n: n, m: m, count: count)
            var y = [Float](repeating: .nan, count: count * m), bb = bias
            wp.withUnsafeMutableBufferPointer { wp in x1.withUnsafeMutableBufferPointer { x in
                y.withUnsafeMutableBufferPointer { y in bb.withUnsafeMutableBufferPointer { bias in
                    CPUKernels.panelLinear(wp.baseAddress!, withBias ? bias.baseAddress! : nil, x.baseAddress!, y.baseAddress!,
                                             n: n, m: m, count: count)
                } } } }
            assertClose(y, expected, "\(path): y bias=\(withBias) n=\(n) m=\(m) count=\(count)")
        }
        // Weight gradient in panels and bias gradient overwrite; scratch is poisoned.
        let (expectedW, expectedB) = DenseReference.weightGradient(dy, x, n: n, m: m, count: count)
        for withBias in [true, false] {
            var dwp = [Float](repeating: .nan, count: n * m), db = [Float](repeating: .nan, count: m)
            var scratch = [Float](repeating: .nan, count: CPUKernels.panelWeightGradientScratch(m: m, count: count))
            dy1.withUnsafeMutableBufferPointer { dy in x1.withUnsafeMutableBufferPointer { x in
                dwp.withUnsafeMutableBufferPointer { dwp in db.withUnsafeMutableBufferPointer { db in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        CPUKernels.panelWeightGradient(dy.baseAddress!, x.baseAddress!, dwp.baseAddress!, withBias ? db.baseAddress! : nil,
                                                         n: n, m: m, count: count, scratch: scratch.baseAddress!)
                    } } } } }
            assertClose(dwp, panels(expectedW, rows: m, columns: n), "\(path): dW bias=\(withBias) n=\(n) m=\(m) count=\(count)")
            if withBias { assertClose(db, expectedB, "db n=\(n) m=\(m) count=\(count)") }
            else { XCTAssertTrue(db.allSatisfy(\.isNaN), "db written without a bias") }
        }
        // Input gradient, assigned and accumulated.
        for accumulate in [false, true] {
            var dx = old
            let expectedX = DenseReference.inputGradient(dy, w, adding: accumulate ? old : nil, n: n, m: m, count: count)
            dy1.withUnsafeMutableBufferPointer { dy in wp.withUnsafeMutableBufferPointer { wp in
                dx.withUnsafeMutableBufferPointer { dx in
                    CPUKernels.panelInputGradient(dy.baseAddress!, wp.baseAddress!, dx.baseAddress!, accumulate: accumulate,
                                                    n: n, m: m, count: count)
                } } }
            assertClose(dx, expectedX, "\(path): dx accumulate=\(accumulate) n=\(n) m=\(m) count=\(count)")
        }
    }

    func testPanelKernelsAllocateNothing() {
        let (n, m, count) = (300, 32, 13)
        let w = UnsafeMutablePointer<Float>.allocate(capacity: n * m), x = UnsafeMutablePointer<Float>.allocate(capacity: count * n)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: count * m), b = UnsafeMutablePointer<Float>.allocate(capacity: m)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: CPUKernels.panelWeightGradientScratch(m: m, count: count))
        defer { w.deallocate(); x.deallocate(); y.deallocate(); b.deallocate(); scratch.deallocate() }
        w.initialize(repeating: 0.5, count: n * m); x.initialize(repeating: 0.25, count: count * n)
        y.initialize(repeating: 0, count: count * m); b.initialize(repeating: 1, count: m)
        CPUKernels.panelLinear(w, b, x, y, n: n, m: m, count: count)  // warm up lazy globals
        XCTAssertEqual(fewestAllocations { CPUKernels.panelLinear(w, b, x, y, n: n, m: m, count: count) }, 0, "panelLinear")
        XCTAssertEqual(fewestAllocations { CPUKernels.panelWeightGradient(y, x, w, b, n: n, m: m, count: count, scratch: scratch) }, 0, "panelWeightGradient")
        XCTAssertEqual(fewestAllocations { CPUKernels.panelInputGradient(y, w, x, accumulate: true, n: n, m: m, count: count) }, 0, "panelInputGradient")
    }
}
