/// Parameters as a safetensors file (Hugging Face's format, which PyTorch,
/// NumPy and JAX read): an unsigned 64-bit little-endian header length N, N
/// bytes of JSON mapping each tensor's name to its dtype, shape and
/// `data_offsets` [begin, end) within the data that follows, then the data,
/// little-endian, tensors back to back.
///
/// netc writes the model's tensors in flat order under their PyTorch names
/// (`hidden1.weight`, [outputs, inputs]), as F32 or F64 by the model's
/// precision, with `__metadata__` giving the network, its fingerprint and
/// netc's version; the header is padded with spaces to a multiple of 8.
/// Reading is strict: the header length must lie inside the file (and below
/// 100 MB), the JSON must parse, every tensor's offsets must lie in the data,
/// match its dtype and shape, and the tensors must tile the data exactly
/// (no gaps, no overlaps); then every tensor of the model must be present
/// with its shape, and no other (PyTorch's `num_batches_tracked` counters
/// are ignored). F32, F64, F16 and BF16 are read. Every problem is reported
/// at once, and nothing is returned unless all is well.
public enum SafeTensors {
    /// The largest header accepted, as in the reference implementation.
    public static let headerLimit = 100_000_000

    /// Bytes per value of every dtype the format defines (a file may hold any;
    /// `PyTorch`'s BatchNorm adds an I64 `num_batches_tracked`).
    static let sizes = ["BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
                        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8]
    /// The dtypes a model's tensor may be read from.
    static let readable: Set<String> = ["F64", "F32", "F16", "BF16"]

    /// The file's bytes for `flat` (the model's parameters in flat order).
    public static func encode<T: BinaryFloatingPoint & BitPatternConvertible>(
        _ flat: UnsafeBufferPointer<T>, tensors: [ModelInfo.Tensor], metadata: [(String, String)]
    ) -> [UInt8] {
        let width = MemoryLayout<T>.size, dtype = width == 8 ? "F64" : "F32"
        var json = "{\"__metadata__\":{" + metadata.map { "\(quoted($0.0)):\(quoted($0.1))" }.joined(separator: ",") + "}"
        var offset = 0
        for t in tensors {
            let bytes = t.count * width
            json += ",\(quoted(t.name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        json += "}"
        var header = Array(json.utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        ParameterFile.append(&out, UInt64(header.count), bytes: 8)
        out += header
        for t in tensors {
            for k in t.offset..<(t.offset + t.count) { ParameterFile.append(&out, flat[k].littleEndianBits, bytes: width) }
        }
        return out
    }

    /// The model's flat parameters from a file's bytes, or every reason they cannot be read.
    public static func decode<T: BinaryFloatingPoint & BitPatternConvertible>(
        _ bytes: [UInt8], path: String, tensors: [ModelInfo.Tensor], as: T.Type = T.self
    ) throws(ParameterFile.Failure) -> [T] {
        let (found, dataStart) = try header(bytes, path: path)
        let problems = mismatches(found, tensors)
        guard problems.isEmpty else { throw .mismatch(path: path, problems: problems) }
        var values = [T](repeating: 0, count: tensors.reduce(0) { max($0, $1.offset + $1.count) })
        for t in tensors {
            let e = found[t.name]!, size = sizes[e.dtype]!
            for k in 0..<t.count {
                let bits = ParameterFile.read(bytes, at: dataStart + e.begin + k * size, bytes: size)
                values[t.offset + k] = value(bits, dtype: e.dtype)
            }
        }
        return values
    }

    /// How the file's tensors differ from `tensors` (names and shapes; with
    /// `dtype`, also each stored dtype that is not it): one line per difference.
    public static func mismatches(_ found: [String: Entry], _ tensors: [ModelInfo.Tensor], dtype: String? = nil) -> [String] {
        var problems: [String] = []
        for t in tensors {
            guard let e = found[t.name] else { problems.append("missing tensor '\(t.name)' \(t.shape)"); continue }
            if e.shape != t.shape { problems.append("tensor '\(t.name)' has shape \(e.shape), this model's is \(t.shape)") }
            if !readable.contains(e.dtype) {
                problems.append("tensor '\(t.name)' has dtype \(e.dtype); netc reads F64, F32, F16 and BF16")
            }
            if let dtype, e.dtype != dtype { problems.append("tensor '\(t.name)' is \(e.dtype), this model's precision is \(dtype)") }
        }
        let known = Set(tensors.map(\.name))
        for name in found.keys.sorted() where !known.contains(name) && !name.hasSuffix(".num_batches_tracked") {
            problems.append("tensor '\(name)' is not in this model")
        }
        return problems
    }

    /// The tensors a file's header describes, checked against the format
    /// (offsets inside the data, sizes that match dtype and shape, the data
    /// tiled exactly), and where the data starts.
    public static func header(_ bytes: [UInt8], path: String) throws(ParameterFile.Failure) -> (tensors: [String: Entry], dataStart: Int) {
        func malformed(_ reason: String) -> ParameterFile.Failure { .malformed(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw malformed("\(bytes.count) bytes, shorter than the 8-byte header length") }
        let length = ParameterFile.read(bytes, at: 0, bytes: 8)
        guard length <= UInt64(headerLimit) else { throw malformed("header length \(length) is over the limit of \(headerLimit) bytes") }
        guard Int(length) <= bytes.count - 8 else {
            throw malformed("header length \(length) runs past the end of the file (\(bytes.count) bytes)")
        }
        let dataStart = 8 + Int(length), dataSize = bytes.count - dataStart
        var parser = JSONReader(bytes[8..<dataStart])
        let root: JSONReader.Value
        do { root = try parser.document() } catch { throw malformed("header is not JSON: \(error.reason) at byte \(8 + error.offset)") }
        guard case .object(let entries) = root else { throw malformed("header is not a JSON object") }

        var found: [String: Entry] = [:]
        for (name, value) in entries where name != "__metadata__" {
            guard case .object(let fields) = value, case .string(let dtype)? = fields.first(where: { $0.0 == "dtype" })?.1,
                  case .array(let shape)? = fields.first(where: { $0.0 == "shape" })?.1,
                  case .array(let offsets)? = fields.first(where: { $0.0 == "data_offsets" })?.1,
                  let dims = integers(shape), let range = integers(offsets), range.count == 2
            else { throw malformed("tensor '\(name)' needs a dtype, a shape of integers and two data_offsets") }
            guard let size = sizes[dtype] else { throw malformed("tensor '\(name)' has dtype \(dtype), which safetensors does not define") }
            var count = 1
            for d in dims {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= dataSize else { throw malformed("tensor '\(name)' has shape \(dims), larger than the file") }
                count = product
            }
            let (begin, end) = (range[0], range[1])
            guard begin <= end, end <= dataSize else {
                throw malformed("tensor '\(name)' has data_offsets [\(begin), \(end)] outside the \(dataSize) bytes of data")
            }
            guard end - begin == count * size else {
                throw malformed("tensor '\(name)': data_offsets [\(begin), \(end)] hold \(end - begin) bytes, its \(dtype) shape \(dims) needs \(count * size)")
            }
            found[name] = Entry(name: name, dtype: dtype, shape: dims, begin: begin, end: end)
        }
        var covered = 0
        for e in found.values.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard e.begin == covered else {
                throw malformed(e.begin < covered ? "tensor '\(e.name)' overlaps another tensor's data"
                                                  : "the data has a gap before tensor '\(e.name)'")
            }
            covered = e.end
        }
        guard covered == dataSize else { throw malformed("\(dataSize - covered) bytes of data belong to no tensor") }
        return (found, dataStart)
    }

    /// One tensor as the header describes it: its dtype, shape and byte range in the data.
    public struct Entry: Sendable {
        public let name: String, dtype: String, shape: [Int], begin: Int, end: Int
    }

    /// A stored value as T: F64 and F32 exactly, F16 and BF16 widened.
    static func value<T: BinaryFloatingPoint & BitPatternConvertible>(_ bits: UInt64, dtype: String) -> T {
        switch dtype {
        case "F64": return T(Double(bitPattern: bits))
        case "F32": return T(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case "BF16": return T(Float(bitPattern: UInt32(truncatingIfNeeded: bits) << 16))
        default: return T(halfToFloat(UInt16(truncatingIfNeeded: bits)))
        }
    }

    /// IEEE binary16 to Float, subnormals, infinities and NaN included.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1f), fraction = Float(h & 0x3ff)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    static func integers(_ values: [JSONReader.Value]) -> [Int]? {
        var out: [Int] = []
        for v in values {
            guard case .integer(let n) = v else { return nil }
            out.append(n)
        }
        return out
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A small strict JSON reader for safetensors headers: objects, arrays,
/// strings, non-negative integers (offsets and shapes), `true`/`false`/`null`;
/// nesting at most 16 deep; a duplicate key is an error.
struct JSONReader {
    indirect enum Value {
        case object([(String, Value)]), array([Value]), string(String), integer(Int), other
    }

    struct Failure: Error {
        let reason: String
        let offset: Int
    }

    let bytes: ArraySlice<UInt8>
    var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    func fail(_ reason: String) -> Failure { Failure(reason: reason, offset: index - bytes.startIndex) }

    mutating func document() throws(Failure) -> Value {
        let v = try value(depth: 0)
        skipSpace()
        guard index == bytes.endIndex else { throw fail("text after the JSON value") }
        return v
    }

    mutating func skipSpace() {
        while index < bytes.endIndex, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(Failure) {
        skipSpace()
        guard index < bytes.endIndex, bytes[index] == byte else { throw fail("expected '\(Character(UnicodeScalar(byte)))'") }
        index += 1
    }

    mutating func value(depth: Int) throws(Failure) -> Value {
        guard depth < 16 else { throw fail("nested too deeply") }
        skipSpace()
        guard index < bytes.endIndex else { throw fail("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var fields: [(String, Value)] = []
            skipSpace()
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
            repeat {
                skipSpace()
                let key = try string()
                guard !fields.contains(where: { $0.0 == key }) else { throw fail("duplicate key '\(key)'") }
                try expect(UInt8(ascii: ":"))
                fields.append((key, try value(depth: depth + 1)))
                skipSpace()
            } while try more(closing: UInt8(ascii: "}"))
            return .object(fields)
        case UInt8(ascii: "["):
            index += 1
            var items: [Value] = []
            skipSpace()
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            repeat {
                items.append(try value(depth: depth + 1))
                skipSpace()
            } while try more(closing: UInt8(ascii: "]"))
            return .array(items)
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            var n = 0
            while index < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (times, o1) = n.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                guard !o1 && !o2 else { throw fail("number too large") }
                n = sum
                index += 1
            }
            if index < bytes.endIndex, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
                throw fail("expected an integer")
            }
            return .integer(n)
        default:
            for word in ["true", "false", "null"] where bytes[index...].starts(with: word.utf8) {
                index += word.utf8.count
                return .other
            }
            throw fail("unexpected character")
        }
    }

    /// After an item: true at ',', false at the closing bracket.
    mutating func more(closing: UInt8) throws(Failure) -> Bool {
        guard index < bytes.endIndex else { throw fail("unexpected end") }
        if bytes[index] == UInt8(ascii: ",") { index += 1; return true }
        if bytes[index] == closing { index += 1; return false }
        throw fail("expected ',' or '\(Character(UnicodeScalar(closing)))'")
    }

    mutating func string() throws(Failure) -> String {
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        index += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while index < bytes.endIndex {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                guard index < bytes.endIndex else { throw fail("unexpected end") }
                let e = bytes[index]
                index += 1
                let simple: [UInt8: UInt8] = [UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5c, UInt8(ascii: "/"): 0x2f,
                                              UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0c, UInt8(ascii: "n"): 0x0a,
                                              UInt8(ascii: "r"): 0x0d, UInt8(ascii: "t"): 0x09]
                if let c = simple[e] { raw.append(c); continue }
                guard e == UInt8(ascii: "u"), index + 4 <= bytes.endIndex,
                      let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
                else { throw fail("bad escape") }
                index += 4
                flush()
                scalars.append(UnicodeScalar(code) ?? "\u{FFFD}")
            case 0..<0x20:
                throw fail("control character in a string")
            default:
                raw.append(b)
            }
        }
        throw fail("unterminated string")
    }
}
