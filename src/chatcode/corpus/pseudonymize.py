"""Pseudonymization and scrubbing at ingest (``chatcode ingest --pseudonymize KEY --scrub``).

Chat logs are health data: before a corpus is shared, every author becomes a stable
pseudonym, and the names are also taken out of the message texts. The originals are kept in
one place only, the key file, which is never written into the corpus or any other output.

Notes
-----
The full rules and their limits are in docs/privacy.md. In short:

- Pseudonyms by role, numbered in order of first appearance (posts by time, then post id;
  then reactions): ``M01`` moderators, ``P01`` participants, ``T01`` team, ``B01`` bots; a
  system post's author becomes ``system``. An author's role is that of their first post
  that is not a system post (roles are applied before); reactors only are participants.
- The key file (YAML) maps every original (name, user id, user name, e-mail) to its
  pseudonym, with one counter per prefix. A later ingest reuses it and appends to it; an
  author is also recognised by an id or e-mail seen with them before.
- ``src_`` columns naming a user (``src_user_id``, ``src_user_email``, ``src_username``,
  ``src_author_id``, ``src_from_id``, ...) are replaced cell by cell. In texts (``text``,
  ``group``, other ``src_`` columns) e-mails, @-mentions and known names (whole words,
  ignoring case; also an unambiguous first name of a ``First Last`` name) are replaced;
  an unknown @-mention becomes ``@[user]``, an unknown e-mail ``[email]``. Nicknames,
  misspellings and last names alone are not caught.
- Scrubbing (``phone``, ``email``, ``url``) runs first, on texts and on ``src_`` columns
  that hold no ids, times or user names (see :data:`PHONE_RE`).
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from chatcode._io.output import atomic_file
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location, Problem, Problems

__all__ = [
    "EMAIL_RE", "PHONE_RE", "PREFIXES", "SCRUB_KINDS", "URL_RE", "PseudonymKey",
    "Pseudonymized", "check_key_path", "check_scrub_kinds", "protect", "pseudonymize",
    "read_key", "scrub_corpus", "scrub_texts", "write_key",
]

PREFIXES = {S.MODERATOR: "M", S.PARTICIPANT: "P", S.TEAM: "T", S.BOT: "B"}
SCRUB_KINDS = ("phone", "email", "url")
KEY_VERSION = "1"
_PSEUDONYM = re.compile(r"^([MPTB])(\d{2,})$")
_SPECIAL_MENTIONS = frozenset({"all", "channel", "here", "everyone"})
UNKNOWN_MENTION = "@[user]"

URL_RE = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
#: A phone number: ``+43 660 1234567``, ``0043 660 ...``, ``+43 (0)660 ...``, ``(0)660 ...``,
#: ``0660/1234567``, ``030-12345678``: a leading ``+``, ``00`` or ``0`` (or ``(0)``), then
#: groups of at least two digits separated by one space, ``-`` or ``/``; 7 to 15 digits in
#: all, one group of at least three (so ``05 10 15 20`` is not one). Not phone numbers:
#: dates (``02/05/2023``), times (``10:05``), values such as ``120 mg/dl``, ``5.6 mmol/l``
#: or ``0.5``, numbers glued to letters or decimals, and numbers not starting with ``+``
#: or ``0`` (so ``660 1234567`` without its leading 0 is not caught; neither is a number
#: with dots ``0660.123.4567``). Numbers right after a phone number, separated by one
#: space, are taken as part of it.
PHONE_RE = re.compile(
    r"(?<![\w+.,/-])(?<!\d:)(?:\+\d{1,3}|\(0\)\d{1,5}|0\d{1,5})(?: ?\(0\) ?\d{1,5})?"
    r"(?:[ /-]\d{2,})*(?![\w.,:/-]?\d)")
_PLACEHOLDER = re.compile(r"^\s*@?\[(?:phone|email|url|user)\]\s*$")
_DATE = re.compile(r"^\d{1,4}[/-]\d{1,2}[/-]\d{1,4}$")
_KEEP_SRC = re.compile(r"(?:^|_)(?:id|ids|ts|time|at|date|timestamp)$")
_WHO = {"user", "author", "sender", "from", "member", "owner", "actor", "reactor", "users"}
_ID_PART = {"id", "name", "username", "email", "mail", "nickname", "handle", "login",
            "display", "real", "full", "first", "last", "e"}
_NOT_SELF = {"reply", "replied", "to", "mention", "mentions", "mentioned", "forwarded",
             "parent", "inviter", "invited", "target", "via"}

_KEY_HEADER = (
    "# chatcode pseudonym key: it turns the pseudonyms of a corpus back into names.\n"
    "# Store it apart from the data, never share it, and give it to every later\n"
    "# `chatcode ingest --pseudonymize` of the same study so the pseudonyms stay the same.\n"
)


@dataclass
class PseudonymKey:
    """Originals (names, ids, e-mails) -> pseudonyms, and the last number used per prefix."""

    pseudonyms: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys("MPTB", 0))
    _fold: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    _fold_n: int = field(default=0, init=False, repr=False, compare=False)

    def lookup(self, original: str) -> str | None:
        """The pseudonym of ``original`` (exact match first, then ignoring case)."""
        if original in self.pseudonyms:
            return self.pseudonyms[original]
        return self._folded().get(original.casefold())

    def _folded(self) -> dict[str, str]:
        """``casefold(original) -> pseudonym``, updated with the entries added since."""
        if self._fold_n > len(self.pseudonyms):  # entries were removed: start again
            self._fold, self._fold_n = {}, 0
        for original, pseudonym in itertools.islice(self.pseudonyms.items(), self._fold_n,
                                                    None):
            self._fold.setdefault(original.casefold(), pseudonym)
        self._fold_n = len(self.pseudonyms)
        return self._fold

    def new(self, role: str) -> str:
        """The next pseudonym for ``role`` (participant for roles without a prefix)."""
        prefix = PREFIXES.get(role, PREFIXES[S.PARTICIPANT])
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]:02d}"


@dataclass(frozen=True)
class Pseudonymized:
    """The result of :func:`pseudonymize`: the corpus, the extended key, and counts."""

    corpus: Corpus
    key: PseudonymKey
    authors: int
    new: int
    names_in_texts: int
    mentions: int

    @property
    def notes(self) -> list[str]:
        return [f"pseudonymized {self.authors} authors ({self.new} new in the key file)",
                f"replaced {self.names_in_texts} name(s) in texts and src_ columns "
                f"({self.mentions} of them @-mentions)"]


# --- the key file ---------------------------------------------------------------------------
def read_key(path: str | Path) -> PseudonymKey:
    """Read a key file; a path that does not exist yet gives an empty key.

    Every name is read as written (``no`` or ``0123`` stay text). All problems are reported
    at once.
    """
    path = Path(path)
    if not path.exists():
        return PseudonymKey()
    where = Location(path)
    if path.is_dir():
        raise IngestError("the key file is a folder", where=where,
                          hint="give the path of a YAML file, e.g. --pseudonymize key.yaml")
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=yaml.BaseLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read the key file ({exc})", where=where,
                          hint="give the key file written by chatcode ingest --pseudonymize"
                          ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise IngestError(
            f"the key file is not valid YAML ({getattr(exc, 'problem', exc)})",
            where=Location(path, line=mark.line + 1 if mark else None),
            hint="restore it from your backup; it is written by chatcode ingest --pseudonymize"
        ) from exc
    if data is None or data == "":
        return PseudonymKey()
    if not isinstance(data, dict) or not isinstance(data.get("pseudonyms", {}), dict):
        raise IngestError("the key file does not map names to pseudonyms", where=where,
                          hint="give the key file written by chatcode ingest --pseudonymize "
                          "(a 'pseudonyms' mapping such as 'anna: M01')")
    return _key_from(data, where)


def _key_from(data: dict, where: Location) -> PseudonymKey:
    problems: list[Problem] = []
    key = PseudonymKey()
    for original, pseudonym in (data.get("pseudonyms") or {}).items():
        if not isinstance(pseudonym, str) or not _PSEUDONYM.match(pseudonym):
            problems.append(Problem(f"{pseudonym!r} is not a pseudonym", where,
                                    "pseudonyms are M01, P01, T01 or B01 and so on"))
            continue
        key.pseudonyms[str(original)] = pseudonym
    counters = data.get("counters") or {}
    if not isinstance(counters, dict):
        counters = {}
        problems.append(Problem("'counters' must map prefixes to numbers", where,
                                "write e.g. 'counters: {M: 2, P: 14, T: 1, B: 0}'"))
    for prefix in "MPTB":
        raw = str(counters.get(prefix, "0"))
        if not raw.isdigit():
            problems.append(Problem(f"the counter of {prefix!r} is {raw!r}", where,
                                    "counters are whole numbers >= 0"))
            raw = "0"
        used = [int(m[2]) for p in key.pseudonyms.values()
                if (m := _PSEUDONYM.match(p)) and m[1] == prefix]
        key.counters[prefix] = max([int(raw), *used])
    if problems:
        raise Problems.of(IngestError, problems)
    return key


def write_key(key: PseudonymKey, path: str | Path) -> Path:
    """Write ``key`` to ``path`` atomically, merged with what the file holds now.

    Entries already in the file are kept as they are; an original the file gives another
    pseudonym is an error (the file was changed meanwhile), and nothing is written.
    """
    path = Path(path)
    merged = copy.deepcopy(read_key(path))
    clashes = [o for o, p in key.pseudonyms.items()
               if merged.pseudonyms.get(o, p) != p]
    if clashes:
        raise IngestError(
            f"the key file gives {len(clashes)} name(s) other pseudonyms than this ingest",
            where=Location(path),
            hint="it was changed while chatcode ran; run the ingest again")
    merged.pseudonyms.update(key.pseudonyms)
    for prefix, n in key.counters.items():
        merged.counters[prefix] = max(n, merged.counters.get(prefix, 0))
    doc = {"version": KEY_VERSION, "counters": merged.counters,
           "pseudonyms": merged.pseudonyms}
    text = _KEY_HEADER + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10**6)
    with atomic_file(path, force=True) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def check_key_path(key: str | Path, out: str | Path,
                   exports: Iterable[str | Path] = ()) -> None:
    """Refuse a key file that would be written into the output or over an export."""
    key_path, out_path = Path(key).resolve(), Path(out).resolve()
    if key_path == out_path or out_path in key_path.parents:
        raise IngestError(
            "the key file would be written into the output, next to the pseudonymized data",
            where=Location(key),
            hint="store the key apart from the corpus, e.g. --pseudonymize ../keys/study.yaml")
    for export in exports:
        if key_path == Path(export).resolve():
            raise IngestError("the key file is one of the exports being read",
                              where=Location(key), hint="give a separate key file")


# --- pseudonymization ------------------------------------------------------------------------
def pseudonymize(corpus: Corpus, *, key: PseudonymKey | None = None) -> Pseudonymized:
    """Replace every author, user id, e-mail and name in ``corpus`` by a stable pseudonym.

    ``key`` holds pseudonyms given before (it is not changed; the extended key is returned
    in the result). See the module docstring for the rules and their limits.
    """
    key = copy.deepcopy(key) if key is not None else PseudonymKey()
    before = len(set(key.pseudonyms.values()))
    authors = _register(corpus, key)
    names = _NameReplacer(key)
    posts = _apply(corpus.posts, key, names, system_role=True)
    reactions = _apply(corpus.reactions, key, names, system_role=False)
    new = len(set(key.pseudonyms.values())) - before
    return Pseudonymized(Corpus.trusted(posts, reactions), key, authors, new,
                         names.count, names.mentions)


def _identity_columns(columns: Iterable[str]) -> tuple[list[str], list[str]]:
    """``src_`` columns naming a user: (the post's or reaction's own author, other users)."""
    own, other = [], []
    for col in columns:
        if not str(col).startswith(S.SRC_PREFIX):
            continue
        parts = set(str(col)[len(S.SRC_PREFIX):].lower().split("_"))
        name = str(col)[len(S.SRC_PREFIX):].lower()
        if name in {"username", "email", "nickname"} or (parts & _WHO and parts & _ID_PART):
            (other if parts & _NOT_SELF else own).append(col)
    return own, other


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values([S.TIMESTAMP, S.POST_ID], kind="stable", na_position="last")


def _register(corpus: Corpus, key: PseudonymKey) -> int:
    """Give every author a pseudonym (reusing the key); return the number of authors."""
    posts = _ordered(corpus.posts)
    roles = posts[~posts[S.ROLE].eq(S.SYSTEM)].drop_duplicates(S.AUTHOR)
    role_of = dict(zip(roles[S.AUTHOR], roles[S.ROLE], strict=True))
    seen: set[str] = set()
    for table, roles_known in ((posts, True), (_ordered(corpus.reactions), False)):
        own, other = _identity_columns(table.columns)
        table = table[table[S.AUTHOR].notna()]
        aliases = {a: _values(d, own) for a, d in table.groupby(S.AUTHOR, sort=False)}
        for author in table[S.AUTHOR].drop_duplicates():
            if author.strip().casefold() in ("", S.SYSTEM):
                continue
            role = role_of.get(author, S.PARTICIPANT) if roles_known else S.PARTICIPANT
            _register_one(key, author, aliases.get(author, []), role)
            seen.add(author)
        for value in _values(table, other):
            if not EMAIL_RE.fullmatch(value) and key.lookup(value) is None:
                _register_one(key, value, [], S.PARTICIPANT)
    return len(seen)


def _values(table: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    out: list[str] = []
    for col in columns:
        out += [v for v in table[col].dropna().unique()
                if isinstance(v, str) and v.strip() and not _PLACEHOLDER.match(v)]
    return list(dict.fromkeys(out))


def _register_one(key: PseudonymKey, name: str, aliases: list[str], role: str) -> None:
    if _PSEUDONYM.match(name) and name in key.pseudonyms.values():
        return  # already a pseudonym (a pseudonymized corpus ingested again)
    pseudonym = key.lookup(name)
    for alias in aliases:
        if pseudonym is None:
            pseudonym = key.lookup(alias)
    pseudonym = pseudonym or key.new(role)
    for original in (name, *aliases):
        key.pseudonyms.setdefault(original, pseudonym)


class _NameReplacer:
    """Whole-word, case-insensitive replacement of every known name, counting what it did.

    In order: e-mail addresses (known -> pseudonym, others -> ``[email]``); @-mentions of a
    known name not followed by more of a handle (``@Anna Berger``); other @-handles (known
    -> pseudonym, unknown -> ``@[user]``); known names as whole words."""

    def __init__(self, key: PseudonymKey) -> None:
        self.key = key
        self.count = 0
        self.mentions = 0
        self.times = 1
        self.lookup = dict(key._folded())
        self.lookup.update(_first_names(key))
        self.pseudonyms = set(key.pseudonyms.values())
        folded = {p.casefold() for p in self.pseudonyms}
        candidates = set(self.lookup) | {o.lower() for o in key.pseudonyms}  # ß: ss / ß
        words = _trie_pattern(n for n in candidates if _searchable(n) and n not in folded)
        self.pattern = re.compile(
            rf"(?P<email>{EMAIL_RE.pattern})|(?<![^\W_])(?:"
            rf"@(?P<at_name>{words})(?![^\W_]|[.-][^\W_])"
            r"|@(?P<handle>[^\W_](?:[\w.-]*[^\W_])?)(?![^\W_])"
            rf"|(?P<name>{words})(?![^\W_]))", re.IGNORECASE)

    def _sub(self, m: re.Match) -> str:
        email, at_name, handle, name = m["email"], m["at_name"], m["handle"], m["name"]
        if handle is not None and (handle.casefold() in _SPECIAL_MENTIONS
                                   or handle in self.pseudonyms):
            return m[0]
        self.count += self.times
        self.mentions += self.times * (email is None and name is None)
        if email is not None:
            return self.lookup.get(email.casefold(), "[email]")
        if handle is not None:
            hit = self.lookup.get(handle.casefold())
            return UNKNOWN_MENTION if hit is None else "@" + hit
        return ("@" if at_name else "") + self.lookup[(at_name or name).casefold()]

    def text(self, values: pd.Series) -> pd.Series:
        return _map_text(values, self._one_text)

    def _one_text(self, text: str, times: int) -> str:
        self.times = times  # how often this text occurs: counts are per occurrence
        return self.pattern.sub(self._sub, text)

    def cells(self, values: pd.Series) -> pd.Series:
        """An identity column: whole cells by the key, else as a text."""
        def one(v: str, times: int) -> str:
            hit = self.key.lookup(v.strip())
            return hit if hit is not None else self._one_text(v, times)
        return _map_text(values, one)


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for many words, as a trie (``ann(?:a(?:\\.mod)?|e)``): it tries the longest
    word first and, unlike a flat alternation, costs no more per position for more words."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie) or r"(?!x)x"


def _searchable(name: str) -> bool:
    if len(name) < 2 or not name.strip():
        return False
    return not (name.isdigit() and len(name) < 5)


def _first_names(key: PseudonymKey) -> dict[str, str]:
    """``first name -> pseudonym`` for ``First Last`` names whose first name is unambiguous."""
    owners: dict[str, set[str]] = {}
    for original, pseudonym in key.pseudonyms.items():
        parts = original.split()
        if len(parts) >= 2 and parts[0].isalpha() and len(parts[0]) >= 2:
            owners.setdefault(parts[0].casefold(), set()).add(pseudonym)
    folded = key._folded()
    return {first: next(iter(p)) for first, p in owners.items()
            if len(p) == 1 and folded.get(first, next(iter(p))) == next(iter(p))}


def _map_text(values: pd.Series, fn: Callable[[str, int], str]) -> pd.Series:
    """``fn(text, times)`` once per distinct non-empty text of ``values``; ``times`` is how
    often it occurs (for counts per occurrence)."""
    codes, uniques = pd.factorize(values)
    times = np.bincount(codes[codes >= 0], minlength=len(uniques)).tolist()
    done = np.array([fn(v, n) if isinstance(v, str) and v else v
                     for v, n in zip(uniques.tolist(), times, strict=True)] + [None],
                    dtype=object)
    return pd.Series(done[codes], index=values.index, dtype=values.dtype)


def _apply(table: pd.DataFrame, key: PseudonymKey, names: _NameReplacer, *,
           system_role: bool) -> pd.DataFrame:
    out = table.copy()
    author = _map_text(out[S.AUTHOR], lambda a, _: key.lookup(a) or a)
    if system_role:
        author = author.mask(out[S.ROLE].eq(S.SYSTEM), S.SYSTEM)
    out[S.AUTHOR] = author.astype(table[S.AUTHOR].dtype)
    own, other = _identity_columns(out.columns)
    for col in out.columns:
        if col in own or col in other:
            out[col] = names.cells(out[col])
        elif col in (S.TEXT, S.GROUP) or (str(col).startswith(S.SRC_PREFIX)
                                          and pd.api.types.is_string_dtype(out[col].dtype)):
            out[col] = names.text(out[col])
    return out


# --- scrubbing --------------------------------------------------------------------------------
def check_scrub_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """The scrub kinds as a tuple in canonical order; ``"phone,email"`` items are split."""
    given = [k.strip().lower() for item in kinds for k in str(item).split(",") if k.strip()]
    unknown = [k for k in given if k not in SCRUB_KINDS]
    if unknown:
        raise IngestError(f"cannot scrub {', '.join(repr(k) for k in unknown)}",
                          hint=f"use any of {', '.join(SCRUB_KINDS)}, e.g. --scrub phone,email")
    return tuple(k for k in SCRUB_KINDS if k in given)


def _phone(m: re.Match) -> str:
    groups = re.findall(r"\d+", m[0])
    digits = sum(len(g) for g in groups)
    if not 7 <= digits <= 15 or max(map(len, groups)) < 3 or _DATE.match(m[0]):
        return m[0]
    return "[phone]"


def scrub_texts(values: pd.Series, *, kinds: Sequence[str] = SCRUB_KINDS
                ) -> tuple[pd.Series, dict[str, int]]:
    """Replace URLs, e-mail addresses and phone numbers in ``values``; return the counts.

    URLs go first (an address inside a URL is part of the URL), then e-mails, then phones.
    """
    kinds = check_scrub_kinds(kinds)
    counts = dict.fromkeys(kinds, 0)
    rules = [(k, r, f"[{k}]") for k, r in (("url", URL_RE), ("email", EMAIL_RE)) if k in kinds]

    def one(text: str, times: int) -> str:
        for kind, regex, repl in rules:
            text, n = regex.subn(repl, text)
            counts[kind] += n * times
        if "phone" in kinds:
            new = PHONE_RE.sub(_phone, text)
            counts["phone"] += (new.count("[phone]") - text.count("[phone]")) * times
            text = new
        return text

    return _map_text(values, one), counts


def scrub_corpus(corpus: Corpus, *, kinds: Sequence[str] = SCRUB_KINDS
                 ) -> tuple[Corpus, dict[str, int]]:
    """Scrub the texts and the ``src_`` columns that hold no ids, times or user names
    (those are pseudonymized, see :func:`pseudonymize`), in both tables."""
    kinds = check_scrub_kinds(kinds)
    totals = dict.fromkeys(kinds, 0)
    tables = []
    for table in (corpus.posts, corpus.reactions):
        out = table.copy()
        own, other = _identity_columns(out.columns)
        for col in out.columns:
            src = (str(col).startswith(S.SRC_PREFIX) and not _KEEP_SRC.search(str(col))
                   and col not in own + other)
            if (col == S.TEXT or src) and pd.api.types.is_string_dtype(out[col].dtype):
                out[col], counts = scrub_texts(out[col], kinds=kinds)
                for k, n in counts.items():
                    totals[k] += n
        tables.append(out)
    return Corpus.trusted(*tables), totals


def protect(corpus: Corpus, *, key_path: str | Path | None, key: PseudonymKey | None = None,
            scrub: Sequence[str] = ()) -> tuple[Corpus, list[str]]:
    """Scrub (when asked), then pseudonymize with the key file at ``key_path`` (when given)
    and write the extended key there; return the corpus and report lines (counts only)."""
    notes: list[str] = []
    kinds = check_scrub_kinds(scrub)
    if kinds:
        corpus, counts = scrub_corpus(corpus, kinds=kinds)
        notes.append("scrubbed " + ", ".join(f"{n} {_WHAT[k]}" for k, n in counts.items()))
    if key_path is not None:
        result = pseudonymize(corpus, key=key if key is not None else read_key(key_path))
        write_key(result.key, key_path)
        corpus = result.corpus
        notes += result.notes
        notes.append(f"the key file {key_path} holds the original names: store it apart from "
                     "the data and never share it")
    return corpus, notes


_WHAT = {"phone": "phone number(s)", "email": "e-mail address(es)", "url": "URL(s)"}
