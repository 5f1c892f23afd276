import NetcRuntime

/// Fisher's Iris data: 150 samples, 4 features, 3 classes.
public struct IrisDataset: Sendable {
    public var features: [[Float]]
    public var labels: [Int]
    public var classNames: [String]

    /// `Examples/Data/iris.csv` in this repository.
    public static let defaultPath: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Sources/IrisDemo/IrisDataset.swift
        return parts.joined(separator: "/") + "/Examples/Data/iris.csv"
    }()

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses the CSV: a header `count,features,name,name,...`, then `f1,...,fn,label` per line.
    public init(csv: String) throws {
        var lines = csv.split(separator: "\n").map { $0.split(separator: ",").map { String($0).trimmingWhitespace } }
        guard let header = lines.first, header.count >= 3, let count = Int(header[0]), let width = Int(header[1]) else {
            throw FormatError(description: "bad header")
        }
        classNames = Array(header[2...])
        lines.removeFirst()
        features = []
        labels = []
        for (n, row) in lines.enumerated() where !row.isEmpty {
            guard row.count == width + 1, let label = Int(row[width]), classNames.indices.contains(label) else {
                throw FormatError(description: "line \(n + 2): expected \(width) numbers and a class index")
            }
            let values = row[0..<width].compactMap { Float($0) }
            guard values.count == width else { throw FormatError(description: "line \(n + 2): bad number") }
            features.append(values)
            labels.append(label)
        }
        guard features.count == count else { throw FormatError(description: "expected \(count) samples, found \(features.count)") }
    }

    public init(contentsOf path: String = IrisDataset.defaultPath) throws {
        try self.init(csv: String(decoding: try FileIO.read(path), as: UTF8.self))
    }

    /// A stratified split: `testPerClass` samples of each class held out, chosen by `seed`.
    public func split(testPerClass: Int, seed: UInt64) -> (train: [Int], test: [Int]) {
        var random = SplitMix64(seed: seed)
        var train: [Int] = [], test: [Int] = []
        for c in classNames.indices {
            var members = labels.indices.filter { labels[$0] == c }
            shuffle(&members, &random)
            test += members.prefix(testPerClass)
            train += members.dropFirst(testPerClass)
        }
        shuffle(&train, &random)
        return (train, test)
    }
}

/// Fisher–Yates with the runtime's generator, so runs are reproducible.
public func shuffle<T>(_ a: inout [T], _ random: inout SplitMix64) {
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) {
        a.swapAt(i, Int(random.next() % UInt64(i + 1)))
    }
}

/// Per-feature standardisation (zero mean, unit variance) fitted on training rows.
public struct Standardizer: Sendable {
    public var mean: [Float], std: [Float]

    public init(fitting rows: [[Float]]) {
        let n = Float(rows.count), width = rows.first?.count ?? 0
        let mean = (0..<width).map { j in rows.reduce(0) { $0 + $1[j] } / n }
        std = (0..<width).map { j in
            max((rows.reduce(0) { $0 + ($1[j] - mean[j]) * ($1[j] - mean[j]) } / n).squareRoot(), 1e-6)
        }
        self.mean = mean
    }

    public func apply(_ row: [Float]) -> [Float] { row.indices.map { (row[$0] - mean[$0]) / std[$0] } }
}

extension String {
    var trimmingWhitespace: String {
        String(drop { $0 == " " || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\r" }.reversed())
    }
}
