"""WhatsApp chat export: the .txt file ("Export chat" on a phone), or the .zip holding it.

Notes
-----
- Layouts: Android ``dd.mm.yy, HH:MM - Name: text`` and iOS ``[dd.mm.yy, HH:MM:SS] Name: text``;
  ``.``, ``/`` or ``-`` between date fields, two- or four-digit years, ``yyyy/mm/dd``; 24 h
  and 12 h clocks (``PM``, ``p.m.``, ``p. m.`` with a no-break space, U+202F before ``PM``).
  Day/month order is inferred from the whole file (see ``_whatsapp_dates``); ``dayfirst``
  (``--dayfirst/--monthfirst``) forces it. Times are naive, read in ``--timezone``.
- Lines that do not start with a header continue the message before (multi-line messages).
  LRM (U+200E) and BOM (U+FEFF) marks are removed everywhere, in names and texts too.
- Post ids: the export has none. Each post gets ``wa-`` + 16 hex digits of a hash (64-bit
  SipHash with pandas' fixed key, ``pandas.util.hash_array``) of group, local time as
  written (in seconds since 1970-01-01 00:00, e.g. ``1678698300`` for 13/03/23 09:05),
  author and text as in the corpus, joined by U+001F; exact repeats get ``-2``, ``-3``, ...
  in the file's order.
  The id depends on nothing else (not on the line, the time zone or other messages).
- Group: ``--group``, else the chat's name from the file name in any of the tables'
  languages (``WhatsApp Chat with X.txt``, ``WhatsApp Chat mit X.txt``, ``Chat de WhatsApp
  con X.txt``, ``WhatsApp Chat - X.zip``, ... -> ``X``), else the file's stem.
- Authors: the name before the first ``": "`` of a message's first line (``~ Kendi:)`` and
  ``John 14:13`` stay whole); a longer name with ``": "`` in it that the file's own system
  lines name wins. Names are normalised (invisible formatting characters removed, odd spaces
  as plain spaces, see ``corpus.roles.normalize_name``); the name as exported is kept in
  ``src_author`` when it differs.
- Structure first, phrases second (the per-language tables of ``_whatsapp_phrases``, 20
  languages, extendable with ``phrases``): a message without ``author: `` is a system message
  (Android), and so is a marked (LRM) line whose sender is the chat's own name (iOS) unless it
  is a placeholder; then system phrases and calls (in the whole body, or in a marked text).
  System messages and calls are kept with the role ``system`` and the author ``system``.
- Media placeholders (``<Media omitted>``, ``imagen omitida``, ``<attached: F>``,
  ``F (archivo adjunto)``, view-once, location, ...): each placeholder line counts as one
  attachment; the placeholders move to ``src_media`` and the text keeps only the caption.
  An iOS album (a ``Name:`` line followed by that author's media messages) is one post with
  all the album's attachments.
- Deleted messages (``This message was deleted``, ``Se eliminó este mensaje``, ... and
  ``deleted by admin X``) and messages WhatsApp could not decrypt (``Waiting for this
  message``) are left out, with a count in the notes (the policy of every reader: see
  docs/ingest.md). WhatsApp exports have no replies or reactions that could point to them.
- The edited marker (``<This message was edited>`` and its translations) is removed from the
  text and ``src_edited`` is TRUE; a poll (``POLL:``, ``ENCUESTA:``, ...) keeps its text and
  has ``src_poll`` TRUE.
- ``src_line`` is the line of the message's header in the .txt file.
- WhatsApp exports have no reply links and no reactions. With ``infer_replies`` (minutes,
  ``--infer-replies``) a message becomes a reply to the most recent earlier message whose
  author differs from its own (the immediately previous message of another author, not a
  thread root), when it was posted at most that many minutes after it; system messages
  neither reply nor are replied to. Such posts have ``src_reply_inferred`` TRUE, and the
  ingest notes say "replies inferred within N min: k". Every report built on such a corpus
  must name the inference (the column tells which replies were inferred).
- Posts are sorted by time (stable: messages with the same time keep the file's order).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chatcode._io.tabular import decode, is_zip_workbook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.corpus.roles import normalize_name
from chatcode.errors import IngestError, Location
from chatcode.ingest import _whatsapp_phrases as P
from chatcode.ingest import _whatsapp_text as T
from chatcode.ingest._mattermost import plural, progress
from chatcode.ingest._whatsapp_dates import Headers, ascii_headers, timestamps
from chatcode.ingest._whatsapp_posts import albums, empty_messages, keep_rows, language_hint
from chatcode.ingest.base import Options, Parsed, Source

NAME = "whatsapp"
DESCRIPTION = "WhatsApp chat export (.txt from 'Export chat', or the .zip holding it)"

SRC_LINE = S.SRC_PREFIX + "line"
SRC_MEDIA = S.SRC_PREFIX + "media"
SRC_EDITED = S.SRC_PREFIX + "edited"
SRC_POLL = S.SRC_PREFIX + "poll"
SRC_AUTHOR = S.SRC_PREFIX + "author"
SRC_REPLY_INFERRED = S.REPLY_INFERRED
SYSTEM_AUTHOR = "system"
ID_PREFIX = "wa-"
TRUE, FALSE = "TRUE", "FALSE"
_EXPORT_HINT = ("give the .txt (or .zip) written by WhatsApp's 'Export chat'; its lines start "
                "like '29.01.18, 23:46 - Name: text' or '[29.01.18, 23:46:03] Name: text'")


# --- finding the chat text ----------------------------------------------------------------
def _first_line(text: str) -> str:
    for line in text.split("\n", 50):
        if line.strip(" \t\r" + T.MARKS):
            return line.rstrip("\r")
    return ""


def _looks_like_chat(name: str) -> bool:
    """A zip member (or zip) name WhatsApp gives a chat: ``_chat.txt``, ``WhatsApp Chat ...``
    in any table's language."""
    stem = Path(name).name
    return (stem.lower() in ("_chat.txt", "_chat") or "whatsapp" in stem.lower()
            or chat_name(stem) != Path(stem).stem)


def _first_member(path: Path) -> tuple[str, bool] | None:
    """(name, encrypted) of the first member of a zip, read from its first local header (so
    also when the zip is cut short and has no central directory)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(30 + 1024)
    except OSError:
        return None
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return None
    flags = int.from_bytes(head[6:8], "little")
    size = int.from_bytes(head[26:28], "little")
    name = head[30:30 + size].decode("utf-8", errors="replace")
    return name, bool(flags & 1)


# what zipfile can unpack; another method (Deflate64, which Windows writes for large zips,
# PPMd, ...) is named in the error instead of being read as a damaged zip
_READABLE = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                       zipfile.ZIP_LZMA})


@dataclass(frozen=True)
class _Members:
    """What a zip holds: its chat .txt members, all members, whether a chat is
    password-protected, and the compression method of a chat zipfile cannot unpack."""

    chats: list[str]
    names: list[str]
    encrypted: bool
    unreadable_method: int | None


def _chat_members(path: Path) -> _Members | None:
    """The members of a zip, or None when it is no readable zip. A password-protected chat,
    or one packed with a method zipfile cannot unpack, counts as a chat (by its name)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            chats, encrypted, method = [], False, None
            for info in zf.infolist():
                name = info.filename
                if not name.lower().endswith(".txt") or name.endswith("/"):
                    continue
                if info.flag_bits & 1:  # cannot be read: known by its name
                    encrypted, is_chat = True, _looks_like_chat(name)
                elif info.compress_type not in _READABLE:
                    method, is_chat = info.compress_type, _looks_like_chat(name)
                else:
                    with zf.open(info) as fh:
                        head = fh.read(4096).decode("utf-8", errors="replace")
                    is_chat = T.is_header(ascii_headers(_first_line(head)).lstrip(T.MARKS))
                if is_chat:
                    chats.append(name)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):  # damaged or cut short
        return None
    return _Members(chats, names, encrypted, method)


_MEDIA_NAME = re.compile(r"(?:IMG|VID|AUD|PTT|STK|DOC)-\d{8}-WA\d+|-PHOTO-|-VIDEO-|-AUDIO-")


def _damaged_chat_zip(path: Path) -> bool:
    """A zip that cannot be opened but whose first member or own name is a WhatsApp chat."""
    first = _first_member(path)
    named = first is not None and (first[0].lower().endswith(".txt") or
                                   bool(_MEDIA_NAME.search(first[0])))
    return named or _looks_like_chat(path.name)


def sniff(source: Source) -> bool:
    if source.kind == "text":
        return T.is_header(ascii_headers(_first_line(source.head)))
    if source.kind == "xlsx" and not is_zip_workbook(source.path):
        found = _chat_members(source.path)
        if found is None:
            return _damaged_chat_zip(source.path)
        return bool(found.chats) or any(_MEDIA_NAME.search(n) for n in found.names)
    return False


def _zip_error(source: Source, encrypted: bool) -> IngestError:
    if encrypted:
        return IngestError(
            "the zip is password-protected (encrypted): its chat cannot be read",
            where=source.where, hint="unzip it with its password and ingest the .txt file, "
            "or export the chat again from the phone (WhatsApp's own zip has no password)")
    return IngestError(
        "the zip is damaged or cut short (it cannot be opened as a zip)",
        where=source.where, hint="copy or download the file again (a transfer was probably "
        "interrupted), or export the chat again; if you unzipped it, ingest the .txt file")


def _chat_text(source: Source) -> tuple[str, Path, str]:
    """The decoded chat text, the label for messages and the file name that names the chat."""
    if source.kind != "xlsx":
        raw = source.path.read_bytes()
        return decode(raw, source.path)[0], source.path, source.path.name
    if is_zip_workbook(source.path):
        raise IngestError("not a WhatsApp export: the file is a zip or workbook without a "
                          "chat", where=source.where, hint=_EXPORT_HINT)
    found = _chat_members(source.path)
    if found is None:
        first = _first_member(source.path)
        raise _zip_error(source, encrypted=bool(first and first[1]))
    chats, names = found.chats, found.names
    if found.encrypted and chats:
        raise _zip_error(source, encrypted=True)
    if found.unreadable_method is not None and chats:
        raise IngestError(
            f"the chat in the zip is packed with compression method "
            f"{found.unreadable_method}, which Python's zipfile cannot unpack (e.g. Deflate64, "
            "which Windows writes for large zips)", where=source.where,
            hint="unzip it with 7-Zip, unzip or the system's file manager and ingest the .txt "
            "file, or export the chat again from the phone")
    if not chats:
        listing = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10
                                            else "") if names else "nothing"
        raise IngestError(f"the zip holds no WhatsApp chat file (.txt); it holds {listing}",
                          where=source.where, hint="export the chat again with 'Export chat' "
                          "(the zip then holds _chat.txt or 'WhatsApp Chat with ....txt')")
    if len(chats) > 1:
        raise IngestError(f"the zip holds several chat files ({', '.join(chats)})",
                          where=source.where, hint="unzip it and ingest each .txt file")
    try:
        with zipfile.ZipFile(source.path) as zf:
            raw = zf.read(chats[0])
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise _zip_error(source, encrypted=False) from exc
    name = Path(chats[0]).name
    if name.lower() == "_chat.txt":
        name = source.path.name
    return decode(raw, source.path / chats[0])[0], source.path / chats[0], name


def chat_name(file_name: str, phrases: P.Phrases | None = None) -> str:
    """``"WhatsApp Chat with Diabetes Peers.txt"`` -> ``"Diabetes Peers"`` (any language of
    the phrase tables: ``"Chat de WhatsApp con X.zip"`` -> ``"X"``); else the stem."""
    stem = Path(file_name).stem
    if stem.lower().endswith(".txt"):  # "X.txt.zip"
        stem = stem[:-4]
    for pattern in (phrases or P.load()).chat_file_patterns:
        m = pattern.match(stem)
        if m and m.group("chat").strip():
            return m.group("chat").strip()
    return stem


# --- parsing --------------------------------------------------------------------------------
def _lines(text: str, label: Path) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """Every line (with its line break, a view of the text's bytes without a copy), its
    header as written (only where the mask, the third, is True)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    data = ascii_headers(text).encode("utf-8")  # Arabic-Indic digits, RTL marks: as ASCII
    end = len(data)
    while end and data[end - 1] in b"\n \t":  # what rstrip("\n \t") leaves, without a copy
        end -= 1
    breaks = T.positions(np.frombuffer(data, dtype=np.uint8, count=end), 10)
    offsets = np.r_[0, breaks + 1, end].astype(np.int64)
    lines = pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets),
                                             pa.py_buffer(data))
    found = pc.extract_regex(lines, T.HEAD_ONLY)
    is_header = found.is_valid().to_numpy(zero_copy_only=False)
    head = found.field("head")  # ("" where no header was found)
    if not is_header.any():
        raise IngestError(f"not a WhatsApp chat export: its first line is "
                          f"{_first_line(text)[:120]!r}", where=Location(label), hint=_EXPORT_HINT)
    start = int(np.argmax(is_header))
    if start:
        before = pc.utf8_trim(lines.slice(0, start), " \t\n" + T.MARKS)
        filled = np.flatnonzero(pc.greater(pc.utf8_length(before), 0).to_numpy(
            zero_copy_only=False))
        if len(filled):
            line = lines[int(filled[0])].as_py().removesuffix("\n")
            raise IngestError(
                f"not a WhatsApp chat export: line {filled[0] + 1} does not start with a date "
                f"and time: {line[:120]!r}", where=Location(label), hint=_EXPORT_HINT)
    return lines, head, is_header


def _headers(heads: pa.Array, lines: np.ndarray, block: int = 1 << 15) -> Headers:
    """The fields of each header (``heads``: the headers as the pattern ``T.HEADER`` found
    them), read from their bytes a block of headers at a time (the arrays of a block are
    small enough to be reused, where arrays as long as the file would each cost fresh
    memory)."""
    heads = heads.cast(pa.large_string())
    parts = [_header_fields(heads.slice(lo, block)) for lo in range(0, len(heads), block)]
    bracket, d1, d2, d3, hh, mm, ss, ampm, year_width = (
        np.concatenate(c) for c in zip(*parts, strict=True))
    return Headers(lines=lines, heads=heads, open=bracket, d1=d1, d2=d2, d3=d3, hh=hh, mm=mm,
                   ss=ss, ampm=ampm, year_width=year_width)


def _header_fields(heads: pa.Array) -> tuple[np.ndarray, ...]:
    """``[`` (iOS), the five or six runs of one to four ASCII digits of each header (the
    date's three fields, hour, minute and seconds, in that order; 0 for no seconds), AM/PM
    (0 none, 1 AM, 2 PM: the only letter a or p of a header) and the first run's width."""
    n = len(heads)
    offsets = np.frombuffer(heads.buffers()[1], dtype=np.int64)[heads.offset:heads.offset + n + 1]
    data = np.frombuffer(heads.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    offsets = offsets - offsets[0]
    digits = np.r_[data, np.zeros(4, dtype=np.uint8)] - np.uint8(48)  # others wrap past 9
    is_digit = digits < 10
    starts = is_digit[:-4].copy()
    starts[1:] &= ~is_digit[:-5]  # a header never ends with a digit: no run spans two
    begin = np.flatnonzero(starts)
    value = digits[begin].astype(np.int64)
    width = np.ones(len(begin), dtype=np.int64)
    more = np.ones(len(begin), dtype=bool)
    for k in (1, 2, 3):  # the run's next digits, while there are
        d = digits[begin + k]
        more &= d < 10
        value = np.where(more, value * 10 + d, value)
        width += more
    first = np.searchsorted(begin, offsets[:-1])  # each header's first run
    count = np.diff(np.r_[first, len(begin)])
    fields = [np.where(count > j, value[np.minimum(first + j, len(begin) - 1)], 0)
              for j in range(6)]

    def having(found: np.ndarray) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        mask[np.searchsorted(offsets, np.flatnonzero(found), side="right") - 1] = True
        return mask

    lower = data | np.uint8(0x20)
    ampm = np.where(having(lower == ord("p")), 2, np.where(having(lower == ord("a")), 1, 0))
    return (having(data == ord("[")), *fields, ampm, width[first])


def _bodies(lines: pa.Array, head: pa.Array, is_header: np.ndarray) -> pa.Array:
    """Each message's body: the header line's rest plus its continuation lines, i.e. the
    text from the end of its header to the line break before the next header. ``lines`` are
    views of one text with their line breaks, so the bodies are taken from that text in one
    copy: its pieces alternate between what lies before a body and a body."""
    starts = np.flatnonzero(is_header)
    head = pc.binary_length(head.filter(pa.array(is_header)))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[
        lines.offset:lines.offset + len(lines) + 1]
    cuts = np.empty(2 * len(starts) + 1, dtype=np.int64)
    cuts[0] = 0
    cuts[1::2] = offsets[starts] + head.to_numpy(zero_copy_only=False)
    cuts[2:-1:2] = offsets[starts[1:]] - 1  # before the line break of the next header line
    cuts[-1] = offsets[-1]
    pieces = pa.LargeStringArray.from_buffers(len(cuts) - 1, pa.py_buffer(cuts),
                                              lines.buffers()[2])
    return pc.take(pieces, pa.array(np.arange(1, len(cuts) - 1, 2)))


# --- the canonical tables -------------------------------------------------------------------
def _ids(group: str, local: pd.Series, authors: pa.Array, texts: pa.Array) -> pd.Series:
    """``wa-`` + a 64-bit SipHash (pandas' ``hash_array``, fixed key) of group, local time in
    seconds since 1970-01-01, author and text, as 16 hex digits; exact repeats get ``-2``,
    ``-3``, ... in the file's order."""
    big = pa.large_string()
    seconds = pc.cast(pa.array(local.to_numpy(dtype="datetime64[s]").astype(np.int64)), big)
    keys = pc.binary_join_element_wise(pa.scalar(group, big), seconds, authors, texts,
                                       pa.scalar("\x1f", big))
    # bytes objects hash as their UTF-8 text does (pandas encodes str to UTF-8), without
    # decoding every key into a Python str first
    hashes = pd.util.hash_array(keys.cast(pa.large_binary()).to_numpy(zero_copy_only=False),
                                categorize=False)
    hexed = np.frombuffer(hashes.astype(">u8").tobytes().hex().encode("ascii"), dtype="S16")
    ids = _str(pc.binary_join_element_wise(
        pa.scalar(ID_PREFIX, big), pc.cast(pa.array(hexed, type=pa.binary(16)), big),
        pa.scalar("", big)))
    dup = pd.Series(hashes).duplicated(keep=False).to_numpy()  # a uint64 hash table, no sort
    if dup.any():
        rows = np.flatnonzero(dup)
        repeat = pd.Series(hashes[rows]).groupby(hashes[rows], sort=False).cumcount().to_numpy()
        suffix = np.full(len(ids), "", dtype=object)
        suffix[rows] = np.where(repeat > 0, "-" + (repeat + 1).astype(str), "")
        ids = ids + pd.Series(suffix, dtype="str")
    return ids


def _str(values: pa.Array) -> pd.Series:
    return pd.Series(values.to_pandas(types_mapper={
        pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get))


def _flags(values: pa.Array) -> pd.Series:
    return _str(pc.if_else(values, pa.scalar(TRUE, pa.large_string()),
                           pa.scalar(FALSE, pa.large_string())))


def infer_replies(posts: pd.DataFrame, minutes: float) -> tuple[pd.Series, pd.Series]:
    """Parent ids and the inferred mask: each non-system post replies to the most recent
    earlier non-system post by another author, if at most ``minutes`` before it.

    ``posts`` must be in time order; the result is aligned with it."""
    parent = pd.Series(None, index=posts.index, dtype="str")
    keep = posts[posts[S.ROLE].ne(S.SYSTEM)]
    if keep.empty:
        return parent, pd.Series(False, index=posts.index)
    author = keep[S.AUTHOR].to_numpy(dtype=object)
    new_run = np.r_[True, author[1:] != author[:-1]]
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(len(keep)), 0))
    prev = run_start - 1
    has_prev = prev >= 0
    times = keep[S.TIMESTAMP].to_numpy()
    ids = keep[S.POST_ID].to_numpy(dtype=object)
    delay = times - times[np.where(has_prev, prev, 0)]
    window = np.timedelta64(int(round(minutes * 60_000_000)), "us")
    ok = has_prev & (delay >= np.timedelta64(0, "us")) & (delay <= window)
    parent.loc[keep.index[ok]] = ids[prev[ok]]
    inferred = pd.Series(False, index=posts.index)
    inferred.loc[keep.index[ok]] = True
    return parent, inferred


def read(source: Source, options: Options) -> Parsed:
    if options.infer_replies is not None and not options.infer_replies > 0:
        raise IngestError(f"--infer-replies must be a number of minutes above 0, not "
                          f"{options.infer_replies!r}", hint="e.g. --infer-replies 30")
    phrases = P.load(options.phrases)
    text, label, file_name = _chat_text(source)
    progress(options, 0, 1)
    lines, head, is_header = _lines(text, label)
    heads = _headers(head.filter(pa.array(is_header)), np.flatnonzero(is_header) + 1)
    group = options.group or chat_name(file_name, phrases)
    chats = {normalize_name(group), normalize_name(chat_name(file_name, phrases))}
    parts = T.classify(_bodies(lines, head, is_header), phrases, chats)
    local, how = timestamps(heads, label, options.dayfirst,
                            hint=lambda: language_hint(parts, phrases))
    seconds = local.to_numpy(dtype="datetime64[s]").astype(np.int64)
    keep, n_albums = albums(parts, seconds)
    n_empty = empty_messages(parts, keep)
    gone = parts["deleted"].to_numpy(zero_copy_only=False) | parts["waiting"].to_numpy(
        zero_copy_only=False)
    counts = {"deleted": int((parts["deleted"].to_numpy(zero_copy_only=False) & keep).sum()),
              "waiting": int((parts["waiting"].to_numpy(zero_copy_only=False) & keep).sum()),
              "albums": n_albums, "colon_names": len(parts["colon_names"]), "empty": n_empty}
    keep &= ~gone
    parts = keep_rows(parts, keep)
    local = local[keep].reset_index(drop=True)
    system = parts["system"].to_numpy(zero_copy_only=False)
    author = T.where(parts["system"], pa.scalar(SYSTEM_AUTHOR, pa.large_string()),
                     parts["author"])
    differs = pc.and_(pc.not_equal(parts["shown"], parts["author"]),
                      pc.invert(parts["system"]))
    shown = T.where(differs, parts["shown"], pa.nulls(len(differs), pa.large_string()))
    posts = pd.DataFrame({
        S.POST_ID: _ids(group, local, author, parts["text"]),
        S.GROUP: group,
        S.TIMESTAMP: local,
        S.AUTHOR: _str(author),
        S.ROLE: np.where(system, S.SYSTEM, S.DEFAULT_ROLE),
        S.TEXT: _str(parts["text"]),
        S.PARENT_ID: pd.Series(None, index=range(len(system)), dtype="str"),
        S.ATTACHMENTS: parts["n_media"].astype(int),
        SRC_EDITED: _flags(parts["edited"]),
        SRC_POLL: _flags(parts["poll"]),
        SRC_AUTHOR: _str(shown),
        SRC_LINE: _str(pc.cast(pa.array(heads.lines[keep]), pa.large_string())),
        SRC_MEDIA: _str(parts["media"]),
    })
    posts = S.validate_posts(posts, where=Location(label), timezone=options.timezone)
    posts = posts.sort_values(S.TIMESTAMP, kind="stable").reset_index(drop=True)
    counts["calls"] = int(parts["call"].to_numpy(zero_copy_only=False).sum())
    notes = _notes(posts, int((~is_header).sum()), how, counts)
    if options.infer_replies is not None:
        parent, inferred = infer_replies(posts, options.infer_replies)
        posts[S.PARENT_ID] = parent
        posts[SRC_REPLY_INFERRED] = pd.Series(np.where(inferred, TRUE, FALSE), dtype="str")
        notes.append(f"replies inferred within {options.infer_replies:g} min: "
                     f"{int(inferred.sum())}")
    else:
        notes.append("WhatsApp exports have no reply links: every post is a root post "
                     "(--infer-replies MINUTES infers them)")
    progress(options, 1, 1)
    return Parsed(Corpus.trusted(posts, S.empty_reactions()), notes)


def _notes(posts: pd.DataFrame, n_continued: int, how: str, counts: dict[str, int]
           ) -> list[str]:
    n = len(posts)
    notes = [f"read {plural(n, 'message')} ({plural(n_continued, 'continuation line')}); "
             f"dates read {how}; ids derived from the content"]
    n_system = int(posts[S.ROLE].eq(S.SYSTEM).sum())
    calls = f", {plural(counts['calls'], 'call')} among them" if counts["calls"] else ""
    # (count, what is counted, the rest of the note); the noun is the last word of `what`
    items = [
        (n_system, "system message",
         f": kept with the role system and the author {SYSTEM_AUTHOR!r}{calls}"),
        (int(posts[S.ATTACHMENTS].sum()), "media placeholder",
         ": counted as attachments (placeholders in src_media, captions kept as text)"),
        (counts["albums"], "iOS album", ": folded into one post each with all its attachments"),
        (counts["empty"], "empty message",
         " ('Name:' only, e.g. a view-once photo): counted as one attachment"),
        (counts["deleted"], "deleted message", ": left out (nothing in the export refers to "
         "them: WhatsApp exports have no replies or reactions)"),
        (counts["waiting"], "unreadable message", " ('Waiting for this message'): left out"),
        (int(posts[SRC_EDITED].eq(TRUE).sum()), "edited message",
         ": marker removed, src_edited TRUE"),
        (int(posts[SRC_POLL].eq(TRUE).sum()), "poll", ": kept as posts, src_poll TRUE"),
        (int(posts[SRC_AUTHOR].nunique()), "author name",
         " with invisible characters or odd spaces: normalised (the name as exported in "
         "src_author)"),
        (counts["colon_names"], "author name",
         " with ': ': read whole (the file's system lines name it)"),
    ]
    notes += [f"{plural(count, what)}{rest}" for count, what, rest in items if count]
    return notes
