#!/usr/bin/env bash
# Runs Liaison's test suite (installing the C libraries it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
