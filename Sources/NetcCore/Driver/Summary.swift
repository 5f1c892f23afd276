extension Graph {
    /// One line for `netc check`: nodes, parameters, memory, FLOPs.
    public var summary: String {
        let f = flopsPerSample
        return "\(name): \(nodes.count) nodes, \(parameterCount) parameters, input \(inputSize), output \(outputSize), "
            + "batch \(batchSize), \(precision.rawValue); model memory \(formatBytes(modelBytes)); "
            + "FLOPs per sample: forward \(f.forward), training step \(f.training)"
    }
}

extension Graph {
    /// `netc check --layers`: a row per declared node — its name, kind, output
    /// shape (one sample's), parameter count and inputs — then the total.
    public var layerTable: String {
        let header = ["layer", "kind", "output", "parameters", "inputs"]
        var rows = layers.map { [$0.name, $0.kind, $0.shape.description, String($0.parameterCount), $0.inputs.joined(separator: ", ")] }
        rows.append(["total", "", "", String(parameterCount), ""])
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            let padded = cells.indices.map { c in
                let gap = String(repeating: " ", count: widths[c] - cells[c].count)
                return c == 3 ? gap + cells[c] : c == cells.count - 1 ? cells[c] : cells[c] + gap
            }
            let text = "  " + padded.joined(separator: "  ")
            return String(text.reversed().drop { $0 == " " }.reversed())
        }
        return ([header] + rows).map { line($0) + "\n" }.joined()
    }
}

/// A byte count for people: `812 B`, `1.6 KiB`, `63.4 GiB`.
func formatBytes(_ bytes: Int) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    var value = Double(bytes) / 1024
    var unit = "KiB"
    for next in ["MiB", "GiB"] where value >= 1024 {
        value /= 1024
        unit = next
    }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(unit)"
}
