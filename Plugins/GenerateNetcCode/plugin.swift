import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory generate-netc-code [--target T]...`
///
/// Writes the generated Swift for every `.net` file of the chosen targets (all
/// targets with specs by default) next to the spec, as `<Network>.swift`, for
/// people who check generated code in. A target uses this or the build plugin,
/// not both: both would define the same types twice.
@main
struct GenerateNetcCode: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        let names = extractor.extractOption(named: "target")
        let targets = try names.isEmpty ? context.package.targets : context.package.targets(named: names)
        let netc = try context.tool(named: "netc")
        for case let target as SourceModuleTarget in targets {
            let specs = target.sourceFiles(withSuffix: "net").map(\.url.path).sorted()
            guard !specs.isEmpty else { continue }
            let process = Process()
            process.executableURL = netc.url
            process.arguments = ["compile"] + specs + ["-o", target.directoryURL.path]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw GenerateError(message: "netc failed for target '\(target.name)' (exit \(process.terminationStatus))")
            }
            print("netc: generated Swift for \(specs.count) spec(s) in \(target.name)")
        }
    }
}

struct GenerateError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
