#if canImport(Glibc)
import Glibc
#endif
import GeneratedModels
import MallocCounter
import NetcCore
import NetcRuntime

// netc-bench: for each network and batch size, times inference and a training
// step (forward + backward + update) for
//   (a) the netc-generated model, (b) a hand-written Swift MLP over [Float],
//   (c) the same network with Swift's _Differentiation, (d) the reference interpreter,
// counts heap allocations per step, and prints (a)'s speed-up over each and
// its share of the measured single-core FP32 FMA peak. The baselines run on
// one thread; (a) once per `--threads` count (1 and the default count).
// Usage: see Options.usage (`netc-bench --help`).

/// One implementation's numbers for one configuration.
struct Row {
    var name: String
    var threads = 1
    var inference: Double  // seconds per batch
    var training: Double  // seconds per step
    var allocations: Int  // per training step

    /// The better of two measurements of one implementation: each time's
    /// minimum (noise only ever adds time), the larger allocation count.
    func best(_ other: Row) -> Row {
        Row(name: name, threads: threads, inference: min(inference, other.inference), training: min(training, other.training),
            allocations: max(allocations, other.allocations))
    }
}

/// Deterministic data: `variants` different batches with random one-hot (or
/// 0/1) targets, stored back to back. Steps cycle through them, so training
/// never collapses onto one memorised batch — whose vanishing gradients
/// become subnormal floats and slow every implementation down by a
/// data-dependent amount (seen as a 1.6× swing in mnist b1 before this).
let variants = 16

func data(batch: Int, inputs: Int, outputs: Int) -> ([Float], [Float]) {
    var random = SplitMix64(seed: 7)
    let x = (0..<(variants * batch * inputs)).map { _ in Float(random.nextUnit()) }
    var t = [Float](repeating: 0, count: variants * batch * outputs)
    for sample in 0..<(variants * batch) {
        let label = Int(random.next() % UInt64(max(outputs, 2)))
        if outputs == 1 { t[sample] = Float(label) } else { t[sample * outputs + label] = 1 }
    }
    return (x, t)
}

/// Cycles through the variants: the offset of the next batch, in batches.
struct Cycle {
    var k = 0
    mutating func next() -> Int {
        k = k == variants - 1 ? 0 : k + 1
        return k
    }
}

/// The variants as separate arrays (for the array-based baselines).
func split(_ d: ([Float], [Float])) -> ([[Float]], [[Float]]) {
    let nx = d.0.count / variants, nt = d.1.count / variants
    return ((0..<variants).map { Array(d.0[($0 * nx)..<(($0 + 1) * nx)]) }, (0..<variants).map { Array(d.1[($0 * nt)..<(($0 + 1) * nt)]) })
}

/// A hand-written baseline (b) of a network that is not an MLP.
protocol HandWrittenNetwork {
    func predict(_ x: [Float], batch: Int) -> [Float]
    func trainStep(_ x: [Float], _ target: [Float], batch: Int)
}

/// Row (b) for `network`, on the cycled batches of `graph`'s shapes.
func benchHandWritten(_ network: some HandWrittenNetwork, _ graph: Graph) -> Row {
    let batch = graph.batchSize
    let (x, t) = split(data(batch: batch, inputs: graph.inputSize, outputs: graph.outputSize))
    var cycle = Cycle()
    return Row(name: "(b) hand-written", inference: measure(budget: budget) { _ = network.predict(x[cycle.next()], batch: batch) },
               training: measure(budget: budget) { let k = cycle.next(); network.trainStep(x[k], t[k], batch: batch) },
               allocations: allocations { let k = cycle.next(); network.trainStep(x[k], t[k], batch: batch) })
}

func allocations(_ body: () -> Void) -> Int {
    body()
    let before = netc_allocation_count()
    body()
    return netc_allocation_count() - before
}

func benchGenerated<M: GeneratedModel>(_: M.Type, threads: Int) -> Row where M.Scalar == Float {
    var model = M(seed: 1)
    model.threads = threads
    let (x, t) = data(batch: M.batchSize, inputs: M.inputCount, outputs: M.outputCount)
    var y = [Float](repeating: 0, count: M.batchSize * M.outputCount)
    return withBatches(x, t, variants) { xs, ts in
        y.withUnsafeMutableBufferPointer { y in
            var cycle = Cycle()
            let inference = measure(budget: budget) { model.predict(input: xs(cycle.next()), output: y) }
            let training = measure(budget: budget) { let k = cycle.next(); model.trainStep(input: xs(k), target: ts(k)) }
            let allocs = allocations { let k = cycle.next(); model.trainStep(input: xs(k), target: ts(k)); model.predict(input: xs(k), output: y) }
            return Row(name: "(a) netc", threads: threads, inference: inference, training: training, allocations: allocs)
        }
    }
}

/// `body` with the batches of `x` and `t` (`count` of each, back to back) by index, as buffers.
@inline(__always)
func withBatches<R>(_ x: [Float], _ t: [Float], _ count: Int,
                    _ body: ((Int) -> UnsafeBufferPointer<Float>, (Int) -> UnsafeBufferPointer<Float>) -> R) -> R {
    x.withUnsafeBufferPointer { x in
        t.withUnsafeBufferPointer { t in
            let nx = x.count / count, nt = t.count / count
            return body({ UnsafeBufferPointer(rebasing: x[($0 * nx)..<(($0 + 1) * nx)]) },
                        { UnsafeBufferPointer(rebasing: t[($0 * nt)..<(($0 + 1) * nt)]) })
        }
    }
}

/// The loss of the `steps`-th training step from seed 1 over the cycled
/// batches: what `--trajectory` prints, to compare builds of one model.
func trajectory<M: GeneratedModel>(_: M.Type, steps: Int) -> Float where M.Scalar == Float {
    var model = M(seed: 1)
    let (x, t) = split(data(batch: M.batchSize, inputs: M.inputCount, outputs: M.outputCount))
    var loss: Float = .nan
    for k in 0..<steps { loss = model.trainStep(input: x[k % variants], target: t[k % variants]) }
    return loss
}

func benchHand(_ sizes: [Int], batch: Int, xor: Bool) -> Row {
    let mlp = HandMLP(sizes: sizes, hidden: xor ? .sigmoid : .relu, output: xor ? .sigmoid : .identity,
                      loss: xor ? .halfSquaredError : .softmaxCrossEntropy, learningRate: 0.01, momentum: xor ? 0 : 0.9)
    let (x, t) = split(data(batch: batch, inputs: sizes.first!, outputs: sizes.last!))
    var cycle = Cycle()
    return Row(name: "(b) hand-written", inference: measure(budget: budget) { _ = mlp.predict(x[cycle.next()], batch: batch) },
               training: measure(budget: budget) { let k = cycle.next(); mlp.trainStep(x[k], t[k], batch: batch) },
               allocations: allocations { let k = cycle.next(); mlp.trainStep(x[k], t[k], batch: batch) })
}

func benchAD(_ sizes: [Int], batch: Int, xor: Bool) -> Row {
    var mlp = ADMLP(sizes: sizes, sigmoidHidden: xor, squaredError: xor, learningRate: 0.01)
    let (x, t) = split(data(batch: batch, inputs: sizes.first!, outputs: sizes.last!))
    let b = options.quick ? 0.02 : budget
    var cycle = Cycle()
    return Row(name: "(c) _Differentiation", inference: measure(budget: b, rounds: 3) { _ = mlp.predict(x[cycle.next()], batch: batch) },
               training: measure(budget: b, rounds: 3) { let k = cycle.next(); mlp.trainStep(x[k], t[k], batch: batch) },
               allocations: allocations { let k = cycle.next(); mlp.trainStep(x[k], t[k], batch: batch) })
}

func benchInterpreter(_ graph: Graph) -> Row {
    let interpreter = Interpreter(graph: graph)
    var p = interpreter.initialParameters(seed: 1)
    var state = OptimizerState(count: p.count)
    let (xf, tf) = split(data(batch: graph.batchSize, inputs: graph.inputSize, outputs: graph.outputSize))
    let x = xf.map { $0.map(Double.init) }, t = tf.map { $0.map(Double.init) }
    var cycle = Cycle()
    func step() {
        let k = cycle.next()
        let g = interpreter.gradients(input: x[k], target: t[k], parameters: p, inputGradient: false)
        interpreter.update(&p, gradient: g.parameters, state: &state)
    }
    let b = options.quick ? 0.02 : budget
    return Row(name: "(d) interpreter", inference: measure(budget: b, rounds: 3) { _ = interpreter.predict(input: x[cycle.next()], parameters: p) },
               training: measure(budget: b, rounds: 3, step), allocations: allocations(step))
}

/// The spec's graph, for FLOP counts and the interpreter.
func loadGraph(_ path: String) -> Graph {
    let bytes = try! FileIO.read(path)
    let f = Frontend(file: SourceFile(path: path, bytes: bytes))
    precondition(!f.hasErrors, f.renderedDiagnostics)
    return f.graphs[0]
}

let root: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Benchmarks/netc-bench/main.swift
    return parts.joined(separator: "/")
}()

struct Config {
    /// `sizes`: the MLP the hand-written and autodiff baselines build; empty
    /// for the other networks, whose hand-written baseline `handWritten` makes.
    var name: String, spec: String, sizes: [Int], xor: Bool
    var model: GeneratedEntry
    var handWritten: (() -> any HandWrittenNetwork)? = nil
}

/// What netc-bench runs on one generated model (a), bound to its type.
struct GeneratedEntry {
    /// (a)'s row on the given number of threads.
    var generated: (Int) -> Row
    /// The loss after the given number of steps (`--trajectory`).
    var trajectory: (Int) -> Float
    /// Both steps of `--checks` on the given number of threads.
    var checks: (Int) -> ChecksEntry

    init<M: GeneratedModel>(_: M.Type) where M.Scalar == Float {
        generated = { benchGenerated(M.self, threads: $0) }
        trajectory = { steps in netc_bench.trajectory(M.self, steps: steps) }
        checks = { threads in
            let bench = CheckedStepBench<M>(threads: threads)
            return ChecksEntry(agree: bench.agree(steps:), rounds: bench.rounds(_:budget:swapped:))
        }
    }
}

let configs = [
    Config(name: "xor b1", spec: "Specs/xor.net", sizes: [2, 4, 1], xor: true, model: .init(XOR.self)),
    Config(name: "iris b1", spec: "Benchmarks/netc-bench/Models/IrisB1.net", sizes: [4, 16, 16, 3], xor: false, model: .init(IrisB1.self)),
    Config(name: "iris b16", spec: "Specs/iris.net", sizes: [4, 16, 16, 3], xor: false, model: .init(Iris.self)),
    Config(name: "mnist b1", spec: "Benchmarks/netc-bench/Models/MnistB1.net", sizes: [784, 128, 64, 10], xor: false, model: .init(MnistB1.self)),
    Config(name: "mnist b32", spec: "Specs/mnist-mlp.net", sizes: [784, 128, 64, 10], xor: false, model: .init(MnistMLP.self)),
    Config(name: "mnist-cnn b1", spec: "Benchmarks/netc-bench/Models/MnistCNNB1.net", sizes: [], xor: false, model: .init(MnistCNNB1.self), handWritten: { HandCNN() }),
    Config(name: "mnist-cnn b32", spec: "Specs/mnist-cnn.net", sizes: [], xor: false, model: .init(MnistCNN.self), handWritten: { HandCNN() }),
    Config(name: "mnist-cnn-bn b32", spec: "Benchmarks/netc-bench/Models/MnistCNNBN.net", sizes: [], xor: false, model: .init(MnistCNNBN.self), handWritten: { HandCNN() }),
    Config(name: "mnist-cnn b128", spec: "Benchmarks/netc-bench/Models/MnistCNNB128.net", sizes: [], xor: false, model: .init(MnistCNNB128.self), handWritten: { HandCNN() }),
    Config(name: "mnist b128", spec: "Benchmarks/netc-bench/Models/MnistB128.net", sizes: [784, 128, 64, 10], xor: false, model: .init(MnistB128.self)),
    Config(name: "lstm b32", spec: "Benchmarks/netc-bench/Models/LSTMB32.net", sizes: [], xor: false, model: .init(LSTMB32.self), handWritten: { HandLSTM() }),
    Config(name: "mobile b32", spec: "Benchmarks/netc-bench/Models/MobileB32.net", sizes: [], xor: false, model: .init(MobileB32.self), handWritten: { HandMobile() }),
    Config(name: "generator b32", spec: "Benchmarks/netc-bench/Models/GeneratorB32.net", sizes: [], xor: false, model: .init(GeneratorB32.self), handWritten: { HandGenerator() }),
    Config(name: "attention b32", spec: "Benchmarks/netc-bench/Models/AttentionB32.net", sizes: [], xor: false, model: .init(AttentionB32.self), handWritten: { HandAttention() }),
]

/// Writes `text` to standard error.
func printError(_ text: String) {
    _ = text.withCString { write(2, $0, strlen($0)) }
}

let options: Options
switch Options.parse(Array(CommandLine.arguments.dropFirst()), names: configs.map(\.name)) {
case .run(let parsed): options = parsed
case .help: print(Options.usage); exit(0)
case .failure(let message):
    printError("netc-bench: error: \(message)\n\(Options.usage)\n")
    exit(2)
}
let budget = options.quick ? 0.05 : 0.3
if options.mode == .compileTimes {
    benchCompileTimes(quick: options.quick)
    exit(0)
}
if let steps = options.trajectory {
    print("| network | loss after \(steps) steps | kernels |")
    print("|---|---:|---|")
    for c in configs where options.networks.contains(c.name) {
        print("| \(c.name) | \(c.model.trajectory(steps)) | \(CPUKernels.path) |")
    }
    exit(0)
}

let peak = measurePeakGFLOPS()
// The thread counts are the table's; the other modes name theirs in their own lines.
let threadCounts = options.mode == .table
    ? "(a) on \(options.threads.map(String.init).joined(separator: " and ")) thread\(options.threads == [1] ? "" : "s") (\(Threads.available) cores available)"
    : "\(Threads.available) cores available"
print("netc-bench — \(threadCounts); kernels: \(CPUKernels.path); FP32 multiply-add peak measured now: \(fixed(peak, 1)) GFLOP/s\n")
#if DEBUG
printError("netc-bench: warning: a debug build — these numbers say nothing about the generated code; build with -c release\n")
#endif
switch options.mode {
case .phases: benchPhases(threads: options.threads.last!)
case .kernels: benchKernels(peak: peak)
case .contention: benchContention(rounds: options.quick ? 5 : 2000)
case .compileTimes: break
case .checks:
    let selected = configs.filter { options.networks.contains($0.name) }
    if !benchChecks(selected, threads: options.threads[0], passes: options.passes ?? (options.quick ? 1 : 8), budget: budget) { exit(1) }
case .table:
    // Every pass times each selected network's implementations; the table
    // keeps each cell's best and the best peak, and a line per network shows
    // (a)'s step in every pass against that pass's own peak.
    let passes = options.passes ?? (options.quick ? 1 : 3)
    let selected = configs.filter { options.networks.contains($0.name) }
    let graphs = selected.map { loadGraph("\(root)/\($0.spec)") }
    let flops = graphs.map { Double($0.flopsPerSample.training * $0.batchSize) }  // per training step
    var best: [[Row]] = []
    var steps = Array(repeating: [Double](), count: selected.count)  // (a)'s train step, per pass
    var threadSteps = Array(repeating: [[Double]](), count: selected.count)  // per pass, (a)'s step per thread count
    var peaks = [peak]
    for pass in 0..<passes {
        if pass > 0 { peaks.append(measurePeakGFLOPS()) }
        for (k, c) in selected.enumerated() {
            var rows = options.threads.map { c.model.generated($0) }
            if !options.generatedOnly {
                if !c.sizes.isEmpty {  // the autodiff baseline is an MLP
                    rows.append(benchHand(c.sizes, batch: graphs[k].batchSize, xor: c.xor))
                    rows.append(benchAD(c.sizes, batch: graphs[k].batchSize, xor: c.xor))
                } else if let make = c.handWritten {
                    rows.append(benchHandWritten(make(), graphs[k]))
                }
                rows.append(benchInterpreter(graphs[k]))
            }
            steps[k].append(rows[0].training)
            threadSteps[k].append(rows.prefix(options.threads.count).map(\.training))
            if pass == 0 { best.append(rows) } else { best[k] = zip(best[k], rows).map { $0.best($1) } }
        }
    }
    let bestPeak = peaks.max()!
    print("| network | impl | threads | inference | train step | samples/s | GFLOP/s | % peak | allocs/step | (a) faster by |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (k, c) in selected.enumerated() {
        let batch = graphs[k].batchSize
        let a = best[k][0]
        for r in best[k] {
            let gflops = flops[k] / r.training / 1e9
            let ratio = r.name == a.name ? "—" : fixed(r.training / a.training, 1) + "×"
            print("| \(c.name) | \(r.name) | \(r.threads) | \(formatTime(r.inference)) | \(formatTime(r.training)) | "
                  + "\(Int(Double(batch) / r.training)) | \(fixed(gflops, 2)) | \(fixed(100 * gflops / bestPeak, 1)) | \(r.allocations) | \(ratio) |")
        }
    }
    if options.threads.count > 1 {
        // Each pass times the thread counts back to back: the median of the per-pass ratios.
        print("\n(a)'s train step with \(options.threads[0]) thread\(options.threads[0] == 1 ? "" : "s") over each other count, median of \(passes) pass\(passes == 1 ? "" : "es") (each pass runs the counts in turn):")
        for (k, c) in selected.enumerated() {
            let ratios = options.threads.indices.dropFirst().map { t in
                median(threadSteps[k].map { $0[0] / $0[t] })
            }
            print("  \(c.name): " + zip(options.threads.dropFirst(), ratios).map { "\($0) threads \(fixed($1, 2))×" }.joined(separator: ", "))
        }
    }
    print("\nBest of \(passes) pass\(passes == 1 ? "" : "es") per cell; % peak against the best peak, "
          + peaks.map { fixed($0, 1) }.joined(separator: ", ") + " GFLOP/s.")
    if passes > 1 {
        print("(a)'s train step in each pass, % of that pass's peak:")
        for (k, c) in selected.enumerated() {
            print("  \(c.name): " + zip(steps[k], peaks).map { "\(formatTime($0)) (\(fixed(100 * flops[k] / $0 / 1e9 / $1, 1)) %)" }
                .joined(separator: ", "))
        }
    }
}
