#!/usr/bin/env bash
# Throughput benchmark for `liaison send`: 10,000 guardians delivered by SMTP to postfix's smtp-sink, and
# 10,000 signed SMS webhooks to a local nginx that answers 204. See bench/README.md.
#
#   bash bench/run.sh                 # 10,000 guardians, 3 runs per variant
#   BENCH_GUARDIANS=2000 BENCH_RUNS=1 BENCH_CURL=0 bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
guardians=${BENCH_GUARDIANS:-10000}
runs=${BENCH_RUNS:-3}
with_curl=${BENCH_CURL:-1}

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"

# --- 1. what the benchmark needs --------------------------------------------------------------------------------
# The build's own C libraries (and swift on PATH) come from the repository's script.
source scripts/install-deps.sh

service_running() {
    case "$1" in
        postfix) $sudo postfix status >/dev/null 2>&1 ;;
        nginx) [ -s /run/nginx.pid ] && $sudo kill -0 "$(cat /run/nginx.pid)" 2>/dev/null ;;
    esac
}
stop_service() {
    if [ -d /run/systemd/system ]; then
        $sudo systemctl stop "$1" || true
        $sudo systemctl disable "$1" >/dev/null 2>&1 || true
    elif command -v service >/dev/null 2>&1; then
        $sudo service "$1" stop >/dev/null 2>&1 || true
    fi
    if [ "$1" = postfix ] && service_running postfix; then $sudo postfix stop >/dev/null 2>&1 || true; fi
    if [ "$1" = nginx ] && service_running nginx; then $sudo kill "$(cat /run/nginx.pid)" 2>/dev/null || true; fi
}

wanted=()
command -v smtp-sink >/dev/null 2>&1 || [ -x /usr/sbin/smtp-sink ] || wanted+=(postfix)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || wanted+=(nginx-light)
[ -x /usr/bin/time ] || wanted+=(time)
command -v curl >/dev/null 2>&1 || wanted+=(curl)
if ((${#wanted[@]})); then
    echo "Installing ${wanted[*]}" >&2
    if [[ " ${wanted[*]} " == *" postfix "* ]]; then
        # Only smtp-sink is used: no mail system is configured, so postfix has nothing to start.
        echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
    fi
    $sudo apt-get update -qq
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null; then
        # nginx-light is a flavour that not every release ships; plain nginx does as well.
        wanted=("${wanted[@]/nginx-light/nginx}")
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
    fi
    # Packages start their services; this benchmark starts its own servers and leaves no daemon behind.
    for package in "${wanted[@]}"; do
        case "$package" in
            postfix) service_running postfix && stop_service postfix ;;
            nginx*) service_running nginx && stop_service nginx ;;
        esac
    done
fi
export PATH="$PATH:/usr/sbin:/sbin"

echo "Building liaison (release)…" >&2
# As it is deployed (deploy/liaison.service): the Swift runtime and Foundation linked in, so the binary runs on a
# server without a Swift toolchain (and starts faster, with no runtime symbols to bind).
swift build -c release --product liaison --static-swift-stdlib >&2
liaison="$root/.build/release/liaison"

# --- 2. the servers, all stopped by PID on exit -----------------------------------------------------------------
work=$(mktemp -d /tmp/liaison-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    local status=$? pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" -eq 0 ]; then
        rm -rf "$work"
    else
        echo "Logs kept in $work" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {
    python3 - "$1" <<'EOF'
import socket, sys, time
deadline = time.time() + 10
while time.time() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(f"nothing listens on 127.0.0.1:{sys.argv[1]}")
EOF
}

smtp_port=$(free_port)
sink_user=()
[ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
# -c: running counters (mesg=N) on stdout, used to check that every message arrived.
smtp-sink "${sink_user[@]}" -c 127.0.0.1:"$smtp_port" 1024 >"$work/smtp-sink.log" 2>&1 &
smtp_pid=$!
pids+=($smtp_pid)

http_port=$(free_port)
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
status_location=""
if nginx -V 2>&1 | grep -q http_stub_status_module; then
    status_location="location = /_status { stub_status; }"
fi
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    client_body_buffer_size 64k;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$http_port;
        $status_location
        location / { return 204; }
    }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
pids+=($!)

wait_port "$smtp_port"
wait_port "$http_port"
http_pid=$(cat "$work/nginx/nginx.pid" 2>/dev/null || echo 0)

# --- 3–4. schools, runs, table ----------------------------------------------------------------------------------
BENCH_WEBHOOK_SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
export BENCH_WEBHOOK_SECRET

python3 "$root/bench/bench.py" \
    --liaison "$liaison" --root "$root" --work "$work" \
    --smtp-port "$smtp_port" --smtp-log "$work/smtp-sink.log" --smtp-pid "$smtp_pid" \
    --http-pid "$http_pid" \
    --http-port "$http_port" --http-status "${status_location:+http://127.0.0.1:$http_port/_status}" \
    --guardians "$guardians" --runs "$runs" --curl "$with_curl"
