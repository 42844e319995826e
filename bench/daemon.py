#!/usr/bin/env python3
"""Benchmarks of `liaison serve` (see bench/README.md):

1. alert latency: from `POST /v1/alerts` for an alert reaching 2,000 guardians to the daemon's record that the last
   message was accepted by postfix's smtp-sink (and written to the outbox), over several runs: median and worst;
2. memory and start-up time with 100,000 families loaded (RSS after start-up and peak, from /proc);
3. acks: 5,000 concurrent `POST /v1/acks` (bearer JSON, event and guardian) over a pool of keep-alive connections:
   every answer recorded (counted with `GET /v1/events/{id}/acks`), latency percentiles, wall time;
4. busy-alert: the alert of (1) while a 10,000-guardian newsletter is being delivered (email to smtp-sink; SMS to a
   webhook gateway that accepts connections and never answers), alone and with the 5,000-ack burst of (3) at the same
   time: from the POST to the last alert email accepted.
5. desk: the office desk with 100,000 families loaded and a 10,000-guardian send under way (a slow smtp-sink keeps it
   going): p50/p95 of the Today, message and Not reached pages over signed-in sessions, as ratios of `/healthz`'s in
   the same run; the message page's size; the daemon's memory before and after 50 staff sessions.
"""
import asyncio
import base64
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

from bench import LANGUAGES, school_config

TOKEN = "bench-token-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_school(folder, root, families, guardians_of_alerted, smtp_port, http_port, sms_port=None, newsletter=False):
    """`families` households (one guardian, one child each) and one child with `guardians_of_alerted` guardians.

    With `sms_port`, every guardian also has a phone and `channels: email;sms`, and SMS go to a webhook gateway on
    that port. With `newsletter`, an announcement to everyone whose send time has passed: queued at start-up."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "roster"))
    languages = LANGUAGES
    with open(os.path.join(folder, "roster", "families.csv"), "w") as f, \
            open(os.path.join(folder, "roster", "guardians.csv"), "w") as g, \
            open(os.path.join(folder, "roster", "students.csv"), "w") as s, \
            open(os.path.join(folder, "roster", "guardianships.csv"), "w") as l:
        f.write("family_id,family_name\n")
        g.write("guardian_id,family_id,given_name,family_name,email,language" + (",phone,channels\n" if sms_port else "\n"))
        s.write("student_id,given_name,family_name,grade,class\n")
        l.write("guardian_id,student_id,relationship,primary\n")
        for i in range(families):
            f.write(f"F{i:06d},Family {i}\n")
            sms = f",+4477009{i:05d},email;sms" if sms_port else ""
            g.write(f"G{i:06d},F{i:06d},Parent,{i},parent{i:06d}@example.net,{languages[i % len(languages)]}{sms}\n")
            s.write(f"S{i:06d},Child,{i},{i % 6 + 1},{i % 6 + 1}{'AB'[i % 2]}\n")
            l.write(f"G{i:06d},S{i:06d},parent,yes\n")
        # The alerted child: guardians_of_alerted carers (an emergency list as long as a whole school's).
        f.write("FALERT,Alert family\n")
        s.write("SALERT,Alerted,Child,3,3A\n")
        for i in range(guardians_of_alerted):
            sms = f",+4477008{i:05d},email;sms" if sms_port else ""
            g.write(f"GA{i:05d},FALERT,Carer,{i},carer{i:05d}@example.net,{languages[i % len(languages)]}{sms}\n")
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
        if newsletter:
            e.write("""  - id: newsletter
    kind: announcement
    title: Newsletter
    start: 2035-06-20T09:00
    audience: everyone
    template: announcement
    notify:
      send_at: [2025-01-06T08:00]
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
    if sms_port:
        relay = (relay or "channels:\n") + f"""  webhooks:
    - name: hung-gateway
      kinds: [sms]
      url: http://127.0.0.1:{sms_port}/v1/messages
      template: {os.path.join(root, "bench", "sms.json.mustache")}
      secret_env: BENCH_WEBHOOK_SECRET
      max_connections: 16
      timeout: 10s
"""
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
        environment = dict(os.environ, LIAISON_API_TOKENS=TOKEN,
                           BENCH_WEBHOOK_SECRET="whsec_" + base64.b64encode(os.urandom(32)).decode())
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

    def cpu(self):
        """User + system CPU seconds the daemon has used so far."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout=60):
        self.process.terminate()
        try:
            return self.process.wait(timeout=timeout)
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


# MARK: - Acknowledgement bursts

def percentile(values, fraction):
    """The value below which `fraction` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))]


async def read_response(reader):
    """Status and body of one HTTP/1.1 response (Content-Length or chunked)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def ack_burst(port, event, guardians, connections, go):
    """POSTs one answer for each guardian, all at once, over `connections` keep-alive connections opened beforehand.

    Returns, per request: (queued until sent, sent until answered, burst start until answered, status, outcome)."""
    bodies = [json.dumps({"event": event, "guardian": g, "answer": "read", "via": "sms"}).encode() for g in guardians]
    requests = [
        (f"POST /v1/acks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
         f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        for body in bodies]
    streams = []
    for _ in range(min(connections, len(requests))):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        streams.append((reader, writer))
    await go()
    results = []
    queue = list(reversed(requests))
    start = time.perf_counter()

    async def worker(reader, writer):
        while queue:
            request = queue.pop()
            sent = time.perf_counter()
            writer.write(request)
            status, body = await read_response(reader)
            done = time.perf_counter()
            try:
                outcome = json.loads(body).get("outcome") or json.loads(body).get("error")
            except ValueError:
                outcome = None
            results.append((sent - start, done - sent, done - start, status, outcome))
        writer.close()

    await asyncio.gather(*(worker(r, w) for r, w in streams))
    return results, time.perf_counter() - start


def ack_client_main(argv):
    """`daemon.py ack-client PORT EVENT FIRST COUNT CONNECTIONS`, run as a process of its own (so that its CPU and
    GIL do not slow the process that times the alert): connects, prints `ready`, waits for a line on standard input,
    fires, and prints its results as JSON."""
    port, event, first, count, connections = int(argv[0]), argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    guardians = [f"G{i:06d}" for i in range(first, first + count)]

    async def go():
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    results, wall = asyncio.run(ack_burst(port, event, guardians, connections, go))
    usage = os.times()
    print(json.dumps({"results": results, "wall": wall, "cpu": usage.user + usage.system}), flush=True)


class AckClient:
    """The ack-client process: `start()` returns once its connections are open, `fire()` lets it go."""

    def __init__(self, port, event, count, connections, first=0):
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "ack-client", str(port), event, str(first), str(count), str(connections)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(os.path.abspath(__file__)))
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise SystemExit(f"the ack client did not start: {line!r}")

    def fire(self):
        self.fired = time.time()
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def result(self, timeout=300):
        out, _ = self.process.communicate(timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])


def summarize_acks(report):
    """Percentiles (ms) of the per-request latency (sent on its connection → answered) and of the time from the burst's
    start (which adds the wait for a free connection in the client)."""
    results = report["results"]
    service = [r[1] * 1000 for r in results]
    overall = [r[2] * 1000 for r in results]
    statuses = {}
    for r in results:
        statuses[f"{r[3]} {r[4]}"] = statuses.get(f"{r[3]} {r[4]}", 0) + 1
    return {
        "count": len(results), "statuses": statuses, "wall": report["wall"], "client_cpu": report["cpu"],
        "p50": percentile(service, 0.50), "p95": percentile(service, 0.95), "p99": percentile(service, 0.99), "max": max(service),
        "start_p50": percentile(overall, 0.50), "start_p99": percentile(overall, 0.99), "start_max": max(overall),
    }


def describe_acks(summary, recorded):
    return (f"{summary['count']} POSTs in {summary['wall']:.2f} s ({summary['count'] / summary['wall']:.0f}/s), "
            f"recorded {recorded}; per request p50 {summary['p50']:.0f} ms, p95 {summary['p95']:.0f} ms, "
            f"p99 {summary['p99']:.0f} ms, max {summary['max']:.0f} ms; from the burst's start p50 {summary['start_p50']:.0f} ms, "
            f"p99 {summary['start_p99']:.0f} ms, max {summary['start_max']:.0f} ms; client CPU {summary['client_cpu']:.2f} s; "
            f"replies {summary['statuses']}")


def recorded_acks(port, event):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/events/{event}/acks", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return len(json.loads(response.read())["acknowledgements"])


def acks_benchmark(args):
    folder = os.path.join(args.work, "acks-school")
    http_port = free_port()
    runs = []
    for run in range(args.runs):
        write_school(folder, args.root, args.acks, 2, None, http_port)
        daemon = Daemon(args.liaison, os.path.join(folder, "liaison.yaml"))
        try:
            if not daemon.serving.wait(120):
                raise SystemExit("the daemon did not start: " + json.dumps(daemon.lines[-5:]))
            time.sleep(1)
            client = AckClient(http_port, "open-day", args.acks, args.ack_connections)
            cpu_before = daemon.cpu()
            client.fire()
            summary = summarize_acks(client.result())
            summary["daemon_cpu"] = daemon.cpu() - cpu_before
            recorded = recorded_acks(http_port, "open-day")
        finally:
            daemon.stop()
        runs.append({**summary, "recorded": recorded})
        print(f"  run {run + 1}: {describe_acks(summary, recorded)}; daemon CPU {summary['daemon_cpu']:.2f} s", flush=True)
    return runs


# MARK: - An alert while the school is busy

class HungGateway:
    """An HTTP 'gateway' that accepts every connection, reads what comes, and never answers."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.port = self.listener.getsockname()[1]
        self.connections = []
        self.received = 0
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.closed:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            threading.Thread(target=self.drain, args=(connection,), daemon=True).start()

    def drain(self, connection):
        try:
            while data := connection.recv(65536):
                self.received += data.count(b"POST ")
        except OSError:
            pass

    def close(self):
        self.closed = True
        self.listener.close()
        for connection in self.connections:
            try:
                connection.close()
            except OSError:
                pass


def sink_count(path):
    """The last `mesg=N` counter smtp-sink -c wrote."""
    with open(path, encoding="ascii", errors="replace") as file:
        found = re.findall(r"mesg=(\d+)", file.read())
    return int(found[-1]) if found else 0


def busy_alert_benchmark(args):
    folder = os.path.join(args.work, "busy-school")
    smtp_port, http_port = free_port(), free_port()
    sink_log = os.path.join(args.work, "busy-smtp-sink.log")
    # Unbuffered, so that its `mesg=` counter is current when read (through a file, stdio would hold it back).
    sink = subprocess.Popen(["stdbuf", "-o0", "/usr/sbin/smtp-sink", "-c", "-u", os.environ.get("USER", "root"), f"127.0.0.1:{smtp_port}", "256"],
                            stdout=open(sink_log, "w"), stderr=subprocess.STDOUT)
    gateway = HungGateway()
    variants = [("newsletter (email + SMS to a hung gateway)", False), (f"the same + {args.acks} acks at once", True)]
    report = {}
    try:
        for name, with_acks in variants:
            print(f"  {name}:", flush=True)
            results = []
            for run in range(args.runs):
                write_school(folder, args.root, args.newsletter, args.guardians, smtp_port, http_port, sms_port=gateway.port,
                             newsletter=True)
                sink_start = sink_count(sink_log)
                held_before = len(gateway.connections)
                daemon = Daemon(args.liaison, os.path.join(folder, "liaison.yaml"))
                client = None
                try:
                    if not daemon.serving.wait(120):
                        raise SystemExit("the daemon did not start: " + json.dumps(daemon.lines[-5:]))
                    if with_acks:
                        # Connected before the newsletter goes out; fired with the alert.
                        client = AckClient(http_port, "newsletter", args.acks, args.ack_connections)
                    deadline = time.time() + 120
                    while not any(e.get("event") == "newsletter" for e in daemon.logs("queued a scheduled send")):
                        if time.time() > deadline:
                            raise SystemExit("the newsletter was not queued: " + json.dumps(daemon.lines[-5:]))
                        time.sleep(0.005)
                    # The newsletter's emails are going out now (10,000 at several thousand a second); its SMS lane
                    # is stuck on the gateway.
                    perf = None
                    if os.environ.get("BENCH_PERF"):
                        # A profile of the daemon from here to the last alert email: BENCH_PERF=folder.
                        perf = subprocess.Popen(
                            ["perf", "record", "-F", "1999", "-g", "-p", str(daemon.process.pid), "-o",
                             os.path.join(os.environ["BENCH_PERF"], f"busy-{'acks-' if with_acks else ''}{run + 1}.data")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(args.busy_delay)
                    sent_before = sink_count(sink_log)
                    if client:
                        client.fire()
                    start = time.time()
                    status, receipt = post(http_port, "/v1/alerts", {"student": "SALERT", "kind": "sickness", "note": "Benchmark"})
                    answered = time.time() - start
                    done = None
                    while time.time() < deadline and done is None:
                        total = 0
                        for entry in daemon.logs("delivered"):
                            if entry.get("lane") != "urgent/email" or stamp(entry) < start:
                                continue
                            total += int(entry.get("sent", 0))
                            if total >= args.guardians:
                                done = stamp(entry)
                                break
                        time.sleep(0.02)
                    sent_at_done = sink_count(sink_log)
                    if perf:
                        perf.send_signal(signal.SIGINT)
                        perf.wait()
                    acks = summarize_acks(client.result()) if client else None
                    recorded = recorded_acks(http_port, "newsletter") if client else None
                finally:
                    daemon.stop(timeout=15)
                if done is None:
                    raise SystemExit(f"run {run + 1}: not every alert email was sent: {receipt}")
                results.append({"latency": done - start, "api": answered, "acks": acks, "recorded": recorded})
                line = (f"    run {run + 1}: alert POST answered in {answered * 1000:.0f} ms ({receipt['deliveries']} queued), "
                        f"last of {args.guardians} alert emails accepted after {(done - start) * 1000:.0f} ms; "
                        f"newsletter emails accepted before the POST {sent_before - sink_start} of {args.newsletter}, "
                        f"all emails when the alert was done {sent_at_done - sink_start}; "
                        f"the gateway took {len(gateway.connections) - held_before} connections and answered none")
                if acks:
                    line += f"\n           acks: {describe_acks(acks, recorded)}"
                print(line, flush=True)
            latencies = [r["latency"] for r in results]
            summary = {"median_ms": statistics.median(latencies) * 1000, "worst_ms": max(latencies) * 1000}
            if with_acks:
                summary["acks_p99_median"] = statistics.median(r["acks"]["p99"] for r in results)
                summary["acks_p99_worst"] = max(r["acks"]["p99"] for r in results)
                summary["acks_recorded_min"] = min(r["recorded"] for r in results)
            report[name] = summary
    finally:
        gateway.close()
        sink.terminate()
        sink.wait()
    return report


# MARK: - The office desk

class DeskSession:
    """A signed-in browser without a browser: the session cookie, kept by hand (the bench school is https, so the
    cookies are marked Secure and named __Host-…, which a cookie jar would not send over http)."""

    def __init__(self, port, login, password):
        self.port = port
        # Sign-ins from one address are rate limited (30 a minute after a burst of 10): wait as told, as staff
        # arriving through a morning would.
        for _ in range(20):
            try:
                self.sign_in(login, password)
                return
            except urllib.error.HTTPError as refused:
                if refused.code != 429:
                    raise
                time.sleep(float(refused.headers.get("Retry-After", "1")))
        raise SystemExit("sign-in refused too often")

    def sign_in(self, login, password):
        port = self.port
        opener = urllib.request.build_opener(NoRedirect)
        with opener.open(f"http://127.0.0.1:{port}/desk/login", timeout=30) as response:
            page = response.read().decode()
            login_cookie = cookie(response.headers.get_all("Set-Cookie"), "liaison-desk-login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrf": csrf, "login": login, "password": password}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/desk/login", data=body, method="POST",
                                         headers={"Cookie": login_cookie, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            opener.open(request, timeout=60)
            raise SystemExit("sign-in did not redirect")
        except urllib.error.HTTPError as answer:
            if answer.code == 429:
                raise
            if answer.code != 303:
                raise SystemExit(f"sign-in answered {answer.code}")
            self.cookie = cookie(answer.headers.get_all("Set-Cookie"), "liaison-desk")

    def get(self, path):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers={"Cookie": self.cookie})
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            if response.status != 200:
                raise SystemExit(f"{path} answered {response.status}")
        return time.perf_counter() - start, len(body)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def cookie(headers, name):
    """`name=value` of the Set-Cookie among `headers` whose name ends with `name` (`__Host-` prefixed or not)."""
    for header in headers or []:
        pair = header.split(";", 1)[0]
        key = pair.split("=", 1)[0]
        if key == name or key == "__Host-" + name:
            return pair
    raise SystemExit(f"no {name} cookie in {headers}")


def write_desk_school(folder, root, families, audience, smtp_port, http_port):
    """`families` households; the first `audience` children are in class 1A, the rest spread over grades 2 to 6; a
    staff file; one announcement to 1A whose send time has passed (queued at start-up and going out slowly)."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "roster"))
    with open(os.path.join(folder, "roster", "families.csv"), "w") as f, \
            open(os.path.join(folder, "roster", "guardians.csv"), "w") as g, \
            open(os.path.join(folder, "roster", "students.csv"), "w") as s, \
            open(os.path.join(folder, "roster", "guardianships.csv"), "w") as l:
        f.write("family_id,family_name\n")
        g.write("guardian_id,family_id,given_name,family_name,email,language\n")
        s.write("student_id,given_name,family_name,grade,class\n")
        l.write("guardian_id,student_id,relationship,primary\n")
        for i in range(families):
            grade, klass = ("1", "1A") if i < audience else (str(2 + i % 5), f"{2 + i % 5}{'AB'[i % 2]}")
            f.write(f"F{i:06d},Family {i}\n")
            g.write(f"G{i:06d},F{i:06d},Parent,{i},parent{i:06d}@example.net,{LANGUAGES[i % len(LANGUAGES)]}\n")
            s.write(f"S{i:06d},Child,{i},{grade},{klass}\n")
            l.write(f"G{i:06d},S{i:06d},parent,yes\n")
    with open(os.path.join(folder, "roster", "staff.csv"), "w") as staff:
        staff.write("staff_id,name,role,classes\noffice,Office Bench,office,\n")
    with open(os.path.join(folder, "events.yaml"), "w") as e:
        e.write("""events:
  - id: class-letter
    kind: announcement
    title: Class letter
    start: 2035-06-20T09:00
    audience:
      classes: [1A]
    template: announcement
    notify:
      send_at: [2025-01-06T08:00]
""")
    config = school_config(root, "Bench School", "bench.example", f"""channels:
  email:
    from: office@bench.example
    relays:
      - name: slow-sink
        url: smtp://127.0.0.1:{smtp_port}/liaison.bench
        tls: none
        max_connections: 4
store:
  sqlite: state/liaison.sqlite
server:
  listen: 127.0.0.1:{http_port}
daemon:
  watch_interval: 0s
""").replace("  guardianships: roster/guardianships.csv\n", "  guardianships: roster/guardianships.csv\n  staff: roster/staff.csv\n")
    with open(os.path.join(folder, "liaison.yaml"), "w") as y:
        y.write(config)


def desk_benchmark(args):
    folder = os.path.join(args.work, "desk-school")
    smtp_port, http_port = free_port(), free_port()
    # Each DATA waits a second: the 1A letter stays under way for the whole measurement.
    sink = subprocess.Popen(["/usr/sbin/smtp-sink", "-w", "1", "-u", os.environ.get("USER", "root"), f"127.0.0.1:{smtp_port}", "256"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    write_desk_school(folder, args.root, args.families, args.newsletter, smtp_port, http_port)
    config = os.path.join(folder, "liaison.yaml")
    password = "bench desk password"
    with open(os.path.join(folder, "password"), "w") as handle:
        handle.write(password + "\n")
    subprocess.run([args.liaison, "staff", "add", "office", "--config", config, "--password-file", os.path.join(folder, "password")],
                   check=True, stdout=subprocess.DEVNULL)
    daemon = Daemon(args.liaison, config)
    try:
        if not daemon.serving.wait(600):
            raise SystemExit("the daemon did not start: " + json.dumps(daemon.lines[-5:]))
        deadline = time.time() + 300
        while not any(e.get("event") == "class-letter" for e in daemon.logs("queued a scheduled send")):
            if time.time() > deadline:
                raise SystemExit("the class letter was not queued: " + json.dumps(daemon.lines[-5:]))
            time.sleep(0.05)
        time.sleep(2)
        before = daemon.status()
        sessions = [DeskSession(http_port, "office", password) for _ in range(args.desk_sessions)]
        after = daemon.status()
        pages = [("healthz (baseline)", "/healthz"), ("Today", "/desk"), ("message", "/desk/events/class-letter"),
                 ("Not reached", "/desk/not-reached?event=class-letter&show=undelivered")]
        results = {}
        for round_number in range(args.desk_requests):
            for name, path in pages:
                session = sessions[round_number % len(sessions)]
                if path == "/healthz":
                    start = time.perf_counter()
                    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=30) as response:
                        size = len(response.read())
                    elapsed = time.perf_counter() - start
                else:
                    elapsed, size = session.get(path)
                results.setdefault(name, []).append((elapsed, size))
        # The letter's deliveries by state, from the API: still going out while the pages were measured.
        request = urllib.request.Request(f"http://127.0.0.1:{http_port}/v1/events", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            listing = next(e for e in json.loads(response.read())["events"] if e["id"] == "class-letter")
        report = {"sessions": len(sessions), "rss_before": before["VmRSS"], "rss_after": after["VmRSS"],
                  "letter": listing["deliveries"], "pages": {}}
        baseline = percentile([t for t, _ in results["healthz (baseline)"]], 0.95)
        for name, samples in results.items():
            times = [t for t, _ in samples]
            report["pages"][name] = {"p50_ms": percentile(times, 0.5) * 1000, "p95_ms": percentile(times, 0.95) * 1000,
                                     "ratio_p95": percentile(times, 0.95) / baseline, "bytes": samples[-1][1]}
        return report
    finally:
        daemon.stop(timeout=30)
        sink.terminate()
        sink.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--liaison", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--guardians", type=int, default=2000)
    parser.add_argument("--families", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--acks", type=int, default=5000, help="acknowledgement POSTs in a burst (and guardians of the school)")
    parser.add_argument("--ack-connections", type=int, default=128, help="keep-alive connections the burst uses")
    parser.add_argument("--newsletter", type=int, default=10000, help="guardians the busy-alert newsletter goes to")
    parser.add_argument("--busy-delay", type=float, default=0.2, help="seconds between the newsletter queued and the alert")
    parser.add_argument("--only", choices=["alert", "memory", "acks", "busy-alert", "desk"])
    parser.add_argument("--desk-sessions", type=int, default=50, help="staff sessions signed in for the desk benchmark")
    parser.add_argument("--desk-requests", type=int, default=200, help="requests of each desk page")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.only in (None, "alert"):
        print(f"Alert to {args.guardians} guardians, {args.runs} runs (target: under 1 s)", flush=True)
        alert = alert_benchmark(args)
        print(f"alert: median {alert['median_ms']:.0f} ms, worst {alert['worst_ms']:.0f} ms "
              f"(POST answered after {alert['api_median_ms']:.0f} ms, median)", flush=True)
    if args.only in (None, "acks"):
        print(f"{args.acks} acknowledgement POSTs at once over {args.ack_connections} connections, {args.runs} runs "
              f"(target: all recorded, p99 under 250 ms)", flush=True)
        runs = acks_benchmark(args)
        print(f"acks: recorded {min(r['recorded'] for r in runs)} of {args.acks} (fewest); per-request p99 median "
              f"{statistics.median(r['p99'] for r in runs):.0f} ms, worst {max(r['p99'] for r in runs):.0f} ms; "
              f"wall median {statistics.median(r['wall'] for r in runs):.2f} s", flush=True)
    if args.only in (None, "busy-alert"):
        print(f"Alert to {args.guardians} guardians while a {args.newsletter}-guardian newsletter goes out, {args.runs} runs "
              f"(target: under 1 s; acks p99 under 250 ms)", flush=True)
        for name, summary in busy_alert_benchmark(args).items():
            line = f"busy-alert, {name}: median {summary['median_ms']:.0f} ms, worst {summary['worst_ms']:.0f} ms"
            if "acks_p99_median" in summary:
                line += (f"; acks p99 median {summary['acks_p99_median']:.0f} ms, worst {summary['acks_p99_worst']:.0f} ms, "
                         f"recorded at least {summary['acks_recorded_min']} of {args.acks}")
            print(line, flush=True)
    if args.only in (None, "desk"):
        print(f"Office desk: {args.families} families, a {args.newsletter}-guardian letter going out, {args.desk_sessions} sessions, "
              f"{args.desk_requests} requests a page (target: p95 under 100 ms)", flush=True)
        desk = desk_benchmark(args)
        print(f"  {'page':<20} {'p50 ms':>8} {'p95 ms':>8} {'p95/healthz':>12} {'bytes':>9}", flush=True)
        for name, page in desk["pages"].items():
            print(f"  {name:<20} {page['p50_ms']:>8.1f} {page['p95_ms']:>8.1f} {page['ratio_p95']:>12.1f} {page['bytes']:>9}", flush=True)
        states = ", ".join(f"{state} {count}" for state, count in sorted(desk["letter"].items()) if count)
        print(f"desk: RSS {desk['rss_before']:.0f} MB before {desk['sessions']} sessions, {desk['rss_after']:.0f} MB after; "
              f"the letter's deliveries when measured: {states}", flush=True)
    if args.only in (None, "memory"):
        print(f"Daemon with {args.families} families, {args.runs} runs (target: under 150 MB)", flush=True)
        memory = memory_benchmark(args)
        print(f"memory: RSS {memory['rss_median_mb']:.0f} MB (median; private {memory['anon_median_mb']:.0f} MB), peak {memory['peak_worst_mb']:.0f} MB (worst); "
              f"start-up {memory['startup_median_s']:.2f} s (median)", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "ack-client":
        sys.exit(ack_client_main(sys.argv[2:]))
    sys.exit(main())
