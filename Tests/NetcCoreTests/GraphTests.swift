@testable import GeneratedModels
import XCTest
@testable import NetcCore

/// Shapes, topological order, parameter layout and the DAG features of the builder.
final class GraphTests: XCTestCase {
    func testIrisShapesAndParameterLayout() throws {
        let g = try specGraph("iris.net")
        XCTAssertEqual(g.nodes.map(\.name), ["features", "hidden1.linear", "hidden1", "hidden2.linear", "hidden2", "logits"])
        XCTAssertEqual(g.nodes.map(\.size), [4, 16, 16, 16, 16, 3])
        XCTAssertEqual(g.parameters.map(\.name), ["hidden1.weight", "hidden1.bias", "hidden2.weight", "hidden2.bias", "logits.weight", "logits.bias"])
        XCTAssertEqual(g.parameters.map(\.shape), [[16, 4], [16], [16, 16], [16], [3, 16], [3]])
        XCTAssertEqual(g.parameters.map(\.offset), [0, 64, 80, 336, 352, 400])
        XCTAssertEqual(g.parameterCount, 403)
        XCTAssertEqual(g.batchSize, 16)
        XCTAssertEqual(g.training.optimizer, .sgd(learningRate: 0.05, momentum: 0.9, nesterov: false))
    }

    func testForwardReferencesAreSortedTopologically() throws {
        let g = try graph("""
            network N {
              input x: 3
              add s(b, a)
              dense a(x): 4
              dense b(x): 4
              concat c(s, x)
              dense out(c): 2
              loss squared_error(out)
            }
            """)
        for n in g.nodes { for i in n.inputs { XCTAssertLessThan(i, n.id, "\(n.name) before its input") } }
        XCTAssertEqual(g.nodes.first { $0.name == "c" }?.size, 7)
        // Parameters follow declaration order, not topological order.
        XCTAssertEqual(g.parameters.map(\.name), ["a.weight", "a.bias", "b.weight", "b.bias", "out.weight", "out.bias"])
    }

    func testFusedLossesDifferentiateTheLogits() throws {
        let bce = try graph("network N {\n input x: 2\n dense p: 1, sigmoid\n loss binary_cross_entropy(p)\n}\n")
        XCTAssertEqual(bce.nodes[bce.loss.logits].name, "p.linear")
        XCTAssertEqual(bce.nodes[bce.loss.output].name, "p")
        let sce = try specGraph("iris.net")
        XCTAssertEqual(sce.loss.logits, sce.loss.output)
    }

    func testSettingsDefaults() throws {
        let g = try graph("network N {\n input x: 2\n dense y: 1\n loss squared_error(y)\n}\n")
        XCTAssertEqual(g.batchSize, 1)
        XCTAssertEqual(g.precision, .float)
        XCTAssertEqual(g.initScheme, .xavierUniform)
        XCTAssertEqual(g.training.optimizer, .sgd(learningRate: 0.01, momentum: 0, nesterov: false))
        XCTAssertEqual((g.loss.rule as? SquaredError)?.mean, true)
    }

    /// `adamw` takes PyTorch's default weight decay, 0.01, unless `train` gives one (0 included).
    func testAdamWDefaultsToPyTorchsWeightDecay() throws {
        func training(_ train: String) throws -> Training {
            try graph("network N {\n input x: 2\n dense y: 1\n loss squared_error(y)\n train \(train)\n}\n").training
        }
        let adamw = try training("adamw")
        XCTAssertEqual(adamw.optimizer, .adam(learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, decoupled: true))
        XCTAssertEqual(adamw.weightDecay, 0.01)
        XCTAssertEqual(adamw.hyperparameters, .adamw(learningRate: 0.001))
        XCTAssertEqual(try training("adamw(learning_rate: 0.01), weight_decay: 0").weightDecay, 0)
        XCTAssertEqual(try training("adamw, weight_decay: 0.2").weightDecay, 0.2)
        XCTAssertEqual(try training("adam").weightDecay, 0)
        XCTAssertEqual(try training("adam").optimizer, .adam(learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, decoupled: false))
    }

    func testFlopsAndSummary() throws {
        let g = try specGraph("xor.net")
        // 2·2·4 + 4 (hidden) + 4 (sigmoid) + 2·4·1 + 1 (out) + 1 (sigmoid)
        XCTAssertEqual(g.flopsPerSample.forward, 34)
        XCTAssertTrue(g.summary.hasPrefix("XOR: 5 nodes, 17 parameters"))
    }

    /// The memory `netc check` reports is what the generated model allocates.
    func testModelMemoryIsTheGeneratedAllocation() throws {
        let iris = try specGraph("iris.net"), mnist = try specGraph("mnist-mlp.net")
        XCTAssertEqual(iris.modelBytes, Iris.storageCount * 4)
        XCTAssertEqual(mnist.modelBytes, MnistMLP.storageCount * 4)
        XCTAssertTrue(iris.summary.contains("model memory 13.9 KiB"), iris.summary)
        XCTAssertEqual(formatBytes(1023), "1023 B")
        XCTAssertEqual(formatBytes(1 << 33), "8.0 GiB")
        XCTAssertEqual(formatBytes(3 << 19), "1.5 MiB")
    }

    func testFingerprintDependsOnLayoutAndPrecision() throws {
        let a = try graph("network N {\n input x: 2\n dense y: 1\n loss squared_error(y)\n}\n")
        let b = try graph("network N {\n input x: 2\n dense y: 1\n loss squared_error(y)\n precision double\n}\n")
        let c = try graph("network N {\n input x: 3\n dense y: 1\n loss squared_error(y)\n}\n")
        XCTAssertNotEqual(a.fingerprint, b.fingerprint)
        XCTAssertNotEqual(a.fingerprint, c.fingerprint)
        XCTAssertEqual(a.fingerprint, try graph("network N {\n input x: 2\n dense y: 1\n loss squared_error(y)\n}\n").fingerprint)
    }

    func testDotShowsForwardAndBackwardFlow() throws {
        let g = try specGraph("two-towers.net")
        let dot = DotWriter.dot(g, backward: BackwardGraph(g, inputGradient: true))
        XCTAssertTrue(dot.hasPrefix("digraph \"TwoTowers\" {"))
        XCTAssertTrue(dot.contains("label=\"+= δ\""), "a branch point shows accumulation")
        XCTAssertTrue(dot.contains("∂stem.weight"))
    }
}
