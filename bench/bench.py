#!/usr/bin/env python3
"""Generates the benchmark schools, runs `liaison send` under /usr/bin/time -v, and prints the table.

Called by bench/run.sh, which installs, builds and starts the SMTP and HTTP sinks.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

LANGUAGES = ["en", "ar", "ru", "pl", "zh-Hant", "vi", "so", "es", "fa", "uk"]
EVENT = "open-day"


def write_school(folder, variant, guardians, root, smtp_port, http_port):
    """A school of `guardians` families with one guardian and one child each (like SchoolFixture.swift)."""
    roster = os.path.join(folder, "roster")
    os.makedirs(roster, exist_ok=True)
    families = ["family_id,family_name"]
    if variant == "email":
        people = ["guardian_id,family_id,given_name,family_name,email,language"]
    else:
        people = ["guardian_id,family_id,given_name,family_name,phone,language,channels"]
    students = ["student_id,given_name,family_name,grade,class"]
    links = ["guardian_id,student_id,relationship,primary"]
    for index in range(guardians):
        id = f"{index:05d}"
        language = LANGUAGES[index % len(LANGUAGES)]
        families.append(f"F{id},Family {id}")
        if variant == "email":
            people.append(f"G{id},F{id},Parent,{id},parent{id}@example.net,{language}")
        else:
            people.append(f"G{id},F{id},Parent,{id},+4477009{index:05d},{language},sms")
        students.append(f"S{id},Child,{id},{index % 6 + 1},{index % 6 + 1}A")
        links.append(f"G{id},S{id},parent,yes")
    for name, rows in [("families", families), ("guardians", people), ("students", students), ("guardianships", links)]:
        with open(os.path.join(roster, f"{name}.csv"), "w", encoding="utf-8") as file:
            file.write("\n".join(rows) + "\n")
    with open(os.path.join(folder, "events.yaml"), "w", encoding="utf-8") as file:
        file.write(f"""events:
  - id: {EVENT}
    kind: announcement
    title: Open Day
    start: 2030-06-12T09:30
    end: 2030-06-12T12:00
    location: Main hall
    audience: everyone
    template: announcement
""")
    if variant == "email":
        channels = f"""channels:
  email:
    from: office@load.example
    relays:
      - name: smtp-sink
        url: smtp://127.0.0.1:{smtp_port}/liaison.bench
        tls: none
        max_connections: 16
"""
    else:
        channels = f"""channels:
  webhooks:
    - name: nginx
      kinds: [sms]
      url: http://127.0.0.1:{http_port}/v1/messages
      template: {os.path.join(root, "bench", "sms.json.mustache")}
      secret_env: BENCH_WEBHOOK_SECRET
      max_connections: 16
      timeout: 15s
"""
    with open(os.path.join(folder, "liaison.yaml"), "w", encoding="utf-8") as file:
        file.write(school_config(root, "Load Test School", "load.example", channels + "store:\n  sqlite: state/outbox.sqlite\n"))


def school_config(root, name, domain, rest):
    """A benchmark school's liaison.yaml: the school, the roster files, events.yaml, the repository's templates and
    locales, then `rest` (channels, store, server, ...)."""
    return f"""school:
  name: {name}
  default_locale: en-GB
  time_zone: Europe/London
  base_url: https://liaison.{domain}
  contact:
    email: office@{domain}
    phone: "+44 20 7946 0000"
roster:
  families: roster/families.csv
  guardians: roster/guardians.csv
  students: roster/students.csv
  guardianships: roster/guardianships.csv
schedule: events.yaml
templates: {os.path.join(root, "templates")}
locales: {os.path.join(root, "locales")}
{rest}"""


def parse_time(path):
    """The fields of `/usr/bin/time -v` we report."""
    values = {}
    with open(path, encoding="utf-8", errors="replace") as file:
        for line in file:
            key, _, value = line.strip().rpartition(": ")
            values[key] = value
    wall = values.get("Elapsed (wall clock) time (h:mm:ss or m:ss)", "0:0")
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    return {
        "wall": seconds,
        "user": float(values.get("User time (seconds)", "0")),
        "sys": float(values.get("System time (seconds)", "0")),
        "rss_mb": int(values.get("Maximum resident set size (kbytes)", "0")) / 1024,
        "cpu_percent": values.get("Percent of CPU this job got", "?"),
        "ctx_vol": int(values.get("Voluntary context switches", "0")),
        "ctx_invol": int(values.get("Involuntary context switches", "0")),
    }


def smtp_sink_count(path):
    """The last `mesg=N` counter smtp-sink -c wrote."""
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            found = re.findall(r"mesg=(\d+)", file.read())
        return int(found[-1]) if found else 0
    except OSError:
        return None


def nginx_count(url):
    """Requests nginx has handled (stub_status), or None without the module."""
    if not url:
        return None
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            text = reply.read().decode()
        return int(text.splitlines()[2].split()[2])
    except Exception:
        return None


def process_cpu(pid):
    """User + system seconds a process has used so far (from /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def tree_cpu(pid):
    """``process_cpu`` of a process and its children (nginx's master and its worker)."""
    total = process_cpu(pid)
    if total is None:
        return None
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as file:
            children = [int(child) for child in file.read().split()]
    except OSError:
        children = []
    return total + sum(process_cpu(child) or 0.0 for child in children)


def sink_pid(args, variant):
    return args.smtp_pid if variant == "email" else args.http_pid


def run_once(args, variant, folder, number):
    shutil.rmtree(os.path.join(folder, "state"), ignore_errors=True)  # a fresh outbox for every run
    shutil.rmtree(os.path.join(folder, ".liaison"), ignore_errors=True)
    time_file = os.path.join(args.work, f"time-{variant}-{number}.txt")
    log_file = os.path.join(args.work, f"liaison-{variant}-{number}.log")
    command = ["/usr/bin/time", "-v", "-o", time_file, args.liaison, "send", EVENT, "--config", os.path.join(folder, "liaison.yaml")]
    before = smtp_sink_count(args.smtp_log) if variant == "email" else nginx_count(args.http_status)
    sink_before = tree_cpu(sink_pid(args, variant))
    phases = {}
    lines = []
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    # Standard error is unbuffered: a timestamp per line splits the run into load / render+enqueue / deliver.
    for line in process.stderr:
        now = time.monotonic() - start
        lines.append(line)
        if line.startswith("channel ") and "loaded" not in phases:
            phases["loaded"] = now
        elif line.startswith("Queued "):
            phases["queued"] = now
    stdout = process.stdout.read()
    status = process.wait()
    end = time.monotonic() - start
    with open(log_file, "w", encoding="utf-8") as file:
        file.write("".join(lines) + stdout)
    measured = parse_time(time_file)
    summary = re.search(r"^(\d+) deliveries: (.*)$", stdout, re.M)
    counts = {state: int(n) for n, state in re.findall(r"(\d+) (\w+)", summary.group(2))} if summary else {}
    if variant == "email":
        time.sleep(0.2)  # smtp-sink writes its counters when a session ends
        after = smtp_sink_count(args.smtp_log)
    else:
        after = nginx_count(args.http_status)
    sink_after = tree_cpu(sink_pid(args, variant))
    received = after - before if before is not None and after is not None else None
    if variant == "sms" and received is not None:
        received -= 1  # the status request itself
    sent = counts.get("sent", 0)
    problems = []
    if status != 0:
        problems.append(f"liaison exited with {status}")
    if sent != args.guardians:
        problems.append(f"{sent} of {args.guardians} sent ({summary.group(0) if summary else 'no summary'})")
    if received is not None and received < sent:
        problems.append(f"the sink counted only {received} of {sent}")
    loaded = phases.get("loaded", float("nan"))
    queued = phases.get("queued", float("nan"))
    return {
        **measured,
        "sent": sent,
        "failed": counts.get("failed", 0),
        "received": received,
        "rate": sent / measured["wall"] if measured["wall"] else 0.0,
        "load": loaded,
        "enqueue": queued - loaded,
        "deliver": end - queued,
        "sink_cpu": sink_after - sink_before if sink_before is not None and sink_after is not None else None,
        "problems": problems,
        "log": log_file,
    }


def curl_baseline(args):
    """The curl CLI posting the same number of bodies to nginx: once over one connection, once over 16."""
    body = os.path.join(args.work, "curl-body.json")
    with open(body, "w") as file:
        file.write('{"to": "+447700900001", "name": "Parent 00001", "text": "Open Day", "language": "ar", "event": "open-day", "channel": "sms"}')
    config = os.path.join(args.work, "curl.cfg")
    with open(config, "w") as file:
        for _ in range(args.guardians):
            file.write(f'url = "http://127.0.0.1:{args.http_port}/v1/messages"\noutput = "/dev/null"\n')
    results = []
    for label, extra in [("curl, 1 connection", []), ("curl --parallel 16", ["--parallel", "--parallel-max", "16"])]:
        before = nginx_count(args.http_status)
        start = time.monotonic()
        subprocess.run(["curl", "-sS", "--no-progress-meter", "--fail", "-H", "Content-Type: application/json", "--data-binary", f"@{body}", *extra, "-K", config],
                       check=True, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - start
        after = nginx_count(args.http_status)
        note = f" (nginx counted {after - before - 1})" if before is not None and after is not None else ""
        results.append(f"  {label:<22} {args.guardians} POSTs in {wall:6.2f} s = {args.guardians / wall:8.0f} req/s{note}")
    return results


def smtp_baseline(args):
    """postfix's smtp-source sending as many messages of about the size of liaison's to the same smtp-sink over 16
    sessions: the transport's ceiling on this machine, without rendering, MIME or an outbox."""
    source = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    if not os.path.exists(source):
        return ["  smtp-source not found"]
    before_sink = process_cpu(args.smtp_pid)
    before_self = os.times()
    start = time.monotonic()
    subprocess.run([source, "-s", "16", "-m", str(args.guardians), "-l", "6000", "-f", "office@load.example",
                    "-t", "parent@example.net", f"127.0.0.1:{args.smtp_port}"], check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - start
    after_self = os.times()
    after_sink = process_cpu(args.smtp_pid)
    client = (after_self.children_user - before_self.children_user) + (after_self.children_system - before_self.children_system)
    sink = f", smtp-sink {after_sink - before_sink:.2f} s CPU" if before_sink is not None and after_sink is not None else ""
    return [f"  smtp-source -s 16 -l 6000 {args.guardians} messages in {wall:6.2f} s = {args.guardians / wall:8.0f} msg/s "
            f"(client {client:.2f} s CPU{sink})"]


def main():
    parser = argparse.ArgumentParser()
    for name in ["liaison", "root", "work", "smtp-log", "http-status"]:
        parser.add_argument(f"--{name}", default="")
    for name in ["smtp-port", "http-port", "guardians", "runs", "curl"]:
        parser.add_argument(f"--{name}", type=int, required=True)
    for name in ["smtp-pid", "http-pid"]:
        parser.add_argument(f"--{name}", type=int, default=0)
    args = parser.parse_args()

    header = (f"{'variant':<8} {'run':>3} {'messages':>8} {'wall s':>7} {'msg/s':>7} {'RSS MB':>7} {'user s':>7} {'sys s':>6} "
              f"{'cpu s':>6} {'CPU%':>5} │ {'load s':>6} {'render+queue s':>14} {'deliver s':>9} {'sink got':>8} {'sink cpu s':>10}")
    rows = []
    summaries = []
    failures = []
    for variant in ["email", "sms"]:
        folder = os.path.join(args.work, f"school-{variant}")
        write_school(folder, variant, args.guardians, args.root, args.smtp_port, args.http_port)
        rates = []
        for number in range(1, args.runs + 1):
            print(f"… {variant} run {number}/{args.runs}", file=sys.stderr, flush=True)
            result = run_once(args, variant, folder, number)
            rates.append(result["rate"])
            rows.append(
                f"{variant:<8} {number:>3} {result['sent']:>8} {result['wall']:>7.2f} {result['rate']:>7.0f} {result['rss_mb']:>7.1f} "
                f"{result['user']:>7.2f} {result['sys']:>6.2f} {result['user'] + result['sys']:>6.2f} {result['cpu_percent']:>5} │ "
                f"{result['load']:>6.2f} {result['enqueue']:>14.2f} {result['deliver']:>9.2f} "
                f"{result['received'] if result['received'] is not None else '-':>8} "
                f"{format(result['sink_cpu'], '.2f') if result['sink_cpu'] is not None else '-':>10}")
            if result["problems"]:
                failures.append(f"{variant} run {number}: " + "; ".join(result["problems"]) + f" (log: {result['log']})")
                with open(result["log"], encoding="utf-8") as file:
                    tail = file.read().splitlines()[-25:]
                print("\n".join(tail), file=sys.stderr)
        kind = "emails" if variant == "email" else "signed webhooks"
        summaries.append(f"{variant:<8} {kind}: median {statistics.median(rates):.0f} msg/s, worst {min(rates):.0f} msg/s over {len(rates)} run(s)")

    cpus = os.cpu_count()
    print(f"liaison send {EVENT}: {args.guardians} guardians, {cpus} CPU(s), {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(header)
    print("\n".join(rows))
    print()
    print("\n".join(summaries))
    if args.curl:
        print("SMTP baseline (no rendering, no MIME, no outbox):")
        try:
            print("\n".join(smtp_baseline(args)))
        except (subprocess.CalledProcessError, OSError) as error:
            print(f"  smtp-source baseline failed: {error}")
        print("HTTP baseline (no rendering, no signing, no outbox):")
        try:
            print("\n".join(curl_baseline(args)))
        except (subprocess.CalledProcessError, OSError) as error:
            print(f"  curl baseline failed: {error}")
    if failures:
        print()
        print("FAILED:")
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
