/// Every message netc can report, in one alphabetised catalogue.
///
/// The `id` is stable: tests and tools may match on it; the text may improve.
public struct Message: Sendable, Equatable {
    public let id: String
    public let severity: Severity
    public let text: String

    static func error(_ id: String, _ text: String) -> Message { Message(id: id, severity: .error, text: text) }
    static func warning(_ id: String, _ text: String) -> Message { Message(id: id, severity: .warning, text: text) }
}

extension Message {
    static func activationAlreadyInLoss(_ node: String, _ activation: String, _ loss: String) -> Message {
        .warning("activation-already-in-loss",
                 "'\(loss)' applies \(activation) itself, but its input '\(node)' already applies \(activation); pass the logits instead")
    }
    static func argumentCountMismatch(_ what: String, _ max: Int, _ given: Int) -> Message {
        .error("argument-count", max == 0 ? "\(what) takes no arguments, \(given) given"
               : "\(what) takes at most \(max) positional argument\(max == 1 ? "" : "s"), \(given) given")
    }
    static func binaryCrossEntropyNeedsSigmoid(_ node: String) -> Message {
        .error("bce-needs-sigmoid",
               "'binary_cross_entropy' needs a sigmoid output, but '\(node)' does not end in sigmoid; add 'sigmoid' to it")
    }
    static func cycle(_ path: String) -> Message { .error("cycle", "the graph has a cycle: \(path)") }
    static func duplicateArgument(_ name: String) -> Message { .error("duplicate-argument", "argument '\(name)' is given twice") }
    static func duplicateNetwork(_ name: String) -> Message { .error("duplicate-network", "network '\(name)' is defined twice") }
    static func duplicateNetworkAcrossFiles(_ name: String, _ other: String) -> Message {
        .error("duplicate-network", "network '\(name)' is also defined in \(other); each network name may be used once per target")
    }
    static func duplicateNode(_ name: String) -> Message { .error("duplicate-node", "node '\(name)' is defined twice") }
    static func duplicateSetting(_ keyword: String) -> Message {
        .error("duplicate-setting", "'\(keyword)' may appear only once in a network")
    }
    static func expected(_ what: String, after context: String) -> Message {
        .error("expected", "expected \(what) after \(context)")
    }
    static let expectedCloseBrace = error("expected-close-brace", "expected '}' to close the network")
    static let expectedCloseParen = error("expected-close-paren", "expected ')'")
    static let expectedCloseBracket = error("expected-close-bracket", "expected ']'")
    static let expectedEndOfStatement = error("expected-end-of-statement", "expected ',' or the end of the line")
    static let expectedNetwork = error("expected-network", "expected 'network' at the top level of a spec")
    static func fileTooLarge(_ limit: Int) -> Message { .error("file-too-large", "spec is larger than \(limit) bytes") }
    static func invalidNetworkName(_ text: String) -> Message {
        .error("expected", "'\(text)' is not a valid network name; names start with a letter or '_'")
    }
    static let identifierTooLong = error("identifier-too-long", "identifier is longer than \(Limits.identifierLength) characters")
    static func inputGivesNoValue(_ keyword: String) -> Message {
        .error("input-count", "'\(keyword)' takes no inputs")
    }
    static func inputCount(_ keyword: String, _ requirement: String, _ given: Int) -> Message {
        .error("input-count", "'\(keyword)' takes \(requirement), \(given) given")
    }
    static func invalidByte(_ byte: UInt8) -> Message {
        .error("invalid-byte", byte == 0 ? "unexpected NUL byte" :
               byte < 0x80 ? "unexpected character '\(Character(Unicode.Scalar(byte)))'" :
               "invalid UTF-8 byte 0x\(String(byte, radix: 16, uppercase: true))")
    }
    static func nonASCIIName(_ name: String) -> Message {
        .error("non-ascii-name", "'\(name)' is not a valid name; names use ASCII letters, digits and '_'")
    }
    static func invalidCharacter(_ c: Character) -> Message {
        .error("invalid-byte", "unexpected character '\(c)'" + (c.isLetter ? "; names use ASCII letters, digits and '_'" : ""))
    }
    static let lossOnInput = error("loss-on-input", "the loss must be applied to a computed node, not the input")
    static func lossOutputsFixed(_ argument: String, _ count: Int, _ node: String, _ size: Int, _ unit: String) -> Message {
        .error("loss-outputs", "\(argument) has \(count) value\(count == 1 ? "" : "s"), but '\(node)' has \(size) \(unit)\(size == 1 ? "" : "s"); give one per \(unit)")
    }
    static func ignoredLabelIsAClass(_ label: Int, _ node: String, _ classes: Int) -> Message {
        .error("ignore-label-is-a-class", "ignore_label \(label) is one of the \(classes) classes of '\(node)' (0..<\(classes)); "
               + "the label that marks unlabelled data must lie outside them, such as -1")
    }
    static func lossNeedsClassVector(_ loss: String, _ node: String, _ shape: Shape) -> Message {
        .error("loss-needs-class-vector", "'\(loss)' takes a vector of class scores, but '\(node)' has shape \(shape)")
    }
    static func noteFlattenForClasses(_ node: String) -> String {
        "to read all its values as classes, flatten it first ('flatten f(\(node))'); 'softmax_cross_entropy' also reads a C × … node as C classes at each position"
    }
    static func lossNeedsClasses(_ loss: String, _ node: String, _ size: Int, _ unit: String) -> Message {
        .error("loss-needs-classes", "'\(loss)' needs at least 2 \(unit)s, but '\(node)' has \(size)")
    }
    static func malformedNumber(_ text: String) -> Message { .error("malformed-number", "malformed number '\(text)'") }
    static func missing(_ what: String, in network: String) -> Message {
        .error("missing-\(what)", "network '\(network)' has no \(what)")
    }
    static func missingArgument(_ name: String, _ what: String) -> Message {
        .error("missing-argument", "\(what) needs the argument '\(name)'")
    }
    static func nestingTooDeep(_ limit: Int) -> Message { .error("nesting-too-deep", "expression nested more than \(limit) levels deep") }
    static let notASpec = error("not-a-spec", "this does not look like a netc spec, which is made of 'network Name { ... }' blocks; "
                                + "other errors in the file are not shown")
    static let noPreviousNode = error("no-previous-node", "this node needs an input and there is no node before it")
    static let noteFirstDefined = "first defined here"
    static let noteOpenedHere = "opened here"
    static func noteChannelBroadcast(_ keyword: String, _ shape: Shape) -> String {
        "'\(keyword)' spreads a vector over channels only between two inputs, the vector one value per channel (\(shape.dimensions[0]) for \(shape))"
    }
    static func numberTooLarge(_ text: String) -> Message { .error("number-too-large", "number '\(text)' is too large") }
    static func outOfRange(_ what: String, _ range: String) -> Message {
        .error("out-of-range", "\(what) must be \(range)")
    }
    static func pytorchName(_ name: String, _ what: String, _ why: String) -> Message {
        .error("pytorch-name", "\(what) name '\(name)' is \(why), so a PyTorch module cannot hold it; rename it to export")
    }
    static func reservedName(_ name: String, _ why: String) -> Message {
        .error("reserved-name", "'\(name)' cannot name a network: \(why)")
    }
    static func shapeRank(_ rank: Int, _ limit: Int) -> Message {
        .error("shape-rank", "a shape has at most \(limit) dimensions, this one has \(rank)")
    }
    static func needsVector(_ keyword: String, _ input: String, _ shape: Shape) -> Message {
        .error("needs-vector", "'\(keyword)' needs vector inputs, but '\(input)' has shape \(shape); flatten it first ('flatten f(\(input))')")
    }
    static func channelDropoutNeedsChannels(_ input: String, _ shape: Shape) -> Message {
        .error("needs-rank", "'dropout' with 'channels: true' drops whole channels of C × L or C × H × W, but '\(input)' has shape \(shape); without it, it drops single values")
    }
    static func needsRank(_ keyword: String, _ layout: String, _ input: String, _ shape: Shape) -> Message {
        .error("needs-rank", "'\(keyword)' reads samples of \(layout), but '\(input)' has shape \(shape)")
    }
    static func windowTooLarge(_ keyword: String, _ window: String, _ input: String, _ shape: Shape) -> Message {
        .error("window-too-large", "the \(window) of '\(keyword)' does not fit in '\(input)' (shape \(shape)), even with its padding")
    }
    static func sameNeedsStrideOne(_ keyword: String) -> Message {
        .error("same-needs-stride-1", "'\(keyword)' with padding 'same' needs stride 1 (as in PyTorch); give the padding as a number")
    }
    static func poolPadding(_ keyword: String) -> Message {
        .error("pool-padding", "the padding of '\(keyword)' is at most half its kernel on each side (as in PyTorch)")
    }
    static func badPadding(_ keyword: String, sequence: Bool, hint: String) -> Message {
        .error("bad-padding", "padding of '\(keyword)' is 'valid', 'same'\(sequence ? ", 'causal'" : "") or a number of zeros on each side (0 to 64)\(hint)")
    }
    static func reshapeCount(_ input: String, _ from: Shape, _ to: Shape) -> Message {
        .error("reshape-count", "'reshape' cannot make the \(from.count) values of '\(input)'\(from.isVector ? "" : " (\(from))") into \(to), which holds \(to.count)")
    }
    static func causalNeedsSequence(_ keyword: String) -> Message {
        .error("causal-needs-sequence", "padding 'causal' is for 'conv1d', not '\(keyword)'")
    }
    static func headsDivide(_ heads: Int, _ input: String, _ channels: Int) -> Message {
        .error("heads-divide", "'attention' with \(heads) heads cannot split the \(channels) channels of '\(input)' evenly")
    }
    static func groupsDivideChannels(_ groups: Int, _ input: String, _ channels: Int) -> Message {
        .error("groups-divide", "'group_norm' with \(groups) groups cannot split the \(channels) channels of '\(input)' evenly")
    }
    static func groupsDivide(_ keyword: String, _ groups: Int, _ input: String, _ channels: Int, _ outputs: Int) -> Message {
        .error("groups-divide", "'\(keyword)' with \(groups) groups cannot split the \(channels) channels of '\(input)' and its \(outputs) outputs evenly")
    }
    static func paddingIdInVocabulary(_ id: Int, _ vocabulary: Int) -> Message {
        .error("padding-id", "padding_id \(id) is not an id of the vocabulary of \(vocabulary) (0 to \(vocabulary - 1))")
    }
    static func interpolationMode(_ mode: String, _ fitting: String, _ shape: Shape) -> Message {
        .error("interpolation-mode", "'upsample' with mode '\(mode)' does not fit an input of shape \(shape); use '\(fitting)'")
    }
    static func outputPaddingBelowStride(_ keyword: String) -> Message {
        .error("output-padding", "the output_padding of '\(keyword)' must be smaller than its stride on each side")
    }
    static func transposedPadding(_ keyword: String) -> Message {
        .error("bad-padding", "padding of '\(keyword)' is a number of rows and columns to crop from each side of the output (0 to 64, or nxm)")
    }
    static func transposedOutputEmpty(_ keyword: String, _ input: String, _ shape: Shape) -> Message {
        .error("window-too-large", "'\(keyword)' on '\(input)' (shape \(shape)) has no output left once its padding is cropped")
    }
    static func paddingMaskNeedsIds(_ keyword: String, _ hasIds: Bool) -> Message {
        hasIds ? .error("padding-mask", "'\(keyword)' reads ids as its second input only to mask padding: give 'padding_id'")
            : .error("padding-mask", "'\(keyword)' with 'padding_id' needs the ids as its second input")
    }
    static func paddingMaskFromInput(_ keyword: String, _ input: String) -> Message {
        .error("padding-mask", "'\(keyword)' masks padding by the network's ids, but '\(input)' is computed")
    }
    static func paddingMaskLength(_ ids: String, _ shape: Shape, _ input: String, _ sequence: Shape) -> Message {
        sequence.rank == 2
            ? .error("padding-mask", "'\(ids)' has shape \(shape), but a mask over '\(input)' (\(sequence)) needs one id per position, \(sequence.dimensions[1])")
            : .error("padding-mask", "padding is masked along a sequence (channels × length), but '\(input)' has shape \(sequence)")
    }
    static func embeddingNeedsInput(_ input: String) -> Message {
        .error("embedding-needs-input", "'embedding' reads ids from the network's input, but '\(input)' is computed")
    }
    static func shapeMismatch(_ keyword: String, _ sizes: String) -> Message {
        .error("shape-mismatch", "'\(keyword)' needs inputs of one size, got \(sizes)")
    }
    static func concatPositions(_ shapes: String) -> Message {
        .error("shape-mismatch", "'concat' joins shapes along their channels, so every other dimension must agree, got \(shapes)")
    }
    static func shapesMismatch(_ keyword: String, _ shapes: String) -> Message {
        .error("shape-mismatch", "'\(keyword)' needs inputs of one shape, got \(shapes)")
    }
    static func tooLarge(_ what: String, _ limit: Int) -> Message {
        .error("too-large", "\(what) exceeds the limit of \(limit)")
    }
    static func modelTooLarge(_ name: String, bytes: Int, batch: Int) -> Message {
        .error("too-large", "network '\(name)' needs \(formatBytes(bytes)) of model memory at batch \(batch) "
            + "(parameters, optimizer state, activations and gradients), over the limit of \(formatBytes(Limits.modelBytes))")
    }
    static let noteModelTooLarge = "lower the batch size or the widths; memory grows with batch × the sum of the node sizes"
    static func noteLargestNode(_ name: String, _ op: String, _ share: Double) -> String {
        let why = op == "attention" ? " (per sample, heads × length² attention weights, kept for the backward pass)" : ""
        return "'\(name)' (\(op)) takes \(Int((share * 100).rounded())) % of it\(why)"
    }
    static func tooManyErrors(_ count: Int) -> Message {
        .error("too-many-errors", "\(count) more error\(count == 1 ? "" : "s") not shown")
    }
    static func unexpectedToken(_ text: String, _ context: String) -> Message {
        .error("unexpected-token", "unexpected '\(text)' \(context)")
    }
    /// With a did-you-mean when one candidate is close, else the list of
    /// them when it is short.
    static func unknown(_ kind: String, _ name: String, _ candidates: [String]) -> Message {
        var hint = Suggestions.hint(name, candidates)
        if hint.isEmpty && !candidates.isEmpty && candidates.count <= 12 { hint = "; expected " + Suggestions.list(candidates) }
        return .error("unknown-\(kind.replacing(" ", with: "-"))", "unknown \(kind) '\(name)'\(hint)")
    }
    static func unknownArgument(_ name: String, _ what: String, _ candidates: [String]) -> Message {
        .error("unknown-argument", "\(what) has no argument '\(name)'\(Suggestions.hint(name, candidates))")
    }
    static func unreachable(_ name: String) -> Message {
        .error("unreachable-node", "node '\(name)' does not contribute to the loss")
    }
    static func trailingComma(_ keyword: String) -> Message {
        .error("trailing-comma", "trailing ',' continues the statement onto the next line, which starts a '\(keyword)' statement; remove the ','")
    }
    static let unterminatedNetwork = error("unterminated-network", "expected '}' at the end of the file to close the network")
    static func wrongType(_ what: String, _ expected: String) -> Message {
        .error("wrong-type", "\(what) must be \(expected)")
    }
}
