/// Hard limits that keep hostile or mistaken specs from hanging netc or
/// producing giant output. Each is reported as a diagnostic, never a crash.
public enum Limits {
    public static let fileBytes = 1 << 20
    public static let identifierLength = 128
    public static let nestingDepth = 16
    public static let width = 1 << 16
    public static let parameters = 50_000_000
    public static let nodes = 1000
    public static let batchSize = 4096
    public static let statementsPerNetwork = 2000
    /// Bytes of a model's one allocation (parameters, optimizer state,
    /// activations and gradients at the batch size): 8 GiB.
    public static let modelBytes = 1 << 33
}
