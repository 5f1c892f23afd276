extension Graph {
    /// One line for `netc check`: nodes, parameters, FLOPs.
    public var summary: String {
        let f = flopsPerSample
        return "\(name): \(nodes.count) nodes, \(parameterCount) parameters, input \(inputSize), output \(outputSize), "
            + "batch \(batchSize), \(precision.rawValue); FLOPs per sample: forward \(f.forward), training step \(f.training)"
    }
}
