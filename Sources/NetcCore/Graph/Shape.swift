/// The shape of one sample's value: `[features]`, `[channels, height, width]`,
/// `[sequence, features]`, … (rank 1 to 4), stored row-major. Written in specs
/// and messages as `784` or `1x28x28`.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public var dimensions: [Int]

    public init(_ dimensions: [Int]) { self.dimensions = dimensions }

    /// A vector of `n` features.
    public static func vector(_ n: Int) -> Shape { Shape([n]) }

    /// Scalars per sample.
    public var count: Int { dimensions.reduce(1, *) }
    public var rank: Int { dimensions.count }
    public var isVector: Bool { rank == 1 }

    public var description: String { dimensions.map(String.init).joined(separator: "x") }
}
