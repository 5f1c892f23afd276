import NetcRuntime
import XCTest
@testable import NetcCore

/// Every op, loss and join checked against central finite differences, and
/// hand-computed textbook cases checked exactly.
final class GradientTests: XCTestCase {
    func assertGradcheck(_ spec: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let g = try graph(spec, file: file, line: line)
        for seed: UInt64 in [1, 2] {
            for row in GradientCheck.run(g, .init(seed: seed)) {
                XCTAssertTrue(row.passed, "\(g.name) seed \(seed): \(row.name) error \(row.worstError)", file: file, line: line)
                XCTAssertGreaterThan(row.checked, 0, file: file, line: line)
            }
        }
    }

    /// A small network around one activation, loss or layer option.
    func net(_ body: String, loss: String = "squared_error(out, reduction: sum)", batch: Int = 1) -> String {
        "network T {\n  input x: 5\n\(body)\n  loss \(loss)\n  train sgd, batch: \(batch)\n  init normal(std: 0.7), seed: 3\n}\n"
    }

    func testEveryActivationAsLayerOptionAndAsNode() throws {
        for activation in ["identity", "sigmoid", "tanh", "relu", "leaky_relu(slope: 0.2)", "elu(alpha: 0.7)", "softplus", "silu", "gelu", "gelu(approximate: tanh)", "softmax"] {
            try assertGradcheck(net("  dense h: 4, \(activation)\n  dense out: 3"))
            try assertGradcheck(net("  dense h: 4\n  activation a: \(activation)\n  dense out: 3"))
        }
    }

    func testEveryLoss() throws {
        try assertGradcheck(net("  dense out: 3", loss: "squared_error(out, reduction: mean, scale: 3)"))
        try assertGradcheck(net("  dense out: 3", loss: "squared_error(out, reduction: sum, scale: 0.5)"))
        try assertGradcheck(net("  dense out: 3, sigmoid", loss: "binary_cross_entropy(out)"))
        try assertGradcheck(net("  dense h: 3\n  activation out: sigmoid", loss: "binary_cross_entropy(out)"))
        try assertGradcheck(net("  dense out: 4", loss: "softmax_cross_entropy(out)"))
        try assertGradcheck(net("  dense out: 4", loss: "hinge(out)"))
    }

    func testJoinsDropoutBiasOffAndBatches() throws {
        try assertGradcheck(net("  dense a: 4, tanh\n  dense b(x): 4, sigmoid\n  add s(a, b, a)\n  dense out(s): 2"))
        try assertGradcheck(net("  dense a: 4, tanh\n  dense b(x): 4\n  multiply p(a, b, b)\n  dense out(p): 2"))
        try assertGradcheck(net("  dense a: 3, tanh\n  concat c(a, x, a)\n  dense out(c): 2"))
        try assertGradcheck(net("  dense a: 6, tanh\n  dropout d: 0.5\n  dense out: 2", batch: 3))
        try assertGradcheck(net("  dense a: 4, tanh, bias: false\n  dense out: 2, bias: false"))
        try assertGradcheck(net("  dense a: 4, elu\n  dense out: 3", loss: "softmax_cross_entropy(out)", batch: 5))
    }

    func testEveryNetworkOfEverySpecPassesGradcheck() throws {
        var networks: [(file: String, graph: Graph)] = []
        for name in files(in: "\(repositoryRoot)/Specs", suffix: ".net") {
            let path = "\(repositoryRoot)/Specs/\(name)"
            let f = Frontend(file: SourceFile(path: path, bytes: try FileIO.read(path)))
            XCTAssertFalse(f.hasErrors, f.renderedDiagnostics)
            networks += f.graphs.map { (name, $0) }
        }
        XCTAssertGreaterThan(networks.count, 40)
        // The networks are independent: checked on every core, each result kept at its index.
        let results = Results(count: networks.count), graphs = networks.map(\.graph)
        DispatchQueue.concurrentPerform(iterations: graphs.count) { k in
            results.set(k, GradientCheck.run(graphs[k], .init(seed: 7)))
        }
        for (k, (file, g)) in networks.enumerated() {
            let rows = results.rows[k]
            XCTAssertFalse(rows.isEmpty, "\(file): \(g.name) checked nothing")
            for row in rows { XCTAssertTrue(row.passed, "\(file): \(g.name): \(row.name) error \(row.worstError)") }
        }
    }

    /// Gradient-check rows written from many threads, each at its own index.
    final class Results: @unchecked Sendable {
        private var storage: [[GradientCheck.Row]]
        private let lock = DispatchQueue(label: "results")
        init(count: Int) { storage = Array(repeating: [], count: count) }
        func set(_ k: Int, _ rows: [GradientCheck.Row]) { lock.sync { storage[k] = rows } }
        var rows: [[GradientCheck.Row]] { lock.sync { storage } }
    }

    /// The gradient check's shortcut: a pass from the first node that reads a
    /// changed parameter, reusing the earlier nodes' values, gives the full pass's values.
    func testAPassFromTheChangedNodeGivesTheFullPasssValues() throws {
        let g = try graph(net("  dense a: 4, tanh\n  dense b: 4, relu\n  dense out: 3", batch: 2))
        let interpreter = Interpreter(graph: g)
        let input = (0..<10).map { Double($0) / 7 - 0.6 }
        var p = interpreter.initialParameters(seed: 3)
        let before = interpreter.forward(input: input, parameters: p)
        let b = try XCTUnwrap(g.nodes.firstIndex { $0.name == "b.linear" })
        p[g.parameters[g.nodes[b].parameters[0]].offset] += 0.25
        let full = interpreter.forward(input: input, parameters: p)
        XCTAssertEqual(interpreter.forward(input: input, parameters: p, earlier: before, from: b), full)
        XCTAssertNotEqual(full.map { $0[g.loss.logits] }, before.map { $0[g.loss.logits] })
    }

    func testGradcheckDetectsAWrongDerivative() throws {
        // A deliberately wrong rule must fail the check: the check can fail.
        struct WrongTanh: ElementwiseActivation {
            var name: String { "wrong_tanh" }
            func value(_ x: Double) -> Double { Math.tanh(x) }
            func derivative(x: Double, y: Double) -> Double { 1 - y }
            func emitValue(_ x: Code) -> Code { x }
            func emitDerivative(x: Code, y: Code) -> Code? { nil }
            func pytorch(_ x: String) -> String { x }
        }
        var g = try graph(net("  dense h: 4, tanh\n  dense out: 3"))
        let h = g.nodes.firstIndex { $0.name == "h" }!
        g.nodes[h].op = ElementwiseOp(function: WrongTanh())
        XCTAssertTrue(GradientCheck.run(g, .init(seed: 1)).contains { !$0.passed })
    }

    // MARK: Textbook cases, exact in Double

    func testSingleSigmoidNeuron() throws {
        // z = 0.5·1 − 0.3·2 + 0.1 = 0, y = σ(0) = ½, L = ½(y − 1)² = ⅛,
        // δ = (y − t)·y(1 − y) = −⅛, ∂W = δx, ∂b = δ, ∂x = δW.
        let g = try graph("network N {\n input x: 2\n dense y: 1, sigmoid\n loss squared_error(y, reduction: sum, scale: 0.5)\n}\n")
        let r = Interpreter(graph: g).gradients(input: [1, 2], target: [1], parameters: [0.5, -0.3, 0.1])
        assertExact([r.loss], [0.125])
        assertExact(r.parameters, [-0.125, -0.25, -0.125])
        assertExact(r.input, [-0.0625, 0.0375])
    }

    func testTwoLayerChain() throws {
        // h = 3·2 + 1 = 7, y = 0.5·7 − 1 = 2.5, L = ½(2.5 − 1)² = 1.125;
        // δy = 1.5: ∂W₂ = 10.5, ∂b₂ = 1.5; δh = 0.75: ∂W₁ = 1.5, ∂b₁ = 0.75; ∂x = 2.25.
        let g = try graph("network N {\n input x: 1\n dense h: 1\n dense y: 1\n loss squared_error(y, reduction: sum, scale: 0.5)\n}\n")
        let r = Interpreter(graph: g).gradients(input: [2], target: [1], parameters: [3, 1, 0.5, -1])
        assertExact([r.loss], [1.125])
        assertExact(r.parameters, [1.5, 0.75, 10.5, 1.5])
        assertExact(r.input, [2.25])
    }

    func testGradientsAddWhereBranchesMeet() throws {
        // a = 2x feeds p = 3a and q = 4a; s = p + q = 14 at x = 1; L = ½s² = 98.
        // δs = 14 = δp = δq; δa = 3·14 + 4·14 = 98 (the two branches add); ∂x = 2·98.
        let g = try graph("""
            network N {
              input x: 1
              dense a: 1, bias: false
              dense p(a): 1, bias: false
              dense q(a): 1, bias: false
              add s(p, q)
              loss squared_error(s, reduction: sum, scale: 0.5)
            }
            """)
        let backward = BackwardGraph(g, inputGradient: true)
        let a = g.nodes.firstIndex { $0.name == "a" }!
        XCTAssertEqual(backward.edges.filter { $0.to == a }.map(\.accumulates), [false, true])
        let r = Interpreter(graph: g).gradients(input: [1], target: [0], parameters: [2, 3, 4])
        assertExact([r.loss], [98])
        assertExact(r.parameters, [98, 28, 28])
        assertExact(r.input, [196])
    }

    func testNoGradientWorkNobodyNeeds() throws {
        let g = try specGraph("iris.net")
        let training = BackwardGraph(g, inputGradient: false)
        XCTAssertFalse(training.needsGradient[g.input])
        XCTAssertFalse(training.edges.contains { $0.to == g.input })
        XCTAssertTrue(BackwardGraph(g, inputGradient: true).edges.contains { $0.to == g.input })
    }

    /// Class weights scale each class's term: with equal logits each term is
    /// log 2, so a target in the class of weight 3 costs 3 log 2; a weight
    /// of 0 makes that class's samples cost nothing.
    func testClassWeightsScaleEachClasssTerm() {
        let rule = SoftmaxCrossEntropy(weights: [1, 3])
        XCTAssertEqual(rule.value(logits: [0, 0], target: [0, 1]), 3 * log(2), accuracy: 1e-15)
        XCTAssertEqual(rule.value(logits: [0, 0], target: [1, 0]), log(2), accuracy: 1e-15)
        XCTAssertEqual(rule.gradient(logits: [0, 0], target: [0, 1]), [1.5, -1.5])
        XCTAssertEqual(SoftmaxCrossEntropy(weights: [0, 3]).gradient(logits: [2, -1], target: [1, 0]), [0, 0])
        XCTAssertEqual(rule.name, "softmax_cross_entropy(class_weights: [1, 3])")
    }

    /// Over C × P (classes at each position), z[c·P + p]: position 0 has
    /// logits (0, 0) and class 0, costing ln 2; position 1 has (0, ln 3) and
    /// class 1, costing ln 4/3; the sample's loss is their mean, and each
    /// position's softmax − target is halved.
    func testClassesAtEachPositionAreSoftmaxedOverTheChannels() {
        let rule = SoftmaxCrossEntropy(positions: 2)
        XCTAssertEqual(rule.value(logits: [0, 0, 0, log(3)], target: [1, 0, 0, 1]), (log(2) + log(4.0 / 3)) / 2, accuracy: 1e-15)
        assertExact(rule.gradient(logits: [0, 0, 0, log(3)], target: [1, 0, 0, 1]), [-0.25, 0.125, 0.25, -0.125])
        let fitted = SoftmaxCrossEntropy().over(Shape([3, 4, 5]))
        XCTAssertEqual(fitted?.positions, 20)
        XCTAssertEqual(SoftmaxCrossEntropy().over(Shape([3]))?.positions, 1)
        XCTAssertNil(Hinge().over(Shape([3, 4])), "hinge reads a vector only")
        XCTAssertEqual(SquaredError(mean: true, scale: 1).over(Shape([3, 4]))?.positions, 1, "a loss of real targets reads every value")
    }

    /// With ignore_label, sample A's position 0 has logits (0, ln 3) and class
    /// 1, costing ln 4/3; its position 1 and all of sample B are unlabelled
    /// (all-zero rows), even under label smoothing. The batch's loss is the
    /// mean over its one labelled position: batchScale = 4 positions / 1
    /// labelled on the mean of the samples' losses (ln 4/3 / 2 and 0); the
    /// labelled position's gradient is softmax − target, (¼, −¼), unhalved.
    func testUnlabelledPositionsAreLeftOutOfTheBatchMean() {
        let rule = SoftmaxCrossEntropy(smoothing: 0.2, ignoredLabel: -1, positions: 2), plain = SoftmaxCrossEntropy(positions: 2)
        let z: [Double] = [0, 5, log(3.0), 7], a = [0.0, 0, 1, 0], b = [0.0, 0, 0, 0]
        let scale = rule.batchScale([a, b])
        XCTAssertEqual(scale, 4)
        let smoothed = 0.1 * log(4.0) + 0.9 * log(4.0 / 3)  // t′ = (0.1, 0.9); softmax (¼, ¾)
        XCTAssertEqual(scale * (rule.value(logits: z, target: a) + rule.value(logits: z, target: b)) / 2, smoothed, accuracy: 1e-15)
        XCTAssertEqual(rule.value(logits: z, target: b), 0)
        XCTAssertEqual(rule.gradient(logits: z, target: b), [0, 0, 0, 0])
        let g = SoftmaxCrossEntropy(ignoredLabel: -1, positions: 2).gradient(logits: z, target: a).map { 4 * $0 / 2 }
        assertExact(g, [0.25, 0, -0.25, 0])
        XCTAssertEqual(rule.batchScale([b, b]), 0, "nothing labelled: loss 0")
        XCTAssertEqual(rule.batchScale([[.nan, 0, 0, 0], b]), 4, "a NaN target counts, so its NaN reaches the loss")
        XCTAssertEqual(plain.batchScale([a, b]), 1, "without ignore_label an all-zero row counts in the mean")
        XCTAssertEqual(rule.name, "softmax_cross_entropy(label_smoothing: 0.2, ignore_label: -1)")
    }

    func testFusedLossesStayFiniteForHugeLogits() {
        for z in [[1e4, -1e4, 0], [-1e4, -1e4, 1e4]] {
            let t = [0.0, 1, 0]
            for rule in [SoftmaxCrossEntropy() as any LossRule, SigmoidCrossEntropy(), Hinge()] {
                XCTAssertTrue(rule.value(logits: z, target: t).isFinite, "\(rule.name) \(z)")
                XCTAssertTrue(rule.gradient(logits: z, target: t).allSatisfy(\.isFinite), "\(rule.name) \(z)")
            }
        }
        for f in [Sigmoid() as any ElementwiseActivation, Tanh(), Softplus(), ELU(alpha: 1)] {
            for x in [-1e4, -800.0, 800, 1e4] {
                let y = f.value(x)
                XCTAssertTrue(y.isFinite && f.derivative(x: x, y: y).isFinite, "\(f.name)(\(x))")
            }
        }
    }

    /// Every loss's gradient in the logits against central differences of its
    /// value in Double, at random logits and targets of the loss's kind
    /// (entries whose differences straddle a kink skipped).
    func testEveryLossGradientMatchesCentralDifferences() {
        // Each catalogue entry with its defaults, and other settings of the ones that have any.
        var rules: [any LossRule] = Losses.table.map { entry in
            entry.make(Dictionary(uniqueKeysWithValues: entry.parameters.compactMap { p in p.defaultValue.map { (p.name, $0) } }))
        }
        rules += [SoftmaxCrossEntropy(smoothing: 0.2), SoftmaxCrossEntropy(smoothing: 0.1, weights: [1, 3, 0.5, 2]),
                  SoftmaxCrossEntropy(smoothing: 0.1, weights: [1, 3], positions: 2),
                  SoftmaxCrossEntropy(smoothing: 0.1, weights: [1, 3], ignoredLabel: -1, positions: 2), SigmoidCrossEntropy(positiveWeights: [3]), SigmoidCrossEntropy(positiveWeights: [0.5, 1, 2, 4]), Huber(delta: 0.3, mean: false), AbsoluteError(mean: false),
                  SquaredError(mean: false, scale: 0.5)]
        var random = SplitMix64(seed: 21)
        for rule in rules {
            for _ in 0..<20 {
                let n = 4
                let z = (0..<n).map { _ in 4 * random.nextUnit() - 2 }
                var t: [Double]
                switch rule.targets {
                case .real: t = (0..<n).map { _ in 2 * random.nextUnit() - 1 }
                case .probabilities: t = (0..<n).map { _ in random.nextUnit() }
                case .oneHot: t = (0..<n).map { $0 == Int(random.next() % 4) ? 1 : 0 }
                }
                let g = rule.gradient(logits: z, target: t), h = 1e-6
                for i in 0..<n {
                    var up = z, down = z
                    up[i] += h
                    down[i] -= h
                    guard rule.kinkSides(logits: up, target: t) == rule.kinkSides(logits: down, target: t) else { continue }
                    let difference = (rule.value(logits: up, target: t) - rule.value(logits: down, target: t)) / (2 * h)
                    XCTAssertEqual(g[i], difference, accuracy: 1e-7 * Swift.max(1, abs(difference)), "\(rule.name) z = \(z) t = \(t) [\(i)]")
                }
            }
        }
    }

    func assertExact(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12, file: file, line: line) }
    }
}
