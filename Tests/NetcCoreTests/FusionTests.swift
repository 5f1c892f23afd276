@testable import NetcCore
import XCTest

/// Which relu nodes the plan folds into the convolution before them or the
/// max pool after them (`Plan.reluInConvolution`, `Plan.reluInPool`), and
/// what the emitted passes then say.
final class FusionTests: XCTestCase {
    func testLeNetFoldsBothReluIntoTheirConvolutionsAndPools() throws {
        let plan = Plan(try specGraph("mnist-cnn.net"))
        let names = { (ids: Dictionary<Int, Int>.Keys) in Set(ids.map { plan.graph.nodes[$0].name }) }
        XCTAssertEqual(names(plan.reluInConvolution.keys), ["c1", "c2"])
        XCTAssertEqual(names(plan.reluInPool.keys), ["c1", "c2"])
    }

    /// A relu read by a convolution keeps its backward pass; one in Double is not folded at all.
    func testOnlyAReluAloneBeforeAMaxPoolLosesItsBackwardPass() throws {
        let plan = Plan(try specGraph("float-convs.net"))
        let relu = { (name: String) in plan.graph.nodes.first { $0.name == name }!.id }
        XCTAssertNotNil(plan.reluInConvolution[relu("c1")])
        XCTAssertNil(plan.reluInPool[relu("c1")])
        XCTAssertNotNil(plan.reluInPool[relu("c2")])
        XCTAssertTrue(Plan(try specGraph("conv-layers.net", network: "Sequence")).reluInPool.isEmpty)
    }

    /// A relu on the network's input has a gradient only for the input
    /// gradient's pass: the pool does not take over its backward pass there
    /// (the fuzzer found the emitter stopping on this).
    func testAReluOnTheInputBeforeAMaxPoolStaysItsOwn() throws {
        let g = try graph("""
            network ReluInput {
              input  image: 2x8x8
              activation r(image): relu
              max_pool p(r): 2
              flatten f
              dense  out: 3
              loss   softmax_cross_entropy(out)
              train  sgd(learning_rate: 0.1), batch: 4
            }
            """)
        XCTAssertTrue(Plan(g).reluInPool.isEmpty)
        let source = try XCTUnwrap(Compiler.emit([g], sourcePath: "relu-input.net").first).source
        let tail = try XCTUnwrap(source.range(of: "static func backwardToInput("))
        XCTAssertTrue(source[tail.upperBound...].contains("// r: relu backward → δ image ="), source)
        XCTAssertFalse(source.contains("done by"), source)
    }
}
