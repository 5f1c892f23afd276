import NetcRuntime
import XCTest

/// The register-blocked dense kernels (`CPUKernels`, every set this CPU
/// runs) against the naive triple loops, over shapes that exercise every full
/// block and every remainder path.
final class DenseKernelTests: XCTestCase {
    func testKernelsMatchNaiveLoops() {
        KernelSets.forEach(checkKernels)
    }

    func checkKernels(_ set: CPUKernels.Path) {
        var state = SplitMix64(seed: 3)
        for n in [1, 3, 8, 15, 16, 17, 33] {
            for m in [1, 2, 3, 4, 5, 7, 9, 13, 16] {
                for count in [1, 3, 4, 5, 9] {
                    var w = randomFloats(n * m, &state), bias = randomFloats(m, &state), x = randomFloats(count * n, &state)
                    var dy = randomFloats(count * m, &state), old = randomFloats(count * n, &state)
                    // Forward.
                    var y = [Float](repeating: .nan, count: count * m)
                    let expected = DenseReference.forward(w, bias, x, n: n, m: m, count: count)
                    w.withUnsafeMutableBufferPointer { w in bias.withUnsafeMutableBufferPointer { bias in
                        x.withUnsafeMutableBufferPointer { x in y.withUnsafeMutableBufferPointer { y in
                            CPUKernels.linear(w.baseAddress!, bias.baseAddress!, x.baseAddress!, y.baseAddress!, n: n, m: m, count: count)
                        } } } }
                    assertClose(y, expected, "\(set): y n=\(n) m=\(m) count=\(count)")
                    // Weight and bias gradients overwrite whatever was there.
                    let (expectedW, expectedB) = DenseReference.weightGradient(dy, x, n: n, m: m, count: count)
                    // In place, and with operands packed into scratch (poisoned first).
                    for packed in [false, true] {
                        var dw = [Float](repeating: .nan, count: n * m), db = [Float](repeating: .nan, count: m)
                        var scratch = [Float](repeating: .nan, count: CPUKernels.weightGradientScratch(m: m, count: count))
                        dy.withUnsafeMutableBufferPointer { dy in x.withUnsafeMutableBufferPointer { x in
                            dw.withUnsafeMutableBufferPointer { dw in db.withUnsafeMutableBufferPointer { db in
                                scratch.withUnsafeMutableBufferPointer { scratch in
                                    CPUKernels.weightGradient(dy.baseAddress!, x.baseAddress!, dw.baseAddress!, db.baseAddress!, n: n, m: m, count: count,
                                                                scratch: packed ? scratch.baseAddress! : nil)
                                } } } } }
                        assertClose(dw, expectedW, "\(set): dW packed=\(packed) n=\(n) m=\(m) count=\(count)")
                        assertClose(db, expectedB, "\(set): db packed=\(packed) n=\(n) m=\(m) count=\(count)")
                    }
                    // Input gradient, assigned and accumulated.
                    for accumulate in [false, true] {
                        var dx = old
                        let expectedX = DenseReference.inputGradient(dy, w, adding: accumulate ? old : nil, n: n, m: m, count: count)
                        dy.withUnsafeMutableBufferPointer { dy in w.withUnsafeMutableBufferPointer { w in
                            dx.withUnsafeMutableBufferPointer { dx in
                                CPUKernels.inputGradient(dy.baseAddress!, w.baseAddress!, dx.baseAddress!, accumulate: accumulate, n: n, m: m, count: count)
                            } } }
                        assertClose(dx, expectedX, "\(set): dx accumulate=\(accumulate) n=\(n) m=\(m) count=\(count)")
                    }
                }
            }
        }
    }

    /// The transposed forward (W transposed into scratch, 6 × 16 blocks over
    /// Wᵀ, leftover samples on W) against the naive loop, with and without a
    /// bias; and the transpose itself.
    func testTransposedForwardMatchesNaiveLoop() {
        KernelSets.forEach(checkTransposedForward)
        XCTAssertFalse(CPUKernels.transposedFits(n: 784, m: 128))  // 401 kB
        XCTAssertFalse(CPUKernels.transposedFits(n: 64, m: 10))  // outputs not in 16s
    }

    func checkTransposedForward(_ path: CPUKernels.Path) {
        var state = SplitMix64(seed: 5)
        for (n, m) in [(1, 16), (7, 16), (16, 32), (33, 48)] {
            XCTAssertTrue(CPUKernels.transposedFits(n: n, m: m))
            for count in [1, 5, 6, 7, 12, 13, 20] {
                for withBias in [false, true] {
                    var w = randomFloats(n * m, &state), bias = randomFloats(m, &state), x = randomFloats(count * n, &state)
                    var scratch = [Float](repeating: .nan, count: n * m), y = [Float](repeating: .nan, count: count * m)
                    let expected = DenseReference.forward(w, withBias ? bias : nil, x, n: n, m: m, count: count)
                    w.withUnsafeMutableBufferPointer { w in scratch.withUnsafeMutableBufferPointer { scratch in bias.withUnsafeMutableBufferPointer { bias in
                        x.withUnsafeMutableBufferPointer { x in y.withUnsafeMutableBufferPointer { y in
                            CPUKernels.linearTransposed(w.baseAddress!, withBias ? bias.baseAddress! : nil, x.baseAddress!, y.baseAddress!,
                                                          n: n, m: m, count: count, scratch: scratch.baseAddress!)
                        } } } } }
                    assertClose(y, expected, "\(path): y transposed n=\(n) m=\(m) count=\(count) bias=\(withBias)")
                }
            }
        }
    }

    func testNoBiasMeansZeroBias() {
        var w: [Float] = [1, 2, 3, 4, 5, 6], x: [Float] = [1, 1, 1]
        var y: [Float] = [.nan, .nan]
        w.withUnsafeMutableBufferPointer { w in x.withUnsafeMutableBufferPointer { x in y.withUnsafeMutableBufferPointer { y in
            CPUKernels.linear(w.baseAddress!, nil, x.baseAddress!, y.baseAddress!, n: 3, m: 2, count: 1)
        } } }
        XCTAssertEqual(y, [6, 15])
        KernelSets.forEach(checkNoBias)
    }

    func checkNoBias(_ set: CPUKernels.Path) {
        // Every path without a bias: 4 × 3 blocks and their leftover rows, and
        // leftover samples in groups of 8 rows (whole vectors only), of 4 rows
        // (with a scalar tail) and alone.
        var state = SplitMix64(seed: 11)
        for (n, m, count) in [(9, 5, 1), (17, 7, 3), (8, 6, 5), (33, 9, 9), (16, 13, 1), (24, 17, 5)] {
            var w = randomFloats(n * m, &state), x = randomFloats(count * n, &state)
            var y = [Float](repeating: .nan, count: count * m)
            w.withUnsafeMutableBufferPointer { w in x.withUnsafeMutableBufferPointer { x in y.withUnsafeMutableBufferPointer { y in
                CPUKernels.linear(w.baseAddress!, nil, x.baseAddress!, y.baseAddress!, n: n, m: m, count: count)
            } } }
            let expected = DenseReference.forward(w, nil, x, n: n, m: m, count: count)
            assertClose(y, expected, "\(set): no bias, n=\(n) m=\(m) count=\(count)")
        }
    }

    /// Every path of every kernel (blocks and leftovers) allocates nothing,
    /// even unoptimised: the debug build is what this test runs.
    func testKernelsAllocateNothing() {
        KernelSets.forEach { _ in checkNoAllocations() }
    }

    func checkNoAllocations() {
        let w = UnsafeMutablePointer<Float>.allocate(capacity: 40 * 40), x = UnsafeMutablePointer<Float>.allocate(capacity: 9 * 40)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: 9 * 40), b = UnsafeMutablePointer<Float>.allocate(capacity: 40)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: CPUKernels.weightGradientScratch(m: 40, count: 9))
        defer { w.deallocate(); x.deallocate(); y.deallocate(); b.deallocate(); scratch.deallocate() }
        w.initialize(repeating: 0.5, count: 40 * 40); x.initialize(repeating: 0.25, count: 9 * 40)
        y.initialize(repeating: 0, count: 9 * 40); b.initialize(repeating: 1, count: 40)
        CPUKernels.linear(w, b, x, y, n: 33, m: 7, count: 5)  // warm up lazy globals
        for (n, m, count) in [(33, 7, 5), (16, 16, 1), (40, 3, 9), (5, 2, 3)] {
            XCTAssertEqual(fewestAllocations { CPUKernels.linear(w, b, x, y, n: n, m: m, count: count) }, 0, "linear n=\(n) m=\(m) count=\(count)")
            XCTAssertEqual(fewestAllocations { CPUKernels.weightGradient(y, x, w, b, n: n, m: m, count: count) }, 0, "weightGradient n=\(n) m=\(m) count=\(count)")
            XCTAssertEqual(fewestAllocations { CPUKernels.weightGradient(y, x, w, b, n: n, m: m, count: count, scratch: scratch) }, 0, "weightGradient packed n=\(n) m=\(m) count=\(count)")
            XCTAssertEqual(fewestAllocations { CPUKernels.inputGradient(y, w, x, accumulate: true, n: n, m: m, count: count) }, 0, "inputGradient n=\(n) m=\(m) count=\(count)")
            XCTAssertEqual(fewestAllocations { _ = Kernels.maxMagnitude(w, n * m) }, 0, "maxMagnitude")
            XCTAssertEqual(fewestAllocations { _ = Kernels.weightGradientBound(y, x, n: n, m: m, count: count) }, 0, "weightGradientBound")
        }
    }

    func testMaxMagnitudeMatchesNaiveLoop() {
        var state = SplitMix64(seed: 11)
        for count in [0, 1, 7, 8, 9, 33, 100] {
            var x = randomFloats(count, &state).map { $0 * 1e3 }
            XCTAssertEqual(Kernels.maxMagnitude(&x, count), x.map(abs).max() ?? 0, "count \(count)")
            guard count > 0 else { continue }
            for special: Float in [.infinity, -.infinity, .nan, -.greatestFiniteMagnitude, -0.0] {
                var y = x
                y[count / 2] = special
                let top = Kernels.maxMagnitude(&y, count)
                if special.isNaN {
                    XCTAssertTrue(top.isNaN, "NaN in \(count)")
                } else {
                    XCTAssertEqual(top, y.map(abs).max()!, "\(special) in \(count)")
                }
            }
        }
    }

    /// The C reduction (four running maxima, read from the end) on every
    /// kernel set: every length up to 80 and iris's 403, with the largest
    /// magnitude, then a NaN, then ∞ at every position.
    func testKernelMaxMagnitudeFindsTheLargestAtEveryPosition() {
        KernelSets.forEach { set in
            var state = SplitMix64(seed: 13)
            for count in Array(1...80) + [403] {
                let x = randomFloats(count, &state)
                for at in 0..<count {
                    for special: Float in [-7, .nan, .infinity] {
                        var y = x
                        y[at] = special
                        let top = CPUKernels.maxMagnitude(&y, count)
                        let expected = special.isNaN ? Float.nan : abs(special)
                        XCTAssertEqual(top.bitPattern, expected.bitPattern, "\(set): \(special) at \(at) of \(count)")
                    }
                }
            }
        }
    }

    /// Sound: whenever the bound is below half the largest Float (where the
    /// training step trusts it), every dW the kernel computes is finite and at
    /// most the bound; and not vacuous: it holds for ordinary values and fails near overflow.
    func testWeightGradientBoundIsSoundAndHoldsForOrdinaryValues() {
        var state = SplitMix64(seed: 12)
        let (n, m, count) = (40, 9, 8)
        var held = 0, failed = 0
        for scale: Float in [1, 1e10, 1e17, 1e18, 1e19, 1e20, 1e30] {
            var dy = randomFloats(count * m, &state).map { $0 * scale }, x = randomFloats(count * n, &state).map { $0 * scale }
            // Column 0 of x and row 0 of δ all equal to `scale`: dW[0][0] = count·scale², as large as the bound allows.
            for b in 0..<count { x[b * n] = scale; dy[b * m] = scale }
            var dw = [Float](repeating: 0, count: n * m)
            CPUKernels.weightGradient(&dy, &x, &dw, nil, n: n, m: m, count: count)
            let bound = Kernels.weightGradientBound(&dy, &x, n: n, m: m, count: count)
            if bound <= Float.greatestFiniteMagnitude / 2 {
                held += 1
                XCTAssertTrue(dw.allSatisfy(\.isFinite), "bounded at scale \(scale), yet dW overflowed")
                XCTAssertLessThanOrEqual(dw.map(abs).max()!, bound, "scale \(scale)")
            } else {
                failed += 1
                if scale == 1e19 { XCTAssertFalse(dw.allSatisfy(\.isFinite), "8·1e19·1e19 overflows: the bound fails where it must") }
            }
        }
        XCTAssertEqual(held, 4, "scales 1 to 1e18 (dW up to 8e36) must be proved finite")
        XCTAssertEqual(failed, 3, "scales from 1e19 up exceed the bound")
        var dy = [Float](repeating: 1, count: count * m), x = [Float](repeating: 1, count: count * n)
        x[3] = .nan
        XCTAssertTrue(Kernels.weightGradientBound(&dy, &x, n: n, m: m, count: count).isNaN)
    }
}
