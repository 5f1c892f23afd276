import XCTest
@testable import NetcCore

/// What convolution, pooling and layer normalisation compute, on cases worked by hand in
/// PyTorch's conventions (cross-correlation, padding split with the smaller
/// half first, NaN winning a max). The gradient checks cannot see a wrong
/// forward definition; these can.
final class WindowLayerTests: XCTestCase {
    /// The interpreter's output of a one-layer network (`layer` reads `x`, names its node `k`).
    func output(input shape: String, _ layer: String, parameters: [Double], input: [Double]) throws -> [Double] {
        let g = try graph("network W {\n input x: \(shape)\n \(layer)\n flatten f(k)\n loss squared_error(f)\n precision double\n}\n")
        XCTAssertEqual(g.parameterCount, parameters.count, "parameters of '\(layer)'")
        return Interpreter(graph: g).predict(input: input, parameters: parameters)
    }

    func testConv2dIsCrossCorrelationWithBias() throws {
        let x = (1...9).map(Double.init)  // 1x3x3
        XCTAssertEqual(try output(input: "1x3x3", "conv2d k: 1, kernel: 2", parameters: [1, 0, 0, 1, 0.5], input: x),
                       [6.5, 8.5, 12.5, 14.5])
    }

    func testConv2dWeightsAreRowMajorOverKernelRowsThenColumns() throws {
        XCTAssertEqual(try output(input: "1x2x2", "conv2d k: 1, kernel: 2, bias: false", parameters: [1, 2, 3, 4],
                                  input: [1, 10, 100, 1000]), [4321])
        XCTAssertEqual(try output(input: "1x2x2", "conv2d k: 1, kernel: 1x2, bias: false", parameters: [1, 10],
                                  input: [1, 2, 3, 4]), [21, 43])
        XCTAssertEqual(try output(input: "1x2x2", "conv2d k: 1, kernel: 2x1, bias: false", parameters: [1, 10],
                                  input: [1, 2, 3, 4]), [31, 42])
    }

    func testConv2dPaddingAndStride() throws {
        let x = (1...9).map(Double.init)
        // Windows at (−1, −1), (−1, 1), (1, −1), (1, 1): only W[1][1] and W[0][0] meet the image.
        XCTAssertEqual(try output(input: "1x3x3", "conv2d k: 1, kernel: 2, stride: 2, padding: 1, bias: false",
                                  parameters: [1, 0, 0, 1], input: x), [1, 3, 7, 14])
    }

    func testConv2dSumsOverInputChannelsPerOutputChannel() throws {
        // 2 input channels, 2 output channels, 1x1 kernels: y[o] = Σ_c W[o][c] x[c].
        let x: [Double] = [1, 2, 10, 20]  // 2x1x2
        XCTAssertEqual(try output(input: "2x1x2", "conv2d k: 2, kernel: 1, bias: false", parameters: [1, 1, 2, -1], input: x),
                       [11, 22, -8, -16])
    }

    func testGroupedConvolutionReadsOnlyItsGroupsChannels() throws {
        // 4 input channels, 4 outputs, 2 groups, 1x1 kernels, W [4][2]: outputs 0-1 read channels 0-1, outputs 2-3 channels 2-3.
        let x: [Double] = [1, 2, 10, 20]  // 4x1x1
        XCTAssertEqual(try output(input: "4x1x1", "conv2d k: 4, kernel: 1, groups: 2, bias: false",
                                  parameters: [1, 1, 1, -1, 1, 1, 1, -1], input: x), [3, -1, 30, -10])
        // A group per input channel with two outputs each (a depthwise channel multiplier of 2): W [4][1][2].
        XCTAssertEqual(try output(input: "2x3", "conv1d k: 4, kernel: 2, groups: 2, bias: false",
                                  parameters: [1, 0, 0, 1, 1, 1, 1, -1], input: [1, 2, 3, 10, 20, 30]),
                       [1, 2, 2, 3, 30, 50, -10, -10])
    }

    func testTransposedConvolutionSpreadsEachInputOverAWindowOfTheOutput() throws {
        // Each input value adds W times itself to the output, windows `stride` apart; overlaps add; padding crops.
        XCTAssertEqual(try output(input: "1x2", "conv_transpose1d k: 1, kernel: 2, stride: 2, bias: false", parameters: [1, 2],
                                  input: [1, 10]), [1, 2, 10, 20])
        XCTAssertEqual(try output(input: "1x2", "conv_transpose1d k: 1, kernel: 2", parameters: [1, 2, 0.5], input: [1, 10]),
                       [1.5, 12.5, 20.5])
        XCTAssertEqual(try output(input: "1x2", "conv_transpose1d k: 1, kernel: 2, padding: 1, output_padding: 0, bias: false",
                                  parameters: [1, 2], input: [1, 10]), [12])
        // output_padding adds a column nothing reaches (bias only); W [in][out][kh][kw]: input channel 1 writes through W[1].
        XCTAssertEqual(try output(input: "2x1x1", "conv_transpose2d k: 1, kernel: 1, stride: 2, output_padding: 1",
                                  parameters: [1, 3, 0.5], input: [1, 10]), [31.5, 0.5, 0.5, 0.5])
    }

    func testConv1dDilationAndSamePadding() throws {
        XCTAssertEqual(try output(input: "1x5", "conv1d k: 1, kernel: 2, dilation: 2, bias: false", parameters: [1, -1],
                                  input: [1, 2, 3, 4, 5]), [-2, -2, -2])
        // 'same' with an even kernel pads 0 before and 1 after, as PyTorch does.
        XCTAssertEqual(try output(input: "1x3", "conv1d k: 1, kernel: 2, padding: same, bias: false", parameters: [1, 10],
                                  input: [1, 2, 3]), [21, 32, 3])
    }

    func testPoolsAndNaN() throws {
        let x: [Double] = [1, 5, 2, 0, 3, 4, .nan, 1]  // 1x2x4
        let max = try output(input: "1x2x4", "max_pool k: 2", parameters: [], input: x)
        XCTAssertEqual(max[0], 5)
        XCTAssertTrue(max[1].isNaN, "a window holding NaN gives NaN")
        let mean = try output(input: "1x2x4", "avg_pool k: 2", parameters: [], input: x)
        XCTAssertEqual(mean[0], 13.0 / 4)
        XCTAssertTrue(mean[1].isNaN)
        XCTAssertEqual(try output(input: "1x2x4", "avg_pool k: 1x2, stride: 1x2", parameters: [], input: x).prefix(3), [3, 1, 3.5])
        XCTAssertEqual(try output(input: "2x2x2", "global_avg_pool k", parameters: [], input: [1, 2, 3, 4, 5, 5, 5, 9]), [2.5, 6])
    }

    func testLayerNormUsesTheBiasedVarianceAndStartsAsIdentityAffine() throws {
        let y = try output(input: "4", "layer_norm k", parameters: [1, 1, 1, 1, 0, 0, 0, 0], input: [1, 2, 3, 4])
        let scale = 1 / (1.25 + 1e-5).squareRoot()  // variance 1.25: divided by 4, not 3
        for (a, b) in zip(y, [-1.5, -0.5, 0.5, 1.5].map { $0 * scale }) { XCTAssertEqual(a, b, accuracy: 1e-15) }
        let g = try graph("network W {\n input x: 2x2\n layer_norm k\n flatten f(k)\n loss squared_error(f)\n}\n")
        XCTAssertEqual(Interpreter(graph: g).initialParameters(seed: 3), [1, 1, 1, 1, 0, 0, 0, 0], "γ = 1, β = 0")
        XCTAssertEqual(g.parameters.map(\.name), ["k.weight", "k.bias"])
    }

    func testPoolPaddingIsIgnoredByAMaxAndCountedByAMean() throws {
        // Windows [pad, −1] and [−5, −2]: a max never picks the padding; a mean counts it as 0 (count_include_pad).
        XCTAssertEqual(try output(input: "1x3", "max_pool k: 2, padding: 1", parameters: [], input: [-1, -5, -2]), [-1, -2])
        XCTAssertEqual(try output(input: "1x3", "avg_pool k: 2, padding: 1", parameters: [], input: [-1, -5, -2]), [-0.5, -3.5])
    }

    /// PyTorch's `F.interpolate(…, align_corners=False)`: by 2, the outputs sit a
    /// quarter of the way between inputs, the ends copy the end values; by 3,
    /// a third; bilinear is linear along rows, then columns.
    func testLinearUpsamplingInterpolatesAsPyTorch() throws {
        XCTAssertEqual(try output(input: "1x2", "upsample k: 2, mode: linear", parameters: [], input: [0, 4]), [0, 1, 3, 4])
        let thirds = try output(input: "1x2", "upsample k: 3, mode: linear", parameters: [], input: [0, 3])
        for (a, b) in zip(thirds, [0, 0, 1, 2, 3, 3] as [Double]) { XCTAssertEqual(a, b, accuracy: 1e-12, "\(thirds)") }
        XCTAssertEqual(try output(input: "1x2x2", "upsample k: 2x1, mode: bilinear", parameters: [], input: [0, 8, 4, 12]),
                       [0, 8, 1, 9, 3, 11, 4, 12])
    }

    func testMaxPoolSendsTheGradientToTheFirstMaximum() throws {
        let g = try graph("network W {\n input x: 1x1x4\n max_pool k: 1x4\n flatten f(k)\n loss squared_error(f)\n precision double\n}\n")
        let result = Interpreter(graph: g).gradients(input: [3, 7, 7, 1], target: [0], parameters: [])
        XCTAssertEqual(result.input.map { $0 != 0 }, [false, true, false, false], "\(result.input)")  // the first 7 only
    }

    /// global_max_pool: each channel's maximum, NaN winning; the gradient to the first maximum.
    func testGlobalMaxPoolTakesEachChannelsFirstMaximumAndKeepsNaN() throws {
        let g = try graph("network W {\n input x: 2x4\n global_max_pool k\n loss squared_error(k)\n precision double\n}\n")
        let interpreter = Interpreter(graph: g)
        let result = interpreter.gradients(input: [3, 7, 7, 1, -2, .nan, 5, -1], target: [0, 0], parameters: [])
        XCTAssertEqual(result.input.map { $0 != 0 }, [false, true, false, false, false, true, false, false], "\(result.input)")
        let value = interpreter.forward(input: [3, 7, 7, 1, -2, .nan, 5, -1], parameters: [])
        XCTAssertEqual(value[0][g.loss.output][0], 7)  // sample, node, value
        XCTAssertTrue(value[0][g.loss.output][1].isNaN)
    }
}
