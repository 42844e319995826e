#!/usr/bin/env python3
"""Independent judge of Liaison's calendar expansion.

Expands an iCalendar file with the PyPI packages `icalendar` and `recurring-ical-events` and prints one
occurrence per line, sorted, as `UID<TAB>start<TAB>end`:

- all-day occurrences: dates (`2027-06-11`);
- timed occurrences: UTC instants (`2027-06-11T08:30:00Z`), with their end; floating times are read in --zone.

Only occurrences whose start lies in [--from, --to) are printed (all-day ones by their midnight in --zone);
cancelled occurrences (STATUS:CANCELLED) are left out.

usage: ical_occurrences.py FILE --from 2026-11-23T00:00:00Z --to 2028-11-23T00:00:00Z --zone Europe/London
"""
import argparse
import datetime as dt
import sys
import zoneinfo

import icalendar
import recurring_ical_events


def instant(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def describe(value, zone):
    """(key for the window, printed text)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        utc = value.astimezone(dt.timezone.utc)
        return utc, utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    midnight = dt.datetime(value.year, value.month, value.day, tzinfo=zone)
    return midnight.astimezone(dt.timezone.utc), value.isoformat()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--zone", required=True)
    args = parser.parse_args()
    zone = zoneinfo.ZoneInfo(args.zone)
    start, end = instant(args.start), instant(args.end)
    with open(args.file, "rb") as handle:
        calendar = icalendar.Calendar.from_ical(handle.read())
    margin = dt.timedelta(days=2)
    lines = set()
    for event in recurring_ical_events.of(calendar).between(start - margin, end + margin):
        # recurring-ical-events keeps a cancelled occurrence (an override with STATUS:CANCELLED) with its status;
        # it is not an occurrence.
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        key, text = describe(event["DTSTART"].dt, zone)
        if not (start <= key < end):
            continue
        finish = ""
        if isinstance(event["DTSTART"].dt, dt.datetime) and "DTEND" in event and event["DTEND"].dt != event["DTSTART"].dt:
            finish = describe(event["DTEND"].dt, zone)[1]
        lines.add(f"{event['UID']}\t{text}\t{finish}")
    sys.stdout.write("".join(line + "\n" for line in sorted(lines)))


if __name__ == "__main__":
    main()
