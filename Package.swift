// swift-tools-version: 6.1
import PackageDescription

/// netc: a compiler from `.net` network specs to specialised Swift.
/// No package dependencies: the build plugin is pulled into every downstream build.
let package = Package(
    name: "netc",
    products: [
        .executable(name: "netc", targets: ["netc"]),
        .library(name: "NetcCore", targets: ["NetcCore"]),
        .library(name: "NetcRuntime", targets: ["NetcRuntime"]),
        .plugin(name: "NetcPlugin", targets: ["NetcPlugin"]),
        .plugin(name: "GenerateNetcCode", targets: ["GenerateNetcCode"]),
    ],
    targets: [
        /// The small runtime generated code links: math, RNG, initialisers, parameter files.
        .target(name: "NetcRuntime", dependencies: ["CNetcRuntime"]),
        /// C support for the runtime: the kernels, compiled for AVX2 + FMA and for the
        /// baseline and chosen at run time (kernels/), and atomics for the storage lease.
        .target(name: "CNetcRuntime"),
        /// The compiler: parse → build graph → differentiate → emit.
        .target(name: "NetcCore", dependencies: ["NetcRuntime"]),
        .executableTarget(name: "netc", dependencies: ["NetcCore"]),
        /// Build-tool plugin: compiles a target's .net files on every build.
        .plugin(name: "NetcPlugin", capability: .buildTool(), dependencies: ["netc"]),
        /// Command plugin: writes the generated Swift into the package, for checking in.
        .plugin(
            name: "GenerateNetcCode",
            capability: .command(
                intent: .custom(verb: "generate-netc-code", description: "Write Swift for the .net specs of a target into its sources"),
                permissions: [.writeToPackageDirectory(reason: "to write the generated model files next to their specs")]
            ),
            dependencies: ["netc"]
        ),
        /// The generated model of every spec in Specs/, kept in sync by `netc compile Specs/*.net`.
        .target(name: "GeneratedModels", dependencies: ["NetcRuntime"], path: "Generated"),
        /// The Iris demo: data loading and a training loop over the generated model.
        .target(name: "IrisDemo", dependencies: ["GeneratedModels", "NetcRuntime"]),
        .executableTarget(name: "iris-demo", dependencies: ["IrisDemo"]),
        /// Benchmarks: generated models against hand-written Swift, Swift autodiff and the
        /// interpreter. Run in release: `swift run -c release netc-bench`.
        .executableTarget(
            name: "netc-bench",
            dependencies: ["GeneratedModels", "NetcCore", "MallocCounter"],
            path: "Benchmarks/netc-bench",
            plugins: ["NetcPlugin"]
        ),
        /// Fuzzing: generated and mutated specs through the whole compiler.
        /// CI runs `swift run -c release netc-fuzz` (100,000 cases, fixed seed).
        .target(name: "NetcFuzz", dependencies: ["NetcCore"]),
        .executableTarget(name: "netc-fuzz", dependencies: ["NetcFuzz", "NetcCore"]),
        /// Test-only: the netc half of Tests/python/test_pytorch_export.py (trains a generated
        /// model on given batches from given weights).
        .executableTarget(name: "netc-parity", dependencies: ["GeneratedModels", "NetcRuntime"], path: "Tests/Parity"),
        /// Test-only: counts heap allocations by wrapping the C allocator.
        .target(name: "MallocCounter", path: "Tests/MallocCounter"),
        .testTarget(name: "NetcCoreTests", dependencies: ["NetcCore", "NetcFuzz", "GeneratedModels", "IrisDemo", "MallocCounter"]),
    ],
    swiftLanguageModes: [.v6]
)
