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

/// Everything on standard input (for a spec path of '-'), or nil if it cannot be read.
func readStandardInput() -> [UInt8]? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { return nil }
        if n == 0 { return bytes }
        bytes += chunk[0..<n]
        if bytes.count > Limits.fileBytes { return bytes }  // the driver reports it as too large
    }
}

// The executable is a thin shell around `Driver`: arguments in, streams and exit code out.
let result = Driver.run(Array(CommandLine.arguments.dropFirst()), standardInput: readStandardInput)
emit(result.stderr, to: 2)
emit(result.stdout, to: 1)
exit(result.code)
