/// An elementwise activation's code when its plan runs it through the
/// runtime's vector kernels: one call over the whole batch, whose values lie
/// back to back. The backward pass too where the derivative reads x
/// (softplus, silu, gelu); one that reads y stays the op's loop,
/// which the compiler vectorises.
struct ActivationLowering {
    let node: Node
    let kernel: ActivationKernel
    let names: BufferNames

    func forward(_ passes: inout PassBuilder) {
        let x = names.ref(.value(node.inputs[0])), y = names.ref(.value(node.id)), n: Code = "count &* \(node.size)"
        switch kernel {
        case .sigmoid: passes.code.line("CPUKernels.sigmoid(\(x), into: \(y), \(n))")
        case .tanh: passes.code.line("CPUKernels.tanh(\(x), into: \(y), \(n))")
        case .softplus: passes.code.line("CPUKernels.softplus(\(x), into: \(y), \(n))")
        case .silu: passes.code.line("CPUKernels.silu(\(x), into: \(y), \(n))")
        case .gelu: passes.code.line("CPUKernels.gelu(\(x), into: \(y), \(n))")
        case .geluTanh: passes.code.line("CPUKernels.geluTanh(\(x), into: \(y), \(n))")
        case .elu(let alpha): passes.code.line("CPUKernels.elu(\(x), alpha: \(literal(alpha)), into: \(y), \(n))")
        }
    }

    /// Whether `backward` writes the backward pass (else the op's loop does).
    var hasBackward: Bool {
        switch kernel {
        case .softplus, .silu, .gelu, .geluTanh: true
        case .sigmoid, .tanh, .elu: false
        }
    }

    func backward(_ edges: [BackwardGraph.Edge], _ passes: inout PassBuilder) {
        guard let edge = edges.first else { return }
        let name: String
        switch kernel {
        case .softplus: name = "softplusGradient"
        case .silu: name = "siluGradient"
        case .gelu: name = "geluGradient"
        default: name = "geluTanhGradient"
        }
        let x = names.ref(.value(node.inputs[0])), dy = names.ref(.gradient(node.id)), dx = names.ref(.gradient(edge.to))
        passes.code.line("CPUKernels.\(name)(\(x), \(dy), \(dx), accumulate: \(edge.accumulates), count &* \(node.size))")
    }
}
