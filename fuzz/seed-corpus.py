#!/usr/bin/env python3
"""Writes fuzz/corpus/<target>/ from the repository's own examples, templates, locales and test fixtures.

Run from anywhere: python3 fuzz/seed-corpus.py. The files are small (each under the target's -max_len in
scripts/fuzz.sh) and committed; rerun after the examples change and commit what differs. Seeds written by hand
(names starting with "hand-") are left alone.
"""
import html
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SEP = "\n%%\n"  # the part separator of FuzzInput
LIMIT = 12_000  # bytes per seed, under every target's -max_len


def text(path):
    # surrogateescape keeps the bytes of a deliberately broken file (broken-school has a Latin-1 one).
    return (ROOT / path).read_bytes().decode("utf-8", "surrogateescape")


def write(target, name, content):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content
    (folder / name).write_bytes(data[:LIMIT])


def clear(target):
    folder = CORPUS / target
    if folder.exists():
        for path in folder.iterdir():
            if not path.name.startswith("hand-"):
                path.unlink()


def head_lines(content, count):
    return "".join(content.splitlines(keepends=True)[:count])


# csv: single files, and the four roster files (+ progress) of each example school as one input.
clear("csv")
schools = {
    "demo": "examples/demo-school",
    "broken": "examples/broken-school",
    "golden": "Tests/LiaisonCheckTests/Fixtures/golden-school",
}
for school, folder in schools.items():
    files = [f"{folder}/roster/{name}.csv" for name in ("families", "guardians", "students", "guardianships")]
    files.append(f"{folder}/progress.csv")
    parts = [head_lines(text(path), 25) for path in files]
    write("csv", f"roster-{school}.csv", SEP.join(parts))
    for path in files:
        write("csv", f"{school}-{pathlib.Path(path).name}", text(path))
for path in sorted((ROOT / "examples/demo-school/oneroster").glob("*.csv")):
    write("csv", f"oneroster-{path.name}", head_lines(path.read_bytes().decode("utf-8", "surrogateescape"), 40))

# config: liaison.yaml and events.yaml of each school as one input; each file alone too.
clear("config")
for school, folder in schools.items():
    config, events = text(f"{folder}/liaison.yaml"), text(f"{folder}/events.yaml")
    write("config", f"{school}.yaml", config + SEP + events)
    write("config", f"{school}-events.yaml", events)
write("config", "sis.yaml", text("examples/demo-school/liaison-sis.yaml"))

# ical: every calendar in the repository.
clear("ical")
for path in ["examples/demo-school/calendar.ics"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "Tests/LiaisonInputsTests/Fixtures/calendars").glob("*.ics")
):
    write("ical", pathlib.Path(path).parent.name + "-" + pathlib.Path(path).name, text(path))

# xliff: each catalog cut to its first units (still well-formed), a source and a translation as one input.
clear("xliff")
UNIT = re.compile(r"(?s)<unit\b.*?</unit>\s*|<trans-unit\b.*?</trans-unit>\s*")


def cut(content, units):
    found = list(UNIT.finditer(content))
    if len(found) <= units:
        return content
    start, end = found[0].start(), found[units - 1].end()
    last = found[-1].end()
    return content[:end] + content[last:]


catalogs = sorted((ROOT / "locales").glob("*.xliff")) + sorted((ROOT / "examples/broken-school/locales").glob("*.xliff"))
catalogs.append(ROOT / "Tests/LiaisonCheckTests/Fixtures/locales-extra/cy.xliff")
for path in catalogs:
    prefix = "broken-" if "broken-school" in str(path) else "extra-" if "locales-extra" in str(path) else ""
    write("xliff", prefix + path.name, cut(path.read_bytes().decode("utf-8", "surrogateescape"), 12))
write("xliff", "pair-en-ar.xliff", cut(text("locales/en.xliff"), 6) + SEP + cut(text("locales/ar.xliff"), 6))

# render: each template's HTML with its layout as partial p and another partial as q, one catalog message.
clear("render")
PARTIAL = re.compile(r"\{\{\s*([<>])\s*([\w.-]+)\s*\}\}")
SOURCE = re.compile(r"(?s)<(source|target)>(.*?)</\1>")
messages = []
for name in ("en", "ar", "pl", "cy"):
    path = ROOT / "locales" / f"{name}.xliff"
    if path.exists():
        messages += [html.unescape(m.group(2)) for m in SOURCE.finditer(path.read_bytes().decode("utf-8", "surrogateescape"))]
messages = [m for m in messages if "{" in m]
templates = sorted(p for p in (ROOT / "templates").iterdir() if p.is_dir() and p.name != "_partials")
for index, folder in enumerate(templates):
    html_text = text(folder / "html.mustache")
    used = [m.group(2) for m in PARTIAL.finditer(html_text)]
    names = {}
    for partial in used:
        names.setdefault(partial, "p" if not names else "q")
    partials = {}
    for partial, short in names.items():
        if short in partials.values():
            continue
        file = ROOT / "templates/_partials" / f"{partial}.mustache"
        partials[short] = text(file) if file.exists() else ""
    body = PARTIAL.sub(lambda m: "{{" + m.group(1) + names.get(m.group(2), "q") + "}}", html_text)
    body = body.replace("{{t.common.greeting}}", "{{t.fuzz.msg}}", 1)  # the message the input gives
    subject = text(folder / "subject.mustache")
    parts = [body, partials.get("p", ""), messages[index % len(messages)], partials.get("q", ""), subject]
    if (folder / "text.mustache").exists():
        parts.append(PARTIAL.sub("{{>q}}", text(folder / "text.mustache")))
    write("render", f"{folder.name}.mustache", SEP.join(parts))
for index, message in enumerate(messages[:40]):
    write("render", f"message-{index:02d}.txt", "<p>{{t.fuzz.msg}}</p>{{#students}}<p>{{t.fuzz.msg}}</p>{{/students}}" + SEP + SEP + message)
print("corpus written to", CORPUS)
