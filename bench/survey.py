"""Benchmark: drawing a semester survey's sample and inviting it, on a generated school (bench/survey.sh).

For N families (one guardian and one child each, 20 classes per grade, languages cycling), it measures with
/usr/bin/time, in one run and on one machine:
  load    `liaison survey list`: loading the school (the baseline every command pays)
  draw    `liaison survey sample autumn --format json`: loading and drawing 30 % of every class (not kept)
  invite  `liaison send autumn`: loading, drawing and keeping the sample, rendering, queuing and delivering the
          invitations to smtp-sink
  plain   `liaison send plain`: the same number of families reached by an announcement to whole classes (no
          sample), the baseline for the invitation
and prints each one's wall time and peak memory, the draw's cost over loading, and the invitation's messages per
second against the announcement's.
"""
import json
import os
import re
import subprocess
import sys
import time

from bench import school_config  # bench/bench.py: the benchmark schools' liaison.yaml

LANGUAGES = ["en", "ar", "ru", "pl", "zh-Hant", "vi", "so", "es", "fa", "uk"]


def write_school(folder, families, root, smtp_port):
    roster = os.path.join(folder, "roster")
    os.makedirs(roster, exist_ok=True)
    os.makedirs(os.path.join(folder, "forms"), exist_ok=True)
    rows = {"families": ["family_id,family_name"], "guardians": ["guardian_id,family_id,given_name,family_name,email,language"],
            "students": ["student_id,given_name,family_name,grade,class"], "guardianships": ["guardian_id,student_id,relationship,primary"]}
    classes = [f"{grade}{chr(65 + letter)}" for grade in range(1, 7) for letter in range(20)]
    for index in range(families):
        id = f"{index:06d}"
        class_name = classes[index % len(classes)]
        rows["families"].append(f"F{id},Family {id}")
        rows["guardians"].append(f"G{id},F{id},Parent,{id},parent{id}@example.net,{LANGUAGES[index % len(LANGUAGES)]}")
        rows["students"].append(f"S{id},Child,{id},{class_name[0]},{class_name}")
        rows["guardianships"].append(f"G{id},S{id},parent,yes")
    for name, lines in rows.items():
        with open(os.path.join(roster, f"{name}.csv"), "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")
    # The announcement's audience: as many whole classes as hold 30 % of the families (36 of 120).
    plain_classes = ", ".join(classes[:36])
    with open(os.path.join(folder, "events.yaml"), "w", encoding="utf-8") as file:
        file.write(f"""events:
  - id: autumn
    kind: survey
    title: Autumn survey of families
    start: 2030-12-18T17:00
    audience: everyone
    template: survey
    form: forms/autumn.yaml
    semester: 2030-autumn
    sample:
      fraction: 30%
      stratum: class
  - id: plain
    kind: announcement
    title: Open Day
    start: 2030-12-18T17:00
    audience:
      classes: [{plain_classes}]
    template: announcement
""")
    with open(os.path.join(root, "examples", "demo-school", "forms", "autumn-survey.yaml"), encoding="utf-8") as source:
        form = source.read()
    with open(os.path.join(folder, "forms", "autumn.yaml"), "w", encoding="utf-8") as file:
        file.write(form)
    with open(os.path.join(folder, "liaison.yaml"), "w", encoding="utf-8") as file:
        file.write(school_config(root, "Survey Bench School", "survey.example", f"""channels:
  email:
    from: office@survey.example
    relays:
      - name: smtp-sink
        url: smtp://127.0.0.1:{smtp_port}/liaison.bench
        tls: none
        max_connections: 16
store:
  sqlite: state/liaison.sqlite
"""))


def measure(liaison, arguments, folder, name):
    """Runs liaison under /usr/bin/time -v; returns wall seconds, peak RSS in MB and the standard output."""
    timing = os.path.join(folder, f"{name}.time")
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-v", "-o", timing, liaison] + arguments + ["--config", os.path.join(folder, "liaison.yaml")],
                            capture_output=True, text=True)
    wall = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"{name} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    with open(timing) as file:
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", file.read()).group(1)) / 1024
    return wall, rss, result.stdout, result.stderr


def sent(stdout):
    """The `sent` count of `liaison send`'s summary line (`N deliveries: X sent, ...`)."""
    summary = re.search(r"^(\d+) deliveries: (.*)$", stdout, re.M)
    counts = {state: int(n) for n, state in re.findall(r"(\d+) (\w+)", summary.group(2))} if summary else {}
    return counts.get("sent", 0)


def main():
    liaison, root, folder, families, smtp_port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    write_school(folder, families, root, smtp_port)
    load = measure(liaison, ["survey", "list"], folder, "load")
    draw = measure(liaison, ["survey", "sample", "autumn", "--format", "json"], folder, "draw")
    households = len(json.loads(draw[2])["draw"]["households"])
    invite = measure(liaison, ["send", "autumn", "--force"], folder, "invite")
    plain = measure(liaison, ["send", "plain", "--force"], folder, "plain")
    kept = measure(liaison, ["survey", "sample", "autumn", "--format", "json"], folder, "kept")
    kept_households = len(json.loads(kept[2])["draw"]["households"])
    if kept_households != households:
        sys.exit(f"the kept sample ({kept_households}) is not the draw shown before the invitation ({households})")
    print(f"{families} families; sample {households} households ({households / families:.1%})")
    print(f"{'step':8} {'wall s':>8} {'peak MB':>8}  what")
    for name, (wall, rss, _, _), what in [
        ("load", load, "liaison survey list"), ("draw", draw, "survey sample --format json (not kept)"),
        ("invite", invite, f"send autumn: {sent(invite[2])} sent"), ("plain", plain, f"send plain: {sent(plain[2])} sent"),
    ]:
        print(f"{name:8} {wall:8.2f} {rss:8.1f}  {what}")
    print(f"draw over load: {draw[0] - load[0]:+.2f} s ({draw[0] / load[0]:.2f}x the load's wall time)")
    invite_rate = sent(invite[2]) / invite[0] if invite[0] else 0
    plain_rate = sent(plain[2]) / plain[0] if plain[0] else 0
    if plain_rate:
        print(f"invitations {invite_rate:.0f} msg/s, announcement {plain_rate:.0f} msg/s: {invite_rate / plain_rate:.2f}x")


if __name__ == "__main__":
    main()
