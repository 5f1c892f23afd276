internal import CNetcRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The note a model prints once per process when the code using it was built
/// without optimisation (a debug build, the first `swift run` of a new
/// package): the kernels are optimised either way, but the generated code
/// around them is not, and training runs several times slower (the digits
/// example: 35 ms in a release build, 170–280 ms in a debug build).
/// `NETC_DEBUG_NOTE=0` in the environment silences it.
public enum BuildNotice {
    /// Prints the note, the first time any model calls it.
    public static func unoptimised(_ model: String) {
        guard Self.first.claim() else { return }
        if let setting = getenv("NETC_DEBUG_NOTE"), String(cString: setting) == "0" { return }
        let text = "netc: note: \(model) is running from a debug build; training is several times faster in a release build "
            + "(swift build -c release, or swift run -c release). NETC_DEBUG_NOTE=0 hides this note.\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }

    static let first = OnceFlag()
}

/// A flag one caller claims, thread-safely.
final class OnceFlag: @unchecked Sendable {
    // @unchecked: `claimed` is only touched through the atomic exchange below.
    private let claimed = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    init() { claimed.initialize(to: 0) }

    /// True for the first caller only.
    func claim() -> Bool { netc_lease_try_acquire(claimed) != 0 }
}
