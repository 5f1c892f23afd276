#!/usr/bin/env bash
# CI (issue 19, item 13): two specs whose old flattened output names collided
# (`Models/Iris.net` and `Models_Iris.net` both became `Models_Iris.net.swift`)
# build side by side in one target with the build plugin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pkg=$(mktemp -d)
trap 'rm -rf "$pkg"' EXIT
mkdir -p "$pkg/Sources/App/Models"
cat > "$pkg/Package.swift" <<SWIFT
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "PluginNames",
    dependencies: [.package(name: "netc", path: "$root")],
    targets: [.executableTarget(name: "App", dependencies: [.product(name: "NetcRuntime", package: "netc")],
                                plugins: [.plugin(name: "NetcPlugin", package: "netc")])],
    swiftLanguageModes: [.v6]
)
SWIFT
spec() { printf 'network %s {\n  input x: 2\n  dense y: 1\n  loss squared_error(y)\n}\n' "$1"; }
spec Deep > "$pkg/Sources/App/Models/Iris.net"
spec Flat > "$pkg/Sources/App/Models_Iris.net"
printf 'print(Deep().predict([1, 2]).count + Flat().predict([3, 4]).count)\n' > "$pkg/Sources/App/main.swift"
(cd "$pkg" && swift build 2>&1 | tail -3 && [ "$(swift run -q App)" = "2" ])
echo "plugin output names: ok"
