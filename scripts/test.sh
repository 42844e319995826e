#!/usr/bin/env bash
# Runs Liaison's test suite (installing the C libraries it needs first).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
# What only the tests need, installed while the build runs: the judges (Python's e-mail and webhook checkers, an
# iCalendar reader, an offline language identifier) and, for the pages, Chromium driven by Selenium with axe-core
# (the script axe-playwright-python ships; its own dependencies are not needed).
test_deps_log=$(mktemp)
# However the script ends (a failed build, Ctrl-C), the installer does not outlive it holding the dpkg lock.
test_deps=""
fuzz_build=""
fuzz_build_log=$(mktemp)
stop_background() {
    set +e
    for job in $test_deps $fuzz_build; do
        pkill -P "$job"; kill "$job"; wait "$job"
    done 2>/dev/null
    rm -f "$test_deps_log" "$fuzz_build_log"
}
trap stop_background EXIT
(
    install_debian_packages chromium chromium-driver
    python3 -c "import aiosmtpd, standardwebhooks, icalendar, recurring_ical_events, lingua, selenium, pyreadstat" 2>/dev/null \
        || python3 -m pip install --quiet aiosmtpd standardwebhooks icalendar recurring-ical-events lingua-language-detector 'selenium>=4.20,<5' pyreadstat
    # Pinned: a new axe-core adds rules, which must not fail a run for reasons that are not the change's.
    python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('axe_playwright_python') is None)" \
        || python3 -m pip install --quiet --no-deps 'axe-playwright-python==0.1.8'  # axe-core 4.12.1
) >"$test_deps_log" 2>&1 &
test_deps=$!
swift build --build-tests
wait "$test_deps" || { cat "$test_deps_log" >&2; echo "installing what the tests need failed" >&2; exit 1; }
test_deps=""
# The integration tests drive real liaison processes and wait for them in blocking calls; run in a process of their
# own and one suite at a time, they cannot hold up other tests' async work (a live HTTP test with a client timeout,
# the crash test's watch for the moment to kill its sender).
swift test --skip-build --skip LiaisonIntegrationTests
# The fuzz targets' sanitizer build runs at the lowest priority beside the integration tests, which mostly wait on
# the processes they drive: it takes only the CPU they leave (about 90 s off the run).
nice -n 19 bash scripts/fuzz.sh --build-only csv config ical xliff render >"$fuzz_build_log" 2>&1 &
fuzz_build=$!
swift test --skip-build --no-parallel --filter LiaisonIntegrationTests
wait "$fuzz_build" || { cat "$fuzz_build_log" >&2; echo "building the fuzz targets failed" >&2; exit 1; }
fuzz_build=""
# Fuzz smoke: every regression input, then 2 s a target (not fuzz-mime: its build adds GRDB and BoringSSL, ~4 min;
# see fuzz/README.md).
bash scripts/fuzz.sh --no-build --seconds 2 csv config ical xliff render
