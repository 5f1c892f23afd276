/// Random changes to each training sample's input that keep what it shows,
/// drawn afresh every time `fit` uses the sample: torchvision's
/// `RandomHorizontalFlip`, `RandomVerticalFlip` and `RandomCrop(size, padding: shift)`.
///
/// The input must be C × L or C × H × W. Targets with a value at each of
/// the input's positions (a label map, or numbers) move with the input; a
/// label or targets per sample stay as they are. Validation and `evaluate`
/// see the data unchanged.
public struct Augmentation: Sendable, Equatable {
    /// Mirror each sample left to right (along L, or along W) with probability ½.
    public var horizontalFlip: Bool
    /// Mirror each sample top to bottom (along H) with probability ½; C × H × W only.
    public var verticalFlip: Bool
    /// Move each sample by a whole number of positions drawn uniformly from
    /// −shift…shift along each spatial axis, zeros moving in: the same as
    /// padding with `shift` zeros on every side and cropping at a random place.
    /// Label-map positions that move in are unlabelled, so the loss needs an `ignore_label`.
    public var shift: Int

    public init(horizontalFlip: Bool = false, verticalFlip: Bool = false, shift: Int = 0) {
        ArgumentCheck.require(shift >= 0, "Augmentation: shift must be 0 or more, got \(shift)")
        self.horizontalFlip = horizontalFlip
        self.verticalFlip = verticalFlip
        self.shift = shift
    }

    /// Why this augmentation cannot train `info`'s model, or nil if it can.
    /// `labelled`: the data has labels rather than targets.
    public func problem(for info: ModelInfo, inputCount: Int, labelled: Bool) -> String? {
        guard let shape = info.inputShape, shape.count >= 2 else {
            return "\(info.name).fit: augmentation moves an input's positions, and \(info.name)'s input is a vector of "
                + "\(inputCount) values, not C × L or C × H × W"
        }
        if verticalFlip && shape.count != 3 {
            return "\(info.name).fit: a vertical flip needs an input of C × H × W; \(info.name)'s is C × L"
        }
        let positions = shape.dropFirst().reduce(1, *)
        if !labelled, let targets = info.targetShape {
            // Numbers at each position: they move with the input, and nothing marks the ones a shift moves in.
            if Array(targets.dropFirst()) != Array(shape.dropFirst()) {
                return "\(info.name).fit: augmentation moves the input's positions (\(shape.dropFirst().map(String.init).joined(separator: " × "))), "
                    + "but the targets are \(targets.map(String.init).joined(separator: " × ")), which cannot move with them"
            }
            if shift > 0 {
                return "\(info.name).fit: a shift moves positions into the targets with no value to train towards (zeros would "
                    + "be taken as targets); flips alone keep every target"
            }
            return nil
        }
        guard labelled, info.classPositions > 1 else { return nil }
        if info.classPositions != positions {
            return "\(info.name).fit: augmentation moves the input's \(positions) positions, but the model has a class at "
                + "\(info.classPositions) positions, which cannot move with them"
        }
        if shift > 0 && info.ignoredLabel == nil {
            return "\(info.name).fit: a shift moves positions with no label into the label map; give the loss an ignore_label "
                + "(softmax_cross_entropy(out, ignore_label: -1)) to leave them out"
        }
        return nil
    }

    /// One sample's draw: which flips, and how far it moves down and right.
    public struct Draw: Sendable, Equatable {
        public var flipsRows: Bool
        public var flipsColumns: Bool
        public var down: Int
        public var right: Int

        public init(flipsRows: Bool = false, flipsColumns: Bool = false, down: Int = 0, right: Int = 0) {
            self.flipsRows = flipsRows
            self.flipsColumns = flipsColumns
            self.down = down
            self.right = right
        }
    }

    /// A draw for a sample with `rows` rows (1 for C × L).
    @inlinable
    public func draw(_ random: inout SplitMix64, rows: Int) -> Draw {
        var d = Draw()
        if horizontalFlip { d.flipsColumns = random.next() & 1 == 1 }
        if verticalFlip { d.flipsRows = random.next() & 1 == 1 }
        if shift > 0 {
            let choices = UInt64(2 * shift + 1)
            if rows > 1 { d.down = Int(random.next() % choices) - shift }
            d.right = Int(random.next() % choices) - shift
        }
        return d
    }

    /// `planes` planes of rows × columns from `source` into `destination`,
    /// flipped then moved by `d`: destination[y][x] is the flipped source's
    /// [y − down][x − right], or `fill` where that lies outside.
    @inlinable
    public static func apply<T>(_ d: Draw, from source: UnsafePointer<T>, to destination: UnsafeMutablePointer<T>,
                                planes: Int, rows: Int, columns: Int, fill: T) {
        for p in 0..<planes {
            let from = source + p * rows * columns, to = destination + p * rows * columns
            for y in 0..<rows {
                let sy = y - d.down
                guard sy >= 0 && sy < rows else {
                    (to + y * columns).update(repeating: fill, count: columns)
                    continue
                }
                let row = from + (d.flipsRows ? rows - 1 - sy : sy) * columns
                for x in 0..<columns {
                    let sx = x - d.right
                    to[y * columns + x] = sx < 0 || sx >= columns ? fill : row[d.flipsColumns ? columns - 1 - sx : sx]
                }
            }
        }
    }
}
