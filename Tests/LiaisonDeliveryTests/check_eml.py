#!/usr/bin/env python3
"""Judge for MIMEBuilder output: parses each message with Python's email package and checks it against expectations.

Usage: check_eml.py DIR   (DIR holds cases.json and the .eml files it names)
Prints one line per problem and exits 1 if there are any.
"""
import base64
import binascii
import email
import email.policy
import json
import os
import re
import sys
from email.header import decode_header, make_header
from email.utils import getaddresses

ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=")
ADJACENT_WORDS = re.compile(r"\?=\s+=\?")


def check_raw(name, data, problems):
    def bad(msg):
        problems.append(f"{name}: {msg}")

    if any(b > 0x7F for b in data):
        bad("non-ASCII byte in the message")
    if re.search(rb"\r(?!\n)|(?<!\r)\n", data):
        bad("bare CR or LF")
    if not data.endswith(b"\r\n"):
        bad("message does not end with CRLF")
    lines = data.split(b"\r\n")
    in_header = True
    for number, line in enumerate(lines, 1):
        if len(line) > 998:
            bad(f"line {number} is {len(line)} octets (> 998)")
        if in_header:
            if line == b"":
                in_header = False
                continue
            if len(line) > 78:
                bad(f"header line {number} is {len(line)} octets (> 78): {line[:90]!r}")
            if ENCODED_WORD.search(line) and len(line) > 76:
                bad(f"header line {number} holds an encoded word and is {len(line)} octets (> 76)")
            if line[:1] in (b" ", b"\t") and not line.strip():
                bad(f"header line {number} is only white space")
        elif len(line) > 76:
            bad(f"body line {number} is {len(line)} octets (> 76)")
    header = data.split(b"\r\n\r\n", 1)[0]
    for match in ENCODED_WORD.finditer(header):
        word = match.group(0)
        if len(word) > 75:
            bad(f"encoded word longer than 75: {word!r}")
        if match.group(1).lower() != b"utf-8":
            bad(f"encoded word charset {match.group(1)!r}")
        text = match.group(3)
        try:
            if match.group(2) in b"Bb":
                raw = base64.b64decode(text, validate=True)
            else:
                raw = binascii.a2b_qp(text.replace(b"_", b" "))
            raw.decode("utf-8")  # strict: a UTF-8 sequence split across words fails here
        except (ValueError, UnicodeDecodeError) as error:
            bad(f"encoded word {word!r} does not decode on its own: {error}")


def mailboxes(header):
    if header is None:
        return None
    return [[a.display_name, a.addr_spec] for a in header.addresses]


def legacy_mailboxes(raw):
    """The same mailboxes through the older parser (email.utils + email.header), which joins adjacent encoded
    words the RFC 2047 way (section 6.2: white space between them is dropped)."""
    if raw is None:
        return None
    return [[str(make_header(decode_header(name))), address] for name, address in getaddresses([raw])]


def same_mailboxes(got, want, raw):
    """policy.default, allowing only CPython gh-128110 (fixed after 3.13): in a display name it keeps the white
    space between adjacent encoded words, so a space the builder put at the end of one word shows up doubled."""
    if got == want or got is None or want is None or len(got) != len(want):
        return got == want
    adjacent = ADJACENT_WORDS.search(raw or "") is not None
    return all(
        g[1] == w[1] and (g[0] == w[0] or (adjacent and " ".join(g[0].split()) == " ".join(w[0].split())))
        for g, w in zip(got, want)
    )


def check_message(case, data, problems):
    name = case["file"]

    def expect(what, got, want):
        if got != want:
            problems.append(f"{name}: {what}: got {got!r}, expected {want!r}")

    msg = email.message_from_bytes(data, policy=email.policy.default)
    for part in msg.walk():
        if part.defects:
            problems.append(f"{name}: defects in {part.get_content_type()}: {part.defects}")
        for field, value in part.items():
            if getattr(value, "defects", ()):
                problems.append(f"{name}: defects in header {field}: {value.defects}")

    expect("Subject", msg["subject"], case["subject"])
    raw = email.message_from_bytes(data, policy=email.policy.compat32)
    for field, want in (
        ("From", [case["from"]]),
        ("To", case["to"]),
        ("Reply-To", [case["replyTo"]] if case.get("replyTo") else None),
    ):
        expect(f"{field} (email.header)", legacy_mailboxes(raw[field]), want)
        got = mailboxes(msg[field])
        if not same_mailboxes(got, want, raw[field]):
            expect(field, got, want)
    expect("Date", msg["date"], case["date"])
    expect("Message-ID", msg["message-id"], case["messageID"])
    expect("MIME-Version", msg["mime-version"], "1.0")
    expect("Content-Language", msg["content-language"], case.get("language"))
    for field in ("subject", "from", "to", "date", "message-id", "mime-version", "content-type"):
        expect(f"count of {field}", len(msg.get_all(field, [])), 1)

    html = case.get("html")
    calendar = case.get("calendar")
    letter = msg
    if calendar is not None:
        # The letter first, then the calendar file as an attachment (RFC 2046 multipart/mixed).
        expect("Content-Type", msg.get_content_type(), "multipart/mixed")
        parts = list(msg.iter_parts())
        expect("count of parts", len(parts), 2)
        letter = parts[0]
        attachment = parts[-1]
        expect("attachment type", attachment.get_content_type(), "text/calendar")
        expect("attachment method", attachment.get_param("method"), "PUBLISH")
        expect("attachment disposition", attachment.get_content_disposition(), "attachment")
        expect("attachment name", attachment.get_filename(), "meetings.ics")
        expect("attachment content", attachment.get_payload(decode=True), calendar.encode("utf-8"))
        try:
            import icalendar
            parsed = icalendar.Calendar.from_ical(attachment.get_payload(decode=True))
            events = [component for component in parsed.walk("VEVENT")]
            expect("calendar events", len(events), 1)
            expect("calendar summary", str(events[0]["SUMMARY"]), "Kulanka waalidiinta iyo macallimiinta – fasalka 3A (Khamiista)ee dugsiga")
        except ImportError:
            problems.append(f"{name}: the icalendar package is missing (pip install icalendar)")
    if html is None:
        expect("Content-Type", letter.get_content_type(), "text/plain")
        expect("multipart", letter.is_multipart(), False)
    else:
        expect("Content-Type", letter.get_content_type(), "multipart/alternative")
        expect("parts", [p.get_content_type() for p in letter.iter_parts()], ["text/plain", "text/html"])
    for part in msg.walk():
        if part.get_content_maintype() == "text" and part.get_content_type() != "text/calendar":
            expect(f"charset of {part.get_content_type()}", part.get_content_charset(), "utf-8")
            expect(
                f"encoding of {part.get_content_type()}",
                part["content-transfer-encoding"] in ("quoted-printable", "base64"),
                True,
            )

    # Python hands quoted-printable text back with LF but base64 text with the CRLF it carries; compare as LF.
    def content(kind):
        body = msg.get_body((kind,))
        return None if body is None else body.get_content().replace("\r\n", "\n")

    expect("text body", content("plain"), case["text"])
    if html is not None:
        expect("html body", content("html"), html)

    kind = case["class"]
    newsletter = kind == "newsletter"
    alert = kind == "alert"
    expect("List-Unsubscribe", msg["list-unsubscribe"], f"<{case['unsubscribe']}>" if newsletter else None)
    expect("List-Unsubscribe-Post", msg["list-unsubscribe-post"], "List-Unsubscribe=One-Click" if newsletter else None)
    expect("Auto-Submitted", msg["auto-submitted"], "auto-generated" if alert else None)
    expect("Importance", msg["importance"], "high" if alert else None)
    expect("X-Priority", msg["x-priority"], "1" if alert else None)
    expect("Priority", msg["priority"], "urgent" if alert else None)
    for field, value in case.get("extra", []):
        expect(f"extra header {field}", msg[field], value)


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)
    problems = []
    for case in cases:
        with open(os.path.join(directory, case["file"]), "rb") as f:
            data = f.read()
        check_raw(case["file"], data, problems)
        check_message(case, data, problems)
    for problem in problems:
        print(problem)
    print(f"checked {len(cases)} messages, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
