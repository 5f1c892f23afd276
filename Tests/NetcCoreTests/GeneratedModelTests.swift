@testable import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// Every generated model against the reference interpreter: initial
/// parameters, forward, loss, every parameter and input gradient, and
/// several optimizer steps. Tolerance: the largest difference divided by
/// the largest reference magnitude, 1e-4 for Float and 1e-10 for Double.
final class GeneratedModelTests: XCTestCase {
    func testXOR() throws { try checkAgainstInterpreter(XOR.self, "xor.net") }
    func testIris() throws { try checkAgainstInterpreter(Iris.self, "iris.net") }
    func testMnistMLP() throws { try checkAgainstInterpreter(MnistMLP.self, "mnist-mlp.net") }
    func testTwoTowers() throws { try checkAgainstInterpreter(TwoTowers.self, "two-towers.net") }
    func testRegressor() throws { try checkAgainstInterpreter(Regressor.self, "regression.net") }
    func testBinary() throws { try checkAgainstInterpreter(Binary.self, "binary.net") }
    func testSoftmaxSE() throws { try checkAgainstInterpreter(SoftmaxSE.self, "softmax-standalone.net") }
    /// guards.net's first network; its second, HugeStep, exists to overflow (TrainingGuardTests).
    func testNaNReLU() throws { try checkAgainstInterpreter(NaNReLU.self, "guards.net") }
    func testWideJoins() throws { try checkAgainstInterpreter(WideJoins.self, "wide-joins.net") }
    func testImageMLP() throws { try checkAgainstInterpreter(ImageMLP.self, "image-mlp.net") }
    /// Huber's loss (targets in −1…1, so errors fall both within δ = 0.5 and beyond) and the absolute error.
    func testRobust() throws { try checkAgainstInterpreter(Robust.self, "robust.net", steps: 5) }
    func testMedian() throws { try checkAgainstInterpreter(Median.self, "robust.net", network: "Median", steps: 5) }
    /// Upsampling by 2 × 2 between convolutions (Float), and by 3 then 2 along a sequence (Double).
    func testAutoencoder() throws { try checkAgainstInterpreter(Autoencoder.self, "autoencoder.net", steps: 3) }
    func testStretch() throws { try checkAgainstInterpreter(Stretch.self, "autoencoder.net", network: "Stretch", steps: 3) }
    /// Bilinear interpolation by 2x3 of the input (three phases along a row), then by 2 of a convolution's planes.
    func testBilinear() throws { try checkAgainstInterpreter(Bilinear.self, "autoencoder.net", network: "Bilinear", steps: 3) }
    /// Token ids through an embedding and an LSTM's last step (Float); an LSTM then a GRU beside a pool over what feeds them (Float: the LSTM through RecurrentKernels; Double: the ops' loops).
    func testSentiment() throws { try checkAgainstInterpreter(Sentiment.self, "sequences.net", steps: 3) }
    func testForecast() throws { try checkAgainstInterpreter(Forecast.self, "sequences.net", network: "Forecast", steps: 3) }
    func testRecurrent() throws { try checkAgainstInterpreter(Recurrent.self, "sequences.net", network: "Recurrent", steps: 3) }
    func testUnflatten() throws { try checkAgainstInterpreter(Unflatten.self, "autoencoder.net", network: "Unflatten", steps: 3) }
    func testTemporal() throws { try checkAgainstInterpreter(Temporal.self, "sequences.net", network: "Temporal", steps: 3) }
    /// Token ids through a residual two-head attention block (Float); a causal stack of attention layers, one with a head per channel (Double).
    func testEncoder() throws { try checkAgainstInterpreter(Encoder.self, "attention.net", steps: 3) }
    func testCausal() throws { try checkAgainstInterpreter(Causal.self, "attention.net", network: "Causal", steps: 3) }
    /// Padded keys masked by the ids: through `AttentionKernels`' batch path (Float) and `mix`, two layers deep (Double).
    func testPadded() throws { try checkAgainstInterpreter(Padded.self, "attention.net", network: "Padded", steps: 3) }
    func testMasked() throws { try checkAgainstInterpreter(Masked.self, "attention.net", network: "Masked", steps: 3) }
    /// Classes at each position: a softmax over the channels of every pixel (Float) and of every step of a sequence (Double).
    func testSegmenter() throws { try checkAgainstInterpreter(Segmenter.self, "segmentation.net", steps: 3) }
    func testTagger() throws { try checkAgainstInterpreter(Tagger.self, "segmentation.net", network: "Tagger", steps: 3) }
    func testPartial() throws { try checkAgainstInterpreter(Partial.self, "segmentation.net", network: "Partial", steps: 3) }
    func testConvLayers() throws { try checkAgainstInterpreter(ConvLayers.self, "conv-layers.net") }
    func testSequence() throws { try checkAgainstInterpreter(Sequence.self, "conv-layers.net", network: "Sequence") }
    func testTokens() throws { try checkAgainstInterpreter(Tokens.self, "conv-layers.net", network: "Tokens") }
    func testGrouped() throws { try checkAgainstInterpreter(Grouped.self, "conv-layers.net", network: "Grouped", steps: 3) }
    func testInstance() throws { try checkAgainstInterpreter(Instance.self, "conv-layers.net", network: "Instance", steps: 3) }
    /// Channel dropout: the generated masks are the interpreter's, a draw per sample and channel.
    func testSpatial() throws {
        try checkAgainstInterpreter(Spatial.self, "conv-layers.net", network: "Spatial", steps: 3)
        var random = SplitMix64(seed: 3)
        let masks = Interpreter(graph: try specGraph("conv-layers.net", network: "Spatial")).dropoutMasks(rng: &random)
        let mask = try XCTUnwrap(masks.values.first)
        XCTAssertEqual(mask.count, 3 * 4 * 16)
        for run in stride(from: 0, to: mask.count, by: 16) { XCTAssertEqual(Set(mask[run..<(run + 16)]).count, 1, "channel at \(run)") }
        XCTAssertEqual(Set(mask), [0, 2], "with rate 0.5 both occur")
    }

    /// `padding_id: 0`: id 0's row starts at zero and stays there through
    /// training on sequences that hold it, while the rows of the other ids learn.
    func testPaddingIdRowStartsAtZeroAndLearnsNothing() {
        var model = Tokens(seed: 5)
        let table = tensorRange(Tokens.parameterTensors, "e.weight"), width = 4
        let start = Array(model.parameters[table])
        XCTAssertEqual(Array(start[0..<width]), [0, 0, 0, 0])
        XCTAssertFalse(start[width..<(2 * width)].allSatisfy { $0 == 0 }, "id 1's row is drawn")
        let input: [Double] = [0, 0, 0, 1, 2, 0, 3, 0, 0, 4, 0, 5, 6, 1]  // two samples of 7 ids
        for _ in 0..<5 { model.trainStep(input: input, target: [1, 0, 0, 1]) }
        let end = Array(model.parameters[table])
        XCTAssertEqual(Array(end[0..<width]), [0, 0, 0, 0], "the padding row")
        for id in 1...6 { XCTAssertNotEqual(Array(end[(id * width)..<((id + 1) * width)]), Array(start[(id * width)..<((id + 1) * width)]), "id \(id)") }
        XCTAssertEqual(Array(end[(7 * width)...]), Array(start[(7 * width)...]), "ids 7 to 10 are not in the input")
    }
    func testMnistCNN() throws { try checkAgainstInterpreter(MnistCNN.self, "mnist-cnn.net", steps: 1) }
    func testDigitsCNN() throws { try checkAgainstInterpreter(DigitsCNN.self, "digits-cnn.net") }
    func testFloatConvs() throws { try checkAgainstInterpreter(FloatConvs.self, "float-convs.net", steps: 3) }
    /// Transposed convolutions: a strided Float decoder; sequences with output padding, dilation and groups in Double.
    func testDeconv() throws { try checkAgainstInterpreter(Deconv.self, "autoencoder.net", network: "Deconv", steps: 3) }
    func testUnstretch() throws { try checkAgainstInterpreter(Unstretch.self, "autoencoder.net", network: "Unstretch", steps: 3) }
    /// Depthwise and grouped convolutions (the op's loops in Float) around a pointwise one (the kernels).
    func testSeparable() throws { try checkAgainstInterpreter(Separable.self, "float-convs.net", network: "Separable", steps: 3) }
    /// Eight steps: through the warm-up, the cosine decay and past its end, with clipping.
    func testScheduled() throws { try checkAgainstInterpreter(Scheduled.self, "scheduled.net", steps: 8) }
    /// A step schedule, clipping and weight decay (SGD); an exponential schedule after warm-up and Adam's weight decay.
    func testMargins() throws { try checkAgainstInterpreter(Margins.self, "interchange.net", network: "Margins", steps: 8) }
    func testTags() throws { try checkAgainstInterpreter(Tags.self, "interchange.net", network: "Tags", steps: 5) }
    /// A positive weight per output.
    func testLabels() throws { try checkAgainstInterpreter(Labels.self, "interchange.net", network: "Labels", steps: 3) }
    func testSmooth() throws { try checkAgainstInterpreter(Smooth.self, "smooth.net", steps: 5) }
    /// relu6, hard_sigmoid, hard_swish, selu, mish and softsign, their inputs spread across every kink.
    func testPiecewise() throws { try checkAgainstInterpreter(Piecewise.self, "smooth.net", network: "Piecewise", steps: 5) }

    /// The blocks a step streams — parameters, gradients, optimizer state,
    /// scratch and node buffers of 1,024 scalars or more — start on 64-byte
    /// boundaries in every spec's layout and every model's allocation
    /// (copies included), so vector loads and stores split no cache line
    /// where the rows do not; smaller node buffers stay packed.
    func testStreamedBuffersStartOnCacheLines() throws {
        let blocks: Set<String> = ["parameters", "gradients", "velocity", "firstMoment", "secondMoment", "scratch"]
        var checked: Set<String> = []
        // Every spec, and one with a batch of 33, whose buffers do not end on lines by themselves.
        let odd = try graph("""
            network Odd {
              input  pixels: 784
              dense  hidden: 128, relu
              dense  logits: 10
              loss   softmax_cross_entropy(logits)
              train  sgd(learning_rate: 0.01), batch: 33
            }
            """)
        let graphs = try files(in: "\(repositoryRoot)/Specs", suffix: ".net").map { ($0, try specGraph($0)) } + [("odd", odd)]
        for (spec, graph) in graphs {
            let plan = Plan(graph), names = BufferNames(graph)
            for b in plan.layout.buffers {
                let name = names.name(b.buffer)
                guard blocks.contains(name) || b.count >= 1024 else { continue }
                XCTAssertEqual(b.offset % 16, 0, "\(spec): \(name) at \(b.offset)")  // 16 Floats: 64 bytes
                checked.insert(blocks.contains(name) ? name : "node buffer")
            }
        }
        XCTAssertEqual(checked, ["parameters", "gradients", "velocity", "firstMoment", "secondMoment", "scratch", "node buffer"])
        func address(_ p: UnsafeMutablePointer<Float>) -> Int { Int(bitPattern: p) % 64 }
        for seed in 0..<8 as Range<UInt64> {
            let xor = XOR(seed: seed), iris = Iris(seed: seed), mnist = MnistMLP(seed: seed)
            var copy = iris
            copy.trainStep(input: [Float](repeating: 0.5, count: Iris.batchSize * Iris.inputCount), labels: [Int](repeating: 1, count: Iris.batchSize))
            XCTAssertFalse(copy.storage === iris.storage)
            for (model, offset) in [("XOR", address(xor.storage.memory)), ("Iris", address(iris.storage.memory)),
                                    ("Iris copy", address(copy.storage.memory)), ("MnistMLP", address(mnist.storage.memory))] {
                XCTAssertEqual(offset, 0, "\(model), seed \(seed)")
            }
        }
    }

    func testEverySpecHasAGeneratedModelUnderTest() {
        // A new spec must get a test above (and a generated file).
        XCTAssertEqual(files(in: "\(repositoryRoot)/Specs", suffix: ".net").count, 22)
    }

    /// MnistMLP keeps `hidden1.weight` in 16-output panels (LinearOp.storesPanels);
    /// every way in and out of the model still speaks the flat [outputs][inputs] order.
    func testPanelStoredWeightsCrossTheAPIInFlatOrder() throws {
        let p = (0..<MnistMLP.parameterCount).map { Float($0 % 9973) * 1e-4 - 0.5 }  // every weight of a row distinct
        var model = MnistMLP(parameters: p)
        XCTAssertEqual(model.parameters, p, "parameters round trip")
        let stored = UnsafeBufferPointer(start: model.storage.memory, count: MnistMLP.parameterCount)
        for (j, i) in [(0, 0), (0, 1), (1, 0), (15, 783), (16, 0), (127, 783), (77, 400)] {
            XCTAssertEqual(stored[(j / 16) * 784 * 16 + i * 16 + j % 16], p[j * 784 + i], "W[\(j)][\(i)] in its panel")
        }
        XCTAssertEqual(Array(stored[100_352...]), Array(p[100_352...]), "the other tensors stay in flat order")
        let iris = Iris(seed: 4)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: iris.storage.memory, count: Iris.parameterCount)), iris.parameters,
                       "a model without panel tensors stores the flat order")

        let dir = temporaryDirectory()
        try model.save(to: "\(dir)/mnist.params")
        let onDisk: [Float] = try ParameterFile.read(from: "\(dir)/mnist.params", fingerprint: MnistMLP.fingerprint,
                                                      count: MnistMLP.parameterCount)
        XCTAssertEqual(onDisk, p, "the file holds the flat order")
        var other = MnistMLP(seed: 9)
        try other.load(contentsOf: "\(dir)/mnist.params")
        XCTAssertEqual(other.parameters, p, "load")
        model.parameters = other.parameters.map { -$0 }
        XCTAssertEqual(model.parameters, p.map { -$0 }, "setter after init")
    }
}

/// Checks one generated model against the interpreter on its spec.
nonisolated func checkAgainstInterpreter<M: GeneratedModel>(_ type: M.Type, _ spec: String, network: String? = nil,
                                                            steps: Int = 3) throws {
        let graph = try specGraph(spec, network: network)
        XCTAssertEqual(M.inputCount, graph.inputSize)
        XCTAssertEqual(M.outputCount, graph.outputSize)
        XCTAssertEqual(M.batchSize, graph.batchSize)
        XCTAssertEqual(M.parameterCount, graph.parameterCount)
        let tolerance = MemoryLayout<M.Scalar>.size == 8 ? 1e-10 : 1e-4
        let interpreter = Interpreter(graph: graph)
        let seed: UInt64 = 1234

        // Initialisation is the same draw from the same generator.
        var model = M(seed: seed)
        let initial = interpreter.initialParameters(seed: seed)
        XCTAssertEqual(doubles(model.parameters), doubles(scalars(initial) as [M.Scalar]), "\(spec): initial parameters")

        // A point off the kinks: biases and inputs drawn at random.
        var rng = SplitMix64(seed: 99)
        var parameters = initial
        GradientCheck.perturbNonWeights(graph, &parameters, rng: &rng)
        let input = GradientCheck.makeInput(graph, count: graph.batchSize, rng: &rng)
        let target = GradientCheck.makeTarget(graph, rng: &rng)
        let p: [M.Scalar] = scalars(parameters), x: [M.Scalar] = scalars(input), t: [M.Scalar] = scalars(target)
        let pd = doubles(p), xd = doubles(x), td = doubles(t)  // exactly what the model sees

        model = M(parameters: p)
        let predicted = doubles(model.predict(x))
        assertClose(predicted, interpreter.predict(input: xd, parameters: pd), tolerance, "\(spec): predict")
        let loss = Double(model.loss(input: x, target: t))
        assertClose([loss], [interpreter.gradients(input: xd, target: td, parameters: pd, inputGradient: false).loss],
                    tolerance, "\(spec): loss")

        // Gradients, with the dropout masks the model draws first.
        var maskRandom = SplitMix64(seed: ~0)  // the model's mask generator for init(seed: 0)
        let masks = interpreter.dropoutMasks(rng: &maskRandom)
        let reference = interpreter.gradients(input: xd, target: td, parameters: pd, masks: masks)
        let g = model.gradients(input: x, target: t)
        assertClose([Double(g.loss)], [reference.loss], tolerance, "\(spec): gradients loss")
        for tensor in graph.parameters {
            let r = tensor.offset..<(tensor.offset + tensor.count)
            assertClose(doubles(Array(g.parameters[r])), Array(reference.parameters[r]), tolerance, "\(spec): ∂\(tensor.name)")
        }
        assertClose(doubles(g.input), reference.input, tolerance, "\(spec): ∂input")

        // A partial batch (the last of an epoch): the loss and gradients are the mean over the samples given.
        if graph.batchSize > 1 {
            let k = graph.batchSize - 1, n = graph.inputSize, c = target.count / graph.batchSize
            let xk = Array(x[..<(k * n)]), tk = Array(t[..<(k * c)])
            let partial = model.gradients(input: xk, target: tk)
            let expected = interpreter.gradients(input: doubles(xk), target: doubles(tk), parameters: pd, masks: masks)
            assertClose([Double(partial.loss)], [expected.loss], tolerance, "\(spec): partial batch loss")
            assertClose(doubles(partial.parameters), expected.parameters, tolerance, "\(spec): partial batch ∂parameters")
            assertClose(doubles(partial.input), expected.input, tolerance, "\(spec): partial batch ∂input")
            // The loss over more samples than a batch is their mean.
            let x3 = x + x + xk, t3 = t + t + tk
            let l3 = interpreter.gradients(input: doubles(x3), target: doubles(t3), parameters: pd, inputGradient: false).loss
            assertClose([Double(model.loss(input: x3, target: t3))], [l3], tolerance, "\(spec): loss over \(2 * graph.batchSize + k) samples")
        }

        // Optimizer steps, each with fresh masks from the same stream.
        var trained = M(parameters: p)
        var state = OptimizerState(count: pd.count)
        var reference_p = pd
        maskRandom = SplitMix64(seed: ~0)
        for step in 0..<steps {
            let masks = interpreter.dropoutMasks(rng: &maskRandom)
            let r = interpreter.gradients(input: xd, target: td, parameters: reference_p, masks: masks, inputGradient: false)
            let l = trained.trainStep(input: x, target: t)
            assertClose([Double(l)], [r.loss], tolerance, "\(spec): step \(step) loss")
            interpreter.updateStatistics(&reference_p, input: xd, masks: masks)
            interpreter.update(&reference_p, gradient: r.parameters, state: &state)
        }
        assertClose(doubles(trained.parameters), reference_p, tolerance * 10, "\(spec): parameters after \(steps) steps")
    }

/// The largest difference, relative to the largest reference magnitude, is within tolerance.
nonisolated func assertClose(_ a: [Double], _ b: [Double], _ tolerance: Double, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let scale = max(b.map(abs).max() ?? 0, 1e-6)
        // NaN-sticky: `max()` would skip a NaN that is not first, and the check pass.
        let worst = zip(a, b).reduce(0.0) { r, p in let d = abs(p.0 - p.1); return d.isNaN || d > r ? d : r }
        XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(what): worst difference \(worst) at scale \(scale)", file: file, line: line)
    }

/// Element conversions without closures over generic metatypes.
nonisolated func scalars<T: BinaryFloatingPoint>(_ xs: [Double]) -> [T] {
    var out: [T] = []
    for x in xs { out.append(T(x)) }
    return out
}
nonisolated func doubles<T: BinaryFloatingPoint>(_ xs: [T]) -> [Double] {
    var out: [Double] = []
    for x in xs { out.append(Double(x)) }
    return out
}
