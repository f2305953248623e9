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
- Group: ``--group``, else the chat's name from the file name (``WhatsApp Chat with X.txt``,
  ``WhatsApp Chat mit X.txt``, ``WhatsApp Chat - X.zip`` -> ``X``), else the file's stem.
- System messages (joined, left, added, created group, changed the subject or icon, security
  code changed, end-to-end encryption notice, ...; English and German) are kept with the
  role ``system`` and the author ``system``; their text is the message.
- Media placeholders (``<Media omitted>``, ``<Medien ausgeschlossen>``, ``image omitted``,
  ``Bild weggelassen``, ``<attached: F>``, ``F (file attached)``, ``F (Datei angehängt)``, ...)
  count as one attachment; the placeholder moves to ``src_media`` and the text keeps only
  the caption written with it (empty when none).
- Deleted messages ("This message was deleted", "You deleted this message", "Diese Nachricht
  wurde gelöscht", ...) are kept as posts of their author with empty text and
  ``src_deleted`` TRUE: they were posts, and may have had responses.
- The edited marker ``<This message was edited>`` / ``<Diese Nachricht wurde bearbeitet>``
  is removed from the text and ``src_edited`` is TRUE.
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
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chatcode._io.tabular import decode, is_zip_workbook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location
from chatcode.ingest import _whatsapp_text as T
from chatcode.ingest._mattermost import plural, progress
from chatcode.ingest._whatsapp_dates import Headers, timestamps
from chatcode.ingest.base import Options, Parsed, Source

NAME = "whatsapp"
DESCRIPTION = "WhatsApp chat export (.txt from 'Export chat', or the .zip holding it)"

SRC_LINE = S.SRC_PREFIX + "line"
SRC_MEDIA = S.SRC_PREFIX + "media"
SRC_DELETED = S.SRC_PREFIX + "deleted"
SRC_EDITED = S.SRC_PREFIX + "edited"
SRC_REPLY_INFERRED = S.REPLY_INFERRED
SYSTEM_AUTHOR = "system"
ID_PREFIX = "wa-"
TRUE, FALSE = "TRUE", "FALSE"
_CHAT_NAME = re.compile(r"^WhatsApp[ -]Chat(?: with| mit| -|:)? (?P<name>.+)$", re.IGNORECASE)
_EXPORT_HINT = ("give the .txt (or .zip) written by WhatsApp's 'Export chat'; its lines start "
                "like '29.01.18, 23:46 - Name: text' or '[29.01.18, 23:46:03] Name: text'")


# --- finding the chat text ----------------------------------------------------------------
def _first_line(text: str) -> str:
    for line in text.split("\n", 50):
        if line.strip(" \t\r" + T.MARKS):
            return line.rstrip("\r")
    return ""


def _chat_members(path: Path) -> tuple[list[str], list[str]] | None:
    """(chat .txt members, all members) of a zip, or None when it is not a readable zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            chats = []
            for name in names:
                if name.lower().endswith(".txt") and not name.endswith("/"):
                    with zf.open(name) as fh:
                        head = fh.read(4096).decode("utf-8", errors="replace")
                    if T.is_header(_first_line(head).lstrip(T.MARKS)):
                        chats.append(name)
    except (zipfile.BadZipFile, OSError):
        return None
    return chats, names


_MEDIA_NAME = re.compile(r"(?:IMG|VID|AUD|PTT|STK|DOC)-\d{8}-WA\d+|-PHOTO-|-VIDEO-|-AUDIO-")


def sniff(source: Source) -> bool:
    if source.kind == "text":
        return T.is_header(_first_line(source.head))
    if source.kind == "xlsx" and not is_zip_workbook(source.path):
        found = _chat_members(source.path)
        if found is None:
            return False
        chats, names = found
        return bool(chats) or any(_MEDIA_NAME.search(n) for n in names)
    return False


def _chat_text(source: Source) -> tuple[str, Path, str]:
    """The decoded chat text, the label for messages and the file name that names the chat."""
    if source.kind != "xlsx":
        raw = source.path.read_bytes()
        return decode(raw, source.path)[0], source.path, source.path.name
    found = _chat_members(source.path)
    if found is None or is_zip_workbook(source.path):
        raise IngestError("not a WhatsApp export: the file is a zip or workbook without a "
                          "chat", where=source.where, hint=_EXPORT_HINT)
    chats, names = found
    if not chats:
        listing = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10
                                            else "") if names else "nothing"
        raise IngestError(f"the zip holds no WhatsApp chat file (.txt); it holds {listing}",
                          where=source.where, hint="export the chat again with 'Export chat' "
                          "(the zip then holds _chat.txt or 'WhatsApp Chat with ....txt')")
    if len(chats) > 1:
        raise IngestError(f"the zip holds several chat files ({', '.join(chats)})",
                          where=source.where, hint="unzip it and ingest each .txt file")
    with zipfile.ZipFile(source.path) as zf:
        raw = zf.read(chats[0])
    name = Path(chats[0]).name
    if name.lower() == "_chat.txt":
        name = source.path.name
    return decode(raw, source.path / chats[0])[0], source.path / chats[0], name


def chat_name(file_name: str) -> str:
    """``"WhatsApp Chat with Diabetes Peers.txt"`` -> ``"Diabetes Peers"``; else the stem."""
    stem = Path(file_name).stem
    m = _CHAT_NAME.match(stem)
    return m.group("name").strip() if m else stem


# --- parsing --------------------------------------------------------------------------------
def _lines(text: str, label: Path) -> tuple[pa.Array, pa.StructArray, np.ndarray]:
    """Every line, its header fields (null for continuation lines), and the header mask."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n \t")
    lines = pc.split_pattern(pa.array([text], type=pa.large_string()), "\n").flatten()
    fields = pc.extract_regex(lines, T.HEADER)
    is_header = fields.is_valid().to_numpy(zero_copy_only=False)
    if not is_header.any():
        raise IngestError(f"not a WhatsApp chat export: its first line is "
                          f"{_first_line(text)[:120]!r}", where=Location(label), hint=_EXPORT_HINT)
    start = int(np.argmax(is_header))
    if start:
        before = pc.utf8_trim(lines.slice(0, start), " \t" + T.MARKS)
        filled = np.flatnonzero(pc.greater(pc.utf8_length(before), 0).to_numpy(
            zero_copy_only=False))
        if len(filled):
            raise IngestError(
                f"not a WhatsApp chat export: line {filled[0] + 1} does not start with a date "
                f"and time: {lines[int(filled[0])].as_py()[:120]!r}", where=Location(label),
                hint=_EXPORT_HINT)
    return lines, fields, is_header


def _without_heads(lines: pa.Array, head_chars: np.ndarray) -> pa.Array:
    """``lines`` with the first ``head_chars[i]`` characters of line i removed (one slice per
    distinct header length: a file has only a few)."""
    rest = lines
    for n in np.unique(head_chars[head_chars > 0]).tolist():
        mask = pa.array(head_chars == n)
        cut = pc.utf8_slice_codeunits(pc.filter(lines, mask), int(n))
        rest = pc.replace_with_mask(rest, mask, cut)
    return rest


def _int(values: pa.Array, default: int = 0) -> np.ndarray:
    filled = pc.if_else(pc.equal(values, ""), str(default), values)
    return pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False)


def _headers(fields: pa.StructArray, lines: np.ndarray) -> Headers:
    def f(name: str) -> pa.Array:
        return fields.field(name)

    ampm = pc.utf8_lower(f("ampm"))
    code = np.where(pc.starts_with(ampm, "p").to_numpy(zero_copy_only=False), 2,
                    np.where(pc.starts_with(ampm, "a").to_numpy(zero_copy_only=False), 1, 0))
    return Headers(
        lines=lines, stamps=f("stamp"),
        open=pc.equal(f("open"), "[").to_numpy(zero_copy_only=False),
        d1=_int(f("d1")), d2=_int(f("d2")), d3=_int(f("d3")), hh=_int(f("hh")),
        mm=_int(f("mm")), ss=_int(f("ss")), ampm=code,
        year_width=pc.utf8_length(f("d1")).to_numpy(zero_copy_only=False))


def _bodies(lines: pa.Array, fields: pa.StructArray, is_header: np.ndarray) -> pa.Array:
    """Each message's body: the header line's rest plus its continuation lines."""
    head = pc.fill_null(pc.utf8_length(fields.field("head")), 0).to_numpy(zero_copy_only=False)
    rest = _without_heads(lines, np.where(is_header, head, 0).astype(np.int64))
    starts = np.flatnonzero(is_header)
    messages = pa.LargeListArray.from_arrays(
        pa.array(np.r_[starts, len(lines)].astype(np.int64)), rest)
    return pc.binary_join(messages, pa.scalar("\n", pa.large_string()))


# --- the canonical tables -------------------------------------------------------------------
def _ids(group: str, local: pd.Series, authors: pa.Array, texts: pa.Array) -> pd.Series:
    """``wa-`` + a 64-bit SipHash (pandas' ``hash_array``, fixed key) of group, local time in
    seconds since 1970-01-01, author and text, as 16 hex digits; exact repeats get ``-2``,
    ``-3``, ... in the file's order."""
    big = pa.large_string()
    seconds = pc.cast(pa.array(local.to_numpy(dtype="datetime64[s]").astype(np.int64)), big)
    keys = pc.binary_join_element_wise(pa.scalar(group, big), seconds, authors, texts,
                                       pa.scalar("\x1f", big))
    hashes = pd.util.hash_array(keys.to_numpy(zero_copy_only=False), categorize=False)
    hexed = np.frombuffer(hashes.astype(">u8").tobytes().hex().encode("ascii"), dtype="S16")
    ids = _str(pc.binary_join_element_wise(
        pa.scalar(ID_PREFIX, big), pc.cast(pa.array(hexed, type=pa.binary(16)), big),
        pa.scalar("", big)))
    if ids.duplicated().any():
        repeat = ids.groupby(ids).cumcount()
        ids = ids + pd.Series(np.where(repeat > 0, "-" + (repeat + 1).astype(str), ""),
                              dtype="str")
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
    text, label, file_name = _chat_text(source)
    progress(options, 0, 1)
    lines, fields, is_header = _lines(text, label)
    heads = _headers(fields.filter(pa.array(is_header)), np.flatnonzero(is_header) + 1)
    local, how = timestamps(heads, label, options.dayfirst)
    parts = T.classify(_bodies(lines, fields, is_header))
    group = options.group or chat_name(file_name)
    system = parts["system"].to_numpy(zero_copy_only=False)
    author = pc.if_else(parts["system"], pa.scalar(SYSTEM_AUTHOR, pa.large_string()),
                        parts["author"])
    posts = pd.DataFrame({
        S.POST_ID: _ids(group, local, author, parts["text"]),
        S.GROUP: group,
        S.TIMESTAMP: local,
        S.AUTHOR: _str(author),
        S.ROLE: np.where(system, S.SYSTEM, S.DEFAULT_ROLE),
        S.TEXT: _str(parts["text"]),
        S.PARENT_ID: pd.Series(None, index=range(len(system)), dtype="str"),
        S.ATTACHMENTS: parts["media"].is_valid().to_numpy(zero_copy_only=False).astype(int),
        SRC_DELETED: _flags(parts["deleted"]),
        SRC_EDITED: _flags(parts["edited"]),
        SRC_LINE: _str(pc.cast(pa.array(heads.lines), pa.large_string())),
        SRC_MEDIA: _str(parts["media"]),
    })
    posts = S.validate_posts(posts, where=Location(label), timezone=options.timezone)
    posts = posts.sort_values(S.TIMESTAMP, kind="stable").reset_index(drop=True)
    notes = _notes(posts, int((~is_header).sum()), how)
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


def _notes(posts: pd.DataFrame, n_continued: int, how: str) -> list[str]:
    n = len(posts)
    notes = [f"read {plural(n, 'message')} ({plural(n_continued, 'continuation line')}); "
             f"dates read {how}; ids derived from the content"]
    counts = [
        (int(posts[S.ROLE].eq(S.SYSTEM).sum()),
         "system message", f"kept with the role system and the author {SYSTEM_AUTHOR!r}"),
        (int(posts[SRC_MEDIA].notna().sum()), "media placeholder",
         "counted as attachments (placeholder in src_media, caption kept as text)"),
        (int(posts[SRC_DELETED].eq(TRUE).sum()), "deleted message",
         "kept with empty text and src_deleted TRUE"),
        (int(posts[SRC_EDITED].eq(TRUE).sum()), "edited message",
         "marker removed, src_edited TRUE"),
    ]
    for count, what, how_kept in counts:
        if count:
            notes.append(f"{plural(count, what)}: {how_kept}")
    return notes
