#!/usr/bin/env bash
# CI (issue 21): README's "Use netc in your package" works as written. A package
# in a folder not named netc is made from README's snippets — the Package.swift
# (its path form pointing at this checkout), the command plugin's target, the
# command itself — and built; the build plugin's target and the command
# plugin's spec-only target both run; each plugin refuses a target that uses both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app="$work/my-app"
mkdir -p "$app/Sources/MyApp" "$app/Sources/Models"

# The fenced blocks of README's section, one file each: 1 Package.swift,
# 2 the command plugin's target, 3 the command.
awk '/^## Use netc in your package/ { on = 1; next } on && /^## / { exit }
     on && /^```/ { if (inside) { inside = 0 } else { inside = 1; n++ }; next }
     on && inside { print > (dir "/block" n) }' dir="$work" "$root/README.md"
for n in 1 2 3; do [ -s "$work/block$n" ] || { echo "error: README block $n missing"; exit 1; }; done

# The path form, uncommented, pointing at this checkout; the URL form removed.
grep -q '^        // .package(name: "netc", path: "../netc"),$' "$work/block1"
sed -e '/\.package(url:/d' -e '/or a local checkout/d' \
    -e "s|// .package(name: \"netc\", path: \"../netc\")|.package(name: \"netc\", path: \"$root\")|" \
    "$work/block1" > "$app/Package.swift"
# The command plugin's target joins the targets; MyApp uses it.
sed -i -e "/^    targets: \[$/r $work/block2" \
    -e 's|dependencies: \[.product(name: "NetcRuntime", package: "netc")\],$|dependencies: ["Models", .product(name: "NetcRuntime", package: "netc")],|' \
    "$app/Package.swift"
grep -q 'dependencies: \["Models",' "$app/Package.swift"

spec() { printf 'network %s {\n  input x: 2\n  dense y: 1\n  loss squared_error(y)\n}\n' "$1"; }
spec Model > "$app/Sources/Models/Model.net"       # the command plugin's spec-only target
spec Built > "$app/Sources/MyApp/Built.net"        # the build plugin's
printf 'import Models\nprint(Model().predict([1, 2]).count + Built().predict([3, 4]).count)\n' > "$app/Sources/MyApp/main.swift"

cd "$app"
cmd=$(grep -v '^#' "$work/block3")
eval "$cmd" 2>&1 | grep -F "wrote $app/Sources/Models/Model.swift"
swift build 2>&1 | tee "$work/build.log" | tail -1
if grep -E "warning: .*unhandled" "$work/build.log"; then echo "error: unhandled-files warning"; exit 1; fi
[ "$(swift run -q MyApp 2> /dev/null)" = "2" ]

# Both plugins on one target: the command refuses, and so does the build.
sed -i 's|exclude: \["Model.net"\]|exclude: ["Model.net"], plugins: [.plugin(name: "NetcPlugin", package: "netc")]|' Package.swift
if eval "$cmd" > "$work/both.log" 2>&1; then echo "error: the command plugin wrote into a build-plugin target"; exit 1; fi
grep -F "error: target 'Models' applies the netc build plugin (NetcPlugin)" "$work/both.log"
sed -i 's|exclude: \["Model.net"\], ||' Package.swift
if swift build > "$work/both.log" 2>&1; then echo "error: a target with both plugins built"; exit 1; fi
grep -F "error: target 'Models' applies the netc build plugin but also holds Model.swift" "$work/both.log" | head -1
echo "adoption from README: ok"
