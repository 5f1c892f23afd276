#if canImport(Glibc)
import Glibc
#endif
import NetcCore
import NetcRuntime

/// Drives specs through parse → check → build graph → differentiate → emit
/// and checks what must hold whatever the input: errors come as rendered
/// `path:line:col: error:` diagnostics inside the file and yield no graph;
/// clean specs yield graphs whose emitted Swift declares each network's type
/// (and, for a sample, type-checks: see netc-fuzz). A crash,
/// trap or hang fails the run by itself.
public struct FuzzRun {
    public let seed: UInt64
    /// Inputs to mutate (e.g. Specs/*.net and the regression corpus).
    public let bases: [[UInt8]]

    public init(seed: UInt64, bases: [[UInt8]]) {
        self.seed = seed
        self.bases = bases
    }

    /// What a run saw.
    public struct Report {
        public var cases = 0
        public var rejected = 0
        public var compiled = 0
        public var perKind = [Int](repeating: 0, count: Mutator.kinds.count + 1)
        public var slowest = (seconds: 0.0, index: 0)
        /// Invariant violations, with the case that caused them.
        public var failures: [String] = []
        /// Emitted files of compiled cases (a bounded, name-diverse sample) for type-checking.
        public var emitted: [(network: String, source: String)] = []

        public init() {}
    }

    /// The input of case `index`: deterministic in (seed, index), so any case
    /// can be replayed alone. Kind `Mutator.kinds.count` is an unmutated valid spec.
    public func input(_ index: Int) -> (bytes: [UInt8], kind: Int) {
        let caseSeed = seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        var generator = SpecGenerator(seed: caseSeed)
        var mutator = Mutator(seed: caseSeed ^ 0xA5A5_A5A5)
        let kind = index % (Mutator.kinds.count + 1)
        let fresh = Array(generator.spec(name: "Fuzz\(index % 7)").utf8)
        if kind == Mutator.kinds.count { return (fresh, kind) }
        let base = index % 3 == 0 || bases.isEmpty ? fresh : bases[(index / 3) % bases.count]
        let other = bases.isEmpty ? fresh : bases[(index / 7) % bases.count]
        return (mutator.mutate(base, kind: kind, other: other), kind)
    }

    /// Runs cases `start..<start+count`; `progress` is called before each case.
    public func run(start: Int = 0, count: Int, emittedLimit: Int = 40, progress: (Int) -> Void = { _ in }) -> Report {
        var report = Report()
        var emittedNames = Set<String>()
        for index in start..<(start + count) {
            progress(index)
            let (bytes, kind) = input(index)
            let began = FuzzClock.now()
            let outcome = FuzzRun.check(bytes, path: "case\(index).net")
            let seconds = FuzzClock.now() - began
            if seconds > report.slowest.seconds { report.slowest = (seconds, index) }
            report.cases += 1
            report.perKind[kind] += 1
            switch outcome {
            case .rejected: report.rejected += 1
            case .compiled(let files):
                report.compiled += 1
                // Mutated specs that still compile are the interesting ones to type-check
                // (renamed nodes, odd numbers); plain valid specs are covered by `validSpecs`.
                for f in files where kind < Mutator.kinds.count && report.emitted.count < emittedLimit
                    && emittedNames.insert(f.network + "\(f.source.count)").inserted {
                    report.emitted.append(f)
                }
            case .violated(let why):
                report.failures.append("case \(index) (\(kind < Mutator.kinds.count ? Mutator.kinds[kind] : "valid")): \(why)")
            }
        }
        return report
    }

    public enum Outcome {
        case rejected
        case compiled([(network: String, source: String)])
        case violated(String)
    }

    /// One input through the whole pipeline, with its invariants checked.
    public static func check(_ bytes: [UInt8], path: String) -> Outcome {
        let file = SourceFile(path: path, bytes: bytes)
        let frontend = Frontend(file: file)
        for d in frontend.diagnostics {
            guard let range = d.range else { continue }
            if range.start < 0 || range.end > bytes.count || range.start > range.end {
                return .violated("diagnostic range \(range.start)..<\(range.end) outside a \(bytes.count)-byte file: \(d.message)")
            }
        }
        let rendered = frontend.renderedDiagnostics
        if frontend.hasErrors {
            if !frontend.graphs.isEmpty { return .violated("errors reported but graphs built") }
            guard rendered.hasPrefix(path + ":"), rendered.contains(": error: ") else {
                return .violated("errors not rendered as 'path:line:col: error:': \(rendered.prefix(200))")
            }
            return .rejected
        }
        if frontend.graphs.isEmpty { return .violated("no errors but no graph") }
        var files: [(String, String)] = []
        for graph in frontend.graphs {
            let source = ModelEmitter(plan: Plan(graph), sourceName: path).emit()
            let protocols = ["GeneratedModel", "ClassifierModel", "ProbabilisticClassifierModel"]
            guard protocols.contains(where: { source.contains("public struct \(graph.name): NetcRuntime.\($0) {") }) else {
                return .violated("emitted file for '\(graph.name)' lacks its type")
            }
            files.append((graph.name, source))
            // The PyTorch export takes every clean graph too (refusing only names a module cannot hold).
            if PyTorchExporter.nameProblems(graph).isEmpty {
                let python = PyTorchExporter.file([graph], sourceName: path, command: "netc export-pytorch \(path)")
                guard python.contains("class \(graph.name)(NetcModule):") else {
                    return .violated("exported module for '\(graph.name)' lacks its class")
                }
            }
        }
        return .compiled(files)
    }

    /// Random valid specs: each must compile cleanly and pass gradcheck.
    public func validSpecs(count: Int) -> (failures: [String], emitted: [(network: String, source: String)], worst: Double) {
        var failures: [String] = []
        var emitted: [(String, String)] = []
        var worst = 0.0
        for k in 0..<count {
            var generator = SpecGenerator(seed: seed &+ 0x5EED &+ UInt64(k))
            let text = generator.spec(name: "Valid\(k)")
            let frontend = Frontend(file: SourceFile(path: "valid\(k).net", bytes: Array(text.utf8)))
            guard !frontend.hasErrors, let graph = frontend.graphs.first else {
                failures.append("valid spec \(k) rejected:\n\(text)\(frontend.renderedDiagnostics)")
                continue
            }
            for row in GradientCheck.run(graph, .init(seed: UInt64(k))) {
                worst = max(worst, row.worstError)
                if !row.passed {
                    failures.append("valid spec \(k): gradcheck of \(row.name) failed, relative error \(row.worstError):\n\(text)")
                }
            }
            emitted.append((graph.name, ModelEmitter(plan: Plan(graph), sourceName: "valid\(k).net").emit()))
        }
        return (failures, emitted, worst)
    }
}

/// Monotonic seconds.
public enum FuzzClock {
    public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
