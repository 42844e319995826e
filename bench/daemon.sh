#!/usr/bin/env bash
# Benchmarks of the daemon: alert latency to 2,000 guardians through postfix's smtp-sink, memory and start-up time
# with 100,000 families, a burst of 5,000 acknowledgement POSTs, and the alert while a 10,000-guardian newsletter
# goes out (with and without the burst). See bench/DAEMON.md.
#
#   bash bench/daemon.sh                                   # 5 runs of each
#   BENCH_RUNS=3 BENCH_FAMILIES=20000 bash bench/daemon.sh
#   BENCH_ONLY=alert|memory|acks|busy-alert bash bench/daemon.sh    # one of them
#   BENCH_ACKS=5000 BENCH_ACK_CONNECTIONS=128 BENCH_NEWSLETTER=10000 BENCH_ONLY=busy-alert bash bench/daemon.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
source scripts/install-deps.sh
if ! [ -x /usr/sbin/smtp-sink ]; then
    # Only smtp-sink is used: no mail system is configured, so postfix has nothing to start.
    echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postfix >/dev/null
    $sudo postfix stop >/dev/null 2>&1 || true
fi
# Built as run.sh and deploy/liaison.service build it.
swift build -c release --product liaison --static-swift-stdlib
work=$(mktemp -d /tmp/liaison-daemon-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 bench/daemon.py --liaison "$root/.build/release/liaison" --root "$root" --work "$work" \
    --guardians "${BENCH_GUARDIANS:-2000}" --families "${BENCH_FAMILIES:-100000}" --runs "${BENCH_RUNS:-5}" ${BENCH_ONLY:+--only "$BENCH_ONLY"} \
    --acks "${BENCH_ACKS:-5000}" --ack-connections "${BENCH_ACK_CONNECTIONS:-128}" --newsletter "${BENCH_NEWSLETTER:-10000}"
