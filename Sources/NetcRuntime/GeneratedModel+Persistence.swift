extension GeneratedModel {
    /// Writes the parameters atomically in netc's parameter file format.
    @inlinable
    public func save(to path: String) throws(ParameterFile.Failure) {
        try parameters.withUnsafeBufferPointer { (flat) throws(ParameterFile.Failure) in
            try ParameterFile.write(flat, fingerprint: Self.info.fingerprint, to: path)
        }
    }

    /// A model with parameters read from a file saved by a model of this network and precision.
    @inlinable
    public init(contentsOf path: String) throws(ParameterFile.Failure) {
        self.init(parameters: try ParameterFile.read(from: path, fingerprint: Self.info.fingerprint, count: Self.parameterCount))
    }

    /// Replaces the parameters with a file's and resets the optimizer state; on error the model is unchanged.
    @inlinable
    public mutating func load(contentsOf path: String) throws(ParameterFile.Failure) {
        let values: [Scalar] = try ParameterFile.read(from: path, fingerprint: Self.info.fingerprint, count: Self.parameterCount)
        parameters = values
        for state in [Self.info.firstState, Self.info.secondState] {
            if let offset = state { (storage.memory + offset).update(repeating: 0, count: Self.parameterCount) }
        }
        storage.step = 0
        storage.bounds = .unknown
    }
}
