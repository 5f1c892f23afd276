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

    /// Stops with `message`, in every build configuration.
    @inline(never)
    public static func fail(_ message: String) -> Never {
        fatalError(message)
    }
}
