import GeneratedModels
@_spi(Benchmarks) import NetcRuntime

// netc-bench --checks: what the training step's safety checks cost, in one
// run. Each model's `trainStep` is timed against `trainStepWithoutChecks`,
// the same body with the checks compiled out: the step as it was before
// them. The two run on two copies of one model, back to back in many short
// rounds, and the ratio is the median of the rounds' ratios: on a shared VM
// a neighbour's burst then falls on both of a pair. The copies trade steps
// every other pass.
//
// Left out of the unchecked step:
// - the size check on every argument, with its message (`samples`); it
//   keeps the plain comparisons of the fixed sizes it had before;
// - the bounds carried from step to step that prove the update finite
//   (`UpdateBounds`), and the careful update they fall back on.
// Both steps read the gradients' bound, the finiteness test the step had
// before in another form.

/// Both steps of one model, on `threads` threads.
final class CheckedStepBench<M: GeneratedModel> where M.Scalar == Float {
    var checked = M(seed: 1), unchecked = M(seed: 1)
    let x: [Float], t: [Float]

    init(threads: Int) {
        (x, t) = data(batch: M.batchSize, inputs: M.inputCount, outputs: M.targetCount)
        checked.threads = threads
        unchecked.threads = threads
    }

    /// Whether the two steps give the same losses over `steps` steps from one
    /// seed and leave the same model behind, bit for bit (every scalar of the
    /// storage: parameters, optimizer state, running statistics, values).
    func agree(steps: Int) -> Bool {
        var a = checked, b = unchecked
        a.makeUnique()
        b.makeUnique()
        let losses = withBatches(x, t, variants) { xs, ts in
            (0..<steps).allSatisfy { k in
                a.trainStep(input: xs(k % variants), target: ts(k % variants)).bitPattern
                    == b.trainStepWithoutChecks(input: xs(k % variants), target: ts(k % variants)).bitPattern
            }
        }
        let (p, q) = (a.storage.memory, b.storage.memory)
        return losses && a.storage.step == b.storage.step && (0..<M.storageCount).allSatisfy { p[$0].bitPattern == q[$0].bitPattern }
    }

    /// Seconds per checked and per unchecked step in each of `rounds` short
    /// rounds, the two back to back in each round (which goes first
    /// alternates), so that a neighbour's burst falls on both of a pair.
    /// `swapped`: the copies trade steps, so that where each copy's memory
    /// happens to lie weighs on both steps alike over the passes.
    func rounds(_ rounds: Int, budget: Double, swapped: Bool) -> [(checked: Double, unchecked: Double)] {
        swapped ? Self.rounds(rounds, budget: budget, &unchecked, &checked, x, t)
            : Self.rounds(rounds, budget: budget, &checked, &unchecked, x, t)
    }

    /// `rounds` on models passed inout: the class's properties would check
    /// exclusive access at every step.
    private static func rounds(_ rounds: Int, budget: Double, _ checked: inout M, _ unchecked: inout M,
                               _ x: [Float], _ t: [Float]) -> [(checked: Double, unchecked: Double)] {
        withBatches(x, t, variants) { xs, ts in
            var cycle = Cycle()
            func checkedSteps(_ n: Int) { for _ in 0..<n { let k = cycle.next(); checked.trainStep(input: xs(k), target: ts(k)) } }
            func uncheckedSteps(_ n: Int) { for _ in 0..<n { let k = cycle.next(); unchecked.trainStepWithoutChecks(input: xs(k), target: ts(k)) } }
            func seconds(_ body: () -> Void) -> Double { let start = now(); body(); return now() - start }
            // Steps per round: enough for a round to take budget / rounds / 2.
            var n = 1
            checkedSteps(1)
            uncheckedSteps(1)
            while seconds({ checkedSteps(n) }) < budget / Double(2 * rounds) && n < 1 << 24 { n *= 2 }
            return (0..<rounds).map { r in
                if r % 2 == 0 {
                    let c = seconds { checkedSteps(n) }
                    return (c / Double(n), seconds { uncheckedSteps(n) } / Double(n))
                }
                let u = seconds { uncheckedSteps(n) }
                return (seconds { checkedSteps(n) } / Double(n), u / Double(n))
            }
        }
    }
}

/// The `--checks` table for `selected`; false if a model's two steps disagree.
func benchChecks(_ selected: [Config], threads: Int, passes: Int, budget: Double) -> Bool {
    let rounds = 20
    print("trainStep against the same step without its safety checks (see Checks.swift), on \(threads) thread\(threads == 1 ? "" : "s"): "
          + "\(passes) pass\(passes == 1 ? "" : "es") over the networks, each of \(rounds) rounds running the two back to back\n")
    print("| network | trainStep | without the checks | checked ÷ unchecked, median | middle half of the rounds' ratios |")
    print("|---|---:|---:|---:|---:|")
    var agreed = true, worst: (name: String, ratio: Double)?
    var benches: [ChecksEntry] = []
    for c in selected {
        let bench = c.model.checks(threads)
        guard bench.agree(16) else {
            printError("netc-bench: error: \(c.name): trainStep and the unchecked step give different losses or models; the comparison would be void\n")
            agreed = false
            benches.append(ChecksEntry(agree: { _ in false }, rounds: { _, _, _ in [] }))
            continue
        }
        benches.append(bench)
    }
    var times = Array(repeating: [(checked: Double, unchecked: Double)](), count: benches.count)
    for pass in 0..<passes {
        for (k, bench) in benches.enumerated() { times[k] += bench.rounds(rounds, budget, pass % 2 == 1) }
    }
    for (k, c) in selected.enumerated() where !times[k].isEmpty {
        let ratios = times[k].map { $0.checked / $0.unchecked }.sorted()
        let ratio = median(ratios)
        if worst == nil || ratio > worst!.ratio { worst = (c.name, ratio) }
        print("| \(c.name) | \(formatTime(minimum(times[k].map(\.checked)))) | \(formatTime(minimum(times[k].map(\.unchecked)))) | "
              + "\(fixed(ratio, 3)) | \(fixed(ratios[ratios.count / 4], 3))–\(fixed(ratios[ratios.count * 3 / 4], 3)) |")
    }
    print("\nStep times are each one's fastest round.")
    if let worst { print("\nThe largest median ratio: \(worst.name), \(fixed(worst.ratio, 3)) (\(fixed(100 * (worst.ratio - 1), 1)) %).") }
    return agreed
}

/// `CheckedStepBench`'s two calls, for a model type chosen at run time.
struct ChecksEntry {
    var agree: (Int) -> Bool
    var rounds: (Int, Double, Bool) -> [(checked: Double, unchecked: Double)]
}
