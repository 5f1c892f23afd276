#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetcRuntime

extension Driver {
    /// `netc graph SPEC [--backward] [--format dot|svg|png] [-o FILE]`.
    mutating func graph(_ arguments: ParsedArguments) -> Int32 {
        let format = arguments.value("--format") ?? "dot"
        guard ["dot", "svg", "png"].contains(format) else {
            return usageError(UsageError("graph", "--format must be dot, svg or png, not '\(format)'"))
        }
        let output = arguments.value("--output")
        if format == "png" && output == nil {
            return usageError(UsageError("graph", "--format png writes a binary file: give it with -o <file>"))
        }
        let (graphs, failure) = loadAll(arguments.paths)
        if let failure { return failure }
        var dot = ""
        for (g, _) in graphs {
            dot += DotWriter.dot(g, backward: arguments.has("--backward") ? BackwardGraph(g, inputGradient: true) : nil)
        }
        var bytes = Array(dot.utf8)
        if format != "dot" {
            switch Graphviz.render(bytes, format: format) {
            case .success(let rendered): bytes = rendered
            case .failure(let e):
                err += "netc: error: \(e.message)\n"
                return 2
            }
        }
        guard let output else {
            out += String(decoding: bytes, as: UTF8.self)
            return 0
        }
        do {
            try FileIO.writeIfChanged(bytes, to: output)
        } catch {
            err += "netc: error: cannot write \(error)\n"
            return 2
        }
        return 0
    }
}

/// Runs Graphviz's `dot` (from PATH, or the path in `NETC_DOT`) on DOT text.
enum Graphviz {
    static func render(_ dot: [UInt8], format: String) -> Swift.Result<[UInt8], GraphvizError> {
        let program = getenv("NETC_DOT").map { String(cString: $0) } ?? "dot"
        // The DOT goes through a private temporary file, so only one pipe (dot's output) needs draining.
        var template = Array("\(getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")/netc-graph-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return .failure(GraphvizError("cannot create a temporary file: \(String(cString: strerror(errno)))")) }
        let input = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(input) }
        var written = 0
        while written < dot.count {
            let n = dot[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { close(fd); return .failure(GraphvizError("cannot write a temporary file")) }
            written += n
        }
        close(fd)

        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return .failure(GraphvizError("cannot create a pipe")) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        let argv = [program, "-T\(format)", input]
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArguments { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, program, &actions, nil, &cArguments, environ)
        close(pipeEnds[1])
        guard spawned == 0 else {
            close(pipeEnds[0])
            return .failure(GraphvizError(
                "--format \(format) needs Graphviz's 'dot' on PATH (https://graphviz.org), which could not be run: "
                + "\(String(cString: strerror(spawned))); without it: netc graph <spec> | dot -T\(format)"))
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            result += chunk[0..<n]
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            return .failure(GraphvizError("\(program) -T\(format) failed (\(exited ? "exit code \(code)" : "killed by signal \(status & 0x7f)"))"))
        }
        return .success(result)
    }
}

struct GraphvizError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
