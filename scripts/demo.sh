#!/usr/bin/env bash
# Builds Liaison and runs it on the bundled demo school with the embedded defaults (SQLite, the file channel, the
# HTTP server on 127.0.0.1:8080): a check, then `liaison serve` with its clock started ten seconds before the Winter
# Concert announcement goes out (2 December 2026, 16:00 London time). The messages appear as files; one family's
# acknowledgement link opens in a browser; then an urgent alert is raised and escalates until someone answers.
# The daemon keeps running until Ctrl-C (or DEMO_SECONDS seconds, if set).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
swift build
liaison="$PWD/.build/debug/liaison"
config="examples/demo-school/liaison.yaml"
state="examples/demo-school/.liaison"
api="http://127.0.0.1:8080"

$liaison check --config "$config"
echo
echo "=== liaison preview winter-concert-2026 --guardian G020 (Arabic) ==="
$liaison preview winter-concert-2026 --guardian G020 --config "$config" | head -25
echo
echo "=== liaison preview sickness-s036-2026-12-01 --guardian G048 (Spanish; the office's note machine translated by Apertium, labelled) ==="
$liaison preview sickness-s036-2026-12-01 --guardian G048 --config "$config" | sed -n '12,16p'

# A fresh demo every time: the demo's state (outbox, acknowledgements) starts empty.
rm -rf "$state"
export LIAISON_API_TOKENS="${LIAISON_API_TOKENS:-demo-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export LIAISON_API_TOKEN="${LIAISON_API_TOKENS%% *}"
echo
echo "=== liaison staff add clarke (the office desk: Joanne Clarke, admin, in examples/demo-school/roster/staff.csv) ==="
mkdir -p "$state"
desk_password=$($liaison staff add clarke --config "$config" --by "demo" | sed -n 's/^Password (shown once): //p')
echo
echo "=== liaison serve (clock starts at 2026-12-02 15:59:50 London time) ==="
$liaison serve --config "$config" --clock-start 2026-12-02T15:59:50Z 2> >(tee "$state/daemon.log" >&2) &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "$api/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "Waiting for the Winter Concert announcement (16:00 on the daemon's clock)..."
for _ in $(seq 1 60); do
    sent=$(curl -fs -H "Authorization: Bearer $LIAISON_API_TOKEN" "$api/v1/events/winter-concert-2026/status" \
        | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["rows"] if r["delivered"]))' 2>/dev/null || echo 0)
    [ "$sent" -gt 0 ] && break
    sleep 1
done
echo
echo "Sent to $sent families. The emails are in $state/outbox-files/new, SMS and voice messages in $state/outbox-files/webhooks."
ls "$state/outbox-files/new" | head -3
link=$(grep -rhoa "$api/a/[A-Za-z0-9_-]*" "$state/outbox-files/new" | head -1)
echo
echo "Open this family's acknowledgement page in a browser and press the button (opening it records nothing):"
echo "    $link"
echo
echo "=== liaison alert --student S002 --kind accident (escalates: all guardians after 1 min, staff on call after 2) ==="
receipt=$($liaison alert --config "$config" --student S002 --kind accident --note "Amelia slipped in the playground and grazed her knee." --by "Demo office")
echo "$receipt"
alert=$(echo "$receipt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo
echo "Follow it:  curl -H \"Authorization: Bearer $LIAISON_API_TOKEN\" $api/v1/alerts/$alert"
echo "Stop it:    open the link in the alert (grep -rh '$api/a/' $state/outbox-files/new | tail -1) and press the button."
echo "Who answered, by class: .build/debug/liaison status winter-concert-2026 --config $config"
echo
echo "The office desk: $api/desk  (sign in as clarke, password $desk_password): Today, messages, compose,"
echo "alerts (stop this one with \"reached by phone\"), the phone list of families not reached, families, health."
echo "The daemon runs until Ctrl-C (it then finishes what is in flight)."
if [ -n "${DEMO_SECONDS:-}" ]; then sleep "$DEMO_SECONDS"; else wait $daemon; fi
