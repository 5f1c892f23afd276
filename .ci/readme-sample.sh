#!/usr/bin/env bash
# CI (issue 21): README's sample output of a command that is not netc (netc's
# own samples are checked by DocumentationOutputTests) matches what it printed.
# usage: .ci/readme-sample.sh '<command as README shows it after "$ ">' <printed-output-file>
# The sample's lines up to its first '...' must equal the printed lines, with
# durations masked.
set -euo pipefail
command=$1 printed=$2
root=$(cd "$(dirname "$0")/.." && pwd)
expected=$(mktemp)
trap 'rm -f "$expected"' EXIT
awk -v c="\$ $command" '$0 == c { on = 1; next } on && (/^```/ || /^\.\.\.$/ || /^\$ /) { exit } on { print }' \
  "$root/README.md" > "$expected"
[ -s "$expected" ] || { echo "error: README shows no output for '\$ $command'"; exit 1; }
mask() { sed -E 's/[0-9]+(\.[0-9]+)? ?(ms|µs|ns|s)\b/<duration>/g'; }
if ! diff <(mask < "$expected") <(head -n "$(wc -l < "$expected")" "$printed" | mask); then
  echo "error: README's output of '$command' differs from what it printed (above: < README, > printed)"; exit 1
fi
echo "README sample of '$command': ok"
