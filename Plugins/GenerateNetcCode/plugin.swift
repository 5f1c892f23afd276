import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory generate-netc-code [--target T]...`
///
/// Writes the generated Swift for every `.net` file of the chosen targets (all
/// targets with specs by default) next to the spec, as `<Network>.swift`, for
/// people who check generated code in.
///
/// - Specs are found by walking the target's directory, so specs listed under
///   the target's `exclude:` (which silences SwiftPM's "unhandled files"
///   warning) are still compiled.
/// - A target that holds nothing but specs yet is not in SwiftPM's model of the
///   package (it has no sources SwiftPM knows); `--target T` then falls back to
///   `Sources/T`, so the set-up works from an empty target.
/// - A target uses this or the build plugin, not both: both would define the
///   same types twice. A target whose manifest entry applies `NetcPlugin` is
///   refused (and the build plugin refuses checked-in generated files).
@main
struct GenerateNetcCode: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        let names = extractor.extractOption(named: "target")
        if let extra = extractor.remainingArguments.first {
            throw GenerateError("unknown argument '\(extra)'; usage: generate-netc-code [--target <name>]...")
        }
        let package = context.package
        let directories = try names.isEmpty
            ? package.targets.compactMap { ($0 as? SourceModuleTarget).map { ($0.name, $0.directoryURL) } }
            : names.map { try directory(of: $0, in: package) }
        let manifest = ManifestText(directory: package.directoryURL)
        let netc = try context.tool(named: "netc")
        var generated = 0
        for (name, directory) in directories {
            let specs = specFiles(under: directory)
            guard !specs.isEmpty else {
                if !names.isEmpty { print("netc: target '\(name)' has no .net files in \(directory.path)") }
                continue
            }
            if manifest.targetAppliesBuildPlugin(name) {
                throw GenerateError("""
                    target '\(name)' applies the netc build plugin (NetcPlugin), which already compiles its \
                    specs on every build; generated files written next to them would define the same types \
                    twice. Either remove NetcPlugin from the plugins of '\(name)' in Package.swift and run this \
                    command again, or keep the build plugin and do not generate files.
                    """)
            }
            let process = Process()
            process.executableURL = netc.url
            process.arguments = ["compile", "--verbose"] + specs + ["-o", directory.path]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw GenerateError("netc failed for target '\(name)' (exit \(process.terminationStatus))")
            }
            generated += 1
        }
        if generated == 0 && names.isEmpty { print("netc: no target holds .net files") }
    }

    /// The directory of the target named `name`: its own, or `Sources/<name>`
    /// for a target SwiftPM left out of the model because it holds only specs.
    func directory(of name: String, in package: Package) throws -> (String, URL) {
        if let target = package.targets.first(where: { $0.name == name }) {
            guard let module = target as? SourceModuleTarget else {
                throw GenerateError("target '\(name)' is not a Swift target")
            }
            return (name, module.directoryURL)
        }
        for folder in ["Sources", "Source", "src", "srcs"] {
            let candidate = package.directoryURL.appending(path: folder).appending(path: name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return (name, candidate)
            }
        }
        let known = package.targets.map { "'\($0.name)'" }.sorted().joined(separator: ", ")
        throw GenerateError("package '\(package.displayName)' has no target named '\(name)' and no directory Sources/\(name); targets: \(known)")
    }
}

/// Every regular `.net` file below `directory`, sorted by path.
func specFiles(under directory: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(
        at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
    else { return [] }
    var specs: [String] = []
    for case let url as URL in walker where url.pathExtension == "net" {
        if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { specs.append(url.path) }
    }
    return specs.sorted()
}

/// The text of `Package.swift`, read to tell whether a target's entry applies
/// the build plugin. A manifest is Swift, so this reads the common form
/// (`.target(name: "T", …, plugins: [.plugin(name: "NetcPlugin", …)])`); the
/// build plugin's own check catches the rest at the next build.
struct ManifestText {
    let text: String

    init(directory: URL) {
        text = (try? String(contentsOf: directory.appending(path: "Package.swift"), encoding: .utf8)) ?? ""
    }

    func targetAppliesBuildPlugin(_ name: String) -> Bool {
        targetEntries().contains { $0.name == name && $0.body.contains("\"NetcPlugin\"") }
    }

    /// `(name, text)` of every `.target(`, `.executableTarget(`, `.testTarget(`
    /// call, its text running to the matching parenthesis.
    func targetEntries() -> [(name: String, body: Substring)] {
        var entries: [(name: String, body: Substring)] = []
        var rest = text[...]
        while let open = [rest.range(of: ".target("), rest.range(of: "Target(")].compactMap({ $0 })
            .min(by: { $0.lowerBound < $1.lowerBound })
        {
            var depth = 1
            var index = open.upperBound
            var inString = false
            while index < text.endIndex, depth > 0 {
                let character = text[index]
                if character == "\"" { inString.toggle() }
                if !inString { depth += character == "(" ? 1 : character == ")" ? -1 : 0 }
                index = text.index(after: index)
            }
            let body = text[open.upperBound..<index]
            if let nameRange = body.range(of: #"name:\s*"[^"]*""#, options: .regularExpression) {
                let quoted = body[nameRange].drop { $0 != "\"" }.dropFirst().dropLast()
                entries.append((String(quoted), body))
            }
            rest = text[index...]
        }
        return entries
    }
}

struct GenerateError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
