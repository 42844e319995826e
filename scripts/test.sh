#!/usr/bin/env bash
# Runs Liaison's test suite (installing the C libraries it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
python3 -c "import aiosmtpd, standardwebhooks, icalendar, recurring_ical_events" 2>/dev/null || python3 -m pip install --quiet aiosmtpd standardwebhooks icalendar recurring-ical-events
swift build --build-tests
swift test --skip-build
