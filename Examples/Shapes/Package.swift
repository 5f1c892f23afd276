// swift-tools-version: 6.1
import PackageDescription

// netc is this repository's root, two levels up; a package depending on
// netc by URL writes `.package(url: "<netc repository URL>", from: "0.1.0")`.
let package = Package(
    name: "Shapes",
    dependencies: [.package(name: "netc", path: "../..")],
    targets: [
        .executableTarget(
            name: "Shapes",
            dependencies: [.product(name: "NetcRuntime", package: "netc")],
            plugins: [.plugin(name: "NetcPlugin", package: "netc")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
