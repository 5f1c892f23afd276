@testable import GeneratedModels
import NetcRuntime
import XCTest

/// safetensors in and out: a bit-exact round trip, the header a reader
/// expects, half-precision input, and every malformed or mismatched file
/// refused with the model unchanged.
final class SafeTensorsTests: XCTestCase {
    var directory = ""

    override func setUp() { directory = temporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func testRoundTripIsBitExactInBothPrecisions() throws {
        var iris = Iris(seed: 3)
        _ = iris.trainStep(input: [Float](repeating: 0.25, count: Iris.batchSize * Iris.inputCount),
                           labels: [Int](repeating: 2, count: Iris.batchSize))
        try iris.save(to: "\(directory)/iris.safetensors")
        XCTAssertEqual(try Iris(contentsOf: "\(directory)/iris.safetensors").parameters.map(\.bitPattern), iris.parameters.map(\.bitPattern))
        let towers = TwoTowers(seed: 5)
        try towers.save(to: "\(directory)/towers.st", format: .safetensors)
        XCTAssertEqual(try TwoTowers(contentsOf: "\(directory)/towers.st", format: .safetensors).parameters.map(\.bitPattern),
                       towers.parameters.map(\.bitPattern))
        // The same model saves the same bytes.
        try iris.save(to: "\(directory)/again.safetensors")
        XCTAssertEqual(try bytes("iris.safetensors"), try bytes("again.safetensors"))
    }

    func testTheHeaderIsWhatReadersExpect() throws {
        try XOR(seed: 1).save(to: "\(directory)/xor.safetensors")
        let b = try bytes("xor.safetensors")
        let length = (0..<8).reduce(0) { $0 | Int(b[$1]) << (8 * $1) }
        XCTAssertEqual((8 + length) % 8, 0, "the data starts on an 8-byte boundary")
        let header = String(decoding: b[8..<(8 + length)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"format\":\"pt\",\"netc_network\":\"XOR\""), header)
        let first = XOR.parameterTensors[0]
        XCTAssertTrue(header.contains("\"\(first.name)\":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[0,32]}"), header)
        XCTAssertEqual(b.count, 8 + length + 4 * XOR.parameterCount)
    }

    /// A file made of `header` (JSON) and `data`, with the 8-byte length in front.
    func file(_ name: String, header: String, data: [UInt8], length: UInt64? = nil) throws -> String {
        let json = Array(header.utf8)
        let n = length ?? UInt64(json.count)
        let out = (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + json + data
        let path = "\(directory)/\(name)"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(out)))
        return path
    }

    /// XOR's tensors as a header entry list: (name, shape), in flat order.
    var xorTensors: [(String, [Int])] { XOR.parameterTensors.map { t in (t.name, t.name.hasSuffix("weight") ? (t.count == 8 ? [4, 2] : [1, 4]) : [t.count]) } }

    func header(_ tensors: [(String, String, [Int], Int, Int)]) -> String {
        "{" + tensors.map { "\"\($0.0)\":{\"dtype\":\"\($0.1)\",\"shape\":\($0.2),\"data_offsets\":[\($0.3),\($0.4)]}" }.joined(separator: ",") + "}"
    }

    /// XOR's tensors laid out back to back in `dtype` of `size` bytes.
    func layout(_ dtype: String = "F32", size: Int = 4) -> [(String, String, [Int], Int, Int)] {
        var offset = 0
        return xorTensors.map { name, shape in
            let bytes = shape.reduce(1, *) * size
            defer { offset += bytes }
            return (name, dtype, shape, offset, offset + bytes)
        }
    }

    func testHalfPrecisionAndPyTorchCountersAreRead() throws {
        // F16 1.5 = 0x3E00 and BF16 -2 = 0xC000 for every value; a num_batches_tracked counter is ignored.
        for (dtype, bits, value) in [("F16", UInt16(0x3E00), Float(1.5)), ("BF16", UInt16(0xC000), Float(-2))] {
            var tensors = layout(dtype, size: 2)
            let end = tensors.last!.4
            tensors.append(("h.num_batches_tracked", "F32", [1], end, end + 4))
            let value16: [UInt8] = [UInt8(bits & 0xff), UInt8(bits >> 8)]
            let data: [UInt8] = (0..<XOR.parameterCount).flatMap { _ in value16 } + [0, 0, 0, 0]
            let path = try file("\(dtype).safetensors", header: header(tensors), data: data)
            XCTAssertEqual(try XOR(contentsOf: path).parameters, [Float](repeating: value, count: XOR.parameterCount), dtype)
        }
    }

    func testEveryMalformedOrMismatchedFileIsRefusedAndTheModelKept() throws {
        let good = layout(), data = [UInt8](repeating: 0, count: 4 * XOR.parameterCount)
        let size = data.count
        var swapped = good
        swapped[0].2 = [2, 4]
        var overlapping = good
        overlapping[1].3 -= 4
        overlapping[1].4 -= 4
        var cases: [(String, String, String)] = []  // name, path, a fragment of the message
        cases.append(("too short", try rawFile("short.safetensors", [1, 2, 3]), "shorter than the 8-byte header length"))
        cases.append(("length past the end", try file("long.safetensors", header: header(good), data: data, length: 1 << 20),
                      "runs past the end of the file"))
        cases.append(("hostile length", try file("huge.safetensors", header: header(good), data: data, length: UInt64.max),
                      "over the limit"))
        cases.append(("bad JSON", try file("json.safetensors", header: "{\"h.weight\": [", data: data), "header is not JSON"))
        var outside = good
        outside[0].4 = size + 100
        cases.append(("offsets out of range", try file("range.safetensors", header: header(outside), data: data), "outside the"))
        cases.append(("overlap", try file("overlap.safetensors", header: header(overlapping), data: data), "overlaps"))
        cases.append(("gap", try file("gap.safetensors", header: header(Array(good.dropFirst())), data: data), "gap before"))
        cases.append(("wrong dtype", try file("dtype.safetensors", header: header(good.map { ($0.0, "I32", $0.2, $0.3, $0.4) }), data: data),
                      "has dtype I32"))
        cases.append(("undefined dtype", try file("q7.safetensors", header: header(good.map { ($0.0, "Q7", $0.2, $0.3, $0.4) }), data: data),
                      "dtype Q7, which safetensors does not define"))
        cases.append(("wrong shape", try file("shape.safetensors", header: header(swapped), data: data), "has shape [2, 4], this model's is [4, 2]"))
        var renamed = good
        renamed[0].0 = "renamed.weight"
        cases.append(("missing and extra", try file("names.safetensors", header: header(renamed), data: data),
                      "missing tensor '\(good[0].0)'"))
        cases.append(("extra", try file("names2.safetensors", header: header(renamed), data: data), "'renamed.weight' is not in this model"))
        cases.append(("size", try file("size.safetensors", header: header(good.map { ($0.0, "F64", $0.2, $0.3, $0.4) }), data: data), "needs"))

        let original = XOR(seed: 9)
        for (name, path, fragment) in cases {
            var model = original
            XCTAssertThrowsError(try model.load(contentsOf: path), name) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(name): \(error)")
            }
            XCTAssertEqual(model.parameters, original.parameters, "\(name): the model changed")
        }
        // A well-formed file of the right layout loads.
        var model = original
        try model.load(contentsOf: try file("good.safetensors", header: header(good), data: data))
        XCTAssertEqual(model.parameters, [Float](repeating: 0, count: XOR.parameterCount))
        // PyTorch's BatchNorm count (I64, a dtype netc does not read) is skipped, as its name says.
        let counted = good + [("b.num_batches_tracked", "I64", [], size, size + 8)]
        try model.load(contentsOf: try file("counted.safetensors", header: header(counted), data: data + [UInt8](repeating: 0, count: 8)))
    }

    func rawFile(_ name: String, _ contents: [UInt8]) throws -> String {
        let path = "\(directory)/\(name)"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(contents)))
        return path
    }

    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)"))) }

    /// Hostile files: 5,000 mutations of a valid one (bytes flipped, inserted
    /// or deleted in the header and data, truncations, other header lengths)
    /// end in values or an error, never a crash, a hang or a huge allocation.
    func testMutatedFilesEndInValuesOrAnError() {
        let valid = XOR(seed: 4).parameters.withUnsafeBufferPointer {
            SafeTensors.encode($0, tensors: XOR.info.tensors, metadata: [("format", "pt")])
        }
        var random = SplitMix64(seed: 77)
        var refused = 0
        for _ in 0..<5000 {
            var b = valid
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = Int(random.next() % UInt64(b.count))
                switch random.next() % 6 {
                case 0: b[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: b.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                case 2: if b.count > 1 { b.remove(at: at) }
                case 3: b = Array(b.prefix(at))
                case 4: for k in 0..<8 where k < b.count { b[k] = UInt8(truncatingIfNeeded: random.next() >> (8 * UInt64(k))) }
                default: if at < b.count { b[at] = [UInt8(ascii: "\""), UInt8(ascii: "["), UInt8(ascii: "}"), UInt8(ascii: "9")][at % 4] }
                }
                if b.isEmpty { break }
            }
            do {
                let values: [Float] = try SafeTensors.decode(b, path: "fuzz", tensors: XOR.info.tensors)
                XCTAssertEqual(values.count, XOR.parameterCount)
            } catch {
                refused += 1
            }
        }
        XCTAssertGreaterThan(refused, 4000, "most mutations break the file")
    }
}
