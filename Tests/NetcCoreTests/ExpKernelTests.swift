import Foundation
import NetcRuntime
import XCTest

/// `Math.exp(_:minus:into:_:)` (Float), the vector eˣ behind softmax and its
/// cross-entropy (`CPUKernels.exp`, every set this CPU runs), against eˣ in
/// Double rounded to Float.
final class ExpKernelTests: XCTestCase {
    /// Distance from `value` to the correctly rounded eˣ, in units in the last
    /// place of the latter (subnormal results: units of the smallest subnormal).
    func ulpError(_ value: Float, at x: Float) -> Double {
        let rounded = Float(Foundation.exp(Double(x)))
        if rounded.isInfinite { return value == rounded ? 0 : .infinity }
        return abs(Double(value) - Double(rounded)) / Double(max(rounded.ulp, .leastNonzeroMagnitude))
    }

    func exps(_ xs: [Float]) -> [Float] {
        var xs = xs, ys = [Float](repeating: .nan, count: xs.count)
        xs.withUnsafeMutableBufferPointer { x in
            ys.withUnsafeMutableBufferPointer { Math.exp(x.baseAddress!, minus: 0, into: $0.baseAddress!, x.count) }
        }
        return ys
    }

    func testWithinTwoUlpsOverTheWholeRange() {
        KernelSets.forEach(checkWithinTwoUlps)
    }

    /// Every 997th Float from −110 to −0 and from +0 to 90, so every binade
    /// and both ends of the finite results, subnormals included.
    static let range: [Float] = {
        var xs: [Float] = []
        var magnitude = Float(110).bitPattern
        while magnitude >= 997 {
            xs.append(-Float(bitPattern: magnitude))
            magnitude -= 997
        }
        magnitude = 0
        while Float(bitPattern: magnitude) < 90 {
            xs.append(Float(bitPattern: magnitude))
            magnitude += 997
        }
        return xs
    }()

    func checkWithinTwoUlps(_ set: CPUKernels.Path) {
        let xs = Self.range
        XCTAssertGreaterThan(xs.count, 2_000_000)
        XCTAssertTrue(xs.contains { $0 < -103.9 } && xs.contains { $0 > 88.7 } && xs.contains { $0 > 0 && $0 < 1e-30 })
        let ys = exps(xs)
        var worst = 0.0, worstAt: Float = 0
        for (x, y) in zip(xs, ys) {
            let error = ulpError(y, at: x)
            if error > worst { (worst, worstAt) = (error, x) }
        }
        XCTAssertLessThanOrEqual(worst, 2, "\(set): worst at x = \(worstAt)")
    }

    func testSpecialValues() {
        KernelSets.forEach(checkSpecialValues)
    }

    func checkSpecialValues(_ set: CPUKernels.Path) {
        let xs: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 88.72, 88.73, 89.5, 1000, -103, -104.5, -1000, 1e-30, -1e-30]
        let ys = exps(xs)
        XCTAssertEqual(ys[0], 1)
        XCTAssertEqual(ys[1], 1)
        XCTAssertTrue(ys[2].isNaN)
        XCTAssertEqual(ys[3], .infinity)
        XCTAssertEqual(ys[4], 0)
        XCTAssertTrue(ys[5].isFinite && ys[5] > 3e38, "e^88.72 = \(ys[5])")
        XCTAssertEqual(ys[6], .infinity)
        XCTAssertEqual(ys[7], .infinity)
        XCTAssertEqual(ys[8], .infinity)
        XCTAssertTrue(ys[9].isSubnormal && ys[9] > 0, "e^−103 = \(ys[9])")
        XCTAssertEqual(ys[10], 0)
        XCTAssertEqual(ys[11], 0)
        XCTAssertEqual(ys[12], 1)
        XCTAssertEqual(ys[13], 1)
    }

    func testEveryLengthShiftsAndTouchesOnlyItsElements() {
        for n in 0...19 {
            var buffer = [Float](repeating: 3, count: n + 3)
            buffer.withUnsafeMutableBufferPointer { Math.exp($0.baseAddress!, minus: 2, into: $0.baseAddress!, n) }
            for i in 0..<n { XCTAssertEqual(buffer[i], Float(M_E), accuracy: 1e-6, "n=\(n) i=\(i)") }
            XCTAssertEqual(Array(buffer[n...]), [3, 3, 3], "n=\(n)")
        }
    }

    /// The last 1–7 values of a run go through the vector lane by lane: every
    /// run length gives each value's bits as a long run does.
    func testShortRunsGiveTheBitsOfALongRun() {
        KernelSets.forEach { set in
            let xs = (0..<100).map { Float($0) * 0.37 - 18 }, long = exps(xs)
            XCTAssertEqual(Set(long).count, 100)
            for n in 1...15 {
                XCTAssertEqual(exps(Array(xs[..<n])).map(\.bitPattern), long[..<n].map(\.bitPattern), "\(set): a run of \(n)")
            }
        }
    }

    /// `Math.log1p` in Float (Goldberg's correction over `logf`) against
    /// log1p in Double rounded to Float, from just above −1 to 10³⁸, tiny and
    /// subnormal arguments included.
    func testFloatLog1pIsWithinTwoUlps() {
        var xs: [Float] = [0, -0.0, Float(bitPattern: 0x0001_16C2), -Float(bitPattern: 0x0001_16C2), 1e-30, 4.54e-5, -0.999_999_9, 1, 3e38]
        var magnitude = Float(1e-38).bitPattern
        while Float(bitPattern: magnitude) < 1e38 {
            xs.append(Float(bitPattern: magnitude))
            if Float(bitPattern: magnitude) < 1 { xs.append(-Float(bitPattern: magnitude)) }
            magnitude += 4999
        }
        var worst = 0.0, worstAt: Float = 0
        for x in xs {
            let y = Math.log1p(x), exact = Float(Foundation.log1p(Double(x)))
            let error = abs(Double(y) - Double(exact)) / Double(max(exact.ulp, .leastNonzeroMagnitude))
            if !(error <= worst) { (worst, worstAt) = (error, x) }
        }
        XCTAssertLessThanOrEqual(worst, 2, "worst at x = \(worstAt)")
        XCTAssertEqual(Math.log1p(Float(-1)), -.infinity)
        XCTAssertEqual(Math.log1p(Float.infinity), .infinity)
        XCTAssertTrue(Math.log1p(Float(-2)).isNaN && Math.log1p(Float.nan).isNaN)
    }

    func testDoubleVersionIsTheLibraryExp() {
        var xs: [Double] = [-799, 0, 1, 1.5, 701, .nan]
        xs.withUnsafeMutableBufferPointer { Math.exp($0.baseAddress!, minus: 1, into: $0.baseAddress!, $0.count) }
        XCTAssertEqual(Array(xs[..<5]), [-800, -1, 0, 0.5, 700].map { Foundation.exp($0) })
        XCTAssertTrue(xs[5].isNaN)
    }
}
