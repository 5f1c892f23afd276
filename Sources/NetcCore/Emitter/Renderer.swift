/// Renders the code model into Swift text: statements at an indentation,
/// and kernel functions that bind the buffers their bodies name.
struct Renderer {
    let plan: Plan
    let names: BufferNames
    var w = SwiftWriter()

    init(plan: Plan, names: BufferNames, level: Int) {
        self.plan = plan
        self.names = names
        w.level = level
    }

    /// A static kernel function over the model's allocation `m`: its doc, its
    /// signature, then one `let` per buffer the body names, in allocation order.
    mutating func function(doc: [String], _ signature: String, _ body: [SwiftStatement]) {
        w.line("")
        for line in doc { w.line(line.isEmpty ? "///" : "/// " + line) }
        w.line("@inlinable")
        w.line("public static func \(signature) {")
        w.level += 1
        let refs = body.reduce(into: Set<Ref>()) { $0.formUnion($1.refs) }
        let bound = refs.compactMap { ref -> (Int, String)? in
            let input = plan.graph.input
            if ref.buffer == .value(input) && plan.layout.readsInputInPlace {
                return (-1, "let \(ref.name) = input  // [\(plan.graph.batchSize * plan.graph.inputSize)], the caller's")
            }
            guard let offset = plan.layout.offset(ref.buffer) else { preconditionFailure("no buffer for \(ref.name)") }
            return (offset, "let \(ref.name) = m + \(offset)  // [\(count(ref.buffer))]")
        }
        for (_, line) in bound.sorted(by: { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }) { w.line(line) }
        render(body)
        w.level -= 1
        w.line("}")
    }

    /// Scalars in a buffer, for the binding's comment.
    func count(_ buffer: Buffer) -> Int {
        let g = plan.graph
        switch buffer {
        case .parameter(let t), .parameterGradient(let t): return g.parameters[t].count
        default: return plan.layout.buffers.first { $0.buffer == buffer }?.count ?? 0
        }
    }

    mutating func render(_ statements: [SwiftStatement]) {
        var k = 0
        while k < statements.count {
            switch statements[k] {
            case .line(let code):
                w.line(code.text)
            case .block(let header, let body):
                w.line(header.text + " {")
                w.level += 1
                render(body)
                w.level -= 1
                // `else` continues the block before it on its closing line.
                while k + 1 < statements.count, case .block(let next, let elseBody) = statements[k + 1], next.text.hasPrefix("else") {
                    w.line("} \(next.text) {")
                    w.level += 1
                    render(elseBody)
                    w.level -= 1
                    k += 1
                }
                w.line("}")
            case .perSample(let count, let bindings, let body):
                let used = body.reduce(into: Set<Local>()) { $0.formUnion($1.locals) }
                let single = plan.graph.batchSize == 1 || count == "1"
                let lets = bindings.filter { used.contains($0.local) }.map {
                    single ? "\($0.local) = \($0.ref.name)" : "\($0.local) = \($0.ref.name) + b &* \($0.stride)"
                }
                w.line(single ? "do {" : "for b in 0..<\(count) {")
                w.level += 1
                if !lets.isEmpty { w.line("let " + lets.joined(separator: ", ")) }
                render(body)
                w.level -= 1
                w.line("}")
            }
            k += 1
        }
    }
}
