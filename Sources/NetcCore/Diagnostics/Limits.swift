/// Hard limits that keep hostile or mistaken specs from hanging netc or
/// producing giant output. Each is reported as a diagnostic, never a crash.
public enum Limits {
    public static let fileBytes = 1 << 20
    public static let identifierLength = 128
    public static let nestingDepth = 16
    public static let width = 1 << 16
    public static let parameters = 50_000_000
    public static let nodes = 1000
    /// Inputs named by all of a network's nodes together: a join's code
    /// grows with its inputs, so this bounds the generated code of wide
    /// joins and deep DAGs (one 1 MB DAG once emitted 40 MB of Swift).
    public static let inputReferences = 4000
    /// Networks in one spec file, and nodes over all of them: a file's
    /// generated Swift then compiles with `swiftc -O` in well under a
    /// minute (`netc-bench --compile-times`; docs/Performance.md), where
    /// 16,000 one-node networks once made 225 MB.
    public static let networksPerFile = 32
    public static let nodesPerFile = 1500
    public static let batchSize = 4096
    /// A convolution's or pool's kernel side, stride, dilation and padding.
    public static let kernel = 64
    public static let statementsPerNetwork = 2000
    /// Bytes of a model's one allocation (parameters, optimizer state,
    /// activations and gradients at the batch size): 8 GiB.
    public static let modelBytes = 1 << 33
}
