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
    public var description: String { "\(FileIO.printable(path)): \(reason)" }
}

/// Whole-file reads and atomic writes on top of the C library (no Foundation).
///
/// Reads accept regular files only (a FIFO or device would block or never
/// end); writes go to an unpredictable temporary created with `O_EXCL |
/// O_NOFOLLOW` beside the target, flushed, renamed over it, and the directory
/// flushed, so a planted symlink is never followed and readers see the old
/// content or the new, never a half-written file.
public enum FileIO {
    static func systemError(_ path: String) -> FileError {
        FileError(path: path, reason: String(cString: strerror(errno)))
    }

    /// A path the C library would read differently from the string: empty or holding a NUL byte.
    static func checkPath(_ path: String) throws(FileError) {
        if path.isEmpty { throw FileError(path: path, reason: "empty path") }
        if path.utf8.contains(0) { throw FileError(path: path, reason: "path contains a NUL byte") }
    }

    /// A path for messages and comments: control characters escaped, so a
    /// file name cannot break a line of output or of generated code.
    public static func printable(_ path: String) -> String {
        var s = ""
        for scalar in path.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                s += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                s.unicodeScalars.append(scalar)
            }
        }
        return s
    }

    /// Opens `path` for reading if it is a regular file (never blocking on a FIFO).
    static func openRegular(_ path: String) throws(FileError) -> Int32 {
        try checkPath(path)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw systemError(path) }
        var st = stat()
        if fstat(fd, &st) != 0 { let e = systemError(path); close(fd); throw e }
        let kind = st.st_mode & S_IFMT
        if kind != S_IFREG {
            close(fd)
            throw FileError(path: path, reason: kind == S_IFDIR ? "is a directory" : "is not a regular file")
        }
        return fd
    }

    /// Reads at most `limit` bytes of a regular file; `complete` is false when more follow.
    public static func readPrefix(_ path: String, limit: Int) throws(FileError) -> (bytes: [UInt8], complete: Bool) {
        let fd = try openRegular(path)
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw systemError(path)
            }
            if n == 0 { return (bytes, true) }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { return (Array(bytes[0..<limit]), false) }
        }
    }

    /// Reads a whole regular file; refuses anything else and files over `limit` bytes.
    public static func read(_ path: String, limit: Int = 1 << 30) throws(FileError) -> [UInt8] {
        let (bytes, complete) = try readPrefix(path, limit: limit)
        if !complete { throw FileError(path: path, reason: "file is larger than \(limit) bytes") }
        return bytes
    }

    /// The directory part of a path ("." for a bare name) and the file name.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// The prefix every temporary for `name` starts with: `.<name>.netc-`.
    static func temporaryPrefix(_ name: String) -> String { ".\(name).netc-" }

    /// Writes `bytes` to `path` atomically (see the type's documentation).
    /// Temporaries left by a killed writer are removed first.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileError) {
        try checkPath(path)
        let (directory, name) = split(path)
        if name.isEmpty || name == "." || name == ".." { throw FileError(path: path, reason: "is not a file name") }
        removeStaleTemporaries(directory: directory, name: name)
        var generator = SystemRandomNumberGenerator()
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<16 {
            let tag = String(generator.next() as UInt64, radix: 36)
            temporary = (directory == "." && !path.hasPrefix("./") ? "" : directory + "/") + temporaryPrefix(name) + "\(getpid())-\(tag).tmp"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        if fd < 0 { throw systemError(path) }
        var failure: FileError?
        var written = 0
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
        // The rename is durable once the directory entry is on disk.
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Removes `.<name>.netc-<pid>-<tag>.tmp` files in `directory` whose
    /// writer process no longer exists (a `kill -9` during a write).
    static func removeStaleTemporaries(directory: String, name: String) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        let prefix = temporaryPrefix(name)
        var stale: [String] = []
        while let entry = readdir(dir) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard entryName.hasPrefix(prefix), entryName.hasSuffix(".tmp") else { continue }
            let rest = entryName.dropFirst(prefix.count).dropLast(4)
            guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { stale.append(entryName) }
        }
        for entry in stale { unlink(directory + "/" + entry) }
    }

    /// Writes only when the content differs from what is on disk, so build
    /// systems that look at modification times see no change. Returns whether it wrote.
    @discardableResult
    public static func writeIfChanged(_ bytes: [UInt8], to path: String) throws(FileError) -> Bool {
        if let existing = try? readPrefix(path, limit: bytes.count), existing.complete, existing.bytes == bytes { return false }
        try writeAtomically(bytes, to: path)
        return true
    }

    /// Whether two paths name the same existing file (device and inode).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Creates a directory and its parents; succeeds if it already exists.
    public static func createDirectory(_ path: String) throws(FileError) {
        try checkPath(path)
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
