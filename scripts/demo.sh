#!/usr/bin/env bash
# Builds Liaison and runs it on the bundled demo school: a full check, then a few previews in different languages.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
swift build
liaison=".build/debug/liaison"
config="examples/demo-school/liaison.yaml"

$liaison check --config "$config"
for guardian in $(awk -F, 'NR>1 && ($9=="ar" || $9=="ru" || $9=="zh-Hant-HK") {print $1}' examples/demo-school/roster/guardians.csv | head -3); do
    echo
    echo "=== preview sports-day-2026 for $guardian ==="
    $liaison preview sports-day-2026 --guardian "$guardian" --config "$config" || true
done
