#!/usr/bin/env python3
"""Benchmarks of `liaison serve` (see bench/README.md):

1. alert latency: from `POST /v1/alerts` for an alert reaching 2,000 guardians to the daemon's record that the last
   message was accepted by postfix's smtp-sink (and written to the outbox), over several runs: median and worst;
2. memory and start-up time with 100,000 families loaded (RSS after start-up and peak, from /proc).
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime

from bench import LANGUAGES, school_config

TOKEN = "bench-token-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_school(folder, root, families, guardians_of_alerted, smtp_port, http_port):
    """`families` households (one guardian, one child each) and one child with `guardians_of_alerted` guardians."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "roster"))
    languages = LANGUAGES
    with open(os.path.join(folder, "roster", "families.csv"), "w") as f, \
            open(os.path.join(folder, "roster", "guardians.csv"), "w") as g, \
            open(os.path.join(folder, "roster", "students.csv"), "w") as s, \
            open(os.path.join(folder, "roster", "guardianships.csv"), "w") as l:
        f.write("family_id,family_name\n")
        g.write("guardian_id,family_id,given_name,family_name,email,language\n")
        s.write("student_id,given_name,family_name,grade,class\n")
        l.write("guardian_id,student_id,relationship,primary\n")
        for i in range(families):
            f.write(f"F{i:06d},Family {i}\n")
            g.write(f"G{i:06d},F{i:06d},Parent,{i},parent{i:06d}@example.net,{languages[i % len(languages)]}\n")
            s.write(f"S{i:06d},Child,{i},{i % 6 + 1},{i % 6 + 1}{'AB'[i % 2]}\n")
            l.write(f"G{i:06d},S{i:06d},parent,yes\n")
        # The alerted child: guardians_of_alerted carers (an emergency list as long as a whole school's).
        f.write("FALERT,Alert family\n")
        s.write("SALERT,Alerted,Child,3,3A\n")
        for i in range(guardians_of_alerted):
            g.write(f"GA{i:05d},FALERT,Carer,{i},carer{i:05d}@example.net,{languages[i % len(languages)]}\n")
            l.write(f"GA{i:05d},SALERT,carer,{'yes' if i == 0 else 'no'}\n")
    with open(os.path.join(folder, "events.yaml"), "w") as e:
        e.write("""events:
  - id: open-day
    kind: announcement
    title: Open Day
    start: 2035-06-12T09:30
    audience: everyone
    template: announcement
    notify:
      send_at: [2035-06-01T16:00]
      reminders: ["-1d at 18:00"]
""")
    relay = f"""channels:
  email:
    from: office@bench.example
    relays:
      - name: smtp-sink
        url: smtp://127.0.0.1:{smtp_port}/liaison.bench
        tls: none
        max_connections: 16
""" if smtp_port else ""
    with open(os.path.join(folder, "liaison.yaml"), "w") as y:
        y.write(school_config(root, "Bench School", "bench.example", f"""{relay}store:
  sqlite: state/liaison.sqlite
server:
  listen: 127.0.0.1:{http_port}
alerts:
  escalation:
    - after: 0s
      notify: guardians
daemon:
  watch_interval: 0s
"""))


class Daemon:
    """`liaison serve` with its JSON log lines read as they come."""

    def __init__(self, liaison, config):
        environment = dict(os.environ, LIAISON_API_TOKENS=TOKEN)
        self.started = time.time()
        self.process = subprocess.Popen(
            [liaison, "serve", "--config", config, "--json-logs"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
            text=True, bufsize=1, env=environment)
        self.lines = []
        self.lock = threading.Lock()
        self.serving = threading.Event()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stderr:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            entry["_seen"] = time.time()
            with self.lock:
                self.lines.append(entry)
            if entry.get("msg") == "liaison is serving":
                self.serving.set()

    def logs(self, message):
        with self.lock:
            return [entry for entry in self.lines if entry.get("msg") == message]

    def status(self):
        values = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    values[key] = int(value.split()[0]) / 1024
        return values

    def stop(self):
        self.process.terminate()
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def post(port, path, body):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def stamp(entry):
    return datetime.strptime(entry["ts"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def alert_benchmark(args):
    folder = os.path.join(args.work, "alert-school")
    smtp_port, http_port = free_port(), free_port()
    sink_log = os.path.join(args.work, "smtp-sink.log")
    sink = subprocess.Popen(["/usr/sbin/smtp-sink", "-c", "-u", os.environ.get("USER", "root"), f"127.0.0.1:{smtp_port}", "256"],
                            stdout=open(sink_log, "w"), stderr=subprocess.STDOUT)
    results = []
    try:
        for run in range(args.runs):
            write_school(folder, args.root, 50, args.guardians, smtp_port, http_port)
            daemon = Daemon(args.liaison, os.path.join(folder, "liaison.yaml"))
            if not daemon.serving.wait(120):
                raise SystemExit("the daemon did not start: " + json.dumps(daemon.lines[-5:]))
            time.sleep(1)  # let the first scheduler pass settle
            before = sum(int(e.get("sent", 0)) for e in daemon.logs("delivered"))
            start = time.time()
            status, receipt = post(http_port, "/v1/alerts", {"student": "SALERT", "kind": "sickness", "note": "Benchmark"})
            answered = time.time() - start
            deadline = time.time() + 120
            done = None
            while time.time() < deadline and done is None:
                total = before
                for entry in daemon.logs("delivered"):
                    total += int(entry.get("sent", 0)) if stamp(entry) >= start else 0
                    if total - before >= args.guardians and stamp(entry) >= start:
                        done = stamp(entry)
                        break
                time.sleep(0.02)
            daemon.stop()
            if done is None:
                raise SystemExit(f"run {run + 1}: not every message was sent: {receipt}")
            results.append({"latency": done - start, "api": answered, "queued": receipt["deliveries"]})
            print(f"  run {run + 1}: POST answered in {answered * 1000:.0f} ms ({receipt['deliveries']} queued), "
                  f"last of {args.guardians} accepted after {(done - start) * 1000:.0f} ms", flush=True)
    finally:
        sink.terminate()
        sink.wait()
    latencies = [r["latency"] for r in results]
    return {"median_ms": statistics.median(latencies) * 1000, "worst_ms": max(latencies) * 1000,
            "api_median_ms": statistics.median(r["api"] for r in results) * 1000}


def memory_benchmark(args):
    folder = os.path.join(args.work, "big-school")
    write_school(folder, args.root, args.families, 2, None, free_port())
    results = []
    for run in range(args.runs):
        shutil.rmtree(os.path.join(folder, "state"), ignore_errors=True)
        daemon = Daemon(args.liaison, os.path.join(folder, "liaison.yaml"))
        if not daemon.serving.wait(600):
            raise SystemExit("the daemon did not start: " + json.dumps(daemon.lines[-5:]))
        startup = daemon.logs("liaison is serving")[0]["_seen"] - daemon.started
        time.sleep(3)  # a scheduler pass over the whole roster
        memory = daemon.status()
        status = daemon.stop()
        results.append({"startup": startup, **memory})
        print(f"  run {run + 1}: serving after {startup:.2f} s, RSS {memory['VmRSS']:.0f} MB (private {memory['RssAnon']:.0f} MB, "
              f"mapped files such as ICU data {memory['RssFile']:.0f} MB), peak {memory['VmHWM']:.0f} MB, exit {status}", flush=True)
    return {"startup_median_s": statistics.median(r["startup"] for r in results),
            "rss_median_mb": statistics.median(r["VmRSS"] for r in results),
            "anon_median_mb": statistics.median(r["RssAnon"] for r in results),
            "peak_worst_mb": max(r["VmHWM"] for r in results)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--liaison", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--guardians", type=int, default=2000)
    parser.add_argument("--families", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["alert", "memory"])
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.only in (None, "alert"):
        print(f"Alert to {args.guardians} guardians, {args.runs} runs (target: under 1 s)", flush=True)
        alert = alert_benchmark(args)
        print(f"alert: median {alert['median_ms']:.0f} ms, worst {alert['worst_ms']:.0f} ms "
              f"(POST answered after {alert['api_median_ms']:.0f} ms, median)", flush=True)
    if args.only in (None, "memory"):
        print(f"Daemon with {args.families} families, {args.runs} runs (target: under 150 MB)", flush=True)
        memory = memory_benchmark(args)
        print(f"memory: RSS {memory['rss_median_mb']:.0f} MB (median; private {memory['anon_median_mb']:.0f} MB), peak {memory['peak_worst_mb']:.0f} MB (worst); "
              f"start-up {memory['startup_median_s']:.2f} s (median)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
