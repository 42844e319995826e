"""Independent judges for the survey test.

links FOLDER: the acknowledgement tokens in the messages the file channel wrote (e-mails parsed with Python's
email package, webhook records as JSON), one JSON object per line: {"token", "language", "file"} (the file named by the delivery key).
calendar FOLDER PREFIX: each e-mail the file channel wrote whose file name starts with PREFIX (a booking's
confirmations), parsed with Python's email package and its attached calendar file with icalendar, one JSON object per
line: {"file", "language", "type", "parts", "text", "events": [{"uid", "start", "status", "sequence", "summary"}]}.
sav FILE: what pyreadstat reads from an SPSS file: rows, columns, variable labels and value labels, as JSON.
"""
import email
import email.policy
import json
import pathlib
import re
import sys

TOKEN = re.compile(r"/a/([A-Za-z0-9_-]{16,})")


def links(folder):
    root = pathlib.Path(folder)
    for path in sorted(root.glob("new/*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        found = TOKEN.search(text)
        if found:
            print(json.dumps({"token": found.group(1), "language": message.get("Content-Language", ""), "file": path.name}))
    for path in sorted(root.glob("webhooks/*/*.json")):
        record = json.loads(path.read_text())
        found = TOKEN.search(record.get("ack_url") or "")
        if found:
            print(json.dumps({"token": found.group(1), "language": record.get("language", ""), "file": path.name}))


def calendar(folder, prefix):
    import icalendar

    for path in sorted(pathlib.Path(folder).glob("new/*.eml")):
        if not path.name.startswith(prefix):
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        events = []
        for part in message.walk():
            if part.get_content_type() != "text/calendar":
                continue
            parsed = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            for event in parsed.walk("VEVENT"):
                events.append({
                    "uid": str(event["UID"]), "start": event.decoded("DTSTART").isoformat(), "status": str(event.get("STATUS", "")),
                    "sequence": int(event.get("SEQUENCE", 0)), "summary": str(event["SUMMARY"]),
                    "filename": part.get_filename(),
                })
        body = message.get_body(preferencelist=("plain",))
        print(json.dumps({
            "file": path.name, "language": message.get("Content-Language", ""), "type": message.get_content_type(),
            "parts": [part.get_content_type() for part in message.walk()], "text": body.get_content() if body else "",
            "events": events,
        }, ensure_ascii=False))


def sav(path):
    import pyreadstat

    # output_format="dict": columns as numpy arrays, without pandas.
    columns, meta = pyreadstat.read_sav(path, output_format="dict")

    def plain(value):
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and value != value:
            return None
        return value

    rows = len(next(iter(columns.values()))) if columns else 0
    print(json.dumps({
        "rows": rows,
        "columns": list(meta.column_names),
        "labels": dict(zip(meta.column_names, meta.column_labels)),
        "value_labels": {name: {str(int(k)): v for k, v in labels.items()} for name, labels in meta.variable_value_labels.items()},
        "data": [{name: plain(columns[name][index]) for name in meta.column_names} for index in range(rows)],
    }, ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1] == "calendar":
        calendar(sys.argv[2], sys.argv[3])
    else:
        {"links": links, "sav": sav}[sys.argv[1]](sys.argv[2])
