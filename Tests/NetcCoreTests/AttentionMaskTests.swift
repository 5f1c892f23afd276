import GeneratedModels
import NetcRuntime
import XCTest
@testable import NetcCore

/// `attention a(x, tokens), padding_id: 0`: padded keys get probability 0
/// (PyTorch's `key_padding_mask`; Specs/attention.net checks the models
/// against the interpreter and PyTorch), and a query with only padding to
/// attend to mixes nothing, where PyTorch gives NaN;
/// `global_avg_pool` and `global_max_pool g(x, tokens), padding_id: 0` leave padding out.
final class AttentionMaskTests: XCTestCase {
    /// One head over 2 channels and 3 positions, q·k taken from the rows below.
    func mix(ids: [Double]) -> (p: [Double], o: [Double]) {
        var qkv: [Double] = [0.3, -0.2, 0.5, 0.1, 1, 2,    // position 0: q, k, v
                             -0.4, 0.6, 0.2, -0.3, 3, 4,   // position 1
                             0.1, 0.1, -0.5, 0.4, 5, 6]    // position 2
        var p = [Double](repeating: .nan, count: 9), o = [Double](repeating: .nan, count: 6), kv = [Double](repeating: 0, count: 12)
        var ids = ids
        ids.withUnsafeMutableBufferPointer { i in
            AttentionKernels.mix(&qkv, &p, &o, &kv, channels: 2, length: 3, heads: 1, causal: false, scale: 1, ids: i.baseAddress, paddingId: 0)
        }
        return (p, o)
    }

    func testAPaddedKeyGetsNoProbability() {
        let (p, o) = mix(ids: [4, 0, 7])
        for i in 0..<3 {
            XCTAssertEqual(p[i * 3 + 1], 0, "query \(i), the padded key")
            XCTAssertEqual(p[i * 3] + p[i * 3 + 2], 1, accuracy: 1e-15)
            // Only positions 0 and 2's values mix: (1, 2) and (5, 6).
            XCTAssertEqual(o[i * 2], p[i * 3] * 1 + p[i * 3 + 2] * 5, accuracy: 1e-15)
        }
        XCTAssertNotEqual(mix(ids: [4, 3, 7]).o, o, "unmasked, the key counts")
    }

    func testAQueryWithOnlyPaddingMixesNothing() {
        let (p, o) = mix(ids: [0, 0, 0])
        XCTAssertEqual(p, [Double](repeating: 0, count: 9))
        XCTAssertEqual(o, [Double](repeating: 0, count: 6))
    }

    /// With the padding masked in attention and in the mean, nothing at a
    /// padded position reaches the output: moving the position vectors
    /// where the padding sits changes no prediction, not by one bit; moving
    /// a used position's vector does.
    func testNothingAtAPaddedPositionReachesTheOutput() {
        var model = Padded(seed: 3)
        let x: [Float] = [5, 3, 0, 0, 0, 0, 0, 0], positions = tensorRange(Padded.parameterTensors, "p.weight")  // [8][8]
        let before = model.predict(x)
        var moved = model.parameters
        for k in (positions.lowerBound + 2 * 8)..<positions.upperBound { moved[k] += 1 }
        model.parameters = moved
        XCTAssertEqual(model.predict(x), before)
        moved[positions.lowerBound + 8] += 1  // position 1, id 3
        model.parameters = moved
        XCTAssertNotEqual(model.predict(x), before)
    }

    /// The same in Double through masked attention twice, a masked maximum and
    /// a masked mean: the padding's own vector (id 2's row, zero until moved)
    /// reaches no prediction; a used id's row does.
    func testThePaddingsVectorReachesNoPrediction() {
        var model = Masked(seed: 2)
        let x: [Double] = [1, 3, 0, 2, 2, 2, 2], table = tensorRange(Masked.parameterTensors, "e.weight")  // [4][4]
        let before = model.predict(x)
        var moved = model.parameters
        for k in (table.lowerBound + 2 * 4)..<(table.lowerBound + 3 * 4) { moved[k] = 5 }
        model.parameters = moved
        XCTAssertEqual(model.predict(x), before)
        moved[table.lowerBound + 3 * 4] += 1  // id 3's row
        model.parameters = moved
        XCTAssertNotEqual(model.predict(x), before)
    }

    /// Sequences of padding alone, through both generated paths: finite, and the interpreter's values.
    func testSequencesOfPaddingAloneTrainAsTheInterpreterDoes() throws {
        try check(Padded.self, network: "Padded", padding: 0, tolerance: 1e-5)
        try check(Masked.self, network: "Masked", padding: 2, tolerance: 1e-12)
    }

    func check<M: GeneratedModel>(_: M.Type, network: String, padding: Double, tolerance: Double) throws {
        let graph = try specGraph("attention.net", network: network)
        let interpreter = Interpreter(graph: graph)
        var model = M()
        var random = SplitMix64(seed: 4)
        // The first sample all padding, the rest padding and ids mixed.
        let ids: [Double] = (0..<(M.batchSize * M.inputCount)).map { $0 < M.inputCount || random.next() % 2 == 0 ? padding : 1 }
        let target = (0..<(M.batchSize * M.targetCount)).map { Double($0 % 2) }
        let x = ids.map { M.Scalar($0) }, t = target.map { M.Scalar($0) }
        let parameters = model.parameters.map { Double($0) }
        let predicted = model.predict(x).map { Double($0) }
        XCTAssertTrue(predicted.allSatisfy(\.isFinite), network)
        let reference = interpreter.predict(input: ids, parameters: parameters)
        for (a, b) in zip(predicted, reference) { XCTAssertEqual(a, b, accuracy: tolerance, network) }
        let loss = Double(model.trainStep(input: x, target: t))
        XCTAssertEqual(loss, interpreter.gradients(input: ids, target: target, parameters: parameters, inputGradient: false).loss, accuracy: tolerance, network)
        XCTAssertNotEqual(model.parameters.map { Double($0) }, parameters, "\(network): the step was taken")
    }
}
