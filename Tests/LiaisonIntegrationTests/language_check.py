"""An independent judge of "never silently in another language": reads every .eml under a folder (a dry run of
the demo school) and checks, with an offline language identifier (lingua), that each run of text a family reads is
in the letter's language (its Content-Language) or sits in an element whose lang says otherwise.

    python3 language_check.py DRY_RUN_FOLDER ROSTER_FOLDER PROGRESS_CSV

Names of people, the school's name and address, numbers, times, web and e-mail addresses belong to no language and
are taken out before a run is judged; runs with fewer than three words of letters left are not judged. Prints one
line per problem and a summary; exits 1 when there are problems.
"""

import csv
import email
import html.parser
import pathlib
import re
import sys
from email import policy

from lingua import Language, LanguageDetectorBuilder

LANGUAGES = {
    "en": Language.ENGLISH, "ar": Language.ARABIC, "fa": Language.PERSIAN, "so": Language.SOMALI,
    "zh": Language.CHINESE, "es": Language.SPANISH, "vi": Language.VIETNAMESE, "ru": Language.RUSSIAN,
    "uk": Language.UKRAINIAN, "pl": Language.POLISH, "cy": Language.WELSH,
}
DETECTOR = LanguageDetectorBuilder.from_languages(*LANGUAGES.values()).with_preloaded_language_models().build()
BLOCKS = {"p", "li", "h1", "h2", "h3", "td", "th", "blockquote", "div", "header", "footer", "main", "br", "tr", "table", "ul"}
SKIPPED = {"style", "script", "head", "title"}


class Runs(html.parser.HTMLParser):
    """Text runs of an HTML letter, each with the language of the element it stands in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, lang)
        self.runs = []  # (lang, text)
        self.current = None
        self.skipping = 0

    def lang(self):
        for _, lang in reversed(self.stack):
            if lang:
                return lang
        return None

    def flush(self):
        if self.current and self.current[1].strip():
            self.runs.append((self.current[0], self.current[1]))
        self.current = None

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
        if tag in BLOCKS or dict(attrs).get("lang"):
            self.flush()
        if tag not in ("br", "meta", "link", "img", "input"):
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        if tag in BLOCKS:
            self.flush()
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                if self.stack[index][1]:
                    self.flush()
                del self.stack[index:]
                break

    def handle_data(self, data):
        if self.skipping:
            return
        lang = self.lang()
        if self.current and self.current[0] != lang:
            self.flush()
        if not self.current:
            self.current = (lang, "")
        self.current = (lang, self.current[1] + data)


def neutral_words(roster, progress):
    """Names and the like, which belong to no language."""
    words = set()
    for name in ("guardians.csv", "students.csv", "families.csv"):
        path = roster / name
        if not path.exists():
            continue
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for key in ("given_name", "family_name", "name", "family_name"):
                    for word in (row.get(key) or "").split():
                        words.add(word.lower())
    if progress.exists():
        with open(progress, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for word in (row.get("teacher") or "").split():
                    words.add(word.lower())
    return words


PATTERNS = [
    re.compile(r"https?://\S+"), re.compile(r"\S+@\S+"), re.compile(r"\+?\d[\d\s:.,/–-]*"),
    re.compile(r"Riverside Primary School|Riverside|River Lane|London E1 2AB|Kingswood", re.I),
    re.compile(r"[\u2066-\u2069\u200e\u200f]"),
]


def judgeable(text, names):
    for pattern in PATTERNS:
        text = pattern.sub(" ", text)
    words = [w for w in re.findall(r"\w+", text) if not w.isdigit() and w.lower() not in names and w.lower() not in ("am", "pm", "gd", "gh")]
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    return (" ".join(words), len(words) >= 3 or cjk >= 4)


def expected(tag):
    return LANGUAGES.get(tag.split("-")[0].lower())


def main():
    folder, roster, progress = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    names = neutral_words(roster, progress)
    problems, letters, judged = [], 0, 0
    for path in sorted(folder.rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        letter = str(message["content-language"] or "en")
        want = expected(letter)
        body = message.get_body(("html",))
        if body is None or want is None:
            continue
        letters += 1
        parser = Runs()
        parser.feed(body.get_content())
        parser.flush()
        runs = [(None, str(message["subject"]))] + parser.runs
        for lang, text in runs:
            # A run in an element with lang is labelled; the letter's own lang is on <html>.
            tag = lang or letter
            target = expected(tag)
            if target is None:
                continue
            cleaned, enough = judgeable(text, names)
            if not enough:
                continue
            judged += 1
            found = DETECTOR.detect_language_of(cleaned)
            if found is not None and found != target:
                confidence = DETECTOR.compute_language_confidence(cleaned, found)
                if confidence >= 0.5:
                    problems.append(f"{path.name}: {letter} letter, text marked {tag} reads as {found.name.lower()} ({confidence:.2f}): {text.strip()[:120]!r}")
    for problem in problems:
        print(problem)
    print(f"{letters} letters, {judged} runs judged, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
