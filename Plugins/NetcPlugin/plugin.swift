import PackagePlugin

/// Compiles every `.net` file in a target into Swift on each build.
///
/// One build command per spec, with the spec (and the specs sorted before it,
/// which it is checked against for duplicate network names) as inputs and one
/// file in the plugin work directory as output, so SwiftPM reruns netc only
/// when a spec or netc itself changes. netc writes the output only when its
/// content changed, so a no-op rebuild recompiles nothing.
@main
struct NetcPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let specs = target.sourceFiles(withSuffix: "net").map(\.url).sorted { $0.path < $1.path }
        let netc = try context.tool(named: "netc")
        let root = target.directoryURL.path
        return specs.enumerated().map { index, spec in
            let earlier = Array(specs[..<index])
            let output = context.pluginWorkDirectoryURL.appending(path: outputName(for: spec.path, under: root))
            var arguments = ["compile", spec.path, "--output-file", output.path]
            for other in earlier { arguments += ["--conflicts-with", other.path] }
            return .buildCommand(
                displayName: "netc: compiling \(spec.lastPathComponent)",
                executable: netc.url,
                arguments: arguments,
                inputFiles: [spec] + earlier,
                outputFiles: [output]
            )
        }
    }
}

/// A file name unique within the target and short enough for any file
/// system: the spec's base name (at most 64 characters) and a hash of its
/// path below the target directory, e.g. `Models/Iris.net` →
/// `Iris.net-3f9a1c0d2e4b5a69.swift`. `Models/Iris.net` and
/// `Models_Iris.net` differ in their hashes, where replacing '/' by '_'
/// once made them collide.
func outputName(for spec: String, under root: String) -> String {
    let relative = spec.hasPrefix(root + "/") ? String(spec.dropFirst(root.count + 1)) : spec
    let base = String((relative.split(separator: "/").last.map(String.init) ?? relative).prefix(64))
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs and platforms
    for byte in relative.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let hex = String(hash, radix: 16)
    return base + "-" + String(repeating: "0", count: 16 - hex.count) + hex + ".swift"
}
