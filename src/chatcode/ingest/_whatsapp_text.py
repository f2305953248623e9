"""The patterns of a WhatsApp .txt export: message headers, and the split of each message
into author and text, classified by structure first and by WhatsApp's own phrases second
(system events, calls, deleted and unreadable messages, media placeholders, edited markers,
polls; the phrases come from the per-language tables of ``_whatsapp_phrases``).

Every pattern here is valid both for Python's ``re`` and for RE2 (which pyarrow uses to run
them over a whole column at once), so no lookarounds and no backreferences.

Sources of the variants: the WhatsR table of system-message and media patterns per language
and OS (gesiscss/WhatsR ``inst/Languages.csv``), and the header variants users reported to
Pustur/whatsapp-chat-parser (``tests/parser.test.ts``).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chatcode.corpus.roles import INVISIBLE, ODD_SPACES
from chatcode.ingest._whatsapp_phrases import Phrases

__all__ = [
    "HEADER",
    "MARKS",
    "classify",
    "is_header",
    "normalize_names",
    "strip_marks",
]

# U+200E LEFT-TO-RIGHT MARK and U+FEFF (BOM / zero-width no-break space): invisible marks that
# WhatsApp (and hand-edited files) put at line starts, before attachments and inside headers.
MARKS = "\u200e\ufeff"
_M = f"[{MARKS}]*"
_SP = "[ \u00a0\u202f]"  # space, no-break space, narrow no-break space (iOS before AM/PM)
_AMPM = f"[AaPp]\\.?{_SP}?[Mm]\\.?"
_DATE = r"(?P<d1>\d{1,4})[./-](?P<d2>\d{1,2})[./-](?P<d3>\d{1,4})"
_TIME = (rf"(?P<hh>\d{{1,2}})[:.](?P<mm>\d{{2}})(?:[:.](?P<ss>\d{{2}}))?"
         rf"(?:{_SP}?(?P<ampm>{_AMPM}))?")
# Android: ``dd.mm.yy, HH:MM - body``; iOS: ``[dd.mm.yy, HH:MM:SS] body``. The comma after the
# date is optional (``9/24/2019 11:30 p.m. - ``), so is a dot after the time (``13:01. -``);
# Finnish exports write ``13.6.2018 klo 21.25.15 - ``.
# ``head`` is the whole header, so the body is what follows it on the line.
HEADER = (rf"^(?P<head>{_M}(?P<open>\[?){_M}(?P<stamp>{_DATE}(?:,| klo)?{_SP}{_TIME})"
          rf"(?:\]|\.?{_SP}-){_SP}?)")
_HEADER_RE = re.compile(HEADER)


def is_header(line: str) -> bool:
    """True when ``line`` starts a WhatsApp message (Android or iOS layout)."""
    return _HEADER_RE.match(line) is not None


def strip_marks(values: pa.Array) -> pa.Array:
    """The strings without LRM and BOM marks."""
    for mark in MARKS:
        values = pc.replace_substring(values, mark, "")
    return values




def normalize_names(values: pa.Array) -> pa.Array:
    """Names without invisible formatting characters (LRM/RLM, embeddings, isolates, BOM),
    odd spaces (no-break, narrow no-break, thin, ...) as plain spaces, runs of spaces as one,
    and no spaces at either end."""
    values = pc.replace_substring_regex(values, f"[{INVISIBLE}]", "")
    values = pc.replace_substring_regex(values, f"[{ODD_SPACES}]", " ")
    values = pc.replace_substring_regex(values, "  +", " ")
    return pc.utf8_trim_whitespace(values)


def _flag(values: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(values, pattern), False)


def _flag_where(values: pa.Array, mask: pa.Array, pattern: str) -> pa.Array:
    """``_flag`` computed only on the rows of ``mask`` (False elsewhere)."""
    rows = pc.indices_nonzero(mask)
    out = pa.array(np.zeros(len(values), dtype=bool))
    if not len(rows):
        return out
    hit = _flag(pc.take(values, rows), pattern)
    return pc.replace_with_mask(out, mask, hit)


def _split_author(body: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(has author, author, text) of ``Name: text`` bodies, split at the first ``": "`` of the
    first line (so ``~ Kendi:)`` and ``John 14:13`` stay whole). A first line that is only
    ``Name:`` (the header of an iOS photo album) has that author and the next lines as text."""
    parts = pc.split_pattern(body, ": ", max_splits=1)
    first = parts.offsets.to_numpy()[:-1]
    two = (pc.list_value_length(parts).to_numpy(zero_copy_only=False) == 2)
    values = parts.values
    author = pc.take(values, pa.array(first))
    rest = pc.take(values, pa.array(np.where(two, first + 1, first), mask=~two))
    rest = pc.fill_null(rest, "")
    has_author = pc.and_(pa.array(two), pc.invert(pc.match_substring(author, "\n")))
    has_author = pc.and_(has_author, pc.greater(pc.utf8_length(author), 0))
    bare = pc.and_(pc.invert(has_author), _flag(body, "^[^\n]+:(?:\n|$)"))
    if pc.any(bare).as_py():
        rows = pc.indices_nonzero(bare)
        found = pc.extract_regex(pc.take(body, rows), "(?s)^(?P<a>[^\n]+):(?:\n(?P<t>.*))?$")
        author = pc.replace_with_mask(author, bare, found.field("a"))
        rest = pc.replace_with_mask(rest, bare, pc.fill_null(found.field("t"), ""))
        has_author = pc.or_(has_author, bare)
    return has_author, author, rest


def _media(text: pa.Array, candidates: pa.Array, phrases: Phrases
           ) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """The placeholder lines (or null), the text without them (the caption), and the number of
    placeholders, for each text."""
    n = np.zeros(len(text), dtype=np.int64)
    media = pa.nulls(len(text), text.type)
    rows = pc.indices_nonzero(candidates)
    if not len(rows):
        return media, text, n
    subset = pc.take(text, rows)
    line = "(?im)^[\u200e\u200f]*(?:" + phrases.alternation("media") + "|" + \
        phrases.alternation("attached") + ")$"
    count = pc.count_substring_regex(subset, line).to_numpy(zero_copy_only=False)
    lines = pc.split_pattern(subset, "\n")
    flat = lines.flatten()
    is_media = _flag(flat, line)
    owner = np.repeat(np.arange(len(subset)), pc.list_value_length(lines).to_numpy(
        zero_copy_only=False))
    keep = is_media.to_numpy(zero_copy_only=False)
    join = pa.scalar("\n", text.type)

    def rejoin(mask: np.ndarray) -> pa.Array:
        offsets = np.r_[0, np.cumsum(np.bincount(owner[mask], minlength=len(subset)))]
        chosen = pc.filter(flat, pa.array(mask))
        return pc.binary_join(pa.LargeListArray.from_arrays(pa.array(offsets.astype(np.int64)),
                                                            chosen), join)

    found = strip_marks(rejoin(keep))
    captions = pc.utf8_trim(rejoin(~keep), "\n")
    n[rows.to_numpy()] = count
    return (pc.replace_with_mask(media, candidates, found),
            pc.replace_with_mask(text, candidates, captions), n)


def known_names(body: pa.Array, has_author: pa.Array, phrases: Phrases,
                limit: int = 50_000) -> set[str]:
    """Names with ``": "`` in them that the file's own system lines name (``X added Dr: Who``),
    normalised; read from the (few) bodies without an author and marked texts."""
    rows = pc.indices_nonzero(pc.and_(pc.invert(has_author) if len(body) else has_author,
                                      _flag(body, ": ")))
    if not len(rows) or not phrases.actor_patterns:
        return set()
    pattern = phrases.actor_regex
    found = set()
    for value in pc.take(body, rows[:limit]).to_pylist():
        m = pattern.match(strip_text_marks(value or ""))
        if m:
            name = next((g for g in m.groups() if g), "")
            if ": " in name:
                found.add(name)
    return found


def strip_text_marks(value: str) -> str:
    return value.translate({ord(c): None for c in MARKS + "\u200f"})


def _resolve(body: pa.Array, has_author: pa.Array, author: pa.Array, text: pa.Array,
             names: set[str]) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Bodies that start with a known name containing ``": "`` get that whole name as author
    (the longest known name wins)."""
    clean = strip_marks(body)
    for name in sorted(names, key=len):  # longer names last: they win
        prefix = name + ": "
        hit = pc.starts_with(clean, prefix)
        if not pc.any(hit).as_py():
            continue
        rows = pc.indices_nonzero(hit)
        author = pc.replace_with_mask(author, hit, pa.array([name] * len(rows), author.type))
        text = pc.replace_with_mask(text, hit, pc.utf8_slice_codeunits(
            pc.take(clean, rows), len(prefix)))
        has_author = pc.or_(has_author, hit)
    return has_author, author, text


def classify(body: pa.Array, phrases: Phrases, chat_names: set[str]) -> dict[str, pa.Array]:
    """Split message bodies into author and text and classify them.

    Structure first: a body without ``"author: "`` is a system message (Android), and so is
    a line whose sender is the chat's own name (``chat_names``, normalised) when its text is
    marked as WhatsApp's (a leading LRM, iOS) and is no placeholder. Phrases second: a body
    or a marked text that is a system phrase or a call, a text that is a deleted or
    unreadable (waiting) message, a media placeholder, a poll, or ends with the edited marker.

    Returns arrays: ``author`` (normalised; "" for system messages), ``shown`` (the name as
    written), ``text`` (marks and markers removed; "" for bare placeholders), ``system``,
    ``media`` (the placeholder lines or null), ``n_media`` (numpy), ``deleted``, ``waiting``,
    ``edited`` and ``poll`` (booleans).
    """
    has_author, shown, raw_text = _split_author(body)
    colon_names = known_names(body, has_author, phrases)
    if colon_names:
        has_author, shown, raw_text = _resolve(body, has_author, shown, raw_text, colon_names)
    text, clean_body = strip_marks(raw_text), strip_marks(body)
    marked = pc.starts_with(raw_text, "\u200e")
    author = normalize_names(shown)
    whole = pc.or_(pc.invert(has_author), _flag_where(
        clean_body, pc.and_(has_author, _flag(clean_body, " ")), phrases.whole("system")))

    def senders(names: set[str]) -> pa.Array:
        if not names:
            return pa.array(np.zeros(len(body), dtype=bool))
        return pc.fill_null(pc.is_in(author, pa.array(sorted(names), type=author.type)), False)

    chat_sender = senders(chat_names)
    candidates = pc.and_(pc.invert(whole), pc.or_(marked, chat_sender))
    said_system = _flag_where(text, candidates, phrases.whole("system"))
    # a sender whose marked lines are system events is the chat itself (iOS)
    learned = set(pc.unique(pc.filter(author, pc.and_(said_system, marked))).to_pylist())
    if learned - chat_names:
        chat_names = chat_names | learned
        chat_sender = senders(chat_names)
        candidates = pc.and_(pc.invert(whole), pc.or_(marked, chat_sender))
        said_system = _flag_where(text, candidates, phrases.whole("system"))
    said_call = _flag_where(text, candidates, phrases.whole("call"))
    said = pc.or_(said_system, said_call)
    placeholder = pc.or_(pc.or_(_flag(text, phrases.first_line("media")),
                                _flag(text, phrases.first_line("attached"))),
                         pc.or_(_flag(text, phrases.whole("deleted")),
                                _flag(text, phrases.first_line("poll"))))
    structural = pc.and_(pc.and_(chat_sender, marked), pc.invert(placeholder))
    sender = pc.and_(pc.invert(whole), pc.or_(said, structural))
    system = pc.or_(whole, sender)
    text = pc.if_else(whole, clean_body, pc.if_else(pc.and_(sender, pc.invert(chat_sender)),
                                                    clean_body, text))
    user = pc.invert(system)
    edited = pc.and_(user, _flag(text, phrases.ending("edited")))
    if pc.any(edited).as_py():
        text = pc.if_else(edited, pc.replace_substring_regex(text, phrases.ending("edited"), ""),
                          text)
    deleted = pc.and_(user, _flag(text, phrases.whole("deleted")))
    waiting = pc.and_(user, _flag(text, phrases.whole("waiting")))
    gone = pc.or_(deleted, waiting)
    candidates = pc.and_(pc.and_(user, pc.invert(gone)), pc.and_(placeholder, pc.invert(
        _flag(text, phrases.first_line("poll")))))
    media, text, n_media = _media(text, candidates, phrases)
    poll = pc.and_(user, _flag(text, phrases.first_line("poll")))
    text = pc.if_else(gone, "", text)
    author = pc.if_else(system, "", author)
    call = pc.and_(sender, pc.and_(said_call, pc.invert(said_system)))
    return {"author": author, "shown": pc.if_else(has_author, shown, ""), "text": text,
            "system": system, "call": call, "media": media, "n_media": n_media,
            "deleted": deleted, "waiting": waiting, "edited": edited, "poll": poll,
            "colon_names": colon_names}
