// swift-tools-version: 6.0
import PackageDescription

/// netc: a compiler from `.net` network specs to specialised Swift.
/// No package dependencies: the build plugin is pulled into every downstream build.
let package = Package(
    name: "netc",
    products: [
        .executable(name: "netc", targets: ["netc"]),
        .library(name: "NetcCore", targets: ["NetcCore"]),
        .library(name: "NetcRuntime", targets: ["NetcRuntime"]),
    ],
    targets: [
        /// The small runtime generated code links: math, RNG, initialisers, parameter files.
        .target(name: "NetcRuntime"),
        /// The compiler: parse → build graph → differentiate → emit.
        .target(name: "NetcCore", dependencies: ["NetcRuntime"]),
        .executableTarget(name: "netc", dependencies: ["NetcCore"]),
        /// The generated model of every spec in Specs/, kept in sync by `netc compile Specs/*.net`.
        .target(name: "GeneratedModels", dependencies: ["NetcRuntime"], path: "Generated"),
        .testTarget(name: "NetcCoreTests", dependencies: ["NetcCore", "GeneratedModels"]),
    ],
    swiftLanguageModes: [.v6]
)
