/// What an op becomes in the PyTorch module `netc export-pytorch` writes:
/// the submodule that holds its parameters (none for a functional op) and the
/// Python expression of its value. Each op gives its own (`Op.pytorch`),
/// beside its meaning; `PyTorchExporter` assembles the module.
public struct PyTorchForm: Sendable {
    /// The submodule's constructor (`nn.Linear(4, 16)`), assigned to the
    /// attribute its tensors are named under (`hidden1` for `hidden1.weight`).
    public var module: String?
    /// The value, from the inputs' expressions and `self.<module>`.
    public var value: String

    public init(module: String? = nil, value: String) {
        self.module = module
        self.value = value
    }
}

/// What an op's PyTorch form is written from.
public struct PyTorchOperands: Sendable {
    /// The inputs' Python expressions, in order.
    public var inputs: [String]
    /// The inputs' per-sample shapes.
    public var shapes: [Shape]
    /// `self.<attribute>` for the op's submodule.
    public var module: String

    public var x0: String { inputs[0] }
}

/// Python spellings of values.
enum Python {
    /// A float literal that reads back as exactly `v`.
    static func float(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) + ".0" : "\(v)" }

    /// A tuple of integers: `(4,)`, `(1, 28, 28)`.
    static func tuple(_ values: [Int]) -> String {
        values.count == 1 ? "(\(values[0]),)" : "(" + values.map(String.init).joined(separator: ", ") + ")"
    }

    /// A pair, or one number when both are equal (PyTorch's `_pair` convention).
    static func pair(_ a: Int, _ b: Int) -> String { a == b ? "\(a)" : "(\(a), \(b))" }

    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
        "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
        "pass", "raise", "return", "try", "while", "with", "yield",
    ]
}
