import Foundation
import GeneratedModels
@testable import NetcRuntime
import XCTest

/// `DataSet.npy` and `NumPyArray` on files NumPy wrote (Tests/NumPyFiles/make.py).
final class NumPyTests: XCTestCase {
    let directory = "\(repositoryRoot)/Tests/NumPyFiles"
    func array(_ name: String) throws(DataSetError) -> NumPyArray { try NumPyArray(contentsOf: "\(directory)/\(name)") }
    func failure(_ name: String) -> String? {
        do throws(DataSetError) { _ = try array(name); return nil } catch { return error.message }
    }

    func testEveryElementTypeByteOrderAndVersion() throws {
        XCTAssertEqual(try array("images-u1.npy"), NumPyArray(shape: [3, 1, 2, 2], values: (0..<12).map { Double($0 * 20) }))
        XCTAssertEqual(try array("labels-i8.npy"), NumPyArray(shape: [3], values: [2, 0, -1]))
        XCTAssertEqual(try array("big-f4.npy"), NumPyArray(shape: [2, 2], values: [0.5, -1.25, 3, Double(Float(1e-3))]))
        XCTAssertEqual(try array("big-i2.npy"), NumPyArray(shape: [3], values: [-2, 300, -32768]))
        XCTAssertEqual(try array("u8.npy"), NumPyArray(shape: [2], values: [0, 0x1p53]))
        XCTAssertEqual(try array("bool.npy"), NumPyArray(shape: [3], values: [1, 0, 1]))
        XCTAssertEqual(try array("v2-f4.npy"), NumPyArray(shape: [2, 2], values: [1.5, 2.5, -3.5, 4.5]))
        XCTAssertEqual(try array("v3-f4.npy"), NumPyArray(shape: [2], values: [7, 8]))
        let targets = try array("targets-f8.npy")
        XCTAssertEqual(targets.values, [0.5, -1, 2.25, 3, 1e-300, 0])
        XCTAssertEqual(targets.values[5].sign, .minus, "bits as written")
        XCTAssertEqual(try array("scalar-f8.npy"), NumPyArray(shape: [], values: [3]))
    }

    func testFortranOrderIsReadInRowMajorOrder() throws {
        XCTAssertEqual(try array("fortran-f8.npy"), NumPyArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        XCTAssertEqual(try array("fortran3-f4.npy"), NumPyArray(shape: [2, 3, 4], values: (0..<24).map(Double.init)))
    }

    func testWhatCannotBeReadIsRefusedWithTheReason() throws {
        XCTAssertEqual(failure("structured.npy")?.hasPrefix("a structured array"), true, failure("structured.npy") ?? "")
        XCTAssertEqual(failure("complex.npy"), "dtype '<c8' is not supported: save booleans, integers or float32/float64 values")
        XCTAssertEqual(failure("make.py"), "not a NumPy .npy file (no \\x93NUMPY magic)")
        XCTAssertNotNil(failure("missing.npy"))
        // Cut short, or with bytes left over.
        let whole = try FileIO.read("\(directory)/v2-f4.npy")
        XCTAssertThrowsError(try NumPyArray(Array(whole.dropLast(3)))) {
            XCTAssertEqual(($0 as? DataSetError)?.message, "the data ends after 3 of its 4 values")
        }
        XCTAssertThrowsError(try NumPyArray(whole + [0])) {
            XCTAssertEqual(($0 as? DataSetError)?.message, "1 byte follows the 4 values")
        }
        XCTAssertThrowsError(try NumPyArray(Array(whole.prefix(20)))) {
            XCTAssertEqual(($0 as? DataSetError)?.message, "the file ends inside its header")
        }
    }

    /// What `npy` writes is what NumPy wrote, byte for byte, and reads back.
    func testWritingGivesNumPysOwnBytes() throws {
        let cases: [(String, NumPyArray.Element)] = [("targets-f8.npy", .float64), ("labels-i8.npy", .int64),
                                                     ("scalar-f8.npy", .float64), ("fractions-f4.npy", .float32)]
        for (name, element) in cases {
            let written = try FileIO.read("\(directory)/\(name)")
            XCTAssertEqual(try array(name).npy(element), written, name)
        }
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let predictions = NumPyArray(shape: [2, 1, 3], values: [0.25, -1, 3, 1e300, 0, 7])
        try predictions.write(to: "\(directory)/p.npy")
        XCTAssertEqual(try NumPyArray(contentsOf: "\(directory)/p.npy"), predictions)
        let classes = NumPyArray(shape: [4], values: [3, 0, 2, -1])
        XCTAssertEqual(try NumPyArray(classes.npy(.int64)), classes)
        // Every header length pads to a 64-byte boundary, with the first dimension's room to grow.
        for n in [1, 9, 10, 99_999, 1 << 40] {
            let header = NumPyArray(shape: [n, 0], values: []).npy(.float32)
            XCTAssertEqual(header.count % 64, 0)
            XCTAssertEqual(header.last, 0x0A)
        }
    }

    /// Damaged files are refused or read, never a crash: each file with
    /// random bytes changed, and cut at every length.
    func testDamagedFilesNeverCrash() throws {
        var random = SplitMix64(seed: 5), read = 0, refused = 0
        for name in ["images-u1.npy", "fortran3-f4.npy", "v2-f4.npy", "big-i2.npy", "structured.npy", "targets-f8.npy"] {
            let whole = try FileIO.read("\(directory)/\(name)")
            var cases = (0...whole.count).map { Array(whole.prefix($0)) }
            for _ in 0..<400 {
                var bytes = whole
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
                cases.append(bytes)
            }
            for bytes in cases {
                do throws(DataSetError) { _ = try NumPyArray(bytes); read += 1 } catch { refused += 1 }
            }
        }
        XCTAssertGreaterThan(read, 0)
        XCTAssertGreaterThan(refused, 0)
    }

    /// `.npz` archives: stored (`numpy.savez`), deflated (`savez_compressed`,
    /// whose small arrays get fixed codes, larger ones dynamic codes, and
    /// level 0 stored blocks) and in zip64 form all hold what the `.npy` files hold.
    func testArchivesHoldWhatTheirNpyFilesHold() throws {
        let images = try array("images-u1.npy"), labels = try array("labels-i8.npy"), targets = try array("targets-f8.npy")
        for name in ["arrays.npz", "arrays-compressed.npz", "zip64.npz"] {
            let archive = try NumPyArchive(contentsOf: "\(directory)/\(name)")
            XCTAssertEqual(Array(archive.names.prefix(2)), ["x", "y"], name)
            XCTAssertEqual(try archive.array("x"), images, name)
            XCTAssertEqual(try archive.array("y"), labels, name)
            if name != "zip64.npz" { XCTAssertEqual(try archive.array("t"), targets, name) }
        }
        let compressed = try NumPyArchive(contentsOf: "\(directory)/arrays-compressed.npz")
        XCTAssertEqual(compressed.names, ["x", "y", "t", "ramp", "noise"])
        let ramp = (0..<5000).map { Double($0 * 7919 % 13) }
        XCTAssertEqual(try compressed.array("ramp"), NumPyArray(shape: [5000], values: ramp))
        XCTAssertEqual(try compressed.array("noise").shape, [3000])
        XCTAssertEqual(try NumPyArchive(contentsOf: "\(directory)/level0.npz").array("ramp"), NumPyArray(shape: [5000], values: ramp))

        let classes = try DataSet<Float>.npz("\(directory)/arrays-compressed.npz", features: "x", labels: "y")
        XCTAssertEqual(classes.labels, [2, 0, -1])
        XCTAssertEqual(Array(classes.features(of: 2)), [160, 180, 200, 220])
        let regression = try DataSet<Double>.npz("\(directory)/arrays.npz", features: "x", targets: "t")
        XCTAssertEqual(regression.targets, [0.5, -1, 2.25, 3, 1e-300, 0])
    }

    /// `NumPyArchive.write` gives an archive this reader (and NumPy) reads
    /// back, in the order given, the same bytes every time.
    func testWrittenArchivesReadBack() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scores = NumPyArray(shape: [2, 3], values: [0.25, -1, 3, 1e3, 0, 7]), classes = NumPyArray(shape: [2], values: [2, 0])
        let path = "\(directory)/predictions.npz"
        try NumPyArchive.write(["scores": (scores, .float32), "classes": (classes, .int64), "über": (classes, .float64)], to: path)
        let archive = try NumPyArchive(contentsOf: path)
        XCTAssertEqual(archive.names, ["scores", "classes", "über"])
        XCTAssertEqual(try archive.array("scores"), scores)
        XCTAssertEqual(try archive.array("classes"), classes)
        XCTAssertEqual(try archive.array("über"), classes)
        let first = try FileIO.read(path)
        try NumPyArchive.write(["scores": (scores, .float32), "classes": (classes, .int64), "über": (classes, .float64)], to: path)
        XCTAssertEqual(try FileIO.read(path), first, "no timestamps: the same arrays, the same bytes")
        XCTAssertThrowsError(try NumPyArchive.write(["a": (scores, .float32), "a": (classes, .int64)], to: path)) {
            XCTAssertEqual(($0 as? DataSetError)?.message, "two arrays named 'a'")
        }
        try NumPyArchive.write([:], to: path)
        XCTAssertEqual(try NumPyArchive(contentsOf: path).names, [])
    }

    func testWhatAnArchiveCannotGiveIsRefusedWithTheReason() throws {
        func failure(_ file: String, _ member: String) -> String? {
            do throws(DataSetError) { _ = try NumPyArchive(contentsOf: "\(directory)/\(file)").array(member); return nil } catch {
                return error.description
            }
        }
        XCTAssertEqual(failure("arrays.npz", "labels"), "\(directory)/arrays.npz: no array named 'labels': it holds x, y, t")
        XCTAssertEqual(failure("bzip2.npz", "y"),
                       "\(directory)/bzip2.npz: y.npy: compression method 12; only stored (0) and deflate (8) are read")
        XCTAssertEqual(failure("labels-i8.npy", "y"), "\(directory)/labels-i8.npy: not a zip archive (no end-of-central-directory record)")
        // An array's own errors name the array.
        XCTAssertThrowsError(try DataSet<Float>.npz("\(directory)/arrays.npz", features: "x", labels: "t")) {
            XCTAssertEqual(($0 as? DataSetError)?.description, "\(directory)/arrays.npz[t]: value 0 is 0.5, not a whole-number label")
        }
        // A changed byte in compressed data is caught by the code or by the CRC-32.
        var damaged = try FileIO.read("\(directory)/arrays-compressed.npz")
        let ramp = try XCTUnwrap(try ZipArchive(damaged, path: "a").members.first { $0.name == "ramp.npy" })
        XCTAssertNoThrow(try ZipArchive(damaged, path: "a").contents(ramp))
        let data = ramp.offset + 30 + 8 + (Int(damaged[ramp.offset + 28]) | Int(damaged[ramp.offset + 29]) << 8)  // after name and extra field
        damaged[data + 40] ^= 0x10
        XCTAssertThrowsError(try ZipArchive(damaged, path: "a").contents(ramp))
    }

    /// Damaged archives are refused or read, never a crash or a hang: each
    /// archive with random bytes changed, and cut at every length.
    func testDamagedArchivesNeverCrash() throws {
        var random = SplitMix64(seed: 9), read = 0, refused = 0
        // (Fewer cases for the larger archives: each decodes 20 kB, slow in a debug build.)
        for (name, damaged) in [("arrays.npz", 300), ("zip64.npz", 300), ("arrays-compressed.npz", 150), ("level0.npz", 60)] {
            let whole = try FileIO.read("\(directory)/\(name)")
            var cases = stride(from: 0, through: whole.count, by: 1 + whole.count / 500).map { Array(whole.prefix($0)) }
            for _ in 0..<damaged {
                var bytes = whole
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
                cases.append(bytes)
            }
            for bytes in cases {
                do throws(DataSetError) {
                    let archive = try ZipArchive(bytes, path: name)
                    for member in archive.members { _ = try NumPyArray(try archive.contents(member)) }
                    read += 1
                } catch { refused += 1 }
            }
        }
        XCTAssertGreaterThan(read, 0)
        XCTAssertGreaterThan(refused, 0)
    }

    func testADataSetOfImagesAndLabelsOrLabelMapsOrTargets() throws {
        let images = "\(directory)/images-u1.npy"
        let classes = try DataSet<Float>.npy(features: images, labels: "\(directory)/labels-i8.npy")
        XCTAssertEqual(classes.count, 3)
        XCTAssertEqual(classes.featureCount, 4)
        XCTAssertEqual(Array(classes.features(of: 2)), [160, 180, 200, 220])
        XCTAssertEqual(classes.labels, [2, 0, -1])
        let maps = try DataSet<Float>.npy(features: images, labels: "\(directory)/maps-i4.npy")
        XCTAssertEqual(maps.labelsPerSample, 4)
        XCTAssertEqual(maps.labels, [0, 1, 1, 2, 2, 2, 0, 0, 1, -1, -1, 0])
        // float32 into Float and float64 into Double are copies of the bits; Fortran order still reordered.
        let pairs = "\(directory)/two-labels-i8.npy"
        XCTAssertEqual(try DataSet<Float>.npy(features: "\(directory)/v2-f4.npy", labels: pairs).features, [1.5, 2.5, -3.5, 4.5])
        XCTAssertEqual(try DataSet<Float>.npy(features: "\(directory)/fortran3-f4.npy", labels: pairs).features, (0..<24).map(Float.init))
        XCTAssertEqual(try DataSet<Double>.npy(features: "\(directory)/fortran-f8.npy", labels: pairs).features, [1, 2, 3, 4, 5, 6])
        let regression = try DataSet<Double>.npy(features: images, targets: "\(directory)/targets-f8.npy")
        XCTAssertEqual(regression.targetCount, 2)
        XCTAssertEqual(regression.targets, [0.5, -1, 2.25, 3, 1e-300, 0])
        XCTAssertThrowsError(try DataSet<Float>.npy(features: images, labels: "\(directory)/two-labels-i8.npy")) {
            XCTAssertEqual(($0 as? DataSetError)?.description, "\(directory)/two-labels-i8.npy: 2 samples, but \(images) has 3")
        }
        XCTAssertThrowsError(try DataSet<Float>.npy(features: images, labels: "\(directory)/fractions-f4.npy")) {
            XCTAssertEqual(($0 as? DataSetError)?.message, "value 0 is 0.5, not a whole-number label")
        }
        XCTAssertThrowsError(try DataSet<Float>.npy(features: "\(directory)/scalar-f8.npy", labels: "\(directory)/labels-i8.npy")) {
            XCTAssertEqual(($0 as? DataSetError)?.message, "a single value, not an array with a first dimension of samples")
        }
    }
}
