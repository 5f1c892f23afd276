import NetcRuntime

/// An elementwise activation y = f(x). Each one is defined here once: its
/// value and derivative in Double for the interpreter, and the Swift
/// expressions the emitter writes.
///
/// Adding an activation = one struct here + one row in `Activations.table`
/// (and its row in docs/Language.md, which a test checks).
public protocol ElementwiseActivation: Sendable {
    var name: String { get }
    func value(_ x: Double) -> Double
    /// f′(x), given both the input x and the output y = f(x) (whichever is cheaper).
    func derivative(x: Double, y: Double) -> Double
    /// Swift for f(x), with `x` a scalar expression.
    func emitValue(_ x: Code) -> Code
    /// Swift for f′(x) given the input `x` and output `y` expressions (nil: 1).
    func emitDerivative(x: Code, y: Code) -> Code?
    /// The inputs where f is not differentiable (relu's 0), for gradient checks.
    var kinks: [Double] { get }
    /// Python (PyTorch) for f over a tensor expression `x`.
    func pytorch(_ x: String) -> String
    /// The runtime's vector kernel computing the same formula in Float over a
    /// run of values (`CPUKernels.activation`), if it has one; whether a node
    /// uses it is the plan's decision (`Plan.activations`).
    var kernel: CPUKernels.Activation? { get }
}

extension ElementwiseActivation {
    public var kinks: [Double] { [] }
    public var kernel: CPUKernels.Activation? { nil }
}

public struct Identity: ElementwiseActivation {
    public var name: String { "identity" }
    public func value(_ x: Double) -> Double { x }
    public func derivative(x: Double, y: Double) -> Double { 1 }
    public func emitValue(_ x: Code) -> Code { x }
    public func emitDerivative(x: Code, y: Code) -> Code? { nil }
    public func pytorch(_ x: String) -> String { x }
}

public struct Sigmoid: ElementwiseActivation {
    public var name: String { "sigmoid" }
    public func value(_ x: Double) -> Double { Math.sigmoid(x) }
    public func derivative(x: Double, y: Double) -> Double { y * (1 - y) }
    public func emitValue(_ x: Code) -> Code { "Math.sigmoid(\(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "\(y) * (1 - \(y))" }
    public func pytorch(_ x: String) -> String { "torch.sigmoid(\(x))" }
    public var kernel: CPUKernels.Activation? { .sigmoid }
}

public struct Tanh: ElementwiseActivation {
    public var name: String { "tanh" }
    public func value(_ x: Double) -> Double { Math.tanh(x) }
    public func derivative(x: Double, y: Double) -> Double { 1 - y * y }
    public func emitValue(_ x: Code) -> Code { "Math.tanh(\(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "(1 - \(y) * \(y))" }
    public func pytorch(_ x: String) -> String { "torch.tanh(\(x))" }
    public var kernel: CPUKernels.Activation? { .tanh }
}

public struct ReLU: ElementwiseActivation {
    public var name: String { "relu" }
    /// `x < 0 ? 0 : x`, not `max(0, x)`: Swift's `max(0, .nan)` is 0, and a NaN must stay NaN.
    public func value(_ x: Double) -> Double { x < 0 ? 0 : x }
    public func derivative(x: Double, y: Double) -> Double { x > 0 ? 1 : 0 }
    public func emitValue(_ x: Code) -> Code { "(\(x) < 0 ? 0 : \(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "(\(y) > 0 ? 1 : 0)" }
    public func pytorch(_ x: String) -> String { "torch.relu(\(x))" }
    public var kinks: [Double] { [0] }
}

public struct LeakyReLU: ElementwiseActivation {
    public let slope: Double
    public var name: String { "leaky_relu(\(slope))" }
    public func value(_ x: Double) -> Double { x > 0 ? x : slope * x }
    public func derivative(x: Double, y: Double) -> Double { x > 0 ? 1 : slope }
    public func emitValue(_ x: Code) -> Code { "(\(x) > 0 ? \(x) : \(literal(slope)) * \(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "(\(x) > 0 ? 1 : \(literal(slope)))" }
    public func pytorch(_ x: String) -> String { "F.leaky_relu(\(x), \(Python.float(slope)))" }
    public var kinks: [Double] { [0] }
}

public struct ELU: ElementwiseActivation {
    public let alpha: Double
    public var name: String { "elu(\(alpha))" }
    public func value(_ x: Double) -> Double { x > 0 ? x : alpha * Math.expm1(x) }
    public func derivative(x: Double, y: Double) -> Double { x > 0 ? 1 : y + alpha }
    public func emitValue(_ x: Code) -> Code { "(\(x) > 0 ? \(x) : \(literal(alpha)) * Math.expm1(\(x)))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "(\(x) > 0 ? 1 : \(y) + \(literal(alpha)))" }
    public func pytorch(_ x: String) -> String { "F.elu(\(x), \(Python.float(alpha)))" }
    public var kernel: CPUKernels.Activation? { .elu(alpha: Float(alpha)) }
    /// The slope jumps from α to 1 at 0 unless α = 1.
    public var kinks: [Double] { alpha == 1 ? [] : [0] }
}

public struct Softplus: ElementwiseActivation {
    public var name: String { "softplus" }
    public func value(_ x: Double) -> Double { Math.softplus(x) }
    public func derivative(x: Double, y: Double) -> Double { Math.sigmoid(x) }
    public func emitValue(_ x: Code) -> Code { "Math.softplus(\(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "Math.sigmoid(\(x))" }
    /// PyTorch's softplus is x itself above 20 (threshold=20), a difference below 2e-9 relative.
    public func pytorch(_ x: String) -> String { "F.softplus(\(x))" }
    public var kernel: CPUKernels.Activation? { .softplus }
}

/// SiLU (swish), x·σ(x), as `torch.nn.SiLU`.
public struct SiLU: ElementwiseActivation {
    public var name: String { "silu" }
    public func value(_ x: Double) -> Double { Math.silu(x) }
    public func derivative(x: Double, y: Double) -> Double { Math.siluDerivative(x) }
    public func emitValue(_ x: Code) -> Code { "Math.silu(\(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "Math.siluDerivative(\(x))" }
    public func pytorch(_ x: String) -> String { "F.silu(\(x))" }
    public var kernel: CPUKernels.Activation? { .silu }
}

/// GELU, x·Φ(x) (`torch.nn.GELU()`), or its tanh approximation
/// (`approximate='tanh'`); both in forms that keep their digits below 0.
public struct GELU: ElementwiseActivation {
    public let tanhApproximation: Bool
    public var name: String { tanhApproximation ? "gelu(tanh)" : "gelu" }
    public func value(_ x: Double) -> Double { tanhApproximation ? Math.geluTanh(x) : Math.gelu(x) }
    public func derivative(x: Double, y: Double) -> Double {
        tanhApproximation ? Math.geluTanhDerivative(x) : Math.geluDerivative(x)
    }
    public func emitValue(_ x: Code) -> Code { tanhApproximation ? "Math.geluTanh(\(x))" : "Math.gelu(\(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? {
        tanhApproximation ? "Math.geluTanhDerivative(\(x))" : "Math.geluDerivative(\(x))"
    }
    public func pytorch(_ x: String) -> String { tanhApproximation ? "F.gelu(\(x), approximate=\"tanh\")" : "F.gelu(\(x))" }
    public var kernel: CPUKernels.Activation? { tanhApproximation ? .geluTanh : .gelu }
}

/// ReLU6, min(max(x, 0), 6) (MobileNet's, `torch.nn.ReLU6`), written with
/// comparisons that let a NaN through.
public struct ReLU6: ElementwiseActivation {
    public var name: String { "relu6" }
    public func value(_ x: Double) -> Double { x < 0 ? 0 : x > 6 ? 6 : x }
    public func derivative(x: Double, y: Double) -> Double { x > 0 && x < 6 ? 1 : 0 }
    public func emitValue(_ x: Code) -> Code { "(\(x) < 0 ? 0 : \(x) > 6 ? 6 : \(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "(\(x) > 0 && \(x) < 6 ? 1 : 0)" }
    public func pytorch(_ x: String) -> String { "F.relu6(\(x))" }
    public var kinks: [Double] { [0, 6] }
}

/// The hard sigmoid, relu6(x + 3)/6 (`torch.nn.Hardsigmoid`).
public struct HardSigmoid: ElementwiseActivation {
    public var name: String { "hard_sigmoid" }
    public func value(_ x: Double) -> Double { x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5 }
    public func derivative(x: Double, y: Double) -> Double { x > -3 && x < 3 ? 1.0 / 6 : 0 }
    public func emitValue(_ x: Code) -> Code { "(\(x) <= -3 ? 0 : \(x) >= 3 ? 1 : \(x) * \(literal(1.0 / 6)) + 0.5)" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "(\(x) > -3 && \(x) < 3 ? \(literal(1.0 / 6)) : 0)" }
    public func pytorch(_ x: String) -> String { "F.hardsigmoid(\(x))" }
    public var kinks: [Double] { [-3, 3] }
}

/// The hard swish, x·relu6(x + 3)/6 (MobileNetV3's, `torch.nn.Hardswish`).
public struct HardSwish: ElementwiseActivation {
    public var name: String { "hard_swish" }
    public func value(_ x: Double) -> Double { x <= -3 ? 0 : x >= 3 ? x : x * (x + 3) / 6 }
    public func derivative(x: Double, y: Double) -> Double { x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6 }
    public func emitValue(_ x: Code) -> Code { "(\(x) <= -3 ? 0 : \(x) >= 3 ? \(x) : \(x) * (\(x) + 3) * \(literal(1.0 / 6)))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "(\(x) < -3 ? 0 : \(x) > 3 ? 1 : (2 * \(x) + 3) * \(literal(1.0 / 6)))" }
    public func pytorch(_ x: String) -> String { "F.hardswish(\(x))" }
    public var kinks: [Double] { [-3, 3] }
}

/// SELU, λ·(x > 0 ? x : α(eˣ − 1)) with the self-normalising constants
/// (`torch.nn.SELU`).
public struct SELU: ElementwiseActivation {
    static let lambda = 1.0507009873554804934193349852946, alpha = 1.6732632423543772848170429916717
    public var name: String { "selu" }
    public func value(_ x: Double) -> Double { x > 0 ? SELU.lambda * x : SELU.lambda * SELU.alpha * Math.expm1(x) }
    public func derivative(x: Double, y: Double) -> Double { x > 0 ? SELU.lambda : y + SELU.lambda * SELU.alpha }
    public func emitValue(_ x: Code) -> Code {
        "(\(x) > 0 ? \(literal(SELU.lambda)) * \(x) : \(literal(SELU.lambda * SELU.alpha)) * Math.expm1(\(x)))"
    }
    public func emitDerivative(x: Code, y: Code) -> Code? {
        "(\(x) > 0 ? \(literal(SELU.lambda)) : \(y) + \(literal(SELU.lambda * SELU.alpha)))"
    }
    public func pytorch(_ x: String) -> String { "F.selu(\(x))" }
    /// The slope jumps from λα to λ at 0.
    public var kinks: [Double] { [0] }
}

/// Mish, x·tanh(softplus(x)) (`torch.nn.Mish`).
public struct Mish: ElementwiseActivation {
    public var name: String { "mish" }
    public func value(_ x: Double) -> Double { Math.mish(x) }
    public func derivative(x: Double, y: Double) -> Double { Math.mishDerivative(x) }
    public func emitValue(_ x: Code) -> Code { "Math.mish(\(x))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "Math.mishDerivative(\(x))" }
    public func pytorch(_ x: String) -> String { "F.mish(\(x))" }
}

/// Softsign, x/(1 + |x|) (`torch.nn.Softsign`).
public struct Softsign: ElementwiseActivation {
    public var name: String { "softsign" }
    public func value(_ x: Double) -> Double { x / (1 + x.magnitude) }
    public func derivative(x: Double, y: Double) -> Double { 1 / ((1 + x.magnitude) * (1 + x.magnitude)) }
    public func emitValue(_ x: Code) -> Code { "(\(x) / (1 + \(x).magnitude))" }
    public func emitDerivative(x: Code, y: Code) -> Code? { "1 / ((1 + \(x).magnitude) * (1 + \(x).magnitude))" }
    public func pytorch(_ x: String) -> String { "F.softsign(\(x))" }
}

/// A Swift literal for a constant, exact for any Double and stable across runs.
func literal(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) + ".0" }
    return "\(v)"
}

/// The activation catalogue: names, their arguments, and constructors.
public enum Activations {
    public struct Entry: Sendable {
        public let name: String
        public let parameters: [ParameterSpec]
        let make: @Sendable ([String: Value]) -> any Op
    }

    static func elementwise(_ f: any ElementwiseActivation) -> any Op { ElementwiseOp(function: f) }

    public static let table: [Entry] = [
        Entry(name: "identity", parameters: []) { _ in elementwise(Identity()) },
        Entry(name: "sigmoid", parameters: []) { _ in elementwise(Sigmoid()) },
        Entry(name: "tanh", parameters: []) { _ in elementwise(Tanh()) },
        Entry(name: "relu", parameters: []) { _ in elementwise(ReLU()) },
        Entry(name: "leaky_relu", parameters: [.init("slope", .number(0...1e6), default: .number(0.01))]) {
            elementwise(LeakyReLU(slope: $0["slope"]!.number))
        },
        Entry(name: "elu", parameters: [.init("alpha", .number(0...1e6), default: .number(1))]) {
            elementwise(ELU(alpha: $0["alpha"]!.number))
        },
        Entry(name: "softplus", parameters: []) { _ in elementwise(Softplus()) },
        Entry(name: "silu", parameters: []) { _ in elementwise(SiLU()) },
        Entry(name: "gelu", parameters: [.init("approximate", .word(["none", "tanh"]), default: .word("none"))]) {
            elementwise(GELU(tanhApproximation: $0["approximate"]!.word == "tanh"))
        },
        Entry(name: "relu6", parameters: []) { _ in elementwise(ReLU6()) },
        Entry(name: "hard_sigmoid", parameters: []) { _ in elementwise(HardSigmoid()) },
        Entry(name: "hard_swish", parameters: []) { _ in elementwise(HardSwish()) },
        Entry(name: "selu", parameters: []) { _ in elementwise(SELU()) },
        Entry(name: "mish", parameters: []) { _ in elementwise(Mish()) },
        Entry(name: "softsign", parameters: []) { _ in elementwise(Softsign()) },
        Entry(name: "softmax", parameters: []) { _ in SoftmaxOp() },
    ]

    public static var names: [String] { table.map(\.name) }
}

/// An elementwise activation node.
public struct ElementwiseOp: Op {
    public let function: any ElementwiseActivation
    public var name: String { function.name }
    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? inputs[0] : nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops { Flops(forward: node.size, inputGradient: 2 * node.size) }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        inputs[0].map(function.value)
    }
    public func kinkSides(inputs: [[Double]]) -> [Int] {
        let kinks = function.kinks
        return kinks.isEmpty ? [] : inputs[0].map { x in kinks.filter { $0 < x }.count }
    }
    /// dx = δ ⊙ f′(x).
    public func backward(_ node: Node, inputs: [[Double]], output: [Double], gradient: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        [inputs[0].indices.map { gradient[$0] * function.derivative(x: inputs[0][$0], y: output[$0]) }]
    }
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        c.line("for i in 0..<\(node.size) { \(y)[i] = \(function.emitValue("\(x0)[i]")) }")
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        for edge in edges {
            let derivative = function.emitDerivative(x: "\(x0)[i]", y: "\(y)[i]").map { " * \($0)" as Code } ?? ""
            c.line("for i in 0..<\(node.size) { \(dx0)[i] \(c.assign(edge)) \(dy)[i]\(derivative) }")
        }
    }
}

/// softmax(x)ᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x).
public struct SoftmaxOp: Op {
    public var name: String { "softmax" }
    public func outputShape(_ inputs: [Shape]) -> Shape? { inputs.count == 1 ? inputs[0] : nil }
    public func flops(_ node: Node, inputs: [Shape]) -> Flops { Flops(forward: 4 * node.size, inputGradient: 4 * node.size) }
    public func forward(_ node: Node, inputs: [[Double]], parameters: [Double], context: SampleContext, graph: Graph) -> [Double] {
        softmax(inputs[0])
    }
    /// dx = y ⊙ (δ − ⟨δ, y⟩).
    public func backward(_ node: Node, inputs: [[Double]], output y: [Double], gradient dy: [Double], parameters: [Double],
                         parameterGradient: inout [Double], context: SampleContext, graph: Graph) -> [[Double]] {
        let dot = zip(dy, y).reduce(0) { $0 + $1.0 * $1.1 }
        return [y.indices.map { y[$0] * (dy[$0] - dot) }]
    }
    public func emitForward(_ node: Node, _ c: inout OpCode) {
        let n = node.size
        c.line("var top = \(x0)[0]")
        c.line("for i in 1..<\(n) where \(x0)[i] > top { top = \(x0)[i] }")
        c.line("Math.exp(\(x0), minus: top, into: \(y), \(n))")
        c.line("var sum: Scalar = 0")
        c.line("for i in 0..<\(n) { sum += \(y)[i] }")
        c.line("let scale = 1 / sum")
        c.line("for i in 0..<\(n) { \(y)[i] *= scale }")
    }
    public func emitBackward(_ node: Node, edges: [BackwardGraph.Edge], parameterGradients: Bool, _ c: inout OpCode) {
        guard let edge = edges.first else { return }
        c.line("var dot: Scalar = 0")
        c.line("for i in 0..<\(node.size) { dot += \(dy)[i] * \(y)[i] }")
        c.line("for i in 0..<\(node.size) { \(dx0)[i] \(c.assign(edge)) \(y)[i] * (\(dy)[i] - dot) }")
    }
}

/// Numerically stable softmax in Double.
func softmax(_ x: [Double]) -> [Double] {
    let m = x.max() ?? 0
    let e = x.map { Math.exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

extension ElementwiseOp {
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm { PyTorchForm(value: function.pytorch(p.x0)) }
}

extension SoftmaxOp {
    /// Over all of a sample's values, as here.
    public func pytorch(_ node: Node, _ p: PyTorchOperands) -> PyTorchForm {
        PyTorchForm(value: node.shape.isVector ? "torch.softmax(\(p.x0), 1)" : "torch.softmax(\(p.x0).flatten(1), 1).view_as(\(p.x0))")
    }
}
