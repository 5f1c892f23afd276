/// Checks of what callers pass to a generated model's API.
///
/// A wrong-size array or an out-of-range label is a programming error, so it
/// stops the program — but with a message in every build: `precondition`'s
/// message is dropped in `-O` builds (the program dies with "Illegal
/// instruction" and nothing else), `fatalError`'s is not.
public enum ArgumentCheck {
    /// Stops with `message` unless `condition` holds.
    @inlinable @inline(__always)
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    /// The row an embedding reads for `id`: an integer in 0..<`vocabulary`,
    /// or a stop naming the model, the value and the range — never a read
    /// outside the table.
    @inlinable @inline(__always)
    public static func id<Scalar: BinaryFloatingPoint>(_ id: Scalar, below vocabulary: Int, model: StaticString) -> Int {
        if let row = Int(exactly: id), row >= 0, row < vocabulary { return row }
        fail("\(model): input id \(id) is not an integer in 0..<\(vocabulary)")
    }

    /// Stops with `message`, in every build configuration.
    @inline(never)
    public static func fail(_ message: String) -> Never {
        fatalError(message)
    }
}
