import Glibc
import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// Issue 19's file defects: writes never follow a planted symlink, reads
/// never block on a FIFO, and paths or names cannot smuggle anything in.
final class FileSafetyTests: XCTestCase {
    /// 7. the old predictable temporary `<path>.tmp-<pid>` planted as a symlink is not followed.
    func testWritesDoNotFollowAPlantedTemporarySymlink() throws {
        let dir = temporaryDirectory()
        try FileIO.writeAtomically(Array("victim".utf8), to: "\(dir)/victim")
        XCTAssertEqual(symlink("\(dir)/victim", "\(dir)/out.swift.tmp-\(getpid())"), 0)
        XCTAssertEqual(symlink("\(dir)/victim", "\(dir)/link.swift"), 0)
        try FileIO.writeAtomically(Array("new".utf8), to: "\(dir)/out.swift")
        try FileIO.writeAtomically(Array("replaced".utf8), to: "\(dir)/link.swift")
        XCTAssertEqual(try FileIO.read("\(dir)/victim"), Array("victim".utf8))
        XCTAssertEqual(try FileIO.read("\(dir)/out.swift"), Array("new".utf8))
        var st = stat()
        XCTAssertEqual(lstat("\(dir)/link.swift", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG, "the link is replaced by a file, its target untouched")
        XCTAssertEqual(files(in: dir, suffix: ".tmp").count, 0)
    }

    /// 8. a FIFO is refused at once, as spec and as parameter file.
    func testFIFOsAreRefusedWithoutBlocking() throws {
        let dir = temporaryDirectory()
        XCTAssertEqual(mkfifo("\(dir)/pipe.net", 0o600), 0)
        let r = Driver.run(["check", "\(dir)/pipe.net"])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("is not a regular file"), r.stderr)
        XCTAssertThrowsError(try XOR(contentsOf: "\(dir)/pipe.net")) { error in
            XCTAssertTrue("\(error)".contains("is not a regular file"), "\(error)")
        }
    }

    /// 9. a NUL in a path is refused, not truncated.
    func testNULInPathIsRefused() throws {
        let dir = temporaryDirectory()
        XCTAssertThrowsError(try XOR().save(to: "\(dir)/a\u{0}b")) { error in
            XCTAssertTrue("\(error)".contains("NUL"), "\(error)")
        }
        XCTAssertEqual(files(in: dir, suffix: "").filter { $0 != "." && $0 != ".." }, [])
    }

    /// 10. the spec as its own output, stale temporaries, a byte-order mark, a
    /// spec named twice, and a newline in a file name.
    func testPathsThatOnceBrokeCompile() throws {
        let dir = temporaryDirectory()
        let spec = "network N {\n input x: 1\n dense y: 1\n loss squared_error(y)\n}\n"
        try FileIO.writeAtomically(Array(spec.utf8), to: "\(dir)/n.net")
        let r = Driver.run(["compile", "\(dir)/n.net", "--output-file", "\(dir)/./n.net"])
        XCTAssertEqual(r.code, 2, r.stderr)
        XCTAssertEqual(try FileIO.read("\(dir)/n.net"), Array(spec.utf8))
        // A temporary left by a killed writer (no such process) is removed by the next write.
        try FileIO.writeAtomically([1], to: "\(dir)/.N.swift.netc-999999999-x.tmp")
        XCTAssertEqual(Driver.run(["compile", "\(dir)/n.net", "\(dir)/n.net", "-o", dir]).code, 0)
        XCTAssertEqual(files(in: dir, suffix: ".tmp"), [])
        try FileIO.writeAtomically([0xEF, 0xBB, 0xBF] + Array(spec.utf8), to: "\(dir)/bom.net")
        XCTAssertEqual(Driver.run(["check", "\(dir)/bom.net"]).code, 0)
        let header = ModelEmitter.header("evil\nimport Foundation\n.net", command: "netc compile evil\nimport Foundation\n.net")
        XCTAssertEqual(header.split(separator: "\n").filter { $0.hasPrefix("import") }, ["import NetcRuntime"])
    }

    /// 11. a Double model's file read by a Float model of the same layout says so.
    func testHeaderIsCheckedBeforeTheSize() throws {
        let dir = temporaryDirectory()
        let values = [Double](repeating: 0.5, count: XOR.parameterCount)
        try values.withUnsafeBufferPointer { try ParameterFile.write($0, fingerprint: XOR.fingerprint, to: "\(dir)/p") }
        XCTAssertThrowsError(try XOR(contentsOf: "\(dir)/p")) { error in
            XCTAssertEqual(error as? ParameterFile.Failure, .wrongPrecision(path: "\(dir)/p", expected: 4, actual: 8))
        }
        let other = [Float](repeating: 0.5, count: 4 * XOR.parameterCount)
        try other.withUnsafeBufferPointer { try ParameterFile.write($0, fingerprint: 7, to: "\(dir)/q") }
        XCTAssertThrowsError(try XOR(contentsOf: "\(dir)/q")) { error in
            XCTAssertEqual(error as? ParameterFile.Failure, .wrongNetwork(path: "\(dir)/q", expected: XOR.fingerprint, actual: 7))
        }
    }
}
