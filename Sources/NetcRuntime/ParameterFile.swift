/// The binary parameter file format (all integers little-endian):
///
/// | bytes | content |
/// |---|---|
/// | 8 | magic `NETCPARM` |
/// | 4 | format version, 1 |
/// | 4 | bytes per scalar: 4 (Float) or 8 (Double) |
/// | 8 | fingerprint of the network (shapes, names, precision) |
/// | 8 | parameter count N |
/// | N × 4 or 8 | the parameters in the documented flat order, IEEE 754 |
/// | 8 | FNV-1a 64-bit checksum of every byte before it |
public enum ParameterFile {
    public static let magic: [UInt8] = Array("NETCPARM".utf8)
    public static let version: UInt32 = 1

    /// Why a parameter file was refused.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case io(FileError)
        case badMagic(path: String)
        case unsupportedVersion(path: String, UInt32)
        case truncated(path: String, expected: Int, actual: Int)
        case tooLarge(path: String, expected: Int)
        case wrongPrecision(path: String, expected: Int, actual: Int)
        case wrongNetwork(path: String, expected: UInt64, actual: UInt64)
        case wrongCount(path: String, expected: Int, actual: Int)
        case corrupt(path: String)
        /// A safetensors file that breaks the format (header, JSON, offsets).
        case malformed(path: String, reason: String)
        /// A well-formed safetensors file whose tensors are not this model's: every difference.
        case mismatch(path: String, problems: [String])

        public var description: String {
            switch self {
            case .io(let e): return e.description
            case .badMagic(let p): return "\(p): not a netc parameter file (bad magic)"
            case .unsupportedVersion(let p, let v): return "\(p): unsupported parameter file version \(v)"
            case .truncated(let p, let e, let a): return "\(p): truncated parameter file (\(a) bytes, expected \(e))"
            case .tooLarge(let p, let e): return "\(p): trailing bytes after the parameters (expected \(e) bytes)"
            case .wrongPrecision(let p, let e, let a):
                return "\(p): parameters are \(a * 8)-bit but this model uses \(e * 8)-bit scalars"
            case .wrongNetwork(let p, let e, let a):
                return "\(p): parameters belong to another network (fingerprint \(hex(a)), expected \(hex(e)))"
            case .wrongCount(let p, let e, let a): return "\(p): file holds \(a) parameters, this model has \(e)"
            case .corrupt(let p): return "\(p): checksum mismatch, the file is corrupt"
            case .malformed(let p, let reason): return "\(p): not a valid safetensors file: \(reason)"
            case .mismatch(let p, let problems): return "\(p): the tensors do not fit this model: " + problems.joined(separator: "; ")
            }
        }
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    /// FNV-1a 64-bit hash.
    public static func fnv1a<S: Sequence<UInt8>>(_ bytes: S, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Serialises parameters into the file format.
    public static func encode<T: BinaryFloatingPoint & BitPatternConvertible>(
        _ values: UnsafeBufferPointer<T>, fingerprint: UInt64
    ) -> [UInt8] {
        var out = magic
        out.reserveCapacity(40 + values.count * MemoryLayout<T>.size)
        append(&out, UInt64(version), bytes: 4)
        append(&out, UInt64(MemoryLayout<T>.size), bytes: 4)
        append(&out, fingerprint, bytes: 8)
        append(&out, UInt64(values.count), bytes: 8)
        for v in values { append(&out, v.littleEndianBits, bytes: MemoryLayout<T>.size) }
        append(&out, fnv1a(out), bytes: 8)
        return out
    }

    /// Writes parameters atomically.
    public static func write<T: BinaryFloatingPoint & BitPatternConvertible>(
        _ values: UnsafeBufferPointer<T>, fingerprint: UInt64, to path: String
    ) throws(Failure) {
        do { try FileIO.writeAtomically(encode(values, fingerprint: fingerprint), to: path) } catch { throw .io(error) }
    }

    /// Checks the 32-byte header (magic, version, precision, fingerprint, count)
    /// of a file's first bytes, so a file of another network or precision is
    /// named as such whatever its size.
    static func checkHeader(_ bytes: [UInt8], path: String, fingerprint: UInt64, count: Int, width: Int) throws(Failure) {
        guard bytes.count >= 8, Array(bytes[0..<8]) == magic else { throw .badMagic(path: path) }
        guard bytes.count >= 32 else { throw .truncated(path: path, expected: 32, actual: bytes.count) }
        let fileVersion = UInt32(read(bytes, at: 8, bytes: 4))
        guard fileVersion == version else { throw .unsupportedVersion(path: path, fileVersion) }
        let fileWidth = Int(read(bytes, at: 12, bytes: 4))
        guard fileWidth == width else { throw .wrongPrecision(path: path, expected: width, actual: fileWidth) }
        let fileFingerprint = read(bytes, at: 16, bytes: 8)
        guard fileFingerprint == fingerprint else {
            throw .wrongNetwork(path: path, expected: fingerprint, actual: fileFingerprint)
        }
        let fileCount = read(bytes, at: 24, bytes: 8)
        guard fileCount == UInt64(count) else {
            throw .wrongCount(path: path, expected: count, actual: Int(clamping: fileCount))
        }
    }

    /// Parses and validates a parameter file; returns the values only if
    /// everything (magic, version, precision, fingerprint, count, checksum) matches.
    public static func decode<T: BinaryFloatingPoint & BitPatternConvertible>(
        _ bytes: [UInt8], path: String, fingerprint: UInt64, count: Int, as: T.Type = T.self
    ) throws(Failure) -> [T] {
        let width = MemoryLayout<T>.size
        try checkHeader(bytes, path: path, fingerprint: fingerprint, count: count, width: width)
        let expected = 32 + count * width + 8
        guard bytes.count == expected else { throw .truncated(path: path, expected: expected, actual: bytes.count) }
        guard read(bytes, at: expected - 8, bytes: 8) == fnv1a(bytes[0..<(expected - 8)]) else {
            throw .corrupt(path: path)
        }
        return (0..<count).map { T(littleEndianBits: read(bytes, at: 32 + $0 * width, bytes: width)) }
    }

    /// Reads and validates a parameter file (a regular file only; the header
    /// is checked before the size).
    public static func read<T: BinaryFloatingPoint & BitPatternConvertible>(
        from path: String, fingerprint: UInt64, count: Int, as: T.Type = T.self
    ) throws(Failure) -> [T] {
        let expected = 32 + count * MemoryLayout<T>.size + 8
        let prefix: (bytes: [UInt8], complete: Bool)
        do { prefix = try FileIO.readPrefix(path, limit: expected) } catch { throw .io(error) }
        guard prefix.complete else {
            try checkHeader(prefix.bytes, path: path, fingerprint: fingerprint, count: count, width: MemoryLayout<T>.size)
            throw .tooLarge(path: path, expected: expected)
        }
        return try decode(prefix.bytes, path: path, fingerprint: fingerprint, count: count)
    }

    static func append(_ out: inout [UInt8], _ v: UInt64, bytes: Int) {
        for k in 0..<bytes { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }

    static func read(_ bytes: [UInt8], at offset: Int, bytes count: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<count { v |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        return v
    }
}

/// Scalars whose IEEE bit pattern can be written and read as an integer.
public protocol BitPatternConvertible {
    var littleEndianBits: UInt64 { get }
    init(littleEndianBits: UInt64)
}
extension Float: BitPatternConvertible {
    public var littleEndianBits: UInt64 { UInt64(bitPattern) }
    public init(littleEndianBits: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: littleEndianBits)) }
}
extension Double: BitPatternConvertible {
    public var littleEndianBits: UInt64 { bitPattern }
    public init(littleEndianBits: UInt64) { self.init(bitPattern: littleEndianBits) }
}
