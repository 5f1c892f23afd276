extension Driver {
    /// `netc gradcheck SPEC [--seed N] [--samples N | --all] [--tolerance T]`.
    mutating func gradcheck(_ arguments: ParsedArguments) -> Int32 {
        var options = GradientCheck.Options()
        if let v = arguments.value("--seed") {
            guard let seed = UInt64(v) else { return usageError(UsageError("gradcheck", "--seed needs a whole number from 0, not '\(v)'")) }
            options.seed = seed
        }
        if let v = arguments.value("--samples") {
            guard let n = Int(v), n >= 1 else { return usageError(UsageError("gradcheck", "--samples needs a whole number from 1, not '\(v)'")) }
            if arguments.has("--all") { return usageError(UsageError("gradcheck", "give --samples or --all, not both")) }
            options.samplesPerTensor = n
        }
        if arguments.has("--all") { options.samplesPerTensor = nil }
        if let v = arguments.value("--tolerance") {
            guard let t = Double(v), t > 0, t.isFinite else {
                return usageError(UsageError("gradcheck", "--tolerance needs a positive number, not '\(v)'"))
            }
            options.tolerance = t
        }
        let (graphs, failure) = loadAll(arguments.paths)
        if let failure { return failure }
        var ok = true
        for (g, _) in graphs {
            let samples = min(g.batchSize, options.batchSamples)
            out += "\(g.name): gradient check, seed \(options.seed), \(samples) of \(g.batchSize) sample\(g.batchSize == 1 ? "" : "s"), "
                + "tolerance \(String(format: options.tolerance))\n"
            let rows = GradientCheck.run(g, options)
            let nameWidth = rows.map(\.name.count).max()! + 2
            let shapes = rows.map { "[" + $0.shape.map(String.init).joined(separator: ", ") + "]" }
            let shapeWidth = shapes.map(\.count).max()! + 2
            for (row, shape) in zip(rows, shapes) {
                var line = "  " + pad(row.name, nameWidth) + pad(shape, shapeWidth) + "\(row.checked) checked"
                if row.skipped > 0 { line += ", \(row.skipped) skipped at kinks" }
                if let position = row.worstPosition {
                    let error = row.worstError.isFinite ? String(format: row.worstError) : "\(row.worstError)"
                    line += "; worst error \(error) at \(position)"
                }
                out += line + "  \(row.passed ? "ok" : "FAILED")\n"
                ok = ok && row.passed
            }
        }
        return ok ? 0 : 1
    }

    func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(1, width - s.count)) }
}

extension String {
    /// A compact scientific rendering of an error value: "7.48e-8".
    init(format value: Double) {
        if value == 0 { self = "0"; return }
        var exponent = 0
        var m = value
        while m >= 10 { m /= 10; exponent += 1 }
        while m < 1 { m *= 10; exponent -= 1 }
        var rounded = (m * 100).rounded() / 100
        if rounded >= 10 { rounded /= 10; exponent += 1 }
        self = (rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)") + "e\(exponent)"
    }
}
