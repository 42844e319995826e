#!/usr/bin/env bash
# Runs Liaison's test suite (installing the C libraries it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
python3 -c "import aiosmtpd, standardwebhooks, icalendar, recurring_ical_events, lingua" 2>/dev/null || python3 -m pip install --quiet aiosmtpd standardwebhooks icalendar recurring-ical-events lingua-language-detector
swift build --build-tests
# The integration tests drive real liaison processes and wait for them in blocking calls; run in a process of their
# own and one suite at a time, they cannot hold up other tests' async work (a live HTTP test with a client timeout,
# the crash test's watch for the moment to kill its sender).
swift test --skip-build --skip LiaisonIntegrationTests
swift test --skip-build --no-parallel --filter LiaisonIntegrationTests
bash scripts/fuzz.sh --seconds 2 csv config ical xliff render  # fuzz smoke, 2 s a target after every regression input (not fuzz-mime: its build adds GRDB and BoringSSL, ~4 min; see fuzz/README.md)
