// netc-parity: the netc half of Tests/python/test_pytorch_export.py, which
// trains each exported PyTorch module beside the generated model.
//
//     netc-parity NETWORK WEIGHTS DATA OUTDIR
//
// Loads the model NETWORK (one of Generated/) from WEIGHTS (safetensors),
// predicts the first batch of DATA ("input" [steps][batch][...], "target"
// [steps][batch][...]) and takes one training step per batch. Writes
// OUTDIR/results.safetensors ("predictions" [batch][outputs], "losses"
// [steps]) and OUTDIR/final.safetensors (the model after training, by save(to:)).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GeneratedModels
import NetcRuntime

let models: [String: any GeneratedModel.Type] = [
    "Autoencoder": Autoencoder.self, "Bilinear": Bilinear.self, "Binary": Binary.self, "ConvLayers": ConvLayers.self, "Causal": Causal.self, "Deconv": Deconv.self, "DigitsCNN": DigitsCNN.self, "Encoder": Encoder.self, "FloatConvs": FloatConvs.self, "Forecast": Forecast.self, "ImageMLP": ImageMLP.self,
    "Iris": Iris.self, "Margins": Margins.self, "Median": Median.self, "Piecewise": Piecewise.self, "MnistCNN": MnistCNN.self, "Masked": Masked.self, "Padded": Padded.self, "MnistMLP": MnistMLP.self, "Recurrent": Recurrent.self, "Regressor": Regressor.self,
    "Robust": Robust.self, "Scheduled": Scheduled.self, "Segmenter": Segmenter.self, "Sentiment": Sentiment.self, "Separable": Separable.self, "Sequence": Sequence.self, "Smooth": Smooth.self, "Spatial": Spatial.self, "SoftmaxSE": SoftmaxSE.self, "Stretch": Stretch.self, "Labels": Labels.self, "Tags": Tags.self, "Tagger": Tagger.self, "Unflatten": Unflatten.self, "Temporal": Temporal.self, "Grouped": Grouped.self, "Instance": Instance.self, "Partial": Partial.self, "Tokens": Tokens.self, "Unstretch": Unstretch.self,
    "TwoTowers": TwoTowers.self, "WideJoins": WideJoins.self, "XOR": XOR.self,
]

func fail(_ message: String) -> Never {
    print("netc-parity: \(message)")
    exit(2)
}

func run<M: GeneratedModel>(_: M.Type, weights: String, data: String, output: String) throws {
    var model = try M(contentsOf: weights)
    let bytes = try FileIO.read(data)
    let (found, _) = try SafeTensors.header(bytes, path: data)
    guard let input = found["input"], let target = found["target"] else { fail("\(data) needs tensors 'input' and 'target'") }
    let inputCount = input.shape.reduce(1, *)
    let tensors = [ModelInfo.Tensor("input", shape: input.shape, offset: 0, decays: false),
                   ModelInfo.Tensor("target", shape: target.shape, offset: inputCount, decays: false)]
    let values: [M.Scalar] = try SafeTensors.decode(bytes, path: data, tensors: tensors)
    let steps = input.shape[0], perStep = inputCount / steps, targetsPerStep = target.shape.reduce(1, *) / steps
    guard perStep == M.batchSize * M.inputCount, targetsPerStep == M.batchSize * M.targetCount else {
        fail("\(data): a step needs \(M.batchSize) samples of \(M.inputCount) inputs and \(M.targetCount) targets")
    }
    let predictions = model.predict(Array(values[0..<perStep]))
    var losses: [M.Scalar] = []
    for s in 0..<steps {
        losses.append(model.trainStep(input: Array(values[(s * perStep)..<((s + 1) * perStep)]),
                                      target: Array(values[(inputCount + s * targetsPerStep)..<(inputCount + (s + 1) * targetsPerStep)])))
    }
    try model.save(to: output + "/final.safetensors")
    let results = predictions + losses
    let resultTensors = [ModelInfo.Tensor("predictions", shape: [M.batchSize, M.outputCount], offset: 0, decays: false),
                         ModelInfo.Tensor("losses", shape: [steps], offset: predictions.count, decays: false)]
    let file = results.withUnsafeBufferPointer { SafeTensors.encode($0, tensors: resultTensors, metadata: []) }
    try FileIO.writeAtomically(file, to: output + "/results.safetensors")
}

let arguments = CommandLine.arguments
guard arguments.count == 5 else { fail("usage: netc-parity NETWORK WEIGHTS DATA OUTDIR") }
guard let model = models[arguments[1]] else { fail("no model '\(arguments[1])'; the models are \(models.keys.sorted().joined(separator: ", "))") }
do {
    try run(model, weights: arguments[2], data: arguments[3], output: arguments[4])
} catch {
    fail("\(error)")
}
