/// A weight matrix W [rows][columns] for the forward pass's products:
/// copied into 16-output panels when its rows are whole 16s, which the
/// panel kernel reads in order without the row kernel's horizontal sums
/// (netc-bench's lstm b32, a 64-unit LSTM at batch 32: prediction 1.44 →
/// 0.99 ms, training step 3.48 → 3.12 ms), else read where it is by the
/// row kernel. The recurrent and attention kernels' projections use it.
struct ProductWeights {
    let w: UnsafeMutablePointer<Float>, panels: UnsafeMutablePointer<Float>?, rows: Int, columns: Int

    init(_ w: UnsafeMutablePointer<Float>, rows: Int, columns: Int, panels space: UnsafeMutablePointer<Float>) {
        (self.w, self.rows, self.columns) = (w, rows, columns)
        panels = PanelLayout.fits(m: rows) ? space : nil
        if let panels { PanelLayout.toPanels(w, into: panels, rows: rows, columns: columns) }
    }

    /// y [count][rows] = x [count][columns] · Wᵀ (+ bias).
    func product(_ bias: UnsafeMutablePointer<Float>?, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        if let panels {
            CPUKernels.panelLinear(panels, bias, x, y, n: columns, m: rows, count: count)
        } else {
            CPUKernels.linear(w, bias, x, y, n: columns, m: rows, count: count)
        }
    }
}
