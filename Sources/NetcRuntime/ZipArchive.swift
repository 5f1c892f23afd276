/// The members of a zip archive as `numpy.savez` and
/// `numpy.savez_compressed` write it: found through the central directory
/// (zip64 included), stored or deflated, each checked against its CRC-32.
/// Encrypted members and other compression methods are refused.
struct ZipArchive: Sendable {
    struct Member: Sendable {
        let name: String
        let method: Int
        let encrypted: Bool
        let crc: UInt32
        let compressedSize: Int
        let size: Int
        let offset: Int
    }

    let bytes: [UInt8]
    let path: String
    let members: [Member]

    init(_ bytes: [UInt8], path: String) throws(DataSetError) {
        self.bytes = bytes
        self.path = path
        let file = LittleEndianBytes(bytes: bytes, path: path)
        // The end-of-central-directory record: the last 22 bytes, unless a comment follows it.
        let lowest = Swift.max(0, bytes.count - 22 - 0xFFFF)
        var end = bytes.count - 22
        while end >= lowest && !(bytes[end] == 0x50 && bytes[end + 1] == 0x4B && bytes[end + 2] == 5 && bytes[end + 3] == 6) { end -= 1 }
        guard end >= lowest else { throw file.fail("not a zip archive (no end-of-central-directory record)") }
        var count = try file.int(end + 10, 2), size = try file.int(end + 12, 4), start = try file.int(end + 16, 4)
        // A zip64 locator just before it points to the record that holds the true counts.
        if end >= 20, file.signature(end - 20) == 0x0706_4B50 {
            let record = try file.int(end - 12, 8)
            guard file.signature(record) == 0x0606_4B50 else { throw file.fail("a zip64 archive without its end record") }
            (count, size, start) = (try file.int(record + 32, 8), try file.int(record + 40, 8), try file.int(record + 48, 8))
        } else if count == 0xFFFF || size == 0xFFFF_FFFF || start == 0xFFFF_FFFF {
            throw file.fail("a zip64 archive without its locator")
        }
        guard start <= bytes.count, size <= bytes.count - start, count <= size / 46 else {
            throw file.fail("the central directory lies outside the file")
        }
        var members: [Member] = [], p = start
        for _ in 0..<count {
            guard file.signature(p) == 0x0201_4B50 else { throw file.fail("a damaged central directory") }
            let nameLength = try file.int(p + 28, 2), extraLength = try file.int(p + 30, 2), commentLength = try file.int(p + 32, 2)
            guard p + 46 + nameLength + extraLength <= bytes.count else { throw file.fail("a damaged central directory") }
            var compressed = try file.int(p + 20, 4), uncompressed = try file.int(p + 24, 4), offset = try file.int(p + 42, 4)
            // zip64: the sizes and offset that did not fit, in this order, in extra field 1.
            var q = p + 46 + nameLength
            while q + 4 <= p + 46 + nameLength + extraLength {
                let id = try file.int(q, 2), length = try file.int(q + 2, 2)
                if id == 1 {
                    var r = q + 4
                    for field in [0, 1, 2] {
                        let value = [uncompressed, compressed, offset][field]
                        guard value == 0xFFFF_FFFF else { continue }
                        let wide = try file.int(r, 8)
                        r += 8
                        if field == 0 { uncompressed = wide } else if field == 1 { compressed = wide } else { offset = wide }
                    }
                }
                q += 4 + length
            }
            members.append(Member(name: String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self),
                                  method: try file.int(p + 10, 2), encrypted: try file.int(p + 8, 2) & 1 != 0,
                                  crc: UInt32(try file.int(p + 16, 4)), compressedSize: compressed, size: uncompressed, offset: offset))
            p += 46 + nameLength + extraLength + commentLength
        }
        self.members = members
    }

    /// A member's bytes, decompressed and checked; `limit` bounds what a member may declare.
    func contents(_ member: Member, limit: Int = 1 << 32) throws(DataSetError) -> [UInt8] {
        let file = LittleEndianBytes(bytes: bytes, path: path)
        func fail(_ message: String) -> DataSetError { file.fail("\(member.name): \(message)") }
        guard !member.encrypted else { throw fail("encrypted") }
        guard member.size <= limit else { throw fail("\(member.size) bytes, more than this reader takes (\(limit))") }
        guard file.signature(member.offset) == 0x0403_4B50 else { throw fail("no local header where the directory says") }
        let start = member.offset + 30 + (try file.int(member.offset + 26, 2)) + (try file.int(member.offset + 28, 2))
        guard start <= bytes.count, member.compressedSize <= bytes.count - start else { throw fail("the data runs past the end of the file") }
        let data: [UInt8]
        switch member.method {
        case 0:
            guard member.compressedSize == member.size else { throw fail("a stored member whose two sizes differ") }
            data = Array(bytes[start..<(start + member.size)])
        case 8:
            // DEFLATE expands at most 1032-fold (258 bytes from 2 bits): a larger declared size is damage, not data.
            guard member.size <= 1032 * member.compressedSize + 8 else { throw fail("declares \(member.size) bytes from \(member.compressedSize)") }
            let inflated = bytes.withUnsafeBytes { all in
                Result { () throws(Inflate.Failure) in
                    try Inflate.decompress(UnsafeRawBufferPointer(rebasing: all[start..<(start + member.compressedSize)]), size: member.size)
                }
            }
            switch inflated {
            case .success(let bytes): data = bytes
            case .failure(let error): throw fail(error.message)
            }
        default:
            throw fail("compression method \(member.method); only stored (0) and deflate (8) are read")
        }
        guard CRC32.checksum(data) == member.crc else { throw fail("the CRC-32 does not match: the data is damaged") }
        return data
    }
}

extension ZipArchive {
    /// A zip archive of `members`, each stored as it is, in the order given:
    /// what `numpy.savez` writes, with every timestamp 1980-01-01 00:00 so
    /// that the same members give the same bytes. Nil when the archive
    /// would need zip64 (a member or the whole past 4 GiB, or 65,535 members).
    static func stored(_ members: [(name: String, bytes: [UInt8])]) -> [UInt8]? {
        var out: [UInt8] = [], directory: [UInt8] = []
        func append(_ value: Int, _ width: Int, to bytes: inout [UInt8]) {
            for k in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
        }
        guard members.count < 0xFFFF else { return nil }
        for (name, bytes) in members {
            let offset = out.count, crc = Int(CRC32.checksum(bytes)), utf8 = Array(name.utf8)
            guard bytes.count < 0xFFFF_FFFF, offset < 0xFFFF_FFFF, utf8.count <= 0xFFFF else { return nil }
            let flags = utf8.allSatisfy { $0 < 0x80 } ? 0 : 0x0800  // bit 11: the name is UTF-8
            // version needed 2.0, flags, method 0 (stored), time 0, date 1980-01-01, CRC, both sizes, name length, no extra field
            let common = [(20, 2), (flags, 2), (0, 2), (0, 2), (0x21, 2), (crc, 4), (bytes.count, 4), (bytes.count, 4), (utf8.count, 2), (0, 2)]
            append(0x0403_4B50, 4, to: &out)
            for (value, width) in common { append(value, width, to: &out) }
            out += utf8
            out += bytes
            append(0x0201_4B50, 4, to: &directory)
            append(20, 2, to: &directory)  // made by: version 2.0
            for (value, width) in common { append(value, width, to: &directory) }
            // no comment, disk 0, no attributes, the local header's offset
            for (value, width) in [(0, 2), (0, 2), (0, 2), (0, 4), (offset, 4)] { append(value, width, to: &directory) }
            directory += utf8
        }
        guard out.count < 0xFFFF_FFFF else { return nil }
        let start = out.count
        out += directory
        append(0x0605_4B50, 4, to: &out)
        for (value, width) in [(0, 2), (0, 2), (members.count, 2), (members.count, 2), (directory.count, 4), (start, 4), (0, 2)] {
            append(value, width, to: &out)
        }
        return out
    }
}

/// Bounds-checked little-endian reads of a file's bytes.
struct LittleEndianBytes {
    let bytes: [UInt8]
    let path: String

    func fail(_ message: String) -> DataSetError { DataSetError(path: path, line: nil, message: message) }

    /// The `width`-byte unsigned integer at `offset` (an error past the end, or above Int.max).
    func int(_ offset: Int, _ width: Int) throws(DataSetError) -> Int {
        guard offset >= 0, offset <= bytes.count - width else { throw fail("a damaged archive (a field past the end of the file)") }
        var value: UInt64 = 0
        for k in 0..<width { value |= UInt64(bytes[offset + k]) << (8 * k) }
        guard let result = Int(exactly: value) else { throw fail("a damaged archive (a size of \(value) bytes)") }
        return result
    }

    /// The 4-byte signature at `offset`, or nil past the end.
    func signature(_ offset: Int) -> UInt32? { (try? int(offset, 4)).map(UInt32.init) }
}

/// The CRC-32 of zip and gzip (polynomial 0xEDB88320, reflected).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c = ~UInt32(0)
        table.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { for b in $0 { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) } }
        }
        return ~c
    }
}
