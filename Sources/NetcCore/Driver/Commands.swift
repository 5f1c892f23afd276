/// The command line's vocabulary: each command with its options and help,
/// in one table that parsing, `--help` and the usage errors all read.
struct CommandSpec: Sendable {
    /// `check`, `graph`, ...
    let name: String
    /// What follows `netc <name>` in the usage line.
    let synopsis: String
    /// One line for the overview.
    let summary: String
    /// Paragraphs for `netc <name> --help`.
    let details: String
    let options: [OptionSpec]
    /// How many spec files: `1...1` for one, `1...` for any.
    let specs: ClosedRange<Int>
}

/// One option: its spellings, the value it takes (nil for a flag) and its help line.
struct OptionSpec: Sendable {
    let names: [String]
    let value: String?
    let help: String
    var name: String { names.last! }

    init(_ names: String..., value: String? = nil, help: String) {
        self.names = names
        self.value = value
        self.help = help
    }
}

extension CommandSpec {
    static let help = OptionSpec("-h", "--help", help: "show this command's help")

    static let all: [CommandSpec] = [
        CommandSpec(
            name: "check", synopsis: "<spec>... [--layers] [--weights <file.safetensors>]", summary: "check specs; print one summary line per network",
            details: """
                Checks each spec and prints, per network, its nodes, parameters, sizes, model
                memory and FLOPs. Diagnostics go to standard error. '-' reads standard input.
                With --layers, also a row per node as the spec declares it: its kind, the
                shape of one sample's output, its parameters and its inputs.
                With --weights, also checks that a safetensors file fits each network: every
                tensor present under its name with its shape and the network's precision
                (F32 or F64), and no other; every difference is reported.
                """,
            options: [OptionSpec("--layers", help: "a row per node: kind, output shape, parameters, inputs"),
                      OptionSpec("--weights", value: "file", help: "a safetensors file that must fit the networks"), help],
            specs: 1...Int.max),
        CommandSpec(
            name: "graph", synopsis: "<spec> [--backward] [--format dot|svg|png] [-o <file>]",
            summary: "draw a network: Graphviz DOT, or SVG/PNG through Graphviz",
            details: """
                Prints the network as a Graphviz graph: nodes top to bottom with their sizes and
                parameters. --backward adds the gradient flow (dashed red edges) without moving
                the forward layout. --format svg or png runs Graphviz's 'dot' (it must be on PATH);
                png needs -o.
                """,
            options: [OptionSpec("--backward", help: "draw the gradient flow too"),
                      OptionSpec("--format", value: "dot|svg|png", help: "the output format (default dot)"),
                      OptionSpec("-o", "--output", value: "file", help: "write to <file> (atomically) instead of standard output"),
                      help],
            specs: 1...1),
        CommandSpec(
            name: "gradcheck", synopsis: "<spec> [--seed N] [--samples N | --all] [--tolerance T]",
            summary: "compare analytic and finite-difference gradients",
            details: """
                Compares the gradients of the backward pass with central differences in Double, at
                a point drawn from the seed, on up to 4 samples of the batch. Per tensor it checks
                the first and last entries and a sample of the rest (--samples, default 24), or
                every entry (--all). An entry whose difference step crosses a kink (relu-family
                activations at 0, a hinge margin) is skipped and counted, not failed. Error:
                |a − n| / max(|a|, |n|, f), f = 1e-4, or more where the loss is so large that the
                difference's rounding (32 ulps of the loss over 2h) would reach 1e-6. Exit 1
                if any tensor's worst error exceeds the tolerance.
                """,
            options: [OptionSpec("--seed", value: "N", help: "the point and the samples (default 1)"),
                      OptionSpec("--samples", value: "N", help: "entries checked per tensor (default 24)"),
                      OptionSpec("--all", help: "check every entry"),
                      OptionSpec("--tolerance", value: "T", help: "the largest error that passes (default 1e-6)"),
                      help],
            specs: 1...1),
        CommandSpec(
            name: "compile", synopsis: "<spec>... [-o <dir>] [--verbose]",
            summary: "write <dir>/<Network>.swift for each network (default dir: Generated)",
            details: """
                Checks every spec first and writes nothing unless all are clean; then writes each
                network's Swift atomically, only when its content changed (so builds do not
                recompile). --verbose lists every file and whether it changed.

                The build plugin's form: netc compile <spec> --output-file <file> [--conflicts-with <spec>]...
                writes every network of one spec to <file>; a network also declared in a
                --conflicts-with spec is an error.
                """,
            options: [OptionSpec("-o", "--output", value: "dir", help: "the output directory (default Generated)"),
                      OptionSpec("-v", "--verbose", help: "list each file written or unchanged"),
                      OptionSpec("--output-file", value: "file", help: "write every network of one spec to <file>"),
                      OptionSpec("--conflicts-with", value: "spec", help: "a spec whose networks must not be redeclared"),
                      help],
            specs: 1...Int.max),
        CommandSpec(
            name: "export-pytorch", synopsis: "<spec> [-o <file.py>]",
            summary: "write the spec's networks as PyTorch modules (Python)",
            details: """
                Writes a self-contained Python file with one torch.nn.Module per network: the same
                layers, loss, optimizer, schedule and training step, and state_dict keys and shapes
                equal to netc's tensor names, so model.load_state_dict(safetensors.torch.load_file(f))
                loads a file netc saved, and netc loads what safetensors.torch.save_file(model.state_dict(), f)
                writes. Standard output unless -o is given.
                """,
            options: [OptionSpec("-o", "--output", value: "file", help: "write to <file> (atomically, only if changed)"), help],
            specs: 1...1),
    ]

    static func named(_ name: String) -> CommandSpec? { all.first { $0.name == name } }

    /// `netc --help`.
    static var overview: String {
        let width = all.map(\.name.count).max()! + 2
        var s = """
            OVERVIEW: netc \(NetcVersion.string) — compile neural-network specs (.net) to specialised Swift

            USAGE: netc <command> [options] <spec>...
                   netc <command> --help

            COMMANDS:

            """
        for c in all { s += "  \(c.name)\(String(repeating: " ", count: width - c.name.count))\(c.summary)\n" }
        s += """

            OPTIONS:
              -h, --help    show this help
              --version     print the version

            A spec path of '-' reads standard input.
            EXIT CODES: 0 success, 1 errors in a spec, 2 usage or I/O errors

            """
        return s
    }

    /// `netc <command> --help`.
    var usage: String {
        var s = "USAGE: netc \(name) \(synopsis)\n\n\(details)\n\nOPTIONS:\n"
        let labels = options.map { o in o.names.joined(separator: ", ") + (o.value.map { " <\($0)>" } ?? "") }
        let width = labels.map(\.count).max()! + 2
        for (label, o) in zip(labels, options) {
            s += "  \(label)\(String(repeating: " ", count: width - label.count))\(o.help)\n"
        }
        return s
    }
}

/// A command line parsed against one command's options.
struct ParsedArguments {
    var paths: [String] = []
    /// Values by an option's long name (flags map to [""]).
    var values: [String: [String]] = [:]

    func has(_ name: String) -> Bool { values[name] != nil }
    func value(_ name: String) -> String? { values[name]?.last }

    /// Parses `arguments` for `command`; a usage error names the command.
    static func parse(_ arguments: [String], for command: CommandSpec) -> Result<ParsedArguments, UsageError> {
        var parsed = ParsedArguments()
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            if a == "--" { parsed.paths += arguments[i...]; break }
            guard a.hasPrefix("-") && a != "-" else { parsed.paths.append(a); continue }
            // --name=value
            let (flag, inline) = a.hasPrefix("--") && a.contains("=")
                ? (String(a.prefix { $0 != "=" }), String(a.drop { $0 != "=" }.dropFirst())) : (a, nil)
            guard let option = command.options.first(where: { $0.names.contains(flag) }) else {
                if let owner = CommandSpec.all.first(where: { c in c.options.contains { $0.names.contains(flag) } }) {
                    return .failure(UsageError(command.name, "option '\(flag)' does not apply to 'netc \(command.name)' (it is an option of 'netc \(owner.name)')"))
                }
                let hint = Suggestions.hint(flag, command.options.flatMap(\.names))
                return .failure(UsageError(command.name, "unknown option '\(flag)' for 'netc \(command.name)'\(hint)"))
            }
            if option.value == nil {
                if inline != nil { return .failure(UsageError(command.name, "option '\(flag)' takes no value")) }
                parsed.values[option.name, default: []].append("")
                continue
            }
            if let inline {
                parsed.values[option.name, default: []].append(inline)
            } else {
                guard i < arguments.count else {
                    return .failure(UsageError(command.name, "option '\(flag)' needs a value (<\(option.value!)>)"))
                }
                parsed.values[option.name, default: []].append(arguments[i])
                i += 1
            }
        }
        return .success(parsed)
    }
}

/// A usage mistake: exit 2, with a pointer to the command's help.
struct UsageError: Error {
    let command: String?
    let message: String
    init(_ command: String?, _ message: String) {
        self.command = command
        self.message = message
    }
}
