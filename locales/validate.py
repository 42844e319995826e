#!/usr/bin/env python3
"""Checks Liaison's message catalogs (XLIFF 2.0 or 1.2 files with ICU MessageFormat text).

    python3 locales/validate.py                 # every *.xliff / *.xlf beside this script
    python3 locales/validate.py ar.xliff        # one file (the source catalog is looked for beside it)
    python3 locales/validate.py DIR DIR2        # folders, later ones overriding earlier ones key by key
    python3 locales/validate.py --samples ar    # also print a few formatted messages in Arabic

For every message it checks, with ICU (pip install PyICU):
  * the pattern parses as ICU MessageFormat for the file's language;
  * each plural / selectordinal has every CLDR category the language needs for whole numbers
    (explicit =0 / =1 cases are welcome but do not count), and an `other` case;
  * no category the language never uses (e.g. `few` in Spanish) and no ASCII apostrophe (which
    ICU reads as a quote: write ’ instead);
  * argument names are ones Liaison provides (a misspelt {chlid} is caught);
and for the catalogs: every translation has trgLang and translated segments, keys missing from a
translation (they fall back to English) and keys the English catalog does not have.

Exit status: 0 when there are no errors (warnings are printed), 1 otherwise, 2 when it cannot run.
"""

import argparse
import ctypes
import ctypes.util
import datetime
import os
import sys
import xml.parsers.expat

try:
    import icu
except ImportError:  # pragma: no cover
    sys.exit("validate.py needs PyICU: pip install PyICU (it builds against the installed libicu-dev)")

# The arguments every message may use (README, "Message arguments"), and the names of the event data
# that the shipped templates' messages use. Add more with --known-args.
STANDARD_ARGUMENTS = {
    "school", "guardian", "guardian_given", "children", "children_count", "child", "event", "start", "end",
    "location", "days", "phone", "email", "student", "student_full", "grade", "class", "deadline",
}
DATA_ARGUMENTS = {"items", "issue", "note"}
# The families' pages' own messages (MessageRenderer.pageArguments) and the note about another language.
PAGE_ARGUMENTS = {"seconds", "closes", "min_group", "count", "max", "host", "signed_at", "language", "contact"}
# A booking confirmation's: how many times the change gave up (MessageRenderer.bookingArguments).
BOOKING_ARGUMENTS = {"released"}
NAMESPACES = ("urn:oasis:names:tc:xliff:document:2.0", "urn:oasis:names:tc:xliff:document:1.2")

PT = icu.UMessagePatternPartType
AT = icu.UMessagePatternArgType


class Report:
    def __init__(self):
        self.errors = 0
        self.warnings = 0

    def error(self, where, text):
        self.errors += 1
        print(f"{where}: error: {text}")

    def warning(self, where, text):
        self.warnings += 1
        print(f"{where}: warning: {text}")


# ---------------------------------------------------------------------------------------------
# Plural categories

class _ICU4C:
    """Ordinal plural rules and error names straight from libicu (PyICU does not expose them)."""

    def __init__(self):
        self.ok = False
        major = icu.ICU_VERSION.split(".")[0]
        try:
            i18n = ctypes.CDLL(ctypes.util.find_library("icui18n") or f"libicui18n.so.{major}")
            uc = ctypes.CDLL(ctypes.util.find_library("icuuc") or f"libicuuc.so.{major}")
            suffix = ""
            for candidate in (f"_{major}", ""):
                if hasattr(i18n, "uplrules_openForType" + candidate):
                    suffix = candidate
                    break
            self.open = getattr(i18n, "uplrules_openForType" + suffix)
            self.open.restype = ctypes.c_void_p
            self.open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
            self.select = getattr(i18n, "uplrules_select" + suffix)
            self.select.restype = ctypes.c_int
            self.select.argtypes = [ctypes.c_void_p, ctypes.c_double, ctypes.c_wchar_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
            self.error_name = getattr(uc, "u_errorName" + suffix)
            self.error_name.restype = ctypes.c_char_p
            self.error_name.argtypes = [ctypes.c_int]
            self.ok = True
        except (OSError, AttributeError):
            pass

    def categories(self, tag, ordinal, limit=10000):
        """The categories whole numbers 0…limit take (UChar is UTF-16: read the buffer as bytes)."""
        status = ctypes.c_int(0)
        rules = self.open(tag.replace("-", "_").encode(), 1 if ordinal else 0, ctypes.byref(status))
        if status.value > 0 or not rules:
            return None
        found = set()
        buffer = ctypes.create_string_buffer(64)
        for number in range(limit + 1):
            status = ctypes.c_int(0)
            length = self.select(rules, float(number), ctypes.cast(buffer, ctypes.c_wchar_p), 16, ctypes.byref(status))
            found.add(buffer.raw[: 2 * length].decode("utf-16-le"))
        return found

    def name(self, code):
        return self.error_name(code).decode() if self.ok else str(code)


ICU4C = _ICU4C()
_category_cache = {}


def required_categories(tag, ordinal):
    """Categories a plural (or selectordinal) needs in `tag`: those whole numbers 0…10000 fall into."""
    key = (tag, ordinal)
    if key not in _category_cache:
        if ordinal:
            found = ICU4C.categories(tag, True) if ICU4C.ok else None
        else:
            rules = icu.PluralRules.forLocale(icu.Locale(tag))
            found = {rules.select(float(n)) for n in range(10001)}
        _category_cache[key] = found
    return _category_cache[key]


def all_categories(tag, ordinal):
    if ordinal:
        return required_categories(tag, True)
    return set(icu.PluralRules.forLocale(icu.Locale(tag)).getKeywords())


CLDR_ORDER = ["zero", "one", "two", "few", "many", "other"]


def ordered(categories):
    return sorted(categories, key=lambda c: CLDR_ORDER.index(c) if c in CLDR_ORDER else 99)


# ---------------------------------------------------------------------------------------------
# Reading XLIFF

class Unit:
    def __init__(self, key, line, path):
        self.key, self.line, self.path = key, line, path
        self.source = ""
        self.target = None
        self.state = None
        self.note = []

    @property
    def where(self):
        return f"{self.path}:{self.line} [{self.key}]"


def read_xliff(path, report):
    """Returns (source language, target language or None, [Unit]) or None when the file is unusable."""
    units, stack, text = [], [], []
    info = {"src": None, "trg": None, "root": None, "line": 1}
    current = {"unit": None, "in": None}
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def local(name):
        return name.split(" ")[-1]

    def start(name, attrs):
        tag = local(name)
        attrs = {local(k): v for k, v in attrs.items()}
        if not stack:
            info["root"] = tag
            info["line"] = parser.CurrentLineNumber
            info["src"] = attrs.get("srcLang")
            info["trg"] = attrs.get("trgLang")
        if tag == "file" and "source-language" in attrs:  # XLIFF 1.2
            info["src"] = attrs.get("source-language")
            info["trg"] = attrs.get("target-language")
        stack.append(tag)
        if tag in ("unit", "trans-unit"):
            current["unit"] = Unit(attrs.get("id", ""), parser.CurrentLineNumber, path)
            if tag == "trans-unit":
                current["unit"].state = attrs.get("approved") == "yes" and "translated" or None
        elif tag == "segment" and current["unit"] is not None:
            current["unit"].state = attrs.get("state", current["unit"].state)
        elif tag == "target" and current["unit"] is not None and "state" in attrs:
            current["unit"].state = attrs["state"]
        if tag in ("source", "target", "note") and current["unit"] is not None and current["in"] is None:
            current["in"] = tag
            text.clear()

    def end(name):
        tag = local(name)
        stack.pop()
        unit = current["unit"]
        if unit is not None and tag == current["in"]:
            value = "".join(text)
            if tag == "source":
                unit.source += value
            elif tag == "target":
                unit.target = (unit.target or "") + value
            else:
                unit.note.append(value)
            current["in"] = None
        if tag in ("unit", "trans-unit") and unit is not None:
            units.append(unit)
            current["unit"] = None

    def chars(data):
        if current["in"] is not None:
            text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        with open(path, "rb") as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as problem:
        report.error(f"{path}:{problem.lineno}", f"not well-formed XML: {xml.parsers.expat.ErrorString(problem.code)}")
        return None
    if info["root"] != "xliff":
        report.error(f"{path}:1", f"the root element is <{info['root']}>, not <xliff>")
        return None
    if not info["src"]:
        report.error(f"{path}:{info['line']}", "the file names no source language (srcLang)")
        return None
    for attribute in ("src", "trg"):
        value = info[attribute]
        if value and icu.Locale(value.replace("-", "_")).getLanguage() == "":
            report.error(f"{path}:{info['line']}", f"{attribute}Lang=\"{value}\" is not a language tag")
            return None
    return info["src"], info["trg"], units


# ---------------------------------------------------------------------------------------------
# Checking one message

def analyse(pattern):
    """[(kind, name, [selectors])] for every argument, nested ones included."""
    mp = icu.MessagePattern(pattern)
    result = []
    count = mp.countParts()
    i = 0
    while i < count:
        part = mp.getPart(i)
        if part.getType() == PT.ARG_START:
            kind = part.getArgType()
            name_part = mp.getPart(i + 1)
            name = mp.getSubstring(name_part)
            selectors = []
            if kind in (AT.PLURAL, AT.SELECTORDINAL, AT.SELECT):
                limit = mp.getLimitPartIndex(i)
                j = i + 2
                while j < limit:
                    p = mp.getPart(j)
                    if p.getType() == PT.ARG_SELECTOR:
                        selectors.append(mp.getSubstring(p))
                    elif p.getType() == PT.MSG_START:
                        j = mp.getLimitPartIndex(j)
                    j += 1
            result.append((kind, name, selectors))
        i += 1
    return result


KIND_NAMES = {AT.PLURAL: "plural", AT.SELECTORDINAL: "selectordinal", AT.SELECT: "select"}


def check_message(unit, text, tag, known, report):
    where = unit.where
    if not text.strip():
        report.error(where, "the message is empty")
        return False
    try:
        icu.MessageFormat(text, icu.Locale(tag.replace("-", "_")))
    except icu.ICUError as problem:
        code = problem.args[0]
        name = ICU4C.name(code)
        explain = {
            "U_DEFAULT_KEYWORD_MISSING": "a plural, selectordinal or select has no `other` case",
            "U_UNMATCHED_BRACES": "a { is never closed (or a } has no {)",
            "U_PATTERN_SYNTAX_ERROR": "MessageFormat syntax error",
            "U_DUPLICATE_KEYWORD": "a case is given twice",
            "U_ARGUMENT_TYPE_MISMATCH": "an argument is used with incompatible types",
        }.get(name, "ICU cannot parse the message")
        report.error(where, f"{explain} [{name}]: {text}")
        return False
    ok = True
    for kind, name, selectors in analyse(text):
        if name not in known:
            report.warning(where, f"argument {{{name}}} is not one Liaison provides (known: {', '.join(sorted(known))})")
        if kind not in KIND_NAMES:
            continue
        if "other" not in selectors:
            report.error(where, f"{KIND_NAMES[kind]} {{{name}}} has no `other` case")
            ok = False
        if kind == AT.SELECT:
            continue
        ordinal = kind == AT.SELECTORDINAL
        needed = required_categories(tag, ordinal)
        if needed is None:
            report.warning(where, f"cannot read the {'ordinal' if ordinal else 'plural'} rules of {tag}; categories not checked")
            continue
        keywords = [s for s in selectors if not s.startswith("=")]
        missing = set(needed) - set(keywords)
        if missing:
            report.error(where, f"{KIND_NAMES[kind]} {{{name}}} lacks {', '.join(ordered(missing))} "
                                f"({tag} needs {', '.join(ordered(needed))}; =N cases do not count)")
            ok = False
        unused = set(keywords) - all_categories(tag, ordinal) - {"other"}
        if unused:
            report.warning(where, f"{KIND_NAMES[kind]} {{{name}}} has {', '.join(ordered(unused))}, which {tag} never uses")
    if "'" in text:
        report.warning(where, "ASCII apostrophe: ICU treats ' as a quote before { } # |; write ’ instead")
    return ok


# ---------------------------------------------------------------------------------------------
# Samples

def sample_arguments(now):
    start = datetime.datetime(2027, 6, 11, 8, 30, tzinfo=datetime.timezone.utc)
    return {
        "school": "Riverside Primary School", "guardian": "Layla Haddad", "guardian_given": "Layla",
        "children": "Yusuf, Mariam", "child": "Yusuf", "event": "Sports Day", "location": "School playing fields",
        "phone": "+44 20 7946 0000", "email": "office@riverside.example", "student": "Yusuf",
        "student_full": "Yusuf Haddad", "grade": "3", "class": "3A", "note": "Temperature 38.4 °C.",
        "start": start, "end": start + datetime.timedelta(hours=5, minutes=30),
    }


def format_message(text, tag, values):
    fmt = icu.MessageFormat(text, icu.Locale(tag.replace("-", "_")))
    names = list(values)
    return fmt.format(names, [icu.Formattable(values[n]) for n in names])


def print_samples(tag, catalog):
    icu.TimeZone.setDefault(icu.TimeZone.createTimeZone("Europe/London"))
    base = sample_arguments(None)
    print(f"\n== samples in {tag} ==")
    for key, (text, unit) in sorted(catalog.items()):
        try:
            arguments = {name for _, name, _ in analyse(text)}
        except icu.ICUError:
            continue
        counted = [a for a in ("children_count", "days", "items", "issue") if a in arguments]
        if not counted:
            if arguments & {"start", "end"}:
                values = dict(base, children_count=2, days=3, items=3, issue=12)
                print(f"{key}: {format_message(text, tag, values)}")
            continue
        for number in (0, 1, 2, 3, 5, 11, 21, 100):
            values = dict(base, children_count=2, days=3, items=3, issue=12)
            for name in counted:
                values[name] = number
            print(f"{key} [{'='.join(counted)}={number}]: {format_message(text, tag, values)}")


# ---------------------------------------------------------------------------------------------

def catalog_files(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            files += [os.path.join(path, name) for name in sorted(os.listdir(path))
                      if name.lower().endswith((".xliff", ".xlf")) and not name.startswith(".")]
        else:
            files.append(path)
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="catalog files or folders (default: the folder of this script)")
    parser.add_argument("--samples", metavar="LANG", action="append", default=[],
                        help="print formatted samples for this language (repeat, or 'all')")
    parser.add_argument("--known-args", default="", help="more argument names to accept, comma-separated")
    options = parser.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    paths = options.paths or [here]
    files = catalog_files(paths)
    # A single translation named on its own is checked against the source catalog beside it.
    if options.paths and all(not os.path.isdir(p) for p in options.paths):
        folders = {os.path.dirname(os.path.abspath(p)) for p in options.paths}
        for folder in folders:
            for candidate in catalog_files([folder]):
                if candidate not in files:
                    files.insert(0, candidate)
    if not files:
        print("no catalog files found", file=sys.stderr)
        return 2

    known = STANDARD_ARGUMENTS | DATA_ARGUMENTS | PAGE_ARGUMENTS | BOOKING_ARGUMENTS | {a.strip() for a in options.known_args.split(",") if a.strip()}
    report = Report()
    source_lang = None
    catalogs = {}  # tag -> {key: (text, unit)}
    source_units = {}
    named = {os.path.abspath(p) for p in catalog_files(options.paths)} if options.paths else None

    for path in files:
        read = read_xliff(path, report)
        if read is None:
            continue
        src, trg, units = read
        checked = named is None or os.path.abspath(path) in named
        if trg is None:
            if source_lang and source_lang != src:
                report.error(path, f"a second source catalog ({src}); the first was {source_lang}")
            source_lang = src
        tag = trg or src
        catalog = catalogs.setdefault(tag, {})
        seen = set()
        for unit in units:
            if not unit.key:
                report.error(f"{path}:{unit.line}", "a unit without an id (the id is the message key)")
                continue
            if unit.key in seen:
                report.warning(unit.where, "the same key twice in this file; the later one wins")
            seen.add(unit.key)
            if trg is None:
                text = unit.source
                source_units[unit.key] = unit
            else:
                if unit.state not in ("translated", "reviewed", "final") or unit.target is None:
                    if checked:
                        report.warning(unit.where, f"not translated (state {unit.state or 'none'}); English is used")
                    continue
                text = unit.target
            if checked:
                check_message(unit, text, tag, known, report)
            catalog[unit.key] = (text, unit)

    if source_lang is None:
        report.error(paths[0], "no source catalog (an XLIFF file with srcLang and no trgLang)")
    else:
        source_keys = set(catalogs.get(source_lang, {}))
        for key in source_keys:
            if any(other != key and other.startswith(key + ".") for other in source_keys):
                report.error(source_units[key].where, f"{key} is also the start of other keys; templates cannot reach both")
        for tag, catalog in sorted(catalogs.items()):
            if tag == source_lang:
                continue
            missing = sorted(source_keys - set(catalog))
            if missing:
                report.warning(tag, f"{len(missing)} of {len(source_keys)} messages are not translated and fall back to "
                                    f"{source_lang}: {', '.join(missing)}")
            for key in sorted(set(catalog) - source_keys):
                report.error(catalog[key][1].where, f"{key} is not in the {source_lang} catalog (misspelt key?)")
            for key in sorted(set(catalog) & source_keys):
                source_args = {name for _, name, _ in analyse(catalogs[source_lang][key][0])}
                try:
                    target_args = {name for _, name, _ in analyse(catalog[key][0])}
                except icu.ICUError:
                    continue
                extra = target_args - source_args - known
                if extra:
                    report.error(catalog[key][1].where, f"uses {', '.join(sorted(extra))}, which the English message does not")

    wanted = set(options.samples)
    for tag in sorted(catalogs):
        if tag in wanted or "all" in wanted:
            print_samples(tag, catalogs[tag])

    print(f"\n{len(files)} file(s), {sum(len(c) for c in catalogs.values())} message(s): "
          f"{report.errors} error(s), {report.warnings} warning(s)")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
