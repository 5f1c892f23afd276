/// The arrays of a NumPy `.npz` file, by name: what `numpy.savez` and
/// `numpy.savez_compressed` write, and what `numpy.load(path)` indexes.
///
///     let archive = try NumPyArchive(contentsOf: "mnist.npz")
///     archive.names                     // ["x_train", "y_train", "x_test", "y_test"]
///     let test = try archive.array("x_test")
public struct NumPyArchive: Sendable {
    public let path: String
    let archive: ZipArchive

    /// Reads the archive's directory; arrays are decompressed when asked for.
    public init(contentsOf path: String) throws(DataSetError) {
        self.path = path
        archive = try ZipArchive(try NumPyArray.bytes(path), path: path)
    }

    /// The arrays' names in the archive's order, without `.npy`, as `numpy.load(path).files` lists them.
    public var names: [String] { archive.members.map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name } }

    public func array(_ name: String) throws(DataSetError) -> NumPyArray {
        let (bytes, path) = try npy(name)
        return try NumPyArray(bytes, path: path)
    }

    /// The `.npy` bytes of the array `name`, and how errors about it name it (`path[name]`).
    func npy(_ name: String) throws(DataSetError) -> (bytes: [UInt8], path: String) {
        guard let member = archive.members.first(where: { $0.name == name + ".npy" }) ?? archive.members.first(where: { $0.name == name })
        else {
            let held = names.isEmpty ? "it holds no arrays" : "it holds \(names.joined(separator: ", "))"
            throw DataSetError(path: path, line: nil, message: "no array named '\(name)': \(held)")
        }
        return (try archive.contents(member), "\(path)[\(name)]")
    }
}

extension NumPyArchive {
    /// Writes `arrays` to `path` as an `.npz` file, in the order given, each
    /// stored as `NumPyArray.npy` writes it: what `numpy.savez` writes, and
    /// what `numpy.load(path)` reads.
    ///
    ///     try NumPyArchive.write(["scores": (scores, .float32), "classes": (classes, .int64)], to: "predictions.npz")
    public static func write(_ arrays: KeyValuePairs<String, (NumPyArray, NumPyArray.Element)>, to path: String) throws(DataSetError) {
        var names = Set<String>()
        for (name, _) in arrays where !names.insert(name).inserted {
            throw DataSetError(path: path, line: nil, message: "two arrays named '\(name)'")
        }
        guard let bytes = ZipArchive.stored(arrays.map { (name: $0.key + ".npy", bytes: $0.value.0.npy($0.value.1)) }) else {
            throw DataSetError(path: path, line: nil, message: "more than 4 GiB or 65,535 arrays, which needs zip64; write .npy files instead")
        }
        do { try FileIO.writeAtomically(bytes, to: path) } catch { throw DataSetError(path: path, line: nil, message: error.description) }
    }
}

extension DataSet {
    /// A classification data set from two arrays of a NumPy `.npz` file, as
    /// `npy(features:labels:)` reads them from two files:
    /// `DataSet.npz("mnist.npz", features: "x_train", labels: "y_train")`.
    public static func npz(_ path: String, features: String, labels: String, classNames: [String]? = nil) throws(DataSetError) -> DataSet {
        let archive = try NumPyArchive(contentsOf: path)
        return try labelled(features: try archive.npy(features), labels: try archive.npy(labels), classNames: classNames)
    }

    /// A regression data set from two arrays of a NumPy `.npz` file.
    public static func npz(_ path: String, features: String, targets: String) throws(DataSetError) -> DataSet {
        let archive = try NumPyArchive(contentsOf: path)
        return try regression(features: try archive.npy(features), targets: try archive.npy(targets))
    }
}
