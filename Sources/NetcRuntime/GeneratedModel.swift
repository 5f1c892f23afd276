/// What every netc-generated model offers, so code can be generic over models
/// (training loops, evaluation, tests). The concrete types add zero-allocation
/// buffer variants of these calls, and `classify`/label training for classifiers.
public protocol GeneratedModel {
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
    func save(to path: String) throws(ParameterFile.Failure)
    mutating func load(contentsOf path: String) throws(ParameterFile.Failure)
}
