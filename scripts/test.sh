#!/usr/bin/env bash
# Runs Liaison's test suite (installing the C libraries it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
python3 -c "import aiosmtpd, standardwebhooks, icalendar, recurring_ical_events" 2>/dev/null || python3 -m pip install --quiet aiosmtpd standardwebhooks icalendar recurring-ical-events
swift build --build-tests
# The integration tests drive real liaison processes and wait for them in blocking calls; run in a process of their
# own, they cannot hold up the other tests' async work (a live HTTP test with a client timeout among them).
swift test --skip-build --skip LiaisonIntegrationTests
swift test --skip-build --filter LiaisonIntegrationTests
