#!/usr/bin/env bash
# Builds Liaison and runs it on the bundled demo school: a full check, then the same announcement as three
# families would receive it (Arabic, Russian, Hong Kong Chinese), and a sickness alert as an email.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
swift build
liaison=".build/debug/liaison"
config="examples/demo-school/liaison.yaml"

$liaison check --config "$config"
for guardian in G020 G058 G043; do
    echo
    echo "=== liaison preview sports-day-2027 --guardian $guardian ==="
    $liaison preview sports-day-2027 --guardian "$guardian" --config "$config"
done
echo
echo "=== liaison preview newsletter-2026-11-27 --guardian G076 (pt-BR: no catalog, falls back to English) ==="
$liaison preview newsletter-2026-11-27 --guardian G076 --config "$config" | head -20
