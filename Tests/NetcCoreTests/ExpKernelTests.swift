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

    func checkWithinTwoUlps(_ set: CPUKernels.Path) {
        // Every 997th Float from −110 to −0 and from +0 to 90, so every binade
        // and both ends of the finite results, subnormals included.
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

    func testDoubleVersionIsTheLibraryExp() {
        var xs: [Double] = [-799, 0, 1, 1.5, 701, .nan]
        xs.withUnsafeMutableBufferPointer { Math.exp($0.baseAddress!, minus: 1, into: $0.baseAddress!, $0.count) }
        XCTAssertEqual(Array(xs[..<5]), [-800, -1, 0, 0.5, 700].map { Foundation.exp($0) })
        XCTAssertTrue(xs[5].isNaN)
    }
}
