@testable import NetcCore
import XCTest

/// Which activations the plan runs through the runtime's vector kernels
/// (`Plan.activations`): Float models, from one vector's worth of values per
/// batch; and that the emitted forward pass then calls them.
final class VectorActivationTests: XCTestCase {
    func names(_ plan: Plan) -> Set<String> { Set(plan.activations.map { plan.graph.nodes[$0].name }) }

    func testEveryActivationWithAKernelUsesItInAFloatModel() throws {
        let g = try specGraph("smooth.net")
        XCTAssertEqual(names(Plan(g)), ["a0", "b0", "c", "d", "e", "f", "g"])
        let source = try XCTUnwrap(Compiler.emit([g], sourcePath: "smooth.net").first).source
        for call in ["CPUKernels.activation(.tanh, v_a0_linear, into: v_a0, count &* 12)",
                     "CPUKernels.activation(.elu(alpha: 0.7), v_b0_linear, into: v_b0, count &* 10)",
                     "CPUKernels.activation(.softplus, v_c_linear, into: v_c, count &* 9)", "CPUKernels.activation(.sigmoid, v_a, into: v_d, count &* 12)",
                     "CPUKernels.activation(.silu, v_e_linear, into: v_e, count &* 8)", "CPUKernels.activation(.geluTanh, v_f_linear, into: v_f, count &* 8)",
                     "CPUKernels.activation(.gelu, v_f, into: v_g, count &* 8)",
                     "CPUKernels.activationGradient(.gelu, v_f, g_g, g_f, accumulate: false, count &* 8)",
                     "CPUKernels.activationGradient(.geluTanh, v_f_linear, g_f, g_f_linear, accumulate: false, count &* 8)",
                     "CPUKernels.activationGradient(.silu, v_e_linear, g_e, g_e_linear, accumulate: false, count &* 8)",
                     "CPUKernels.activationGradient(.softplus, v_c_linear, g_c, g_c_linear, accumulate: false, count &* 9)"] {
            XCTAssertTrue(source.contains(call), call)
        }
        XCTAssertFalse(source.contains("Math.tanh("), source)
    }

    func testDoubleModelsAndRunsShorterThanAVectorKeepTheLoop() throws {
        XCTAssertEqual(names(Plan(try specGraph("wide-joins.net"))), [])  // Double
        XCTAssertEqual(names(Plan(try specGraph("xor.net"))), [])         // 4 and 1 sigmoids at batch 1
        func plan(width: Int, batch: Int) throws -> Set<String> {
            names(Plan(try graph("""
                network T {
                  input x: 3
                  dense h: \(width), tanh
                  dense y: 1
                  loss squared_error(y)
                  train sgd, batch: \(batch)
                }
                """)))
        }
        XCTAssertEqual(try plan(width: 7, batch: 1), [])
        XCTAssertEqual(try plan(width: 8, batch: 1), ["h"])
        XCTAssertEqual(try plan(width: 2, batch: 4), ["h"])
    }
}
