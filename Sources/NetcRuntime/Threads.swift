#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads a model's training step, `predict`, `loss` and `gradients`
/// may use. A product large enough (matrix products of dense,
/// convolutional, recurrent and attention layers, the optimizer's update) splits across a pool of
/// worker threads made once per process; a small network stays on the
/// calling thread, whatever its `threads`. Each part computes its own outputs
/// exactly as one thread would, so results are bit-identical for any thread
/// count. Float models only: Double models run on the calling thread.
public enum Threads {
    /// The cores this process may run on (its CPU affinity).
    public static let available = CPUKernels.availableCores

    /// What a new model's `threads` starts at: `NETC_THREADS` from the
    /// environment when it is a positive number, else `available`.
    public static let defaultCount: Int = {
        if let text = getenv("NETC_THREADS").map({ String(cString: $0) }), let n = Int(text), n > 0 { return n }
        return available
    }()
}
