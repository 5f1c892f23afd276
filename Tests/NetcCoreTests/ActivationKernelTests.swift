import Foundation
import NetcRuntime
import XCTest

/// The vector activations of Float models (`CPUKernels.activation` and
/// `activationGradient`; every set this CPU runs) against each function in
/// Double rounded to Float, and what they do with NaN, ±∞ and ±0.
final class ActivationKernelTests: XCTestCase {
    typealias Kernel = @Sendable (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    static let functions: [(name: String, kernel: Kernel, exact: @Sendable (Double) -> Double)] = [
        ("sigmoid", { CPUKernels.activation(.sigmoid, $0, into: $1, $2) }, { 1 / (1 + Foundation.exp(-$0)) }),
        ("tanh", { CPUKernels.activation(.tanh, $0, into: $1, $2) }, { Foundation.tanh($0) }),
        ("elu", { CPUKernels.activation(.elu(alpha: 1), $0, into: $1, $2) }, { $0 > 0 ? $0 : Foundation.expm1($0) }),
        ("elu(0.5)", { CPUKernels.activation(.elu(alpha: 0.5), $0, into: $1, $2) }, { $0 > 0 ? $0 : 0.5 * Foundation.expm1($0) }),
        ("softplus", { CPUKernels.activation(.softplus, $0, into: $1, $2) }, { $0 > 0 ? $0 + Foundation.log1p(Foundation.exp(-$0)) : Foundation.log1p(Foundation.exp($0)) }),
        ("silu", { CPUKernels.activation(.silu, $0, into: $1, $2) }, { $0 / (1 + Foundation.exp(-$0)) }),
        ("gelu", { CPUKernels.activation(.gelu, $0, into: $1, $2) }, { $0 * 0.5 * Foundation.erfc(-$0 / 2.0.squareRoot()) }),
        // 0.5·x·(1 + tanh u) = x·σ(2u), which does not cancel below 0 (in Double either).
        ("gelu(tanh)", { CPUKernels.activation(.geluTanh, $0, into: $1, $2) }, { x in
            x / (1 + Foundation.exp(-2 * (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        }),
    ]

    func apply(_ kernel: Kernel, _ xs: [Float]) -> [Float] {
        var xs = xs, ys = [Float](repeating: 12345, count: xs.count)
        xs.withUnsafeMutableBufferPointer { x in ys.withUnsafeMutableBufferPointer { kernel(x.baseAddress!, $0.baseAddress!, x.count) } }
        return ys
    }

    /// Every 997th Float from −110 to 110: every binade, tiny and subnormal
    /// arguments, and both ends where the functions saturate.
    static let range: [Float] = {
        var xs: [Float] = []
        var magnitude: UInt32 = 0
        while Float(bitPattern: magnitude) < 110 {
            xs.append(Float(bitPattern: magnitude))
            xs.append(-Float(bitPattern: magnitude))
            magnitude += 997
        }
        return xs
    }()

    func testWithinAFewUlpsOverTheWholeRange() {
        let xs = Self.range
        XCTAssertGreaterThan(xs.count, 2_000_000)
        KernelSets.forEach { set in
            for f in Self.functions {
                let ys = apply(f.kernel, xs)
                var worst = 0.0, worstAt: Float = 0
                let products = ["silu", "gelu", "gelu(tanh)"].contains(f.name)
                for (x, y) in zip(xs, ys) {
                    let exact = Float(f.exact(Double(x)))
                    var unit = Double(max(exact.ulp, .leastNonzeroMagnitude))
                    if products {
                        // x·σ(v) or x·Φ(x): the factor's relative error grows as its
                        // argument's rounding error times about |v| (or x²), which the
                        // condition number κ = |x·f′/f| of f measures, and far below 0 the
                        // factor is subnormal (steps of |x| subnormals in the product):
                        // 5 + κ ulp, or |x| subnormal steps.
                        let d = Double(x), h = max(abs(d), 1e-30) * 1e-6
                        let kappa = abs(d * (f.exact(d + h) - f.exact(d - h)) / (2 * h * f.exact(d)))
                        unit = max(unit, Double(Float.leastNonzeroMagnitude) * abs(d)) * (5 + (kappa.isFinite ? kappa : 0)) / 3
                    }
                    let error = abs(Double(y) - Double(exact)) / unit
                    if !(error <= worst) { (worst, worstAt) = (error, x) }
                }
                XCTAssertLessThanOrEqual(worst, 3, "\(set) \(f.name): worst at x = \(worstAt)")
                if ProcessInfo.processInfo.environment["NETC_PRINT_ULPS"] != nil { print("\(set) \(f.name): worst \(worst) ulp at \(worstAt)") }
            }
        }
    }

    func testSpecialValues() {
        KernelSets.forEach { set in
            let xs: [Float] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, 1000, -1000]
            let expected: [String: [Float]] = [
                "sigmoid": [.nan, .nan, 1, 0, 0.5, 0.5, 1, 0],
                "tanh": [.nan, .nan, 1, -1, 0, -0.0, 1, -1],
                "elu": [.nan, .nan, .infinity, -1, 0, -0.0, 1000, -1],
                "elu(0.5)": [.nan, .nan, .infinity, -0.5, 0, -0.0, 1000, -0.5],
                "softplus": [.nan, .nan, .infinity, 0, Float(M_LN2), Float(M_LN2), 1000, 0],
                "silu": [.nan, .nan, .infinity, .nan, 0, -0.0, 1000, -0.0],  // −∞·σ(−∞) = −∞·0, as in PyTorch
                "gelu(tanh)": [.nan, .nan, .infinity, .nan, 0, -0.0, 1000, -0.0],
                "gelu": [.nan, .nan, .infinity, .nan, 0, -0.0, 1000, -0.0],
            ]
            for f in Self.functions {
                let ys = apply(f.kernel, xs)
                for (i, (y, e)) in zip(ys, expected[f.name]!).enumerated() {
                    if e.isNaN {
                        XCTAssertTrue(y.isNaN, "\(set) \(f.name)(\(xs[i])) = \(y), not NaN")
                    } else {
                        XCTAssertEqual(y.bitPattern, e.bitPattern, "\(set) \(f.name)(\(xs[i])) = \(y), expected \(e)")
                    }
                }
            }
        }
    }

    /// A run's last 1–7 values give the bits a long run gives them, and no
    /// value past the run is written.
    func testEveryLengthGivesTheBitsOfALongRunAndWritesNothingPastIt() {
        KernelSets.forEach { set in
            let xs = (0..<40).map { Float($0) * 0.41 - 8 }
            for f in Self.functions {
                let long = apply(f.kernel, xs)
                for n in 0...19 {
                    var x = xs, y = [Float](repeating: 7, count: n + 3)
                    x.withUnsafeMutableBufferPointer { x in y.withUnsafeMutableBufferPointer { f.kernel(x.baseAddress!, $0.baseAddress!, n) } }
                    XCTAssertEqual(y[..<n].map(\.bitPattern), long[..<n].map(\.bitPattern), "\(set) \(f.name): a run of \(n)")
                    XCTAssertEqual(Array(y[n...]), [7, 7, 7], "\(set) \(f.name): a run of \(n)")
                }
            }
        }
    }

    typealias GradientKernel = @Sendable (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Bool, Int) -> Void

    static let derivatives: [(name: String, kernel: GradientKernel, exact: @Sendable (Double) -> Double)] = {
        let sigma: @Sendable (Double) -> Double = { 1 / (1 + Foundation.exp(-$0)) }, c = 2 * (2 / Double.pi).squareRoot()
        return [
            ("softplus", { CPUKernels.activationGradient(.softplus, $0, $1, $2, accumulate: $3, $4) }, { sigma($0) }),
            ("silu", { CPUKernels.activationGradient(.silu, $0, $1, $2, accumulate: $3, $4) }, { x in sigma(x) * (1 + x * (1 - sigma(x))) }),
            ("gelu", { CPUKernels.activationGradient(.gelu, $0, $1, $2, accumulate: $3, $4) }, { x in
                0.5 * Foundation.erfc(-x / 2.0.squareRoot()) + x * Foundation.exp(-x * x / 2) / (2 * Double.pi).squareRoot()
            }),
            ("gelu(tanh)", { CPUKernels.activationGradient(.geluTanh, $0, $1, $2, accumulate: $3, $4) }, { x in
                let s = sigma(c * (x + 0.044715 * x * x * x))
                return s + x * s * (1 - s) * c * (1 + 3 * 0.044715 * x * x)
            }),
        ]
    }()

    /// dx (= or +=) dy·f′(x) against f′ in Double, on every run length to 19
    /// and long runs, writing nothing past the run; NaN in x or dy stays NaN.
    func testGradientKernels() {
        KernelSets.forEach { set in
            var random = SplitMix64(seed: 3)
            for f in Self.derivatives {
                for n in Array(0...19) + [200] {
                    for accumulate in [false, true] {
                        var x = (0..<n).map { _ in Float.random(in: -12...12, using: &random) }
                        var dy = (0..<n).map { _ in Float.random(in: -2...2, using: &random) }
                        let start = (0..<(n + 3)).map { _ in Float.random(in: -1...1, using: &random) }
                        var dx = start
                        x.withUnsafeMutableBufferPointer { x in dy.withUnsafeMutableBufferPointer { d in dx.withUnsafeMutableBufferPointer {
                            f.kernel(x.baseAddress!, d.baseAddress!, $0.baseAddress!, accumulate, n)
                        } } }
                        for i in 0..<n {
                            let expected = (accumulate ? Double(start[i]) : 0) + Double(dy[i]) * f.exact(Double(x[i]))
                            XCTAssertEqual(Double(dx[i]), expected, accuracy: 1e-6 * max(1, abs(expected)), "\(set) \(f.name) n=\(n) x=\(x[i])")
                        }
                        XCTAssertEqual(Array(dx[n...]), Array(start[n...]), "\(set) \(f.name): wrote past a run of \(n)")
                    }
                }
                var x: [Float] = [.nan, 1, -.nan, 0.5], dy: [Float] = [1, .nan, 1, 1], dx = [Float](repeating: 0, count: 4)
                x.withUnsafeMutableBufferPointer { x in dy.withUnsafeMutableBufferPointer { d in dx.withUnsafeMutableBufferPointer {
                    f.kernel(x.baseAddress!, d.baseAddress!, $0.baseAddress!, false, 4)
                } } }
                XCTAssertEqual(dx.map(\.isNaN), [true, true, true, false], "\(set) \(f.name)")
            }
        }
    }

    /// In place (`y` = `x`), as generated code may call them.
    func testInPlace() {
        var xs: [Float] = (0..<13).map { Float($0) - 6 }
        xs.withUnsafeMutableBufferPointer { CPUKernels.activation(.tanh, $0.baseAddress!, into: $0.baseAddress!, 13) }
        for (i, y) in xs.enumerated() { XCTAssertEqual(y, Float(Foundation.tanh(Double(i - 6))), accuracy: 1e-6) }
    }
}
