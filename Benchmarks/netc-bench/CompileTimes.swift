#if canImport(Glibc)
import Glibc
#endif
import NetcCore
import NetcRuntime

/// `netc-bench --compile-times`: how long `swiftc -O` takes over the Swift
/// netc generates, for chains of 125 to 1,000 nodes (the documented limit)
/// and for mnist-mlp — what a build plugin adds to a user's build. Each file
/// is compiled alone (`-c`, whole module, one job) against the NetcRuntime
/// module of this build; the time is wall-clock, the best of `repeats` runs.
func benchCompileTimes(quick: Bool) {
    guard let modules = runtimeModules() else {
        printError("netc-bench: error: no NetcRuntime.swiftmodule beside this executable; build with swift build -c release\n")
        exit(2)
    }
    let lengths = quick ? [125] : [125, 250, 500, 1000]
    var cases: [(String, String)] = []
    for n in lengths {
        cases.append(("tanh chain, \(n) nodes", chainSpec(n, step: { " activation a\($0)(\($1)): tanh" })))
        cases.append(("add chain, \(n) nodes", chainSpec(n, step: { " add a\($0)(\($1), x)" })))
    }
    cases.append(("mnist-mlp", String(decoding: try! FileIO.read("\(root)/Specs/mnist-mlp.net"), as: UTF8.self)))
    let directory = "/tmp/netc-bench-compile-\(getpid())"
    mkdir(directory, 0o700)
    defer { _ = rmdirRecursive(directory) }
    print("| generated from | lines of Swift | swiftc -O |")
    print("|---|---:|---:|")
    for (name, spec) in cases {
        let f = Frontend(file: SourceFile(path: "bench.net", text: spec))
        precondition(!f.hasErrors, f.renderedDiagnostics)
        let source = Compiler.emitSingleFile(f.graphs, sourcePath: "bench.net")
        let path = "\(directory)/Model.swift"
        try! FileIO.writeAtomically(Array(source.utf8), to: path)
        var best = Double.infinity
        for _ in 0..<(quick ? 1 : 2) {
            let start = now()
            let status = run(["swiftc", "-O", "-wmo", "-parse-as-library", "-module-name", "Bench", "-c", path,
                              "-o", "\(directory)/Model.o", "-I", modules, "-I", modules + "/../CNetcRuntime.build"])
            guard status == 0 else { printError("netc-bench: error: swiftc failed on \(name)\n"); exit(1) }
            best = min(best, now() - start)
        }
        let lines = source.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        print("| \(name) | \(lines) | \(fixed(best, 1)) s |")
    }
}

/// A network of `n` nodes: the input, `n − 2` made by `step(k, previous)`, and a dense output.
func chainSpec(_ n: Int, step: (Int, String) -> String) -> String {
    var spec = "network Chain {\n input x: 16\n"
    var previous = "x"
    for k in 0..<(n - 2) {
        spec += step(k, previous) + "\n"
        previous = "a\(k)"
    }
    return spec + " dense y(\(previous)): 4\n loss squared_error(y)\n train adam(learning_rate: 0.001), batch: 8\n}\n"
}

/// The Modules directory of the build this executable belongs to.
func runtimeModules() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    let executable = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let modules = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/Modules"
    return access(modules + "/NetcRuntime.swiftmodule", F_OK) == 0 ? modules : nil
}

/// Runs a command found on PATH, its output discarded; its exit status.
func run(_ arguments: [String]) -> Int32 {
    var pid = pid_t()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    guard posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
}

/// Removes a directory this run made, and the files in it.
func rmdirRecursive(_ path: String) -> Int32 {
    if let dir = opendir(path) {
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { unlink("\(path)/\(name)") }
        }
        closedir(dir)
    }
    return rmdir(path)
}
