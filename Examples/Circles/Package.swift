// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Circles",
    dependencies: [.package(name: "netc", path: "../..")],  // README: "Use netc in your package"
    targets: [
        .executableTarget(
            name: "CirclesDemo",
            dependencies: [.product(name: "NetcRuntime", package: "netc")],
            plugins: [.plugin(name: "NetcPlugin", package: "netc")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
