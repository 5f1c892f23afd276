import NetcRuntime
import XCTest

/// Naive dense-layer products over a row-major W ([m][n]) and batches laid
/// out [count][features]: what the kernel tests compare every kernel with.
enum DenseReference {
    /// y[b][j] = bias[j] + Σᵢ W[j][i]·x[b][i].
    static func forward(_ w: [Float], _ bias: [Float]?, _ x: [Float], n: Int, m: Int, count: Int) -> [Float] {
        (0..<count * m).map { k in
            (bias?[k % m] ?? 0) + (0..<n).reduce(Float(0)) { $0 + w[(k % m) * n + $1] * x[(k / m) * n + $1] }
        }
    }

    /// dW[j][i] = Σ_b dy[b][j]·x[b][i] and db[j] = Σ_b dy[b][j].
    static func weightGradient(_ dy: [Float], _ x: [Float], n: Int, m: Int, count: Int) -> (dw: [Float], db: [Float]) {
        var dw = [Float](repeating: 0, count: n * m), db = [Float](repeating: 0, count: m)
        for b in 0..<count {
            for j in 0..<m {
                db[j] += dy[b * m + j]
                for i in 0..<n { dw[j * n + i] += dy[b * m + j] * x[b * n + i] }
            }
        }
        return (dw, db)
    }

    /// dx[b][i] = start[b][i] + Σⱼ dy[b][j]·W[j][i], from zeros when `start` is nil.
    static func inputGradient(_ dy: [Float], _ w: [Float], adding start: [Float]?, n: Int, m: Int, count: Int) -> [Float] {
        var dx = start ?? [Float](repeating: 0, count: count * n)
        for b in 0..<count {
            for i in 0..<n {
                for j in 0..<m { dx[b * n + i] += dy[b * m + j] * w[j * n + i] }
            }
        }
        return dx
    }
}

/// `count` values in [-0.5, 0.5).
func randomFloats(_ count: Int, _ state: inout SplitMix64) -> [Float] {
    (0..<count).map { _ in Float(state.nextUnit()) - 0.5 }
}

/// Every element within 1e-4 relative (absolute below 1); a NaN fails.
func assertClose(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    // Written as "not within" so that a NaN, which compares false, fails.
    for k in a.indices where !(abs(a[k] - b[k]) <= 1e-4 * max(1, abs(b[k]))) {
        XCTFail("\(what)[\(k)]: \(a[k]) vs \(b[k])", file: file, line: line)
        return
    }
}
