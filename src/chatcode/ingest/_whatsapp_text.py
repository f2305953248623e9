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
from chatcode.ingest._whatsapp_phrases import ENDING, FIRST_LINE, WHOLE, Phrases, fold

__all__ = [
    "HEADER",
    "HEAD_ONLY",
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
# the same pattern with only the group ``head``: found with RE2 over every line, the fields
# cost most of the time (each group is one more column of strings), and the numbers are read
# from the headers' bytes instead (``whatsapp._headers``)
HEAD_ONLY = re.sub(r"\(\?P<(?!head>)\w+>", "(?:", HEADER)


def is_header(line: str) -> bool:
    """True when ``line`` starts a WhatsApp message (Android or iOS layout)."""
    return _HEADER_RE.match(line) is not None


_MARK_BYTES = tuple(mark.encode("utf-8") for mark in MARKS)


def positions(data: np.ndarray, byte: int, block: int = 1 << 22) -> np.ndarray:
    """Where ``data`` (bytes as uint8) holds ``byte``, found a block at a time (the
    comparison's mask stays small and its memory is reused, where a mask as long as the
    text would be fresh memory each time)."""
    found = [np.flatnonzero(data[lo:lo + block] == byte) + lo
             for lo in range(0, len(data), block)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (one more than the values) and the bytes of a string array, as numpy
    views without a copy."""
    _, offsets_buf, data_buf = values.buffers()
    wide = pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type)
    offsets = np.frombuffer(offsets_buf, dtype=np.int64 if wide else np.int32)[
        values.offset:values.offset + len(values) + 1]
    if data_buf is None:
        return offsets, np.zeros(0, dtype=np.uint8)
    return offsets, np.frombuffer(data_buf, dtype=np.uint8)[:offsets[-1]]


def rows_with(values: pa.Array, needles: tuple[bytes, ...]) -> np.ndarray:
    """Whether each string contains any of ``needles`` (UTF-8 of whole characters), found by
    a scan of the array's bytes with numpy (no copy, no per-row work)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    mask = np.zeros(len(values), dtype=bool)
    if values.buffers()[2] is None or not len(values):
        return mask
    offsets, data = _buffers(values)
    for needle in needles:
        pos = positions(data[offsets[0]:], needle[0]) + offsets[0]
        for k in range(1, len(needle)):
            pos = pos[pos + k < len(data)]
            pos = pos[data[pos + k] == needle[k]]
        mask[np.searchsorted(offsets, pos, side="right") - 1] = True
    if values.null_count:
        mask &= values.is_valid().to_numpy(zero_copy_only=False)
    return mask


def strip_marks(values: pa.Array) -> pa.Array:
    """The strings without LRM and BOM marks (only the rows that have any are rewritten)."""
    marked = rows_with(values, _MARK_BYTES)
    if not marked.any():
        return values
    rows = pa.array(marked)
    sub = pc.filter(values, rows)
    for mark in MARKS:
        sub = pc.replace_substring(sub, mark, "")
    return pc.replace_with_mask(values, rows, sub)


def normalize_names(values: pa.Array) -> pa.Array:
    """Names without invisible formatting characters (LRM/RLM, embeddings, isolates, BOM),
    odd spaces (no-break, narrow no-break, thin, ...) as plain spaces, runs of spaces as one,
    and no spaces at either end. (Computed once per distinct name.)"""
    encoded = values.dictionary_encode()
    names = encoded.dictionary
    names = pc.replace_substring_regex(names, f"[{INVISIBLE}]", "")
    names = pc.replace_substring_regex(names, f"[{ODD_SPACES}]", " ")
    names = pc.replace_substring_regex(names, "  +", " ")
    return pc.take(pc.utf8_trim_whitespace(names), encoded.indices)


def where(mask: pa.Array, yes, no: pa.Array) -> pa.Array:
    """``if_else`` that skips the copy when no row is chosen (most masks here are sparse)."""
    if not pc.any(mask).as_py():
        return no
    return pc.if_else(mask, yes, no)


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


def flag_system(values: pa.Array, mask: pa.Array, phrases: Phrases,
                kind: str = "system", first: tuple[str, ...] = ()) -> pa.Array:
    """Whether each value (of the rows of ``mask``) is a phrase of ``kind``: one language
    at a time, each on the rows no language has matched yet, the languages ``first`` (those
    the file's placeholders are in) first. (The union is the same in any order; this one
    leaves few rows, often none, for the other languages' patterns.)"""
    found = pa.array(np.zeros(len(values), dtype=bool))
    left = mask
    patterns = phrases.whole_by_language(kind)
    patterns = ([p for p in patterns if p[0] in first] +
                [p for p in patterns if p[0] not in first])
    for _, pattern in patterns:
        if not pc.any(left).as_py():
            break
        hit = _flag_where(values, left, pattern)
        found = pc.or_(found, hit)
        left = pc.and_(left, pc.invert(hit))
    return found


def _split_author(body: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """(has author, author, text, bare) of ``Name: text`` bodies, split at the first ``": "``
    of the first line (so ``~ Kendi:)`` and ``John 14:13`` stay whole). A body without
    ``": "`` still has an author when its first line is only ``Name:`` (``bare``: the header
    of an iOS album, or what a view-once photo leaves) or starts with ``Name:`` for a name
    that writes other messages (``John Doe:.``)."""
    author, rest, two = _split_first(body)
    has_author = pc.and_(pa.array(two), pc.invert(pc.match_substring(author, "\n")))
    has_author = pc.and_(has_author, pc.greater(pc.utf8_length(author), 0))
    none = pc.invert(has_author)
    bare = pa.array(np.zeros(len(body), dtype=bool))
    colon = _flag_where(body, none, "^[^\n]+?:")
    if not pc.any(colon).as_py():
        return has_author, author, rest, bare
    rows = pc.indices_nonzero(colon)
    found = pc.extract_regex(pc.take(body, rows), "(?s)^(?P<a>[^\n]+?):(?P<t>.*)$")
    name, tail = found.field("a"), found.field("t")
    encoded = author.dictionary_encode()  # the names of rows with an author, without a copy
    known = pc.take(encoded.dictionary, pc.unique(pc.filter(encoded.indices, has_author)))
    is_bare = pc.or_(pc.equal(tail, ""), pc.starts_with(tail, "\n"))
    ok = pc.or_(is_bare, pc.fill_null(pc.is_in(strip_marks(name), strip_marks(known)), False))
    gap = pc.or_(pc.starts_with(tail, " "), pc.starts_with(tail, "\n"))
    tail = pc.if_else(gap, pc.utf8_slice_codeunits(tail, 1), tail)  # the space or break
    hit = pc.replace_with_mask(pa.array(np.zeros(len(body), dtype=bool)), colon, ok)
    author = pc.replace_with_mask(author, colon, pc.if_else(ok, name, pc.take(author, rows)))
    rest = pc.replace_with_mask(rest, colon, pc.if_else(ok, tail, pc.take(rest, rows)))
    bare = pc.replace_with_mask(bare, colon, pc.and_(ok, is_bare))
    return pc.or_(has_author, hit), author, rest, bare


def _split_first(body: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """(before, after, found) the first ``": "`` of each body (no nulls); without one, the
    whole body and "". Found in the bodies' bytes (a block at a time), and cut from them as
    alternate pieces, so only the two results are copies."""
    body = body.cast(pa.large_string())
    n = len(body)
    offsets, data = _buffers(body)
    colon = positions(data[offsets[0]:], ord(":")) + offsets[0]
    colon = colon[colon + 1 < len(data)]
    colon = colon[data[colon + 1] == ord(" ")]
    owner = np.searchsorted(offsets, colon, side="right") - 1
    inside = colon + 2 <= offsets[owner + 1]  # both characters in one body
    colon, owner = colon[inside], owner[inside]
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, dtype=bool)
    two = np.zeros(n, dtype=bool)
    two[owner[first]] = True
    cut = offsets[1:].astype(np.int64)  # (a copy)
    cut[owner[first]] = colon[first]
    cuts = np.empty(3 * n + 1, dtype=np.int64)
    cuts[0:3 * n:3] = offsets[:-1]
    cuts[1::3] = cut
    cuts[2::3] = np.where(two, cut + 2, cut)
    cuts[3 * n] = offsets[-1]
    pieces = pa.LargeStringArray.from_buffers(3 * n, pa.py_buffer(cuts), body.buffers()[2])
    return (pc.take(pieces, pa.array(np.arange(0, 3 * n, 3))),
            pc.take(pieces, pa.array(np.arange(2, 3 * n, 3))), two)


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
    lines = pc.split_pattern(subset, "\n")
    flat = lines.flatten()
    line_flags = phrase_flags(flat, phrases, ("media", "attached"))
    keep = pc.or_(line_flags["media"], line_flags["attached"]).to_numpy(zero_copy_only=False)
    owner = np.repeat(np.arange(len(subset)), pc.list_value_length(lines).to_numpy(
        zero_copy_only=False))
    count = np.bincount(owner[keep], minlength=len(subset))
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


def known_names(bodies: list[str], phrases: Phrases) -> set[str]:
    """Names with ``": "`` in them that system lines name (``X added Dr: Who``)."""
    found = set()
    pattern = phrases.actor_regex
    for value in bodies:
        m = pattern.match(strip_text_marks(value or ""))
        if m:
            found.update(g for g in m.groups() if g and ": " in g)
    return found


def strip_text_marks(value: str) -> str:
    return value.translate({ord(c): None for c in MARKS + "\u200f"})


def _resolve(body: pa.Array, rows: pa.Array, author: pa.Array, text: pa.Array,
             names: set[str]) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Bodies (of ``rows``, a mask) that start with a known name containing ``": "`` get that
    whole name as author (the longest known name wins); returns the mask of changed rows."""
    clean = strip_marks(body)
    changed = pa.array(np.zeros(len(body), dtype=bool))
    for name in sorted(names, key=len):  # longer names last: they win
        prefix = name + ": "
        hit = pc.and_(rows, pc.starts_with(clean, prefix))
        if not pc.any(hit).as_py():
            continue
        idx = pc.indices_nonzero(hit)
        author = pc.replace_with_mask(author, hit, pa.array([name] * len(idx), author.type))
        text = pc.replace_with_mask(text, hit, pc.utf8_slice_codeunits(
            pc.take(clean, idx), len(prefix)))
        changed = pc.or_(changed, hit)
    return changed, author, text


def _rare(values: pa.Array, has: pa.Array, at_most: int = 3) -> pa.Array:
    """Rows whose value occurs at most ``at_most`` times (among the rows of ``has``)."""
    idx = pc.index_in(values, pc.unique(values)).to_numpy(zero_copy_only=False)
    counts = np.bincount(idx, weights=has.to_numpy(zero_copy_only=False))
    return pc.and_(has, pa.array(counts[idx] <= at_most))


def _first_lines(values: pa.Array) -> pa.Array:
    return pc.list_element(pc.split_pattern(values, "\n", max_splits=1), 0)


def _seen(values: pa.Array, mask: pa.Array, pattern: str, *, first: bool = False
          ) -> set[str]:
    """The distinct texts the group ``x`` of ``pattern`` matched in the rows of ``mask`` (in
    their first lines with ``first``; each distinct row once), folded."""
    if not pc.any(mask).as_py():
        return set()
    rows = pc.unique(pc.filter(values, mask))
    found = pc.extract_regex(_first_lines(rows) if first else rows, pattern)
    return {fold(v) for v in pc.unique(found.field("x").drop_null()).to_pylist()}


def phrase_flags(text: pa.Array, phrases: Phrases,
                 kinds: tuple[str, ...] = FIRST_LINE + WHOLE + ENDING) -> dict[str, pa.Array]:
    """For each phrase class matched on participants' texts (media, attached, poll: the first
    line; deleted, waiting, call: the whole text; edited: the end), whether the text has it;
    and under ``languages`` the languages whose phrases' literal starts or ends were seen.

    A literal prefilter (how the phrases start or end, on the lower-cased text) picks the few
    candidate rows and the templates whose start or end they show; only those templates'
    regular expressions then run, on those rows only."""
    starts, ends_whole, ends_first, always = phrases.prefilter
    low = pc.utf8_lower(text)
    by_start, by_end = _flag(low, starts), _flag(low, ends_whole)
    by_first = _flag(low, ends_first)  # single-line texts: the first line is the text
    multi = pa.array(rows_with(text, (b"\n",)))
    if pc.any(multi).as_py():  # the end of the first line of multi-line texts
        rows = pc.indices_nonzero(multi)
        by_first = pc.replace_with_mask(by_first, multi, pc.or_(
            pc.take(by_first, rows), _flag(_first_lines(pc.take(low, rows)), ends_first)))
    cand = pc.or_(pc.or_(by_start, by_end), by_first)
    if always:
        cand = pa.array(np.ones(len(text), dtype=bool))
    rows = pc.indices_nonzero(cand)
    none = pa.array(np.zeros(len(text), dtype=bool))
    if not len(rows):
        return {k: none for k in kinds} | {"languages": ()}
    seen_starts = frozenset(_seen(low, by_start, starts))
    seen_ends = frozenset(_seen(low, by_end, ends_whole) |
                          _seen(low, by_first, ends_first, first=True))
    subtext = pc.take(text, rows)
    out = {}
    for k in kinds:
        alt = phrases.in_play(k, seen_starts, seen_ends)
        pattern = (f"(?i)^[\u200e\u200f]*(?:{alt})(?:\n|$)" if k in FIRST_LINE else
                   f"(?i)\\s*[\u200e\u200f]*(?:{alt})$" if k in ENDING else
                   f"(?is)^[\u200e\u200f]*(?:{alt})$")
        out[k] = pc.replace_with_mask(none, cand, _flag(subtext, pattern))
    return out | {"languages": phrases.languages_seen(seen_starts, seen_ends)}


def classify(body: pa.Array, phrases: Phrases, chat_names: set[str]) -> dict[str, pa.Array]:
    """Split message bodies into author and text and classify them.

    Structure first: a body without ``"author: "`` is a system message (Android), and so is
    a line whose sender is the chat's own name (``chat_names``, normalised, and senders
    whose marked lines are system phrases) when its text is marked as WhatsApp's (a leading
    LRM, iOS) and is no placeholder. Phrases second: a body that is a system phrase (looked
    for in bodies whose "author" occurs at most 3 times: a system line with ": " in it), a
    marked text (or the chat's) that is a system phrase or a call; then, in participants'
    texts, deleted and unreadable (waiting) messages, media placeholders, polls and the
    edited marker.

    Returns arrays: ``author`` (normalised; "" for system messages), ``shown`` (the name as
    written), ``text`` (marks and markers removed; "" for bare placeholders), ``system``,
    ``call``, ``media`` (the placeholder lines or null), ``n_media`` (numpy), ``deleted``,
    ``waiting``, ``edited`` and ``poll`` (booleans), and ``colon_names`` (a set).
    """
    has_author, shown, raw_text, bare = _split_author(body)
    text, clean_body = strip_marks(raw_text), strip_marks(body)
    marked = pc.starts_with(raw_text, "\u200e")
    rare = _rare(shown, has_author)
    flags = phrase_flags(text, phrases)
    whole = pc.or_(pc.invert(has_author), flag_system(clean_body, rare, phrases,
                                                      first=flags["languages"]))
    author = normalize_names(shown)

    def senders(names: set[str]) -> pa.Array:
        if not names:
            return pa.array(np.zeros(len(body), dtype=bool))
        return pc.fill_null(pc.is_in(author, pa.array(sorted(names), type=author.type)), False)

    placeholder = pc.or_(pc.or_(flags["media"], flags["attached"]),
                         pc.or_(pc.or_(flags["deleted"], flags["waiting"]), flags["poll"]))
    said_call = pc.and_(pc.and_(pc.invert(whole), marked), flags["call"])
    quiet = pc.and_(pc.invert(whole), pc.invert(pc.or_(placeholder, said_call)))
    # a marked text (iOS), or the text of a sender with at most 3 lines (hand-made files
    # with the chat's name as sender)
    said_system = flag_system(text, pc.and_(quiet, pc.or_(marked, rare)), phrases,
                              first=flags["languages"])
    # the chat itself: its name, and senders whose marked lines are system events (iOS)
    if pc.any(said_system).as_py():
        chat_names = chat_names | set(pc.unique(pc.filter(author, said_system)).to_pylist())
    chat_sender = senders(chat_names)
    said_system = pc.or_(said_system, flag_system(
        text, pc.and_(pc.and_(quiet, chat_sender), pc.invert(marked)), phrases,
        first=flags["languages"]))
    structural = pc.and_(pc.and_(chat_sender, marked), pc.invert(placeholder))
    sender = pc.or_(pc.or_(said_system, said_call), pc.and_(quiet, structural))
    system = pc.or_(whole, sender)
    # names with ": " that the system lines name; their messages get the whole name
    rows = pc.indices_nonzero(system)
    said = pc.if_else(pc.take(whole, rows), pc.take(clean_body, rows), pc.take(text, rows))
    mentions = pc.filter(said, _flag(said, ": "))
    colon_names = known_names(mentions.to_pylist(), phrases) if len(mentions) else set()
    if colon_names:
        changed, shown, raw_text = _resolve(body, pc.invert(system), shown, raw_text,
                                            colon_names)
        if pc.any(changed).as_py():
            text, author = strip_marks(raw_text), normalize_names(shown)
            flags = phrase_flags(text, phrases)
    text = where(pc.or_(whole, pc.and_(sender, pc.invert(chat_sender))), clean_body, text)
    user = pc.invert(system)
    edited = pc.and_(user, flags["edited"])
    if pc.any(edited).as_py():
        rows = pc.indices_nonzero(edited)
        text = pc.replace_with_mask(text, edited, pc.replace_substring_regex(
            pc.take(text, rows), phrases.ending("edited"), ""))
    deleted = pc.and_(user, flags["deleted"])
    waiting = pc.and_(user, flags["waiting"])
    gone = pc.or_(deleted, waiting)
    poll = pc.and_(user, flags["poll"])
    candidates = pc.and_(pc.and_(user, pc.invert(pc.or_(gone, poll))),
                         pc.or_(flags["media"], flags["attached"]))
    media, text, n_media = _media(text, candidates, phrases)
    text = where(gone, "", text)
    author = where(system, "", author)
    call = pc.and_(said_call, pc.invert(whole))
    return {"author": author, "shown": where(pc.invert(has_author), "", shown), "text": text,
            "system": system, "call": call, "media": media, "n_media": n_media,
            "deleted": deleted, "waiting": waiting, "edited": edited, "poll": poll,
            "bare": pc.and_(bare, user), "colon_names": colon_names}
