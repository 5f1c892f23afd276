/// A DEFLATE decoder (RFC 1951): what a zip member compressed by
/// `numpy.savez_compressed` needs. It decodes a whole stream into exactly
/// the number of bytes the archive declares; a damaged stream is an error,
/// never a read outside the input or a write past that size. Huffman codes
/// up to 9 bits long (nearly every symbol) are found in a table, longer ones
/// bit by bit, as zlib's `puff.c` does.
enum Inflate {
    struct Failure: Error { let message: String }

    static func decompress(_ input: UnsafeRawBufferPointer, size: Int) throws(Failure) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var reader = BitReader(bytes: input)
        let written = try output.withUnsafeMutableBufferPointer { out throws(Failure) -> Int in
            var written = 0, last = false
            while !last {
                last = try reader.bits(1) == 1
                switch try reader.bits(2) {
                case 0: try stored(&reader, out, &written)
                case 1: try codes(&reader, out, &written, Fixed.literals, Fixed.distances)
                case 2:
                    let (literals, distances) = try dynamicCodes(&reader)
                    try codes(&reader, out, &written, literals, distances)
                default: throw Failure(message: "a block of the reserved type 3")
                }
            }
            return written
        }
        guard written == size else { throw Failure(message: "the data holds \(written) bytes, not the \(size) the archive declares") }
        return output
    }

    /// A block stored as it is: its length, the length's complement, the bytes.
    static func stored(_ reader: inout BitReader, _ out: UnsafeMutableBufferPointer<UInt8>, _ written: inout Int) throws(Failure) {
        reader.alignToByte()
        let length = try reader.bits(16), complement = try reader.bits(16)
        guard length == ~complement & 0xFFFF else { throw Failure(message: "a stored block's length does not match its complement") }
        guard written + length <= out.count else { throw tooLong(out.count) }
        for _ in 0..<length { out[written] = UInt8(try reader.bits(8)); written += 1 }
    }

    /// Literals and back-references until the end-of-block code.
    static func codes(_ reader: inout BitReader, _ out: UnsafeMutableBufferPointer<UInt8>, _ written: inout Int,
                      _ literals: HuffmanCode, _ distances: HuffmanCode) throws(Failure) {
        while true {
            let symbol = try reader.decode(literals)
            if symbol < 256 {
                guard written < out.count else { throw tooLong(out.count) }
                out[written] = UInt8(symbol)
                written += 1
            } else if symbol == 256 {
                return
            } else {
                let l = symbol - 257
                guard l < lengthBase.count else { throw Failure(message: "the invalid length code \(symbol)") }
                let length = lengthBase[l] + (try reader.bits(lengthExtra[l]))
                let d = try reader.decode(distances)
                guard d < distanceBase.count else { throw Failure(message: "the invalid distance code \(d)") }
                let distance = distanceBase[d] + (try reader.bits(distanceExtra[d]))
                guard distance <= written else { throw Failure(message: "a distance of \(distance) reaches before the first byte") }
                guard written + length <= out.count else { throw tooLong(out.count) }
                // Byte by byte: the source may overlap what this copy writes.
                for k in 0..<length { out[written + k] = out[written - distance + k] }
                written += length
            }
        }
    }

    /// A dynamic block's codes, themselves Huffman-coded.
    static func dynamicCodes(_ reader: inout BitReader) throws(Failure) -> (HuffmanCode, HuffmanCode) {
        let literalCount = try reader.bits(5) + 257, distanceCount = try reader.bits(5) + 1, lengthCount = try reader.bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw Failure(message: "a block declares more codes than DEFLATE has") }
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var lengthLengths = [Int](repeating: 0, count: 19)
        for k in 0..<lengthCount { lengthLengths[order[k]] = try reader.bits(3) }
        let lengthCode = try HuffmanCode(lengthLengths)
        var lengths: [Int] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try reader.decode(lengthCode)
            if symbol < 16 { lengths.append(symbol); continue }
            let repeated: Int, count: Int
            switch symbol {
            case 16:
                guard let previous = lengths.last else { throw Failure(message: "a repeat of the previous length before the first") }
                (repeated, count) = (previous, 3 + (try reader.bits(2)))
            case 17: (repeated, count) = (0, 3 + (try reader.bits(3)))
            default: (repeated, count) = (0, 11 + (try reader.bits(7)))
            }
            guard lengths.count + count <= literalCount + distanceCount else { throw Failure(message: "code lengths run past their count") }
            lengths += repeatElement(repeated, count: count)
        }
        guard lengths[256] > 0 else { throw Failure(message: "a block without an end-of-block code") }
        return (try HuffmanCode(lengths[..<literalCount]), try HuffmanCode(lengths[literalCount...]))
    }

    static func tooLong(_ size: Int) -> Failure { Failure(message: "the data holds more than the \(size) bytes the archive declares") }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                               2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// The fixed codes of a type-1 block.
    enum Fixed {
        static let literals = try! HuffmanCode(Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112)
                                               + Array(repeating: 7, count: 24) + Array(repeating: 8, count: 8))
        static let distances = try! HuffmanCode(Array(repeating: 5, count: 30))
    }
}

/// A canonical Huffman code from its code lengths (0: symbol unused).
struct HuffmanCode: Sendable {
    static let tableBits = 9
    /// Codes per length, 0…15, and the symbols in code order.
    let counts: [Int]
    let symbols: [Int]
    /// For each `tableBits` bits as read: symbol << 4 | length, or 0 when the code is longer.
    let table: [Int32]

    init<C: Collection<Int>>(_ lengths: C) throws(Inflate.Failure) {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths { counts[length] += 1 }
        counts[0] = 0
        var left = 1
        for length in 1...15 {
            left = left << 1 - counts[length]
            guard left >= 0 else { throw Inflate.Failure(message: "a Huffman code with more codes than its lengths allow") }
        }
        var offsets = [Int](repeating: 0, count: 16), next = [Int](repeating: 0, count: 16), code = 0
        for length in 1...15 {
            offsets[length] = offsets[length - 1] + counts[length - 1]
            code = (code + counts[length - 1]) << 1
            next[length] = code
        }
        var symbols = [Int](repeating: 0, count: lengths.count)
        var table = [Int32](repeating: 0, count: 1 << Self.tableBits)
        var position = offsets
        for (symbol, length) in lengths.enumerated() where length > 0 {
            symbols[position[length]] = symbol
            position[length] += 1
            let value = next[length]
            next[length] += 1
            guard length <= Self.tableBits else { continue }
            // The stream holds the code's bits first bit first: index the table by the reversed code.
            var reversed = 0
            for bit in 0..<length where value & (1 << (length - 1 - bit)) != 0 { reversed |= 1 << bit }
            for high in 0..<(1 << (Self.tableBits - length)) {
                table[reversed | high << length] = Int32(symbol << 4 | length)
            }
        }
        self.counts = counts
        self.symbols = symbols
        self.table = table
    }
}

/// DEFLATE's bits, least significant first.
struct BitReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    var buffer: UInt64 = 0
    var count = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Tops the buffer up with whole bytes while there are any.
    mutating func fill() {
        while count <= 56 && position < bytes.count {
            buffer |= UInt64(bytes[position]) << count
            position += 1
            count += 8
        }
    }

    mutating func bits(_ n: Int) throws(Inflate.Failure) -> Int {
        if count < n { fill() }
        guard count >= n else { throw Inflate.Failure(message: "the compressed data ends early") }
        let value = Int(buffer & (1 << n - 1))
        buffer >>= n
        count -= n
        return value
    }

    mutating func alignToByte() {
        buffer >>= count % 8
        count -= count % 8
    }

    mutating func decode(_ code: HuffmanCode) throws(Inflate.Failure) -> Int {
        if count < HuffmanCode.tableBits { fill() }
        let entry = Int(code.table[Int(buffer & (1 << HuffmanCode.tableBits - 1))])
        if entry != 0 && entry & 15 <= count {
            buffer >>= entry & 15
            count -= entry & 15
            return entry >> 4
        }
        // Longer than the table, or the stream's last bits: one bit at a time.
        var value = 0, first = 0, index = 0
        for length in 1...15 {
            value |= try bits(1)
            let n = code.counts[length]
            if value - n < first { return code.symbols[index + value - first] }
            index += n
            first = (first + n) << 1
            value <<= 1
        }
        throw Inflate.Failure(message: "a Huffman code that is not in the block's table")
    }
}
