import NetcRuntime

/// What the recurrent layers (`LSTMOp`, `GRUOp`) share: a sequence of
/// channels × length in, every step's hidden state or the last one out, and
/// whole-batch kernels in `RecurrentKernels` (`Plan.recurrent`).
public protocol RecurrentOp: Op {
    var channels: Int { get }
    var length: Int { get }
    var hidden: Int { get }
    /// The gates' rows of W_ih and W_hh: 4 · hidden (LSTM), 3 · hidden (GRU).
    var gates: Int { get }
    /// The value is h at the last step only (a vector).
    var lastOnly: Bool { get }
    /// The steps run from the sequence's end (a bidirectional layer's second
    /// direction); its last step is then position 0.
    var reversed: Bool { get }
    /// One of a bidirectional layer's two directions (PyTorch: one module).
    var bidirectional: Bool { get }
    var outputShape: Shape { get }
    /// The kernels' name stem: `lstm` for `RecurrentKernels.lstmForward`.
    var kernel: String { get }
    /// The PyTorch module: `nn.LSTM`.
    var module: String { get }
    /// Scalars of working space the kernels need for `batch` samples.
    func kernelWorkspace(batch: Int) -> Int
}

extension RecurrentOp {
    public var outputShape: Shape { lastOnly ? .vector(hidden) : Shape([hidden, length]) }
    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? outputShape : nil }

    /// Where W_ih, W_hh, b_ih and b_hh start in the flat parameters.
    func offsets(_ node: Node, _ graph: Graph) -> (Int, Int, Int, Int) {
        let o = node.parameters.map { graph.parameters[$0].offset }
        return (o[0], o[1], o[2], o[3])
    }

    /// A sample's `rows` × length values with the positions in the order the
    /// steps run: reversed for a reversed layer (its own inverse).
    func ordered(_ v: [Double], _ rows: Int) -> [Double] {
        guard reversed else { return v }
        return (0..<(rows * length)).map { v[($0 / length) * length + length - 1 - $0 % length] }
    }

    /// The position in the sequence of step `t` in generated code.
    var position: String { reversed ? "(\(length - 1) &- t)" : "t" }

    /// W_ih, W_hh, b_ih and b_hh as the op's code names them, or their gradients.
    func tensors(_ node: Node, _ c: OpCode, gradients: Bool = false) -> (wi: Ref, wh: Ref, bi: Ref, bh: Ref) {
        let refs = node.parameters.map { gradients ? c.parameterGradient($0) : c.parameter($0) }
        return (refs[0], refs[1], refs[2], refs[3])
    }

    /// The module reads batch × length × channels: the sequence is transposed
    /// in and out. A bidirectional module's output holds both directions'
    /// states, forward first: the forward direction's node creates it and
    /// takes the first half, the reversed one takes the second (its last
    /// step at position 0, PyTorch's h_n).
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        let sequence = "\(p.module)(\(p.x0).transpose(1, 2))[0]"
        guard bidirectional else {
            return PyTorchForm(module: "\(module)(\(channels), \(hidden), batch_first=True)",
                               value: lastOnly ? "\(sequence)[:, -1]" : "\(sequence).transpose(1, 2)")
        }
        let half = reversed ? "\(hidden):" : ":\(hidden)"
        let value = lastOnly ? "\(sequence)[:, \(reversed ? 0 : -1), \(half)]" : "\(sequence)[..., \(half)].transpose(1, 2)"
        return PyTorchForm(module: reversed ? nil : "\(module)(\(channels), \(hidden), batch_first=True, bidirectional=True)", value: value)
    }
}

extension LSTMOp: RecurrentOp {
    public var kernel: String { "lstm" }
    public var module: String { "nn.LSTM" }
    public func kernelWorkspace(batch: Int) -> Int {
        RecurrentKernels.LSTMLayout(channels: channels, length: length, hidden: hidden, batch: batch).size
    }
}

extension GRUOp: RecurrentOp {
    public var kernel: String { "gru" }
    public var module: String { "nn.GRU" }
    public func kernelWorkspace(batch: Int) -> Int {
        RecurrentKernels.GRULayout(channels: channels, length: length, hidden: hidden, batch: batch).size
    }
}
