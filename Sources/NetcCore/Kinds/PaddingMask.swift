/// The ids that mask padding, a sequence node's optional second input:
/// `attention a(x, tokens), padding_id: 0` (its keys) and
/// `global_avg_pool g(x, tokens), padding_id: 0` (its positions). The ids
/// are the network's input, one per position of x (C × L), and come with
/// `padding_id`; they get no gradient.
enum PaddingMask {
    static let parameter = ParameterSpec("padding_id", .integer(0...Limits.parameters), optional: true)

    /// The positions of `range` whose id is not padding (all of them without ids): what the reference ops read.
    static func open(_ range: Range<Int>, ids: [Double]?, paddingId: Double?) -> [Int] {
        guard let ids, let paddingId else { return Array(range) }
        return range.filter { ids[$0] != paddingId }
    }

    /// Whether the ids and `padding_id` come together (or the statement has
    /// more than two inputs, the arity's error alone); reports when not.
    static func agrees(_ s: Statement, keyword: String, padding: Int?, masking what: String, _ diagnostics: inout DiagnosticBag) -> Bool {
        let count = s.inputs?.count ?? 1
        guard (count == 2) != (padding != nil) && count <= 2 else { return true }
        let node = s.name?.name ?? "a", input = s.inputs?.first?.name ?? "x"
        diagnostics.emit(.paddingMaskNeedsIds(keyword, count == 2), at: s.name?.range ?? s.range,
                         notes: [.init(message: "mask padded \(what) with the network's ids: '\(keyword) \(node)(\(input), tokens), padding_id: 0'", range: nil)])
        return false
    }

    /// With a second input: that it is the network's input and holds one id per position of the first, a sequence.
    static func check(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Bool {
        guard inputs.count == 2 else { return true }
        let ids = site.inputs.count > 1 ? site.inputs[1].name : ""
        guard site.readsNetworkInput.count > 1 && site.readsNetworkInput[1] else {
            diagnostics.emit(.paddingMaskFromInput(site.keyword, ids), at: site.name.range)
            return false
        }
        guard inputs[0].rank == 2, inputs[1] == Shape([inputs[0].dimensions[1]]) else {
            diagnostics.emit(.paddingMaskLength(ids, inputs[1], site.inputs.first?.name ?? "", inputs[0]), at: site.name.range)
            return false
        }
        return true
    }
}
