"""WhatsApp's own wording per language, read from one data table per language.

The tables are YAML files in ``chatcode/ingest/whatsapp_phrases/<language>.yaml`` (shipped
with the package). A user extends them without code: a YAML file of the same layout given
with ``--phrases FILE`` (Python: ``phrases=``), or put in the user folder
``~/.chatcode/whatsapp_phrases/`` (or ``$CHATCODE_PHRASES``), adds its phrases to the
language it names (or makes a new language).

A table maps a phrase class to a list of templates::

    language: es
    name: Spanish
    dates: day first        # what the phone's language suggests for dd/mm vs mm/dd
    chat_file: ["Chat de WhatsApp con {chat}"]
    system: ["{name} creó el grupo {any}", ...]
    call: ["Llamada perdida*"]
    deleted: ["Se eliminó este mensaje"]
    waiting: ["Esperando el mensaje*"]
    media: ["<Multimedia omitido>", "imagen omitida"]
    attached: ["{file} (archivo adjunto)", "<adjunto: {file}>"]
    edited: ["<Se editó este mensaje.>"]
    poll: ["ENCUESTA:"]

Templates are literal text with four placeholders: ``{name}`` (a person's or group's name:
one line without ``": "``), ``{any}`` (any text on one line), ``{file}`` (a file name with an
extension) and ``{n}`` (a number); a ``*`` at the end means "and anything after it" (more
lines too). Any kind of space matches any other (space, no-break space, U+202F), letters
match in any case, and a final ``.`` is optional (written or not). ``chat_file`` uses
``{chat}`` for the chat's name. Every template becomes a regular expression valid for RE2
(pyarrow runs them over a whole column at once); a literal prefilter (``prefilter``,
``in_play``) keeps them from running on rows and templates that cannot match.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from chatcode._io.textfile import read_user_text
from chatcode.errors import IngestError, Location, Problem, Problems

__all__ = ["KINDS", "Language", "Phrases", "load", "template_regex"]

# phrase classes, in the order they are tried (see _whatsapp_text.classify)
KINDS = ("system", "call", "deleted", "waiting", "media", "attached", "edited", "poll")
_META = ("language", "name", "dates", "chat_file")
USER_DIR = Path.home() / ".chatcode" / "whatsapp_phrases"
ENV = "CHATCODE_PHRASES"

_SP = "[ \u00a0\u202f]"
_PLACE = {
    "name": "(?:[^:\n]|:[^ \n])*?",
    "any": "[^\n]*?",
    "file": "[^\n<>]*?\\.[0-9A-Za-z]{2,5}",
    "n": "[0-9]+",
    "chat": "(?P<chat>.+)",
}
_SPECIAL = set("\\.^$|?*+()[]{}")


def _literal(text: str) -> str:
    out = []
    for ch in text:
        if ch in " \u00a0\u202f":
            out.append(_SP)
        elif ch in _SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


_TOKEN = re.compile(r"\{(name|any|file|n|chat)\}")


@functools.cache
def template_regex(template: str) -> str:
    """The regular expression (no anchors) of one template; see the module's notes."""
    rest = template.strip()
    tail = ""
    if rest.endswith("*"):
        rest, tail = rest[:-1].rstrip(), "(?s:.*)"
    if rest.endswith(".") and len(rest) > 1:
        rest = rest[:-1]
    parts, pos = [], 0
    for m in _TOKEN.finditer(rest):
        parts.append(_literal(rest[pos:m.start()]))
        parts.append(_PLACE[m.group(1)])
        pos = m.end()
    parts.append(_literal(rest[pos:]))
    return "".join(parts) + ("" if tail else "\\.?") + tail


# the phrase classes matched on a participant's text, and where in it
FIRST_LINE = ("media", "attached", "poll")
WHOLE = ("deleted", "waiting", "call")
ENDING = ("edited",)


def fold(text: str) -> str:
    """The form the literal prefilter compares: lower case, odd spaces as spaces, no RLM."""
    return text.lower().replace("\u00a0", " ").replace("\u202f", " ").replace("\u200f", "")


@functools.cache
def bounds(template: str) -> tuple[str, str]:
    """The literal text a match must start with and end with (folded; "" when unknown)."""
    t = template.strip()
    star = t.endswith("*")
    if star:
        t = t[:-1].rstrip()
    if t.endswith(".") and len(t) > 1:
        t = t[:-1]
    literals = _TOKEN.split(fold(t))[0::2]
    return literals[0], "" if star else literals[-1].rstrip(". ")


def _plain(text: str) -> str:
    return "".join(_SP if ch == " " else "\\" + ch if ch in _SPECIAL else ch for ch in text)


@dataclass
class Language:
    """One language's table."""

    code: str
    name: str = ""
    dates: str = ""
    chat_file: list[str] = field(default_factory=list)
    phrases: dict[str, list[str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def merge(self, other: Language) -> None:
        self.name = self.name or other.name
        self.dates = other.dates or self.dates
        self.chat_file += [t for t in other.chat_file if t not in self.chat_file]
        for kind, templates in other.phrases.items():
            mine = self.phrases.setdefault(kind, [])
            mine += [t for t in templates if t not in mine]
        self.sources += other.sources


_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _read_table(path: Path, text: str, *, check: bool = True) -> Language:
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise IngestError(f"the phrase table is not valid YAML ({getattr(exc, 'problem', exc)})",
                          where=Location(path, line=mark.line + 1 if mark else None),
                          hint="see docs/formats-whatsapp.md, 'Phrase tables'") from exc
    if not isinstance(data, dict) or not isinstance(data.get("language"), str):
        raise IngestError("a phrase table must be a mapping with a 'language' code",
                          where=Location(path), hint="start it with e.g. 'language: es'")
    problems = []
    lang = Language(code=data["language"].strip(), name=str(data.get("name", "")),
                    dates=str(data.get("dates", "")), sources=[str(path)])
    for key, value in data.items():
        if key in ("language", "name", "dates"):
            continue
        if key not in KINDS and key != "chat_file":
            problems.append(Problem(f"unknown phrase class {key!r}", Location(path),
                                    f"use {', '.join(_META[3:] + KINDS)}"))
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip()
                                                   for v in values):
            problems.append(Problem(f"{key!r} must be a list of phrases", Location(path),
                                    f"write '{key}: [\"phrase one\", \"phrase two\"]'"))
            continue
        if key == "chat_file":
            lang.chat_file = list(values)
        else:
            lang.phrases[key] = list(values)
    for kind, templates in (lang.phrases.items() if check else ()):
        for t in templates:
            try:
                re.compile(template_regex(t))
            except re.error as exc:  # pragma: no cover - the escaping makes this rare
                problems.append(Problem(f"{kind}: cannot use {t!r} ({exc})", Location(path),
                                        "write the phrase as plain text with {name}, "
                                        "{any}, {file}, {n}"))
    if problems:
        raise Problems.of(IngestError, problems)
    return lang


def _builtin() -> list[tuple[Path, str]]:
    folder = resources.files("chatcode.ingest") / "whatsapp_phrases"
    return sorted((Path(str(f)), f.read_text(encoding="utf-8")) for f in folder.iterdir()
                  if f.name.endswith(".yaml"))


def _user_files(extra: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    folders = [Path(os.environ[ENV])] if os.environ.get(ENV) else [USER_DIR]
    for folder in folders:
        if folder.is_dir():
            files += sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
        elif folder.is_file():
            files.append(folder)
    return files + [Path(p) for p in extra]


class Phrases:
    """Every language's table, and one combined regular expression per phrase class."""

    def __init__(self, languages: dict[str, Language]) -> None:
        self.languages = languages

    def templates(self, kind: str) -> list[tuple[str, str]]:
        return [(code, t) for code, lang in self.languages.items()
                for t in lang.phrases.get(kind, [])]

    @functools.cached_property
    def _alternations(self) -> dict[str, str]:
        out = {}
        for kind in KINDS:
            regexes = sorted({template_regex(t) for _, t in self.templates(kind)},
                             key=lambda r: (-len(r), r))
            out[kind] = "|".join(regexes) if regexes else "\\x00never\\x00"
        return out

    @functools.lru_cache(maxsize=32)  # noqa: B019 - one Phrases per set of tables
    def whole_by_language(self, kind: str) -> list[tuple[str, str]]:
        """(language, pattern) per language: ``whole`` over that language's templates only
        (small patterns RE2 runs fast; one big alternation of every language does not)."""
        out = []
        for code, lang in self.languages.items():
            regexes = sorted({template_regex(t) for t in lang.phrases.get(kind, [])},
                             key=lambda r: (-len(r), r))
            if regexes:
                out.append((code, f"(?is)^[\u200e\u200f]*(?:{'|'.join(regexes)})$"))
        return out

    def alternation(self, kind: str) -> str:
        """The regular expressions of every template of ``kind``, joined by ``|``."""
        return self._alternations[kind]

    def whole(self, kind: str) -> str:
        """Matches a text that is one phrase of ``kind`` (any language), as a whole."""
        return f"(?is)^[\u200e\u200f]*(?:{self._alternations[kind]})$"

    def first_line(self, kind: str) -> str:
        """Matches a text whose first line is one phrase of ``kind``."""
        return f"(?i)^[\u200e\u200f]*(?:{self._alternations[kind]})(?:\n|$)"

    def line(self, kind: str) -> str:
        """Matches one line (multi-line mode) that is a phrase of ``kind``."""
        return f"(?im)^[\u200e\u200f]*(?:{self._alternations[kind]})$"

    def ending(self, kind: str) -> str:
        """Matches a phrase of ``kind`` at the end of a text, with the spaces before it."""
        return f"(?i)\\s*[\u200e\u200f]*(?:{self._alternations[kind]})$"

    @functools.cached_property
    def _bounds(self) -> dict[str, list[tuple[str, str, str]]]:
        """Per class: (start, end, regex) of every template (start and end folded)."""
        out = {}
        for kind in KINDS:
            out[kind] = []
            for _, t in self.templates(kind):
                start, end = bounds(t)
                out[kind].append(("" if kind in ENDING else start, end, template_regex(t)))
        return out

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one Phrases per set of tables
    def in_play(self, kind: str, starts: frozenset[str], ends: frozenset[str]) -> str:
        """The alternation of the templates of ``kind`` whose start (or, without one, end)
        was seen in the texts: the few that can match, instead of every language's."""
        def seen(start: str, end: str) -> bool:
            if start:
                return any(s.startswith(start) for s in starts)
            return any(e.endswith(end) for e in ends) if end else True

        regexes = sorted({rx for start, end, rx in self._bounds[kind] if seen(start, end)},
                         key=lambda r: (-len(r), r))
        return "|".join(regexes) if regexes else "\\x00never\\x00"

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one Phrases per set of tables
    def languages_seen(self, starts: frozenset[str], ends: frozenset[str]) -> tuple[str, ...]:
        """The languages with a phrase of the participants' classes whose literal start (or,
        without one, end) was seen in the texts (the file's languages, most likely)."""
        out = []
        for code, lang in self.languages.items():
            for kind in FIRST_LINE + WHOLE + ENDING:
                for t in lang.phrases.get(kind, []):
                    start, end = bounds(t)
                    start = "" if kind in ENDING else start
                    if (any(s.startswith(start) for s in starts) if start else
                            bool(end) and any(e.endswith(end) for e in ends)):
                        out.append(code)
                        break
                if out and out[-1] == code:
                    break
        return tuple(out)

    @functools.cached_property
    def prefilter(self) -> tuple[str, str, str, bool]:
        """Literal prefilters for the classes matched on participants' texts: a regex of
        the starts (on the lower-cased text), one of the ends of whole texts and one of the
        ends of first lines (RE2 runs end-anchored patterns backwards from the end), and
        whether some template has
        neither (then every row is a candidate)."""
        starts, ends_whole, ends_first, always = set(), set(), set(), False
        for kind in FIRST_LINE + WHOLE + ENDING:
            for _, t in self.templates(kind):
                start, end = bounds(t)
                if kind in ENDING:
                    start = ""
                if start:
                    starts.add(start)
                elif end:
                    (ends_first if kind in FIRST_LINE else ends_whole).add(end)
                else:
                    always = True

        def rx(items: set[str], reverse: bool) -> str:
            if not items:
                return "\\x00never\\x00"
            alts = "|".join(sorted((_plain(i) for i in items), key=lambda a: (-len(a), a)))
            return f"(?P<x>{alts})[. ]*$" if reverse else f"^[\u200f]*(?P<x>{alts})"

        return rx(starts, False), rx(ends_whole, True), rx(ends_first, True), always

    @functools.cached_property
    def actor_regex(self) -> re.Pattern[str]:
        """One Python pattern of every system phrase with a name or text in it; each
        ``{name}`` and ``{any}`` is a group (to learn names with ``": "`` from system lines)."""
        rx = []
        for _, t in self.templates("system"):
            if "{name}" in t or "{any}" in t:
                r = template_regex(t).replace(_PLACE["name"], "(.+?)")
                rx.append(r.replace(_PLACE["any"], "(.+?)"))
        return re.compile("(?is)^(?:" + "|".join(f"(?:{r})" for r in sorted(set(rx))) + ")$")

    @functools.cached_property
    def chat_file_patterns(self) -> list[re.Pattern[str]]:
        pats = [template_regex(t) for lang in self.languages.values() for t in lang.chat_file]
        return [re.compile(f"(?i)^{p}$") for p in sorted(set(pats), key=len, reverse=True)]

    @functools.cached_property
    def per_language(self) -> dict[str, re.Pattern[str]]:
        """One Python pattern per language over its distinctive phrases (to detect it)."""
        out = {}
        for code, lang in self.languages.items():
            regexes = {template_regex(t) for kind in ("system", "call", "deleted", "waiting",
                                                      "media", "edited")
                       for t in lang.phrases.get(kind, [])}
            if regexes:
                out[code] = re.compile("(?i)^[\u200e\u200f]*(?:" + "|".join(
                    sorted(regexes, key=len, reverse=True)) + ")$")
        return out


@functools.lru_cache(maxsize=8)
def _load(extra: tuple[str, ...], user: tuple[str, ...]) -> Phrases:
    languages: dict[str, Language] = {}
    tables = [_read_table(p, text, check=False) for p, text in _builtin()]
    for path in [Path(u) for u in user] + [Path(e) for e in extra]:
        tables.append(_read_table(path, read_user_text(path, "phrase table", "--phrases")))
    for lang in tables:
        if lang.code in languages:
            languages[lang.code].merge(lang)
        else:
            languages[lang.code] = lang
    return Phrases(languages)


def load(extra: Iterable[str | Path] = ()) -> Phrases:
    """The built-in tables, extended by the user folder and by ``extra`` files."""
    extra = tuple(str(Path(p)) for p in extra)
    user = tuple(str(p) for p in _user_files(()))
    return _load(extra, user)
