/// netc-bench's command line: what to run, checked before anything is timed,
/// so a mistyped flag fails in milliseconds instead of after a full run.
struct Options {
    enum Mode { case table, phases, kernels }

    var mode = Mode.table
    /// Shorter timing budgets (smoke runs; the numbers are noisier).
    var quick = false
    /// Only (a), the generated models — e.g. under `perf record`.
    var generatedOnly = false
    /// Print each generated model's loss after its timed steps.
    var showLoss = false
    /// The networks the table times: `--only NAME` picks the one named NAME,
    /// else every one whose name starts with it ("mnist"); all by default.
    var networks: [String]

    static let usage = """
        usage: netc-bench [--quick] [--generated-only] [--only NAME] [--show-loss] [--help]
               netc-bench --phases     a training step pass by pass: mnist b128, b32, b1 and iris b1
               netc-bench --kernels    the dense-layer kernels alone, on mnist's shapes

        Build for the host CPU first, or FMA is emulated and the numbers mean nothing:
          swift build -c release --product netc-bench -Xswiftc -target-cpu -Xswiftc native
        """

    enum Outcome {
        case run(Options)
        case help
        case failure(String)
    }

    /// Reads `arguments` (without the program name); `names` are the networks `--only` may select.
    static func parse(_ arguments: [String], names: [String]) -> Outcome {
        var options = Options(networks: names)
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--help", "-h": return .help
            case "--quick": options.quick = true
            case "--generated-only": options.generatedOnly = true
            case "--show-loss": options.showLoss = true
            case "--phases", "--kernels":
                let mode: Mode = argument == "--phases" ? .phases : .kernels
                if options.mode != .table && options.mode != mode { return .failure("--phases and --kernels are separate runs; pick one") }
                options.mode = mode
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
        return .run(options)
    }
}
