/// What every netc-generated model offers, so code can be generic over models
/// (training loops, evaluation, tests, benchmarks). Classifiers add `classify`
/// and label-based `trainStep`. Models are `Sendable` values (see `ModelStorage`).
public protocol GeneratedModel: Sendable {
    associatedtype Scalar: BinaryFloatingPoint & BitPatternConvertible
    /// Features per sample, outputs per sample, samples per call, parameter count.
    static var inputCount: Int { get }
    static var outputCount: Int { get }
    static var batchSize: Int { get }
    static var parameterCount: Int { get }
    init(seed: UInt64)
    init(parameters: [Scalar])
    init(contentsOf path: String) throws(ParameterFile.Failure)
    var parameters: [Scalar] { get set }
    func predict(_ input: [Scalar]) -> [Scalar]
    func loss(input: [Scalar], target: [Scalar]) -> Scalar
    func gradients(input: [Scalar], target: [Scalar]) -> (loss: Scalar, parameters: [Scalar], input: [Scalar])
    @discardableResult mutating func trainStep(input: [Scalar], target: [Scalar]) -> Scalar
    /// Zero-allocation forms: caller-provided buffers, row-major [batch][features].
    func predict(input: UnsafeBufferPointer<Scalar>, output: UnsafeMutableBufferPointer<Scalar>)
    @discardableResult mutating func trainStep(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>) -> Scalar
    func gradients(input: UnsafeBufferPointer<Scalar>, target: UnsafeBufferPointer<Scalar>,
                   parameterGradient: UnsafeMutableBufferPointer<Scalar>, inputGradient: UnsafeMutableBufferPointer<Scalar>) -> Scalar
    func save(to path: String) throws(ParameterFile.Failure)
    mutating func load(contentsOf path: String) throws(ParameterFile.Failure)
}
