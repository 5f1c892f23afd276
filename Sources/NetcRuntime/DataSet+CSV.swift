/// A column of a CSV file: by position, or by its header name.
public enum CSVColumn: Sendable, Equatable {
    case first, last
    /// 0-based.
    case index(Int)
    /// Needs a header line.
    case named(String)
}

/// Why a CSV file could not be read, with where.
public struct DataSetError: Error, CustomStringConvertible, Equatable {
    public let path: String
    /// 1-based line of the file, when the problem is on one.
    public let line: Int?
    public let message: String
    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

extension DataSet {
    /// Reads a CSV file (comma-separated; `#` comments and blank lines
    /// skipped): a header line if the first line holds anything that is not a
    /// number (or as `header` says), then one sample per line. With `label`,
    /// that column holds the class — whole numbers from 0, or names, numbered
    /// in the order they first appear — and the rest are features; with
    /// `targets`, those columns are the regression targets. Every bad row is
    /// an error naming its line; nothing is read past the first.
    public static func csv(contentsOf path: String, label: CSVColumn? = nil, targets: [CSVColumn] = [],
                           header: Bool? = nil) throws(DataSetError) -> DataSet {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path) } catch { throw DataSetError(path: path, line: nil, message: error.description) }
        return try csv(String(decoding: bytes, as: UTF8.self), path: path, label: label, targets: targets, header: header)
    }

    /// `csv(contentsOf:)` on text already in memory; `path` names it in errors.
    public static func csv(_ text: String, path: String = "<csv>", label: CSVColumn? = nil, targets: [CSVColumn] = [],
                           header: Bool? = nil) throws(DataSetError) -> DataSet {
        func fail(_ line: Int?, _ message: String) -> DataSetError { DataSetError(path: path, line: line, message: message) }
        guard (label == nil) != targets.isEmpty else {
            throw fail(nil, "give either a label column or target columns")
        }
        var rows: [(line: Int, fields: [Substring])] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            guard !line.allSatisfy(\.isWhitespace), !line.hasPrefix("#") else { continue }
            rows.append((n + 1, line.split(separator: ",", omittingEmptySubsequences: false).map { trimmed($0) }))
        }
        guard let first = rows.first else { throw fail(nil, "no rows") }
        let hasHeader = header ?? first.fields.contains { Double($0) == nil }
        let names = hasHeader ? first.fields.map(String.init) : nil
        if hasHeader { rows.removeFirst() }
        guard !rows.isEmpty else { throw fail(nil, "a header but no rows") }
        let width = rows[0].fields.count
        func resolve(_ column: CSVColumn) throws(DataSetError) -> Int {
            switch column {
            case .first: return 0
            case .last: return width - 1
            case .index(let k):
                guard (0..<width).contains(k) else { throw fail(nil, "column \(k) does not exist; rows have \(width) fields") }
                return k
            case .named(let name):
                guard let names else { throw fail(nil, "column '\(name)' needs a header line") }
                guard let k = names.firstIndex(of: name) else {
                    throw fail(first.line, "no column named '\(name)'; the header names \(names.map { "'\($0)'" }.joined(separator: ", "))")
                }
                return k
            }
        }
        let labelColumn = try label.map { (c) throws(DataSetError) in try resolve(c) }
        var targetColumns: [Int] = []
        for c in targets { targetColumns.append(try resolve(c)) }
        let special = Set(targetColumns + (labelColumn.map { [$0] } ?? []))
        let featureColumns = (0..<width).filter { !special.contains($0) }
        guard !featureColumns.isEmpty else { throw fail(nil, "no feature columns left") }

        var features: [Scalar] = [], values: [Scalar] = [], labels: [Int] = []
        var classNames: [String] = [], classIndex: [String: Int] = [:], numericLabels = true
        features.reserveCapacity(rows.count * featureColumns.count)
        for (line, fields) in rows {
            guard fields.count == width else { throw fail(line, "expected \(width) fields, found \(fields.count)") }
            for k in featureColumns {
                guard let v = Double(fields[k]) else { throw fail(line, "field \(k + 1) ('\(fields[k])') is not a number") }
                features.append(Scalar(v))
            }
            for k in targetColumns {
                guard let v = Double(fields[k]) else { throw fail(line, "target field \(k + 1) ('\(fields[k])') is not a number") }
                values.append(Scalar(v))
            }
            if let k = labelColumn {
                let text = String(fields[k])
                if labels.isEmpty { numericLabels = Int(text) != nil }
                if numericLabels {
                    // A class from 0, or a label outside the classes (-1) that a loss's ignore_label leaves out.
                    guard let v = Int(text) else {
                        throw fail(line, "label field \(k + 1) ('\(text)') is not a class number; earlier rows had numbers")
                    }
                    labels.append(v)
                } else {
                    if classIndex[text] == nil {
                        classIndex[text] = classNames.count
                        classNames.append(text)
                    }
                    labels.append(classIndex[text]!)
                }
            }
        }
        if labelColumn != nil {
            return DataSet(features: features, featureCount: featureColumns.count, labels: labels,
                           classNames: numericLabels ? nil : classNames)
        }
        return DataSet(features: features, featureCount: featureColumns.count, targets: values, targetCount: targetColumns.count)
    }

    static func trimmed(_ s: Substring) -> Substring {
        var t = s
        while t.first?.isWhitespace == true { t = t.dropFirst() }
        while t.last?.isWhitespace == true { t = t.dropLast() }
        if t.count >= 2, t.first == "\"", t.last == "\"" { t = t.dropFirst().dropLast() }
        return t
    }
}
