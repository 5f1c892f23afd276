/// The layout in which generated code keeps some Float weights: panels of
/// 16 outputs, Wp[p][i][c] = W[16p + c][i], each panel n inputs deep (see
/// the panel kernels in Sources/CNetcRuntime/kernels/body.h). Only inside the
/// model: `parameters`, `gradients`, `save` and `load` convert to and from
/// the documented [outputs][inputs] order with these functions.
public enum PanelLayout {
    /// Outputs per panel.
    public static let width = 16

    /// Whether an n → m layer's weights can be stored in panels: outputs in whole 16s.
    public static func fits(m: Int) -> Bool { m > 0 && m % width == 0 }

    /// Where row j's first weight, W[j][0], lies in the panels of an n-input
    /// matrix; W[j][i] lies `i·width` after it.
    static func offset(row j: Int, columns n: Int) -> Int { (j / width) &* n &* width &+ j % width }

    /// Wp from W ([m][n], row-major); m in whole 16s.
    public static func toPanels(_ w: UnsafePointer<Float>, into wp: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) {
        for j in 0..<m {
            let panel = wp + offset(row: j, columns: n)
            for i in 0..<n { panel[i &* width] = w[j &* n &+ i] }
        }
    }

    /// W ([m][n], row-major) from Wp.
    public static func fromPanels(_ wp: UnsafePointer<Float>, into w: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) {
        for j in 0..<m {
            let panel = wp + offset(row: j, columns: n)
            for i in 0..<n { w[j &* n &+ i] = panel[i &* width] }
        }
    }

    /// Rearranges m·n row-major scalars at `w` into panels, through a temporary copy
    /// (for initialisers, which draw weights in flat order).
    public static func arrangeInPanels(_ w: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) {
        let flat = Array(UnsafeBufferPointer(start: w, count: m &* n))
        flat.withUnsafeBufferPointer { toPanels($0.baseAddress!, into: w, rows: m, columns: n) }
    }
}
