import Foundation
import NetcCore
import NetcFuzz

// netc-fuzz: feeds generated and mutated specs through the whole compiler
// (parse → check → graph → differentiate → emit), then gradchecks random
// valid specs and type-checks a sample of everything emitted with swiftc.
//
//   swift run -c release netc-fuzz [--seed N] [--count N] [--valid N] [--start N]
//                                  [--trace] [--dump FILE] [--no-typecheck]
//
// Every case is a pure function of (seed, index): a failure at case i is
// replayed with `--start i --count 1`, and `--dump FILE` writes its input.
// A crash or trap kills the run (rerun with --trace to see the last case);
// a case running over 10 s is reported as a hang (exit 3).

var seed: UInt64 = 1
var count = 100_000
var valid = 60
var start = 0
var trace = false
var dump: String?
var typecheck = true
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let a = arguments.removeFirst()
    func value() -> String {
        guard !arguments.isEmpty else { FileHandle.standardError.write(Data("netc-fuzz: \(a) needs a value\n".utf8)); exit(2) }
        return arguments.removeFirst()
    }
    switch a {
    case "--seed": seed = UInt64(value()) ?? 1
    case "--count": count = Int(value()) ?? count
    case "--valid": valid = Int(value()) ?? valid
    case "--start": start = Int(value()) ?? 0
    case "--trace": trace = true
    case "--dump": dump = value()
    case "--no-typecheck": typecheck = false
    default:
        FileHandle.standardError.write(Data("netc-fuzz: unknown option '\(a)'\n".utf8))
        exit(2)
    }
}

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func specFiles(_ folder: String) -> [[UInt8]] {
    let dir = root.appendingPathComponent(folder)
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".net") }.sorted()
    return names.compactMap { try? Data(contentsOf: dir.appendingPathComponent($0)) }.map { Array($0) }
}
let corpus = specFiles("Tests/FuzzCorpus")
let bases = specFiles("Specs") + corpus
let run = FuzzRun(seed: seed, bases: bases)

if let dump {
    do {
        try Data(run.input(start).bytes).write(to: URL(fileURLWithPath: dump))
    } catch {
        FileHandle.standardError.write(Data("netc-fuzz: cannot write case \(start) to '\(dump)': \(error.localizedDescription)\n".utf8))
        exit(2)
    }
    print("wrote case \(start) to \(dump)")
    exit(0)
}

// A hang is a case that makes no progress for 10 s.
signal(SIGALRM) { _ in
    let message: StaticString = "netc-fuzz: a case ran for more than 10 s (hang); rerun with --trace to find it\n"
    _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
    _exit(3)
}

var failures: [String] = []
var emitted: [(network: String, source: String)] = []

// 1. The regression corpus: inputs that once found bugs.
for (k, bytes) in corpus.enumerated() {
    if case .violated(let why) = FuzzRun.check(bytes, path: "corpus\(k).net") { failures.append("corpus file \(k): \(why)") }
}
print("corpus: \(corpus.count) files")

// 2. Generated and mutated cases, in chunks for progress lines.
let began = FuzzClock.now()
var total = FuzzRun.Report()
var next = start
while next < start + count {
    let chunk = min(10_000, start + count - next)
    let r = run.run(start: next, count: chunk, emittedLimit: 40 - total.emitted.count) { index in
        alarm(10)
        if trace { print("case \(index)") }
    }
    total.cases += r.cases
    total.rejected += r.rejected
    total.compiled += r.compiled
    for k in r.perKind.indices { total.perKind[k] += r.perKind[k] }
    if r.slowest.seconds > total.slowest.seconds { total.slowest = r.slowest }
    total.failures += r.failures
    total.emitted += r.emitted
    next += chunk
    print("fuzz: \(next - start)/\(count) cases, \(total.rejected) rejected with diagnostics, \(total.compiled) compiled, "
          + "\(total.failures.count) failures, \(String(format: "%.1f", FuzzClock.now() - began)) s")
}
alarm(0)
failures += total.failures
emitted += total.emitted
print("slowest case: \(total.slowest.index) in \(String(format: "%.2f", total.slowest.seconds * 1000)) ms")
print("cases per mutation: " + (Mutator.kinds + ["valid"]).enumerated().map { "\($0.element) \(total.perKind[$0.offset])" }.joined(separator: ", "))

// 3. Random valid specs: compile cleanly and pass gradcheck.
let v = run.validSpecs(count: valid)
failures += v.failures
emitted += v.emitted
print("valid specs: \(valid) compiled and gradchecked, worst relative error \(v.worst)")

// 4. Type-check emitted Swift against the NetcRuntime module next to this executable.
if typecheck && !emitted.isEmpty {
    let modules = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("Modules")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netc-fuzz-\(getpid())")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // Batches in which every network name is distinct (each file declares one type).
    var batches: [[(network: String, source: String)]] = []
    for file in emitted {
        if let i = batches.firstIndex(where: { b in b.count < 25 && !b.contains { $0.network == file.network } }) {
            batches[i].append(file)
        } else {
            batches.append([file])
        }
    }
    var checked = 0
    for (b, batch) in batches.enumerated() {
        var paths: [String] = []
        for (k, file) in batch.enumerated() {
            let url = dir.appendingPathComponent("b\(b)_\(k)_\(file.network).swift")
            try! Data(file.source.utf8).write(to: url)
            paths.append(url.path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swiftc", "-typecheck", "-swift-version", "6", "-I", modules.path,
                             "-I", modules.deletingLastPathComponent().appendingPathComponent("CNetcRuntime.build").path] + paths
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try! process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 || output.contains("warning:") {
            failures.append("emitted Swift does not type-check cleanly:\n\(output.prefix(3000))")
        }
        checked += batch.count
    }
    print("type-checked: \(checked) emitted files in \(batches.count) swiftc runs")
}

if failures.isEmpty {
    print("netc-fuzz: ok — \(total.cases) cases, no crash, hang or invariant violation")
} else {
    print("netc-fuzz: \(failures.count) failures")
    for f in failures.prefix(20) { print("- " + f) }
    exit(1)
}
