import NetcRuntime

/// The C kernel sets this CPU runs (`CPUKernels.Path`), so one test run
/// checks the baseline set and, where the CPU has AVX2 and FMA, that one too.
enum KernelSets {
    static var supported: [CPUKernels.Path] { [.baseline, .avx2FMA].filter(CPUKernels.supports) }

    /// Runs `body` once per supported set, with that set selected (the one in use is restored after).
    static func forEach(_ body: (CPUKernels.Path) -> Void) {
        let previous = CPUKernels.path
        defer { CPUKernels.select(previous) }
        for path in supported {
            CPUKernels.select(path)
            body(path)
        }
    }
}
