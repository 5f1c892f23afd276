/// The Swift name of every buffer in one model: `v_<node>` and `g_<node>` for
/// a node's value and gradient, `p_<tensor>` and `dp_<tensor>` for a
/// parameter tensor and its gradient, `mask_<node>` for a dropout mask; node
/// and tensor names made identifiers ('.' → '_'), each made unique by its index.
struct BufferNames: Sendable {
    let nodes: [String]
    let tensors: [String]
    let stateNames: [String]

    init(_ graph: Graph) {
        var used = Set<String>()
        func unique(_ base: String, _ id: Int) -> String {
            let name = used.contains(base) ? "\(base)_\(id)" : base
            used.insert(name)
            return name
        }
        nodes = graph.nodes.map { unique(safeIdentifier($0.name), $0.id) }
        used = []
        // Tensor names may hold more than one '.' ('a.out_proj.weight'), so they too can meet as identifiers.
        tensors = graph.parameters.enumerated().map { unique(safeIdentifier($1.name), $0) }
        switch graph.training.optimizer {
        case .sgd: stateNames = ["velocity"]
        case .adam: stateNames = ["firstMoment", "secondMoment"]
        case .rmsprop: stateNames = ["squareAverage", "momentumBuffer"]
        }
    }

    func name(_ buffer: Buffer) -> String {
        switch buffer {
        case .parameters: "parameters"
        case .gradients: "gradients"
        case .state(let k): stateNames[k]
        case .parameter(let t): "p_" + tensors[t]
        case .parameterGradient(let t): "dp_" + tensors[t]
        case .value(let n): "v_" + nodes[n]
        case .gradient(let n): "g_" + nodes[n]
        case .auxiliary(let n, let k): (k == 0 ? "mask_" : "mask\(k)_") + nodes[n]
        case .statistics(let n): "statistics_" + nodes[n]
        case .workspace(let n): "work_" + nodes[n]
        case .prepared(let n): "prepared_" + nodes[n]
        case .target: "target"
        case .scratch: "scratch"
        }
    }

    func ref(_ buffer: Buffer) -> Ref { Ref(buffer: buffer, name: name(buffer)) }
}

/// A spec name as a Swift identifier fragment: '.' becomes '_'.
func safeIdentifier(_ name: String) -> String {
    String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
}
