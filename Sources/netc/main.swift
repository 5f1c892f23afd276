#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetcCore

/// Writes all of `text` to a file descriptor.
func emit(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return }
        bytes = bytes.dropFirst(n)
    }
}

// The executable is a thin shell around `Driver`: arguments in, streams and exit code out.
let result = Driver.run(Array(CommandLine.arguments.dropFirst()))
emit(result.stderr, to: 2)
emit(result.stdout, to: 1)
exit(result.code)
