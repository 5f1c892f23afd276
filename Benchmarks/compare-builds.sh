#!/usr/bin/env bash
# The generated models as a downstream package gets them — `swift build -c
# release`, no CPU flags — beside the same models built with `-target-cpu
# native`, on this machine in one run: each build's netc-bench times the
# training steps of every network in turn, the two interleaved for ROUNDS
# rounds (default 5), and the table gives each build's median and their
# ratio. Then both builds' losses after 100 training steps, which must agree
# to 1e-5 relative (exit 1 if not).
#
#   Benchmarks/compare-builds.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}

swift build -c release --product netc-bench --scratch-path .build-plain > /dev/null
swift build -c release --product netc-bench --scratch-path .build-native -Xswiftc -target-cpu -Xswiftc native > /dev/null
plain=.build-plain/release/netc-bench
native=.build-native/release/netc-bench

# One pass of a build on one thread: "network seconds" per line, the (a)
# row's training step (columns: network, impl, threads, inference, train step).
steps() {
    "$1" --generated-only --passes 1 --threads 1 2> /dev/null | awk -F'|' '/^\| [a-z]/ && $3 ~ /netc/ {
        gsub(/^ +| +$/, "", $2); split($6, t, " ")
        scale = t[2] == "ns" ? 1e-9 : t[2] == "µs" ? 1e-6 : t[2] == "ms" ? 1e-3 : 1
        print $2 "\t" t[1] * scale }'
}

samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
for round in $(seq 1 "$rounds"); do
    # Alternate which build goes first, so neither always follows the other.
    if (( round % 2 )); then order="plain native"; else order="native plain"; fi
    for build in $order; do
        binary=$plain; [ "$build" = native ] && binary=$native
        steps "$binary" | sed "s/^/$build\t/" >> "$samples"
    done
done

echo "Training step, median of $rounds interleaved rounds per build ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
echo
echo "| network | swift build -c release | with -target-cpu native | default ÷ native |"
echo "|---|---:|---:|---:|"
awk -F'\t' '
    function median(list,   n, a, i, j, t) {
        n = split(list, a, " ")
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function show(s) { return s < 1e-6 ? sprintf("%.1f ns", s * 1e9) : s < 1e-3 ? sprintf("%.2f µs", s * 1e6) : sprintf("%.3f ms", s * 1e3) }
    { times[$1, $2] = times[$1, $2] " " $3; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
    END {
        for (k = 1; k <= n; k++) {
            name = order[k]; p = median(times["plain", name]); q = median(times["native", name])
            printf "| %s | %s | %s | %.2f× |\n", name, show(p), show(q), p / q
        }
    }' "$samples"

echo
echo "Loss after 100 training steps from seed 1:"
echo
"$plain" --trajectory 100 > "$samples.plain"
"$native" --trajectory 100 > "$samples.native"
paste -d'|' "$samples.plain" "$samples.native" | awk -F'|' '
    NR == 1 { print "| network | default build | native build | relative difference |"; next }
    NR == 2 { print "|---|---:|---:|---:|"; next }
    {
        for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i)
        a = $3 + 0; b = $8 + 0; d = a - b; if (d < 0) d = -d; r = d / (b < 0 ? -b : b)
        printf "| %s | %s | %s | %.1e |\n", $2, $3, $8, r
        if (r > 1e-5) bad = 1
    }
    END { exit bad }' || { rm -f "$samples".*; echo "error: the builds disagree by more than 1e-5 relative"; exit 1; }
rm -f "$samples".*
