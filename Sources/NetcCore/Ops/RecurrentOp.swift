import NetcRuntime

/// What the recurrent layers (`LSTMOp`, `GRUOp`) share: a sequence of
/// channels × length in, every step's hidden state or the last one out, and
/// whole-batch kernels in `RecurrentKernels` (`Plan.recurrent`).
public protocol RecurrentOp: Op {
    var channels: Int { get }
    var length: Int { get }
    var hidden: Int { get }
    /// The value is h at the last step only (a vector).
    var lastOnly: Bool { get }
    var outputShape: Shape { get }
    /// The kernels' name stem: `lstm` for `RecurrentKernels.lstmForward`.
    var kernel: String { get }
    /// Scalars of working space the kernels need for `batch` samples.
    func kernelWorkspace(batch: Int) -> Int
}

extension LSTMOp: RecurrentOp {
    public var kernel: String { "lstm" }
    public func kernelWorkspace(batch: Int) -> Int {
        RecurrentKernels.LSTMLayout(channels: channels, length: length, hidden: hidden, batch: batch).size
    }
}

extension GRUOp: RecurrentOp {
    public var kernel: String { "gru" }
    public func kernelWorkspace(batch: Int) -> Int {
        RecurrentKernels.GRULayout(channels: channels, length: length, hidden: hidden, batch: batch).size
    }
}
