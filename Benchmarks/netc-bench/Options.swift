import NetcRuntime

/// netc-bench's command line: what to run, checked before anything is timed,
/// so a mistyped flag fails in milliseconds instead of after a full run.
struct Options {
    enum Mode { case table, phases, kernels, contention, compileTimes, checks }

    var mode = Mode.table
    /// Shorter timing budgets (smoke runs; the numbers are noisier).
    var quick = false
    /// Only (a), the generated models — e.g. under `perf record`.
    var generatedOnly = false
    /// `--trajectory N`: print each generated model's loss after N training
    /// steps from seed 1 instead of timing (to compare two builds' values).
    var trajectory: Int?
    /// Times the whole table this many times over and keeps each cell's
    /// best (`--passes N`; 3 by default, 1 with `--quick`): on a shared VM a
    /// neighbour's burst slows every measurement taken during it, and
    /// passes a minute apart rarely all fall into one.
    var passes: Int?
    /// The networks the table times: `--only NAME` picks the one named NAME,
    /// else every one whose name starts with it ("mnist"); all by default.
    var networks: [String]
    /// `--threads 1,2`: the thread counts (a) runs with, each its own row
    /// (default: 1 and `Threads.defaultCount`, when that is more); the
    /// counts run one after another within each pass.
    var threads: [Int] = Threads.defaultCount > 1 ? [1, Threads.defaultCount] : [1]

    static let usage = """
        usage: netc-bench [--quick] [--generated-only] [--only NAME] [--passes N] [--threads N,M...] [--help]
               netc-bench --trajectory N  each model's loss after N training steps from seed 1 (compare builds)
               netc-bench --phases      a training step pass by pass: mnist b128, b32, b1 and iris b1 (--threads N: on N threads)
               netc-bench --kernels     the dense-layer kernels alone, on mnist's shapes
               netc-bench --contention  how much a neighbour slows register-only, L1-resident and first-layer code
               netc-bench --compile-times  swiftc -O on the Swift generated for 125–1,000-node chains and mnist-mlp
               netc-bench --checks      each trainStep against the same step without its safety checks, alternating (--only, --passes, --threads N)

        Build in release, as a package using netc is built (the kernels pick AVX2+FMA at run time):
          swift build -c release --product netc-bench
        """

    enum Outcome {
        case run(Options)
        case help
        case failure(String)
    }

    /// The flags that pick a run other than the table, in usage order.
    static let modeFlags: [(flag: String, mode: Mode)] = [
        ("--phases", .phases), ("--kernels", .kernels), ("--contention", .contention),
        ("--compile-times", .compileTimes), ("--checks", .checks),
    ]

    /// "--phases, --kernels, … and --contention" (or "or"), for messages.
    static func modeList(_ conjunction: String) -> String {
        let flags = modeFlags.map(\.flag)
        return flags.dropLast().joined(separator: ", ") + " \(conjunction) " + flags.last!
    }

    /// Reads `arguments` (without the program name); `names` are the networks `--only` may select.
    static func parse(_ arguments: [String], names: [String]) -> Outcome {
        var options = Options(networks: names)
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if let mode = modeFlags.first(where: { $0.flag == argument })?.mode {
                if options.mode != .table && options.mode != mode { return .failure("\(modeList("and")) are separate runs; pick one") }
                options.mode = mode
                continue
            }
            switch argument {
            case "--help", "-h": return .help
            case "--quick": options.quick = true
            case "--generated-only": options.generatedOnly = true
            case "--trajectory":
                guard let text = rest.popFirst(), let n = Int(text), (1...100_000).contains(n) else {
                    return .failure("--trajectory needs a number of steps from 1 to 100000, e.g. --trajectory 100")
                }
                options.trajectory = n
            case "--passes":
                guard let text = rest.popFirst(), let n = Int(text), (1...20).contains(n) else {
                    return .failure("--passes needs a whole number from 1 to 20, e.g. --passes 3")
                }
                options.passes = n
            case "--threads":
                guard let text = rest.popFirst() else { return .failure("--threads needs thread counts, e.g. --threads 1,2") }
                let counts = text.split(separator: ",").map { Int($0) }
                guard !counts.isEmpty, counts.allSatisfy({ $0 != nil && (1...64).contains($0!) }) else {
                    return .failure("--threads needs thread counts from 1 to 64 separated by commas, e.g. --threads 1,2")
                }
                options.threads = counts.map { $0! }
            case "--only":
                guard let name = rest.popFirst(), !name.hasPrefix("--") else { return .failure("--only needs a network name, e.g. --only \"mnist b32\"") }
                options.networks = names.contains(name) ? [name] : names.filter { $0.hasPrefix(name) }
                guard !options.networks.isEmpty else {
                    return .failure("no network named '\(name)'; the networks are: " + names.map { "'\($0)'" }.joined(separator: ", "))
                }
            default:
                return .failure("unknown argument '\(argument)'")
            }
        }
        if options.passes != nil && options.mode != .table && options.mode != .checks {
            return .failure("--passes applies to the table and to --checks, not to " + modeFlags.map(\.flag).filter { $0 != "--checks" }.joined(separator: ", "))
        }
        return .run(options)
    }
}
