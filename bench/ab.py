#!/usr/bin/env python3
"""A/B: two `liaison` binaries alternately sending one generated email school to postfix's smtp-sink.

    python3 bench/ab.py BEFORE AFTER [GUARDIANS] [ROUNDS]

Each round runs BEFORE then AFTER, each on a fresh state folder, and prints wall and user CPU seconds; then the
medians and the AFTER/BEFORE wall ratio. Alternating in one run keeps the ratio meaningful on a host whose speed
varies (see README.md). Build a binary with `swift build -c release --product liaison --static-swift-stdlib` and
copy `.build/release/liaison` aside before building the other.
"""
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
before_binary, after_binary = sys.argv[1], sys.argv[2]
guardians = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 4

probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
sink_binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
user = ["-u", "root"] if os.geteuid() == 0 else []
sink = subprocess.Popen([sink_binary, "-c", *user, f"127.0.0.1:{port}", "256"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
work = tempfile.mkdtemp(prefix="liaison-ab-")
folder = os.path.join(work, "school")
results = {"before": [], "after": []}
try:
    time.sleep(0.5)
    bench.write_school(folder, "email", guardians, root, port, 0)
    for number in range(1, rounds + 1):
        for name, binary in [("before", before_binary), ("after", after_binary)]:
            for state in ["state", ".liaison"]:
                shutil.rmtree(os.path.join(folder, state), ignore_errors=True)
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.monotonic()
            run = subprocess.run(
                [binary, "send", bench.EVENT, "--config", os.path.join(folder, "liaison.yaml"), "--force"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = time.monotonic() - start
            cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - usage.ru_utime
            if run.returncode != 0:
                sys.exit(f"{name} exited {run.returncode}:\n{run.stderr[-2000:]}")
            results[name].append((wall, cpu))
            print(f"round {number} {name:<6}: {wall:5.2f} s wall, {cpu:5.2f} s user, {guardians / wall:6.0f} msg/s", flush=True)
finally:
    sink.terminate()
    shutil.rmtree(work, ignore_errors=True)
for name, runs in results.items():
    wall = statistics.median(w for w, _ in runs)
    print(f"{name:<6}: median {wall:.2f} s wall ({guardians / wall:.0f} msg/s), median {statistics.median(c for _, c in runs):.2f} s user")
ratio = statistics.median(w for w, _ in results["after"]) / statistics.median(w for w, _ in results["before"])
print(f"after/before wall ratio: {ratio:.3f}")
