import NetcRuntime

/// An elementwise activation's code when its plan runs it through the
/// runtime's vector kernels (`CPUKernels.activation`): one call over the
/// whole batch, whose values lie back to back. The backward pass too where
/// the derivative reads x (softplus, silu, gelu); one that reads y stays the
/// op's loop, which the compiler vectorises.
struct ActivationLowering {
    let node: Node
    let kernel: CPUKernels.Activation
    let names: BufferNames

    /// The runtime's case, as generated code names it (α as Float prints it,
    /// the shortest digits that give its value back).
    var function: Code {
        switch kernel {
        case .sigmoid: ".sigmoid"
        case .tanh: ".tanh"
        case .softplus: ".softplus"
        case .silu: ".silu"
        case .gelu: ".gelu"
        case .geluTanh: ".geluTanh"
        case .elu(let alpha): ".elu(alpha: \(alpha))"
        }
    }
    var x: Ref { names.ref(.value(node.inputs[0])) }
    var values: Code { "count &* \(node.size)" }

    func forward(_ passes: inout PassBuilder) {
        passes.code.line("CPUKernels.activation(\(function), \(x), into: \(names.ref(.value(node.id))), \(values))")
    }

    /// Whether `backward` writes the backward pass (else the op's loop does).
    var hasBackward: Bool { kernel.hasGradientKernel }

    func backward(_ edges: [BackwardGraph.Edge], _ passes: inout PassBuilder) {
        guard let edge = edges.first else { return }
        let dy = names.ref(.gradient(node.id)), dx = names.ref(.gradient(edge.to))
        passes.code.line("CPUKernels.activationGradient(\(function), \(x), \(dy), \(dx), accumulate: \(edge.accumulates), \(values))")
    }
}
