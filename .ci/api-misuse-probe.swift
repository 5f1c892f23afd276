// CI (issue 19, item 7a): a wrong-size input in an -O build stops with a
// message naming the sizes (precondition's message is dropped under -O).
// With the argument 'id' (issue 24): an embedding's id out of its range
// stops with a message naming the id and the range, never a read outside the table.
// With 'decay': weight decay set from Swift on a model whose spec decays no
// tensor stops with a message, rather than being ignored.
// With 'augment': augmentation asked of a model whose input has no positions
// stops with a message saying why, rather than training on something else.
// With 'target' and 'batch': trainStep's target of the wrong size, and more
// samples than a batch, each stop with the sizes.
import NetcRuntime

@main struct Probe {
    static func main() {
        if CommandLine.arguments.dropFirst().first == "id" {
            print(Tokens().predict([0, 1, 2, 3, 4, 5, 11, 0, 1, 2, 3, 4, 5, 6]))
        } else if CommandLine.arguments.dropFirst().first == "augment" {
            var model = XOR()
            let data = DataSet<Float>(features: [0, 1, 1, 0], featureCount: 2, targets: [1, 1], targetCount: 1)
            _ = try? model.fit(data, epochs: 1, options: FitOptions(augmentation: Augmentation(horizontalFlip: true)))
        } else if CommandLine.arguments.dropFirst().first == "target" {
            var model = XOR()
            print(model.trainStep(input: [1, 0], target: [1, 0]))
        } else if CommandLine.arguments.dropFirst().first == "batch" {
            var model = XOR()
            print(model.trainStep(input: [1, 0, 0, 1], target: [1, 1]))
        } else if CommandLine.arguments.dropFirst().first == "decay" {
            var model = XOR()
            model.hyperparameters.weightDecay = 0.01
            print(model.trainStep(input: [1, 0], target: [1]))
        } else {
            print(XOR().predict([1, 2, 3]))
        }
    }
}
