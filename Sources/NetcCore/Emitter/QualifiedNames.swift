/// Every runtime and standard-library name generated code uses, and the pass
/// that writes each one module-qualified (`NetcRuntime.Math`, `Swift.max`).
///
/// A generated file is compiled into the user's target, beside the user's own
/// types: a type named `Math` or `Kernels` there, or a network named `min` or
/// `UnsafeMutablePointer`, would otherwise take the place of the name the
/// generated code means. Only the two module names themselves stay reserved
/// (`GraphBuilder.reservedNames`). `QualifiedNamesTests` compiles a model
/// under each name listed here.
public enum QualifiedNames {
    /// NetcRuntime's names in generated code.
    public static let runtime: Set<String> = [
        "ArgumentCheck", "AttentionKernels", "BuildNotice", "CPUKernels", "ClassifierModel", "ConvolutionGeometry", "ConvolutionKernels",
        "GeneratedModel", "InitScheme", "Kernels", "Math", "ModelInfo", "ModelStorage", "NormalisationKernels", "OptimizerStep", "PanelLayout", "PoolingKernels",
        "ProbabilisticClassifierModel", "RecurrentKernels",
        "SplitMix64",
    ]

    /// The standard library's names in generated code.
    public static let standardLibrary: Set<String> = [
        "Array", "Bool", "Double", "Float", "Int", "Int32", "MemoryLayout", "String", "UInt32", "UInt64",
        "UnsafeBufferPointer", "UnsafeMutableBufferPointer", "UnsafeMutablePointer", "UnsafeMutableRawPointer",
        "UnsafePointer", "isKnownUniquelyReferenced", "max", "min", "withExtendedLifetime",
    ]

    /// `text` with every listed name written with its module, except where it
    /// is a member (`x.max`, `Swift.max`) or the name a `struct` declares, and
    /// outside comments and string literals.
    public static func qualify(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            qualifyLine(line, into: &out)
            out += "\n"
        }
        out.removeLast()
        return out
    }

    static func qualifyLine(_ line: Substring, into out: inout String) {
        let bytes = Array(line.utf8)
        var i = 0
        var inString = false
        var previous: UInt8 = 0  // the last byte that is not a space
        var previousWord = ""  // declares the next name when `struct`
        func isPart(_ b: UInt8) -> Bool { b == UInt8(ascii: "_") || (b >= 48 && b <= 57) || ((b | 0x20) >= 97 && (b | 0x20) <= 122) }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 16)
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                result.append(b)
                if b == UInt8(ascii: "\\") && i + 1 < bytes.count { result.append(bytes[i + 1]); i += 2; continue }
                if b == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") { inString = true; result.append(b); i += 1; continue }
            if b == UInt8(ascii: "/") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/") {
                result += bytes[i...]
                break
            }
            if isPart(b) && !(b >= 48 && b <= 57) {
                var j = i
                while j < bytes.count && isPart(bytes[j]) { j += 1 }
                let word = String(decoding: bytes[i..<j], as: UTF8.self)
                if previous != UInt8(ascii: ".") && previousWord != "struct" {
                    if runtime.contains(word) { result += Array("NetcRuntime.".utf8) }
                    else if standardLibrary.contains(word) { result += Array("Swift.".utf8) }
                }
                result += bytes[i..<j]
                previous = bytes[j - 1]
                previousWord = word
                i = j
                continue
            }
            if b != UInt8(ascii: " ") { previous = b }
            result.append(b)
            i += 1
        }
        out += String(decoding: result, as: UTF8.self)
    }
}
