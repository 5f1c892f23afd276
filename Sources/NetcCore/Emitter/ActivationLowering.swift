/// An elementwise activation's forward pass when its plan runs it through
/// the runtime's vector kernel: one call over the whole batch, whose values
/// lie back to back. Its backward pass stays the op's loop (from y, or x).
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
        case .geluTanh: passes.code.line("CPUKernels.geluTanh(\(x), into: \(y), \(n))")
        case .elu(let alpha): passes.code.line("CPUKernels.elu(\(x), alpha: \(literal(alpha)), into: \(y), \(n))")
        }
    }
}
