#!/usr/bin/env bash
# Benchmark: draw a semester survey's sample and invite it, on a generated school of BENCH_FAMILIES families
# (default 100,000), against loading alone and an announcement reaching as many families (see bench/survey.py).
#
#   bash bench/survey.sh
#   BENCH_FAMILIES=20000 bash bench/survey.sh     # a quick one
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
families=${BENCH_FAMILIES:-100000}
source scripts/install-deps.sh
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! command -v smtp-sink >/dev/null 2>&1 && [ ! -x /usr/sbin/smtp-sink ] || [ ! -x /usr/bin/time ]; then
    echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postfix time >/dev/null
    $sudo postfix stop >/dev/null 2>&1 || true
fi
export PATH="$PATH:/usr/sbin:/sbin"

echo "Building liaison (release)…" >&2
swift build -c release --product liaison --static-swift-stdlib >&2
work=$(mktemp -d /tmp/liaison-survey-bench.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
sink_user=()
[ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
smtp-sink "${sink_user[@]}" -c 127.0.0.1:"$port" 1024 >"$work/smtp-sink.log" 2>&1 &
sink=$!
trap 'kill $sink 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 0.5
python3 bench/survey.py "$root/.build/release/liaison" "$root" "$work/school" "$families" "$port"
