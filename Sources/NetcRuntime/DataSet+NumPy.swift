/// An array read from a NumPy `.npy` file (format versions 1 to 3, as
/// `numpy.save` writes them): its shape, and its values in row-major (C) order.
public struct NumPyArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Double]

    public init(shape: [Int], values: [Double]) {
        self.shape = shape
        self.values = values
    }

    /// Reads and checks a `.npy` file: booleans, integers of 1 to 8 bytes and
    /// floats of 4 or 8, either byte order, C or Fortran order (Fortran is
    /// reordered). Structured and object arrays are refused.
    public init(contentsOf path: String) throws(DataSetError) {
        (shape, values) = try Self.read(try Self.bytes(path), path: path, as: Double.self)
    }

    /// The same from bytes in memory; `path` names them in errors.
    public init(_ bytes: [UInt8], path: String = "<npy>") throws(DataSetError) {
        (shape, values) = try Self.read(bytes, path: path, as: Double.self)
    }

    static func bytes(_ path: String) throws(DataSetError) -> [UInt8] {
        do { return try FileIO.read(path, limit: 1 << 32) } catch { throw DataSetError(path: path, line: nil, message: error.description) }
    }

    /// A `.npy` file's shape and its values as `T` (a model's scalars, read without a Double copy).
    static func read<T: BinaryFloatingPoint>(_ bytes: [UInt8], path: String, as: T.Type) throws(DataSetError) -> (shape: [Int], values: [T]) {
        func fail(_ message: String) -> DataSetError { DataSetError(path: path, line: nil, message: message) }
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not a NumPy .npy file (no \\x93NUMPY magic)") }
        let major = bytes[6]
        guard (1...3).contains(major) else { throw fail("NumPy format version \(major).\(bytes[7]) is not one this reader knows (1 to 3)") }
        let lengthBytes = major == 1 ? 2 : 4, start = 8 + lengthBytes
        guard bytes.count >= start else { throw fail("the file ends inside its header") }
        let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        guard bytes.count >= start + headerLength else { throw fail("the file ends inside its header") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        let fields = try NumPyHeader(header, fail)
        let count = fields.shape.reduce(1, *), size = fields.type.size
        let data = bytes.count - start - headerLength
        guard data >= count * size else { throw fail("the data ends after \(data / size) of its \(count) values") }
        let extra = data - count * size
        guard extra == 0 else { throw fail("\(extra) byte\(extra == 1 ? " follows" : "s follow") the \(count) values") }
        let type = fields.type, first = start + headerLength
        // A model's Float or Double through a loop specialised for it (a generic T's conversions are calls).
        var values: [T]
        if T.self == Float.self {
            values = unsafeBitCast(convert(bytes, from: first, count: count, type, as: Float.self), to: [T].self)
        } else if T.self == Double.self {
            values = unsafeBitCast(convert(bytes, from: first, count: count, type, as: Double.self), to: [T].self)
        } else {
            values = convert(bytes, from: first, count: count, type, as: T.self)
        }
        if fields.fortranOrder && fields.shape.count > 1 { values = rowMajor(values, shape: fields.shape) }
        return (fields.shape, values)
    }

    /// `count` values of `type` from `bytes[first...]` as `T`. The file's
    /// own `T` bits are a copy; bytes, and little-endian integers and floats
    /// on a little-endian machine, a loop each; the rest a value at a time.
    static func convert<T: BinaryFloatingPoint>(_ bytes: [UInt8], from first: Int, count: Int, _ type: NumPyType, as: T.Type) -> [T] {
        var values = [T](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { v in
            bytes.withUnsafeBytes { raw in
                let p = raw.baseAddress! + first
                if type.isNative(T.self) {
                    UnsafeMutableRawPointer(v.baseAddress!).copyMemory(from: p, byteCount: count * type.size)
                    return
                }
                func each<E>(_: E.Type, _ make: (E) -> T) { for k in 0..<count { v[k] = make(p.loadUnaligned(fromByteOffset: k * type.size, as: E.self)) } }
                switch (type.kind, type.size, type.loadsDirectly) {
                case (.unsigned, 1, _): each(UInt8.self) { T($0) }
                case (.signed, 1, _): each(Int8.self) { T($0) }
                case (.unsigned, 2, true): each(UInt16.self) { T($0) }
                case (.signed, 2, true): each(Int16.self) { T($0) }
                case (.signed, 4, true): each(Int32.self) { T($0) }
                case (.signed, 8, true): each(Int64.self) { T($0) }
                case (.float, 4, true): each(Float.self) { T($0) }
                case (.float, 8, true): each(Double.self) { T($0) }
                default: for k in 0..<count { v[k] = T(type.value(p.assumingMemoryBound(to: UInt8.self) + k * type.size)) }
                }
            }
        }
        return values
    }

    /// How `npy` stores the values.
    public enum Element: String, Sendable {
        case float32 = "<f4", float64 = "<f8", int64 = "<i8"
    }

    /// The array as a `.npy` file, byte for byte what `numpy.save` writes
    /// (format 1.0, the header padded to 64 bytes). `.int64` needs whole numbers.
    public func npy(_ element: Element = .float64) -> [UInt8] {
        let dimensions = shape.map(String.init)
        let tuple = "(" + dimensions.joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        var header = "{'descr': '\(element.rawValue)', 'fortran_order': False, 'shape': \(tuple), }"
        // NumPy leaves room for the first dimension to grow to 21 digits.
        if let first = dimensions.first { header += String(repeating: " ", count: Swift.max(0, 21 - first.count)) }
        let padding = 64 - (10 + header.utf8.count + 1) % 64
        header += String(repeating: " ", count: padding) + "\n"
        ArgumentCheck.require(header.utf8.count <= 0xffff, "NumPyArray.npy: a shape of \(shape.count) dimensions does not fit a format 1.0 header")
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + values.count * 8)
        func append<T: FixedWidthInteger>(_ bits: T) { withUnsafeBytes(of: bits.littleEndian) { bytes += $0 } }
        for (k, v) in values.enumerated() {
            switch element {
            case .float32: append(Float(v).bitPattern)
            case .float64: append(v.bitPattern)
            case .int64:
                guard let whole = Int64(exactly: v) else { ArgumentCheck.fail("NumPyArray.npy(.int64): value \(k) is \(v), not a whole number") }
                append(whole)
            }
        }
        return bytes
    }

    /// Writes `npy(element)` to `path`, atomically.
    public func write(to path: String, _ element: Element = .float64) throws(DataSetError) {
        do { try FileIO.writeAtomically(npy(element), to: path) } catch { throw DataSetError(path: path, line: nil, message: error.description) }
    }

    /// Values stored with the first index varying fastest (Fortran order), in row-major order.
    static func rowMajor<T: BinaryFloatingPoint>(_ values: [T], shape: [Int]) -> [T] {
        var out = [T](repeating: 0, count: values.count), index = [Int](repeating: 0, count: shape.count)
        var columnStrides = [Int](repeating: 1, count: shape.count)
        for d in 1..<shape.count { columnStrides[d] = columnStrides[d - 1] * shape[d - 1] }
        for k in out.indices {
            out[k] = values[zip(index, columnStrides).reduce(0) { $0 + $1.0 * $1.1 }]
            // The next row-major index: the last dimension fastest.
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}

/// The header of a `.npy` file: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (100, 64), }`.
struct NumPyHeader {
    var type: NumPyType
    var fortranOrder: Bool
    var shape: [Int]

    init(_ header: String, _ fail: (String) -> DataSetError) throws(DataSetError) {
        func value(_ key: String) throws(DataSetError) -> Substring {
            guard let k = header.firstRange(of: "'\(key)'") ?? header.firstRange(of: "\"\(key)\""),
                  let colon = header[k.upperBound...].firstIndex(of: ":") else { throw fail("the header has no '\(key)'") }
            return header[header.index(after: colon)...].drop { $0 == " " }
        }
        let descr = try value("descr")
        guard let quote = descr.first, quote == "'" || quote == "\"",
              let end = descr.dropFirst().firstIndex(of: quote) else {
            throw fail("a structured array (descr \(descr.prefix { $0 != "}" }.prefix(40))) is not supported: save a plain numeric array")
        }
        let code = String(descr[descr.index(after: descr.startIndex)..<end])
        guard let type = NumPyType(code) else {
            throw fail("dtype '\(code)' is not supported: save booleans, integers or float32/float64 values")
        }
        let order = try value("fortran_order")
        guard order.hasPrefix("True") || order.hasPrefix("False") else { throw fail("the header's fortran_order is neither True nor False") }
        let shapeText = try value("shape")
        guard shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else { throw fail("the header's shape is not a tuple") }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",") {
            let digits = part.filter { $0 != " " && $0 != "L" }
            guard !digits.isEmpty else { continue }
            guard let n = Int(digits), n >= 0 else { throw fail("the header's shape \(shapeText[...close]) is not whole numbers") }
            shape.append(n)
        }
        var total = 1
        for n in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: n)
            guard !overflow, product <= 1 << 32 else { throw fail("the shape \(shape) holds too many values") }
            total = product
        }
        self.type = type
        self.fortranOrder = order.hasPrefix("True")
        self.shape = shape
    }
}

/// A `.npy` element type: its kind, size in bytes and byte order.
struct NumPyType {
    enum Kind { case bool, signed, unsigned, float }
    var kind: Kind
    var size: Int
    var bigEndian: Bool

    /// '<f4', '>i8', '|u1', '|b1', '=f8'.
    init?(_ code: String) {
        guard code.count >= 3, let order = code.first, "<>|=".contains(order), let size = Int(code.dropFirst(2)) else { return nil }
        switch code.dropFirst().first {
        case "b" where size == 1: kind = .bool
        case "i" where [1, 2, 4, 8].contains(size): kind = .signed
        case "u" where [1, 2, 4, 8].contains(size): kind = .unsigned
        case "f" where size == 4 || size == 8: kind = .float
        default: return nil
        }
        self.size = size
        self.bigEndian = order == ">"
    }

    /// Whether Swift's loads read the values right: little-endian values on a little-endian machine.
    var loadsDirectly: Bool {
        #if _endian(little)
        return !bigEndian
        #else
        return false
        #endif
    }

    /// Whether values of this type are `T`'s bits in this machine's byte order.
    func isNative<T>(_: T.Type) -> Bool {
        #if _endian(little)
        let order = !bigEndian
        #else
        let order = bigEndian
        #endif
        return order && kind == .float && (T.self == Float.self && size == 4 || T.self == Double.self && size == 8)
    }

    /// The value at `p`.
    func value(_ p: UnsafePointer<UInt8>) -> Double {
        var bits: UInt64 = 0
        for k in 0..<size { bits |= UInt64(p[bigEndian ? size - 1 - k : k]) << (8 * k) }
        switch kind {
        case .bool: return bits == 0 ? 0 : 1
        case .unsigned: return Double(bits)
        case .signed:
            let shift = UInt64(64 - 8 * size)
            return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
        case .float: return size == 4 ? Double(Float(bitPattern: UInt32(bits))) : Double(bitPattern: bits)
        }
    }
}

extension DataSet {
    /// A classification data set from NumPy files: `features` holds N samples
    /// of any shape (N × 64, or N × 1 × 28 × 28 for a model's 1x28x28 input,
    /// which is the same values), `labels` N whole numbers, or N label maps
    /// (N × H × W) for segmentation.
    public static func npy(features: String, labels: String, classNames: [String]? = nil) throws(DataSetError) -> DataSet {
        try labelled(features: (try NumPyArray.bytes(features), features), labels: (try NumPyArray.bytes(labels), labels),
                     classNames: classNames)
    }

    /// A regression data set from NumPy files: N samples of features and N of targets, each of any shape.
    public static func npy(features: String, targets: String) throws(DataSetError) -> DataSet {
        try regression(features: (try NumPyArray.bytes(features), features), targets: (try NumPyArray.bytes(targets), targets))
    }

    /// `npy(features:labels:)` from the two arrays' bytes, each named by its path.
    static func labelled(features: (bytes: [UInt8], path: String), labels: (bytes: [UInt8], path: String),
                         classNames: [String]?) throws(DataSetError) -> DataSet {
        let x = try NumPyArray.read(features.bytes, path: features.path, as: Scalar.self)
        let y = try NumPyArray(labels.bytes, path: labels.path)
        let featureCount = try samples(x.shape, features.path, matching: nil)
        let labelsPerSample = try samples(y.shape, labels.path, matching: (x.shape[0], features.path))
        var whole: [Int] = []
        whole.reserveCapacity(y.values.count)
        for (k, v) in y.values.enumerated() {
            guard let label = Int(exactly: v) else {
                throw DataSetError(path: labels.path, line: nil, message: "value \(k) is \(v), not a whole-number label")
            }
            whole.append(label)
        }
        return DataSet(features: x.values, featureCount: featureCount, labels: whole,
                       labelsPerSample: labelsPerSample, classNames: classNames)
    }

    /// `npy(features:targets:)` from the two arrays' bytes, each named by its path.
    static func regression(features: (bytes: [UInt8], path: String), targets: (bytes: [UInt8], path: String)) throws(DataSetError) -> DataSet {
        let x = try NumPyArray.read(features.bytes, path: features.path, as: Scalar.self)
        let t = try NumPyArray.read(targets.bytes, path: targets.path, as: Scalar.self)
        let featureCount = try samples(x.shape, features.path, matching: nil)
        let targetCount = try samples(t.shape, targets.path, matching: (x.shape[0], features.path))
        return DataSet(features: x.values, featureCount: featureCount, targets: t.values, targetCount: targetCount)
    }

    /// The values per sample of an array whose first dimension counts the samples
    /// (1 for a vector of N), checked against the other file's count.
    static func samples(_ shape: [Int], _ path: String, matching other: (count: Int, path: String)?) throws(DataSetError) -> Int {
        guard let n = shape.first else {
            throw DataSetError(path: path, line: nil, message: "a single value, not an array with a first dimension of samples")
        }
        guard n > 0 else { throw DataSetError(path: path, line: nil, message: "no samples (shape \(shape))") }
        if let other, other.count != n {
            throw DataSetError(path: path, line: nil, message: "\(n) samples, but \(other.path) has \(other.count)")
        }
        let each = shape.dropFirst().reduce(1, *)
        guard each > 0 else { throw DataSetError(path: path, line: nil, message: "no values per sample (shape \(shape))") }
        return each
    }
}
