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

/// A file name unique within the target: the spec's path below the target
/// directory with '/' replaced, e.g. `Models/Iris.net` → `Models_Iris.net.swift`.
func outputName(for spec: String, under root: String) -> String {
    var relative = spec.hasPrefix(root + "/") ? String(spec.dropFirst(root.count + 1)) : spec
    relative = String(relative.map { $0 == "/" ? "_" : $0 })
    return relative + ".swift"
}
