import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// Products split across threads give the same bits as on one: each kernel,
/// on shapes that reach every way a product splits (by samples, by output
/// features, leftover blocks and samples) and on any number of threads; and
/// whole training runs, on 1, 2 and 3 threads and 20 times over.
final class ThreadTests: XCTestCase {
    override func tearDown() { CPUKernels.setThreadBudget(1) }

    /// Runs `body` with the budget at 1, 2, 3 and 4 threads; every run's outputs must equal the first's.
    func sameOnAnyThreads(_ what: String, _ body: () -> [Float]) {
        CPUKernels.setThreadBudget(1)
        let one = body()
        for threads in 2...4 {
            CPUKernels.setThreadBudget(threads)
            let many = body()
            XCTAssertTrue(zip(one, many).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(what) on \(threads) threads differs from 1")
        }
        CPUKernels.setThreadBudget(1)
    }

    /// `sameOnAnyThreads`, and the work really went to a worker thread. The
    /// caller runs parts itself while the workers wake, so on a loaded
    /// machine it can finish a small job alone: up to 50 more runs on 2
    /// threads may show the split (a dispatcher that never splits fails).
    func sameAndSplit(_ what: String, _ body: () -> [Float]) {
        let before = CPUKernels.parallelJobs
        sameOnAnyThreads(what, body)
        CPUKernels.setThreadBudget(2)
        for _ in 0..<50 where CPUKernels.parallelJobs == before { _ = body() }
        CPUKernels.setThreadBudget(1)
        XCTAssertGreaterThan(CPUKernels.parallelJobs, before, "\(what) never split")
    }

    func testEveryProductGivesTheSameBitsOnAnyNumberOfThreads() {
        let before = CPUKernels.parallelJobs
        KernelSets.forEach { path in
            var state = SplitMix64(seed: 11)
            // (n, m, count): features split (4m ≥ count), samples split, leftover samples and rows, a lone sample after blocks of 6.
            for (n, m, count) in [(300, 130, 37), (784, 128, 32), (150, 16, 250), (97, 200, 29), (1100, 48, 13), (257, 144, 31),
                                  (200, 256, 7), (33, 80, 401)] {
                checkProducts(n: n, m: m, count: count, &state, "\(path) n=\(n) m=\(m) count=\(count)")
            }
        }
        XCTAssertGreaterThan(CPUKernels.parallelJobs, before, "no product was handed to a worker thread")
    }

    /// The convolution kernels split by samples (forward, input gradient) and
    /// by output channels (weight gradient): read in place, padded, windows
    /// copied out; fewer than 16 outputs and more; more parts than outputs.
    func testConvolutionsGiveTheSameBitsOnAnyNumberOfThreads() {
        let layers: [(ConvolutionGeometry, Int, Int)] = [
            (ConvolutionGeometry(channels: 1, height: 28, width: 28, kernelHeight: 5, kernelWidth: 5), 6, 32),
            (ConvolutionGeometry(channels: 6, height: 12, width: 12, kernelHeight: 5, kernelWidth: 5), 16, 33),
            (ConvolutionGeometry(channels: 8, height: 14, width: 14, kernelHeight: 3, kernelWidth: 3, padTop: 1, padBottom: 1, padLeft: 1,
                                 padRight: 1), 20, 9),
            (ConvolutionGeometry(channels: 4, height: 20, width: 20, kernelHeight: 3, kernelWidth: 3, strideY: 2, strideX: 2), 3, 40),
        ]
        KernelSets.forEach { path in
            var state = SplitMix64(seed: 5)
            for (g, outputs, count) in layers {
                let label = "\(path) \(g) \(outputs) outputs, \(count) samples"
                var x = randomFloats(count * g.channels * g.inputPlane, &state), w = randomFloats(outputs * g.patch, &state)
                var bias = randomFloats(outputs, &state), dy = randomFloats(count * outputs * g.outputPlane, &state)
                let old = randomFloats(x.count, &state)
                var scratch = [Float](repeating: .nan, count: ConvolutionKernels.planesScratch(g, outputs: outputs, count: count))
                sameAndSplit("forward \(label)") {
                    var y = [Float](repeating: .nan, count: dy.count)
                    ConvolutionKernels.forward(g, outputs: outputs, &w, &bias, &x, &y, rectify: true, count: count, scratch: &scratch)
                    return y
                }
                sameAndSplit("weightGradient \(label)") {
                    var dw = [Float](repeating: .nan, count: w.count + outputs)
                    dw.withUnsafeMutableBufferPointer { dw in
                        ConvolutionKernels.weightGradient(g, outputs: outputs, &dy, &x, dw.baseAddress!, dw.baseAddress! + w.count,
                                                          count: count, scratch: &scratch)
                    }
                    return dw
                }
                sameAndSplit("inputGradient \(label)") {
                    var dx = old
                    ConvolutionKernels.inputGradient(g, outputs: outputs, &dy, &w, &dx, accumulate: true, count: count, scratch: &scratch)
                    return dx
                }
            }
        }
    }

    /// Pools split by samples, batch normalisation by channels.
    func testPoolsAndBatchNormGiveTheSameBitsOnAnyNumberOfThreads() {
        let g = ConvolutionGeometry(channels: 6, height: 24, width: 24, kernelHeight: 2, kernelWidth: 2, strideY: 2, strideX: 2)
        let count = 128, inSize = count * g.channels * g.inputPlane, outSize = count * g.channels * g.outputPlane
        KernelSets.forEach { path in
            var state = SplitMix64(seed: 9)
            var x = randomFloats(inSize, &state), dy = randomFloats(outSize, &state), dyIn = randomFloats(inSize, &state)
            var gamma = randomFloats(g.channels, &state), beta = randomFloats(g.channels, &state)
            var y = [Float](repeating: 0, count: outSize)
            PoolingKernels.maxForward(g, &x, &y, count: count)
            sameAndSplit("\(path) max pool") {
                var out = [Float](repeating: .nan, count: outSize), dx = [Float](repeating: .nan, count: inSize)
                PoolingKernels.maxForward(g, &x, &out, count: count)
                PoolingKernels.maxBackward(g, &x, &y, &dy, &dx, accumulate: false, rectify: true, count: count)
                return out + dx
            }
            sameAndSplit("\(path) average pool") {
                var out = [Float](repeating: .nan, count: outSize), dx = [Float](repeating: .nan, count: inSize)
                PoolingKernels.averageForward(g, &x, &out, count: count)
                PoolingKernels.averageBackward(g, &dy, &dx, accumulate: false, count: count)
                return out + dx
            }
            sameAndSplit("\(path) batch norm") {
                var out = [Float](repeating: .nan, count: inSize), dx = [Float](repeating: .nan, count: inSize)
                var dGamma = [Float](repeating: 0, count: g.channels), dBeta = dGamma
                var mean = [Float](repeating: 0, count: g.channels), variance = [Float](repeating: 1, count: g.channels)
                var statistics = [Float](repeating: .nan, count: 2 * g.channels)
                NormalisationKernels.batchNormForward(&x, &out, gamma: &gamma, beta: &beta, statistics: &statistics, channels: g.channels,
                                                      plane: g.inputPlane, epsilon: 1e-5, count: count)
                NormalisationKernels.batchNormBackward(&x, &dyIn, &dx, accumulate: false, gamma: &gamma, dGamma: &dGamma, dBeta: &dBeta,
                                                       statistics: &statistics, channels: g.channels, plane: g.inputPlane, epsilon: 1e-5,
                                                       count: count)
                let written = NormalisationKernels.batchNormUpdate(statistics: &statistics, runningMean: &mean, runningVariance: &variance,
                                                                   channels: g.channels, plane: g.inputPlane, keep: 0.9, take: 0.1, count: count)
                return out + dx + dGamma + dBeta + statistics + mean + variance + [written]
            }
        }
    }

    func checkProducts(n: Int, m: Int, count: Int, _ state: inout SplitMix64, _ label: String) {
        let w = randomFloats(n * m, &state), bias = randomFloats(m, &state), x = randomFloats(count * n, &state)
        let dy = randomFloats(count * m, &state), old = randomFloats(count * n, &state)
        /// The output buffer (NaN, or `initial`) after `body` writes it, with a scratch buffer of any kernel's size.
        func run(_ size: Int, initial: [Float]? = nil, _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
            var out = initial ?? [Float](repeating: .nan, count: size)
            var scratch = [Float](repeating: .nan, count: max(n * m, (m + 16) * count, 16))
            out.withUnsafeMutableBufferPointer { o in scratch.withUnsafeMutableBufferPointer { s in body(o.baseAddress!, s.baseAddress!) } }
            return out
        }
        var wm = w, bm = bias, xm = x, dym = dy
        wm.withUnsafeMutableBufferPointer { w in bm.withUnsafeMutableBufferPointer { bias in
            xm.withUnsafeMutableBufferPointer { x in dym.withUnsafeMutableBufferPointer { dy in
                let w = w.baseAddress!, bias = bias.baseAddress!, x = x.baseAddress!, dy = dy.baseAddress!
                sameOnAnyThreads("linear \(label)") {
                    run(count * m) { y, _ in CPUKernels.linear(w, bias, x, y, n: n, m: m, count: count) }
                }
                sameOnAnyThreads("weightGradient \(label)") {
                    run(n * m + m) { dw, _ in CPUKernels.weightGradient(dy, x, dw, dw + n * m, n: n, m: m, count: count) }
                }
                sameOnAnyThreads("weightGradient packed \(label)") {
                    run(n * m + m) { dw, s in CPUKernels.weightGradient(dy, x, dw, dw + n * m, n: n, m: m, count: count, scratch: s) }
                }
                sameOnAnyThreads("inputGradient \(label)") {
                    run(count * n, initial: old) { dx, _ in CPUKernels.inputGradient(dy, w, dx, accumulate: true, n: n, m: m, count: count) }
                }
                guard m % 16 == 0 else { return }
                if m <= 256 && n * m <= 8192 * 4 {
                    sameOnAnyThreads("linearTransposed \(label)") {
                        run(count * m) { y, s in CPUKernels.linearTransposed(w, bias, x, y, n: n, m: m, count: count, scratch: s) }
                    }
                }
                // Panels: the same arithmetic whatever W's values, so W's own storage serves as Wp.
                sameOnAnyThreads("panelLinear \(label)") {
                    run(count * m) { y, _ in CPUKernels.panelLinear(w, bias, x, y, n: n, m: m, count: count) }
                }
                sameOnAnyThreads("panelWeightGradient \(label)") {
                    run(n * m + m) { dw, s in CPUKernels.panelWeightGradient(dy, x, dw, dw + n * m, n: n, m: m, count: count, scratch: s) }
                }
                sameOnAnyThreads("panelInputGradient \(label)") {
                    run(count * n, initial: old) { dx, _ in CPUKernels.panelInputGradient(dy, w, dx, accumulate: false, n: n, m: m, count: count) }
                }
            } }
        } }
    }

    func testTheUpdateGivesTheSameBitsOnAnyNumberOfThreads() {
        KernelSets.forEach { path in
            var state = SplitMix64(seed: 3)
            let n = 50_021
            let p = randomFloats(n, &state), g = randomFloats(n, &state), v = randomFloats(n, &state), s = randomFloats(n, &state).map(abs)
            for h in [Hyperparameters.sgd(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01),
                      .adam(learningRate: 0.01, weightDecay: 0.001)] {
                let step = OptimizerStep(h, step: 3, gradientScale: 0.5)
                sameOnAnyThreads("update \(path) \(h.summary)") {
                    var pp = p, gg = g, vv = v, ss = s
                    step.apply(&pp, gradients: &gg, first: &vv, second: &ss, count: n, decays: true)
                    return pp + vv + ss
                }
                var pp = p, gg = g, vv = v, ss = s
                for threads in 1...3 {
                    CPUKernels.setThreadBudget(threads)
                    XCTAssertTrue(step.isFinite(&pp, gradients: &gg, first: &vv, second: &ss, count: n, decays: true))
                    gg[n - 1] = .infinity
                    XCTAssertFalse(step.isFinite(&pp, gradients: &gg, first: &vv, second: &ss, count: n, decays: true),
                                   "an infinite gradient in the last part, on \(threads) threads")
                    gg[n - 1] = g[n - 1]
                }
                CPUKernels.setThreadBudget(1)
            }
        }
    }

    /// Attention over the whole batch splits its projections and their
    /// gradients, with the bits of one thread; such a layer, or an LSTM's
    /// input projection of the same work, makes a model set a thread budget.
    func testAttentionGivesTheSameBitsOnAnyNumberOfThreads() throws {
        let l = AttentionKernels.Layout(channels: 64, length: 32, heads: 4, batch: 8)
        var state = SplitMix64(seed: 12)
        let x = randomFloats(8 * 64 * 32, &state), dy = randomFloats(8 * 64 * 32, &state)
        let wi = randomFloats(192 * 64, &state).map { $0 * 0.2 }, bi = randomFloats(192, &state)
        let wo = randomFloats(64 * 64, &state).map { $0 * 0.2 }, bo = randomFloats(64, &state)
        sameAndSplit("attention") {
            var (x, dy, wi, bi, wo, bo) = (x, dy, wi, bi, wo, bo)
            var y = [Float](repeating: 0, count: x.count), dx = y, work = [Float](repeating: 0, count: l.size)
            var dwi = wi, dbi = bi, dwo = wo, dbo = bo
            AttentionKernels.forward(&x, &y, causal: true, scale: 0.25, wi: &wi, bi: &bi, wo: &wo, bo: &bo, work: &work, l, count: 8)
            AttentionKernels.backward(&dy, causal: true, scale: 0.25, dx: &dx, accumulate: false, wi: &wi, wo: &wo,
                                      dwi: &dwi, dbi: &dbi, dwo: &dwo, dbo: &dbo, work: &work, l, count: 8)
            return y + dx + dwi + dbi + dwo + dbo
        }
        // On 2 threads, with the operands in place, a forward and backward pass allocate nothing.
        let buffers = [x, dy, wi, bi, wo, bo, x, x, wi, bi, wo, bo, [Float](repeating: 0, count: l.size)].map { values in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
            p.initialize(from: values, count: values.count)
            return p
        }
        defer { buffers.forEach { $0.deallocate() } }
        let b = buffers
        CPUKernels.setThreadBudget(2)
        let allocations = fewestAllocations {
            AttentionKernels.forward(b[0], b[6], causal: true, scale: 0.25, wi: b[2], bi: b[3], wo: b[4], bo: b[5], work: b[12], l, count: 8)
            AttentionKernels.backward(b[1], causal: true, scale: 0.25, dx: b[7], accumulate: false, wi: b[2], wo: b[4],
                                      dwi: b[8], dbi: b[9], dwo: b[10], dbo: b[11], work: b[12], l, count: 8)
        }
        CPUKernels.setThreadBudget(1)
        XCTAssertEqual(allocations, 0, "attention on 2 threads")
        for layer in ["attention a(x), heads: 4", "lstm a(x): 16", "gru a(x): 16"] {
            let g = try graph("network T {\n input x: 64x32\n \(layer)\n flatten f(a)\n dense out(f): 2\n loss squared_error(out)\n"
                              + " train sgd(learning_rate: 0.1), batch: 8\n}\n")
            XCTAssertTrue(Plan(g).usesThreads, layer)
        }
    }

    /// Training on 2 and 3 threads gives the bits training on 1 gives, run after run; no allocation per step.
    func testTrainingIsBitIdenticalOnAnyThreadCountRunAfterRun() {
        XCTAssertTrue(MnistMLP.usesThreads && MnistCNN.usesThreads)
        XCTAssertFalse(XOR.usesThreads || Iris.usesThreads, "small networks never set a thread budget")
        var state = SplitMix64(seed: 4)
        let x = randomFloats(MnistMLP.batchSize * MnistMLP.inputCount, &state).map(abs)
        var t = [Float](repeating: 0, count: MnistMLP.batchSize * MnistMLP.targetCount)
        for b in 0..<MnistMLP.batchSize { t[b * 10 + b % 10] = 1 }
        func train(threads: Int) -> [Float] {
            var model = MnistMLP(seed: 1)
            model.threads = threads
            for _ in 0..<3 { model.trainStep(input: x, target: t) }
            return model.parameters + model.predict(x)
        }
        let before = CPUKernels.parallelJobs
        let one = train(threads: 1)
        XCTAssertEqual(CPUKernels.parallelJobs, before, "1 thread hands nothing over")
        for run in 0..<20 {
            let threads = run % 2 == 0 ? 2 : 3
            XCTAssertTrue(zip(one, train(threads: threads)).allSatisfy { $0.bitPattern == $1.bitPattern }, "run \(run) on \(threads) threads")
        }
        XCTAssertGreaterThan(CPUKernels.parallelJobs, before)

        var model = MnistMLP(seed: 1)
        model.threads = 2
        model.trainStep(input: x, target: t)
        let allocations = x.withUnsafeBufferPointer { x in
            t.withUnsafeBufferPointer { t in
                fewestAllocations { model.trainStep(input: x, target: t) }
            }
        }
        XCTAssertEqual(allocations, 0, "a step on 2 threads allocates nothing")

        let images = randomFloats(MnistCNN.batchSize * MnistCNN.inputCount, &state).map(abs)
        var labels = [Float](repeating: 0, count: MnistCNN.batchSize * 10)
        for b in 0..<MnistCNN.batchSize { labels[b * 10 + (b * 7) % 10] = 1 }
        func trainCNN(threads: Int) -> [Float] {
            var model = MnistCNN(seed: 2)
            model.threads = threads
            model.trainStep(input: images, target: labels)
            return model.parameters
        }
        XCTAssertEqual(trainCNN(threads: 1).map(\.bitPattern), trainCNN(threads: 2).map(\.bitPattern), "MnistCNN on 2 threads")
    }
}
