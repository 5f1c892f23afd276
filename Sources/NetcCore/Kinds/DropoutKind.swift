/// `dropout d: 0.3`: inverted dropout with rate 0.3, in training only;
/// `channels: true` drops whole channels of C × … values.
struct DropoutKind: NodeKind {
    var keyword: String { "dropout" }
    var summary: String { "inverted dropout with the given rate, training only" }
    var example: String { "dropout k(x): 0.5" }
    var arity: Arity { .one }

    func declare(_ s: Statement, _ diagnostics: inout DiagnosticBag) -> (any NodeDeclaration)? {
        let specs = [ParameterSpec("channels", .bool, default: .bool(false))]
        guard let e = requireValue(s, "rate", &diagnostics),
              let values = ArgumentReader.read(arguments(s, besides: "rate"), specs, what: "'dropout'", at: s.range, diagnostics: &diagnostics)
        else { return nil }
        guard let v = ArgumentReader.convert(e, ParameterSpec("rate", .number(0...1)), what: "'dropout'", diagnostics: &diagnostics)
        else { return nil }
        guard v.number < 1 else {
            diagnostics.emit(.outOfRange("'rate' of 'dropout'", "at least 0 and less than 1"), at: e.range)
            return nil
        }
        return DropoutDeclaration(rate: v.number, channels: values["channels"]!.bool)
    }
}

struct DropoutDeclaration: NodeDeclaration {
    let rate: Double
    let channels: Bool
    func shape(_ inputs: [Shape], _ site: ShapeSite, _ diagnostics: inout DiagnosticBag) -> Shape? {
        if channels && inputs[0].isVector {
            diagnostics.emit(.channelDropoutNeedsChannels(site.inputs.first?.name ?? "", inputs[0]), at: site.name.range)
            return nil
        }
        return inputs[0]
    }
    func lower(_ g: inout GraphLowering, name: Identifier, inputs: [Int], tensors: [Int]) -> (value: Int, logits: Int) {
        let shape = g.shape(inputs[0])
        let op = DropoutOp(rate: rate, plane: channels ? shape.count / shape.dimensions[0] : 1)
        let id = g.add(name.name, op, inputs: inputs, shape: shape, range: name.range)
        return (id, id)
    }
}
