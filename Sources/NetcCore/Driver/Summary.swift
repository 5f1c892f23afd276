extension Graph {
    /// One line for `netc check`: nodes, parameters, memory, FLOPs.
    public var summary: String {
        let f = flopsPerSample
        return "\(name): \(nodes.count) nodes, \(parameterCount) parameters, input \(inputSize), output \(outputSize), "
            + "batch \(batchSize), \(precision.rawValue); model memory \(formatBytes(modelBytes)); "
            + "FLOPs per sample: forward \(f.forward), training step \(f.training)"
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
