#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O failure with the path and the system's reason.
public struct FileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

/// Whole-file reads and atomic writes on top of the C library (no Foundation).
public enum FileIO {
    static func systemError(_ path: String) -> FileError {
        FileError(path: path, reason: String(cString: strerror(errno)))
    }

    /// Reads a whole file; refuses directories and files over `limit` bytes.
    public static func read(_ path: String, limit: Int = 1 << 30) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw systemError(path) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw systemError(path) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw FileError(path: path, reason: "is a directory") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw systemError(path)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit {
                throw FileError(path: path, reason: "file is larger than \(limit) bytes")
            }
        }
        return bytes
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same
    /// directory is written, flushed and renamed over the target, so readers
    /// see the old content or the new, never a half-written file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw systemError(path) }
        var written = 0
        var failure: FileError?
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = systemError(path)
                    return
                }
                written += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = systemError(path) }
        if close(fd) != 0 && failure == nil { failure = systemError(path) }
        if failure == nil && rename(temporary, path) != 0 { failure = systemError(path) }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }

    /// Writes only when the content differs from what is on disk, so build
    /// systems that look at modification times see no change. Returns whether it wrote.
    @discardableResult
    public static func writeIfChanged(_ bytes: [UInt8], to path: String) throws(FileError) -> Bool {
        if let existing = try? read(path), existing == bytes { return false }
        try writeAtomically(bytes, to: path)
        return true
    }

    /// Creates a directory and its parents; succeeds if it already exists.
    public static func createDirectory(_ path: String) throws(FileError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw systemError(prefix) }
            prefix += "/"
        }
        var st = stat()
        if stat(path, &st) != 0 { throw systemError(path) }
        if (st.st_mode & S_IFMT) != S_IFDIR { throw FileError(path: path, reason: "is not a directory") }
    }
}
