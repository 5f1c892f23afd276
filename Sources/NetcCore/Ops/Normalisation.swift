/// The reference arithmetic layer and group normalisation share: a group of
/// values normalised by its own mean and biased variance, x̂ = (x − μ)/σ̂
/// with σ̂ = √(σ² + ε).
enum Normalisation {
    /// μ and 1/σ̂ of `values`.
    static func statistics(_ values: [Double], epsilon: Double) -> (mean: Double, inverse: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, 1 / (variance + epsilon).squareRoot())
    }

    /// ∂L/∂x of a group from g = δ ⊙ γ and x̂: (g − mean(g) − x̂·mean(g ⊙ x̂)) / σ̂.
    static func inputGradient(_ g: [Double], normalised: [Double], inverse: Double) -> [Double] {
        let meanG = g.reduce(0, +) / Double(g.count)
        let meanGX = zip(g, normalised).reduce(0) { $0 + $1.0 * $1.1 } / Double(g.count)
        return zip(g, normalised).map { ($0 - meanG - $1 * meanGX) * inverse }
    }
}
