/// How a parameter file is laid out.
public enum ParameterFormat: Sendable, Equatable {
    /// netc's own: a header with the network's fingerprint and precision, the values, a checksum.
    case netc
    /// safetensors, which PyTorch, NumPy and JAX read (`SafeTensors`).
    case safetensors

    /// safetensors for a path ending in `.safetensors`, netc's format otherwise.
    public static func forPath(_ path: String) -> ParameterFormat { path.hasSuffix(".safetensors") ? .safetensors : .netc }
}

extension GeneratedModel {
    /// Writes the parameters atomically, in `format` (by default: safetensors
    /// for a path ending in `.safetensors`, netc's format otherwise).
    @inlinable
    public func save(to path: String, format: ParameterFormat? = nil) throws(ParameterFile.Failure) {
        try parameters.withUnsafeBufferPointer { (flat) throws(ParameterFile.Failure) in
            switch format ?? .forPath(path) {
            case .netc:
                try ParameterFile.write(flat, fingerprint: Self.info.fingerprint, to: path)
            case .safetensors:
                let metadata = [("format", "pt"), ("netc_network", Self.info.name),
                                ("netc_fingerprint", String(Self.info.fingerprint, radix: 16)), ("netc_version", NetcVersion.string)]
                let bytes = SafeTensors.encode(flat, tensors: Self.info.tensors, metadata: metadata)
                do throws(FileError) { try FileIO.writeAtomically(bytes, to: path) } catch { throw .io(error) }
            }
        }
    }

    /// A model with parameters read from a file (`format` as for `save`).
    @inlinable
    public init(contentsOf path: String, format: ParameterFormat? = nil) throws(ParameterFile.Failure) {
        self.init(parameters: try Self.readParameters(path, format: format))
    }

    /// Replaces the parameters with a file's and resets the optimizer state; on error the model is unchanged.
    @inlinable
    public mutating func load(contentsOf path: String, format: ParameterFormat? = nil) throws(ParameterFile.Failure) {
        let values: [Scalar] = try Self.readParameters(path, format: format)
        parameters = values
        for state in [Self.info.firstState, Self.info.secondState] {
            if let offset = state { (storage.memory + offset).update(repeating: 0, count: Self.parameterCount) }
        }
        storage.step = 0
        storage.bounds = .unknown
    }

    /// A file's parameters, checked against this network and precision (netc's
    /// format) or its tensors' names and shapes (safetensors).
    @inlinable
    static func readParameters(_ path: String, format: ParameterFormat?) throws(ParameterFile.Failure) -> [Scalar] {
        switch format ?? .forPath(path) {
        case .netc:
            return try ParameterFile.read(from: path, fingerprint: Self.info.fingerprint, count: Self.parameterCount)
        case .safetensors:
            let bytes: [UInt8]
            do throws(FileError) { bytes = try FileIO.read(path, limit: 8 + SafeTensors.headerLimit + 8 * Self.parameterCount) }
            catch { throw .io(error) }
            return try SafeTensors.decode(bytes, path: path, tensors: Self.info.tensors)
        }
    }
}
