/// What layer and group normalisation share: a group of values normalised by
/// its own mean and biased variance, x̂ = (x − μ)/σ̂ with σ̂ = √(σ² + ε), in
/// the reference arithmetic and in the generated code.
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

    /// Emits `mean` and `inverse` (1/σ̂) of the `size` values of `x0` at
    /// index `element`, an expression in the loop's `i`.
    static func emitStatistics(size: Int, epsilon: Double, element: String, _ c: inout CodeBuilder) {
        c.line("var mean: Scalar = 0")
        c.line("for i in 0..<\(size) { mean += \(x0)[\(element)] }")
        c.line("mean *= \(literal(1 / Double(size)))")
        c.line("var variance: Scalar = 0")
        c.line("for i in 0..<\(size) { let d = \(x0)[\(element)] - mean; variance += d * d }")
        c.line("let inverse = 1 / (variance * \(literal(1 / Double(size))) + \(literal(epsilon))).squareRoot()")
    }
}
