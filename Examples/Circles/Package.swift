// swift-tools-version: 6.1
import Foundation
import PackageDescription

// netc is this repository's root, two levels up. SwiftPM names a path
// dependency after its directory, so that name is computed here; a package
// depending on netc by URL writes `package: "netc"` instead.
let netcPath = "../.."
let netc = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent(netcPath).standardizedFileURL.lastPathComponent

let package = Package(
    name: "Circles",
    dependencies: [.package(path: netcPath)],
    targets: [
        .executableTarget(
            name: "CirclesDemo",
            dependencies: [.product(name: "NetcRuntime", package: netc)],
            plugins: [.plugin(name: "NetcPlugin", package: netc)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
