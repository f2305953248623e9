"""Facebook Messenger and Instagram direct messages from Meta's "Download your information"
(format JSON): one ``message_1.json`` (``message_2.json``, ... for long threads), a thread's
folder, the ``inbox`` folder, the whole download folder, or its zip.

Notes
-----
- Every ``message_N.json`` of one thread folder belongs to one group, named by the thread's
  ``title`` (``threadName`` in the newer end-to-end-encrypted layout); two threads with the
  same title are told apart by their folder. ``--group`` names the group of a single file.
- Meta writes the UTF-8 bytes of every text as if each were a Latin-1 character
  (``"\\u00c3\\u00a4"`` for ``ä``); texts, names and reactions are repaired. A text that is
  not such a mis-decoding is kept as it is.
- The export has no message ids and no reply links: each post gets a stable id ``fb-`` and
  16 hex digits of a SHA-1 of thread, sender, time and text (repeats get ``-2``, ...).
  ``timestamp_ms`` (``timestamp`` in the newer layout) is epoch milliseconds, UTC.
- Reactions are listed on each message (``reaction`` and ``actor``, no time).
- Attachments: the number of ``photos``, ``videos``, ``audio_files``, ``files``, ``gifs``,
  a ``sticker`` (newer layout: ``media``). The line Meta writes for an attachment without
  text ("X sent an attachment.", German "X hat einen Anhang gesendet.": ``ATTACHMENT_LINES``)
  counts 1 and is not kept as text; its wording in other languages is not confirmed.
- Left out, with counts: unsent messages (``is_unsent``/``isUnsent``: deleted by the
  sender), ``Subscribe``/``Unsubscribe`` (people added or leaving) and Instagram's reaction
  notices ("Reacted ❤️ to your message", "Liked a message"; the reaction is on the message
  itself). Reactions that were on left-out messages are counted.
- Kept with the role ``system``: ``Call`` messages and English group events ("X named the
  group ...", "X changed the group photo.", nicknames, themes, calls). Group events written
  in other languages (wording not confirmed from public exports) are not recognised and
  stay participant posts.
- Other message fields are kept as ``src_`` columns (``src_type``, ``src_share``,
  ``src_call_duration``, ...); ``src_thread`` names the thread's folder.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from chatcode._io.tabular import is_zip_workbook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest import _json as J
from chatcode.ingest._leftout import LeftOut
from chatcode.ingest.base import Options, Parsed, Source, default_group

NAME = "messenger"
DESCRIPTION = ("Facebook Messenger / Instagram JSON (Download your information: "
               "message_N.json, a thread or inbox folder, or the zip)")

MEDIA = ("photos", "videos", "audio_files", "files", "gifs", "media")
CONSUMED = frozenset({"sender_name", "senderName", "timestamp_ms", "timestamp", "content",
                      "text", "reactions", "is_unsent", "isUnsent", *MEDIA, "sticker"})
_FILE = re.compile(r"^message_\d+\.json$")
_HINT = ("download your information from Facebook or Instagram in the format JSON and give "
         "a message_1.json, its thread folder, the inbox folder or the zip")
# Meta's line for an attachment without text, by language of the account (each seen in a
# public export); add a language here once its wording is confirmed.
ATTACHMENT_LINES = {"en": "sent an attachment.", "de": "hat einen Anhang gesendet."}
_ATTACHMENT_LINE = re.compile(
    r"^.+ (?:" + "|".join(re.escape(v) for v in ATTACHMENT_LINES.values()) + r")$")
_REACTION_NOTICE = re.compile(r"^(?:Reacted .+ to your message|Liked a message)\s*$", re.S)
_GROUP_EVENT = re.compile(
    r"^.+ (?:named the group .+|changed the group photo\.|removed the group name\.|"
    r"set (?:the|his|her|their|your) (?:own )?nickname(?: for .+)? to .+|"
    r"cleared (?:the|his|her|their|your) (?:own )?nickname.*|changed the (?:chat )?theme.*|"
    r"set the (?:quick reaction|emoji) to .+|started (?:a|sharing) (?:video |audio )?(?:call|"
    r"chat|screen)\.?|joined the (?:video |audio )?call\.?|"
    r"missed (?:a|your) (?:video |audio )?call\.?|added .+ to the group\.|"
    r"removed .+ from the group\.|left the group\.)$", re.S)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def repair(text: Any) -> str:
    """Meta's mis-decoded text (UTF-8 bytes read as Latin-1) back to what was written."""
    if not isinstance(text, str):
        return "" if text is None else str(text)
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _is_thread(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        return False
    return "participants" in data and ("title" in data or "threadName" in data
                                       or "thread_path" in data)


def _head_is_thread(head: str) -> bool:
    head = J.json_object_head(head)
    return bool(head) and re.search(r'"participants"\s*:', head) is not None and re.search(
        r'"(?:sender_name|senderName|thread_path|threadName|is_still_participant|title)"\s*:',
        head) is not None


def sniff(source: Source) -> bool:
    if source.kind == "text":
        return _head_is_thread(source.head)
    if source.kind == "dir":
        first = next(iter(_folder_files(source.path)), None)
        return first is not None and _head_is_thread(
            first.read_bytes()[:16384].decode("utf-8", errors="replace"))
    if source.kind == "xlsx" and not is_zip_workbook(source.path):
        try:
            with zipfile.ZipFile(source.path) as zf:
                return any(_FILE.match(PurePosixPath(n).name) for n in zf.namelist())
        except (zipfile.BadZipFile, OSError):
            return False
    return False


def _folder_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("message_*.json") if _FILE.match(p.name))


def _files(source: Source) -> list[tuple[str, bytes, Path]]:
    """(folder, raw JSON, label) of every thread file the source holds (the folder names
    the thread where the file has no ``thread_path``)."""
    path = source.path
    if source.kind == "text":
        key = path.parent.name if _FILE.match(path.name) else path.stem
        return [(key, path.read_bytes(), path)]
    if source.kind == "dir":
        return [(p.parent.name, p.read_bytes(), p) for p in _folder_files(path)]
    with zipfile.ZipFile(path) as zf:
        names = sorted(n for n in zf.namelist() if _FILE.match(PurePosixPath(n).name))
        return [(PurePosixPath(n).parent.name, zf.read(n), path / n) for n in names]


def read(source: Source, options: Options) -> Parsed:
    try:
        files = _files(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"cannot open the download ({exc})", where=source.where,
                          hint=_HINT) from exc
    if not files:
        raise IngestError("no message_N.json files here", where=source.where, hint=_HINT)
    threads: dict[str, list[tuple[dict[str, Any], Path]]] = defaultdict(list)
    for key, raw, label in files:
        data = J.load_json(raw, label, export="Messenger thread")
        if not _is_thread(data):
            raise IngestError('not a Messenger/Instagram thread: no "participants" and '
                              '"messages"', where=Location(label), hint=_HINT)
        threads[str(data.get("thread_path") or key)].append((data, label))
    titles = {k: _title(parts[0][0]) for k, parts in threads.items()}
    reader = _Reader()
    for n, (key, parts) in enumerate(sorted(threads.items())):
        if options.progress is not None:
            options.progress(n, len(threads))
        group = _group(key, titles, source, options, len(threads))
        for data, label in parts:
            reader.thread(data, key, group, Location(label))
    if reader.problems:
        raise Problems.of(IngestError, reader.problems, title=f"{source.path}: "
                          f"{len(reader.problems)} problem(s) in the download"
                          if len(reader.problems) > 1 else None)
    if not reader.rows and not reader.left:
        raise IngestError("the download holds no messages: there is nothing to ingest",
                          where=source.where, hint=_HINT)
    posts, reactions = reader.tables(source)
    notes = [f"read {J.plural(len(threads), 'thread')} from "
             f"{J.plural(len(files), 'file')}: {J.plural(len(posts), 'message')}, "
             f"{J.plural(len(reactions), 'reaction')}; ids derived from the content"]
    notes += reader.notes(posts)
    return Parsed(Corpus.trusted(posts, reactions), notes)


def _title(data: dict[str, Any]) -> str:
    return repair(data.get("title") or data.get("threadName") or "").strip()


def _group(key: str, titles: dict[str, str], source: Source, options: Options,
           n_threads: int) -> str:
    if options.group and n_threads == 1:
        return options.group
    title = titles[key] or PurePosixPath(key).name or default_group(source, options)
    same = [k for k, t in titles.items() if t == titles[key]]
    return title if len(same) == 1 else f"{title} ({PurePosixPath(key).name})"


class _Reader:
    """Messages of every thread turned into rows, with what was left out."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.reactions: list[list[tuple[str, str]]] = []
        self.keys: list[tuple[Any, ...]] = []
        self.left = LeftOut()
        self.problems: list[Problem] = []
        self.attachment_lines = 0

    def thread(self, data: dict[str, Any], key: str, group: str, where: Location) -> None:
        for pos, msg in enumerate(data["messages"], start=1):
            if not isinstance(msg, dict):
                self.problems.append(Problem(f"message {pos} is not a JSON object", where,
                                             _HINT))
                continue
            millis = msg.get("timestamp_ms", msg.get("timestamp"))
            if isinstance(millis, bool) or not isinstance(millis, (int, float)):
                self.problems.append(Problem(f"message {pos} has no timestamp_ms", where, _HINT))
                continue
            self.message(msg, int(millis), key, group)

    def message(self, msg: dict[str, Any], millis: int, key: str, group: str) -> None:
        sender = repair(msg.get("sender_name", msg.get("senderName"))).strip() or "unknown"
        text = repair(msg.get("content", msg.get("text")))
        reactions = [(repair(r.get("actor")).strip() or "unknown", repair(r.get("reaction")))
                     for r in _list(msg.get("reactions")) if isinstance(r, dict)]
        mtype = str(msg.get("type") or "")
        kind = ("deleted" if msg.get("is_unsent") or msg.get("isUnsent") else
                "added" if mtype == "Subscribe" else "left" if mtype == "Unsubscribe" else
                "reaction notice" if _REACTION_NOTICE.match(text) else None)
        if kind is not None:
            self.left.add(kind, reactions=len(reactions))
            return
        attachments = sum(len(_list(msg.get(k))) for k in MEDIA) + int(bool(msg.get("sticker")))
        if _ATTACHMENT_LINE.match(text):
            text, attachments = "", max(attachments, 1)
            self.attachment_lines += 1
        system = mtype == "Call" or (mtype == "placeholder") or bool(_GROUP_EVENT.match(text))
        self.rows.append({
            S.GROUP: group, S.TIMESTAMP: pd.Timestamp(millis, unit="ms", tz="UTC"),
            S.AUTHOR: sender, S.ROLE: S.SYSTEM if system else S.DEFAULT_ROLE, S.TEXT: text,
            S.PARENT_ID: None, S.ATTACHMENTS: attachments, S.SRC_PREFIX + "thread": key,
        } | {k: repair(v) if isinstance(v, str) else v
             for k, v in J.extras(msg, CONSUMED).items()})
        self.reactions.append(reactions)
        self.keys.append((key, sender, millis, text))

    def tables(self, source: Source) -> tuple[pd.DataFrame, pd.DataFrame]:
        ids = J.derived_ids(self.keys, prefix="fb-")
        rows, reactions = [], []
        for row, pid, listed in zip(self.rows, ids, self.reactions, strict=True):
            rows.append(row | {S.POST_ID: pid})
            reactions += [{S.POST_ID: pid, S.AUTHOR: a, S.EMOJI: e or "reaction",
                           S.TIMESTAMP: None} for a, e in listed]
        return (J.posts_table(rows, source.where), J.reactions_table(reactions, source.where))

    def notes(self, posts: pd.DataFrame) -> list[str]:
        out = self.left.notes(posts)
        if self.attachment_lines:
            out.append(f"{J.plural(self.attachment_lines, 'message')} \"... sent an "
                       "attachment.\" (or its German wording) counted as an attachment, "
                       "with an empty text")
        n = int(posts[S.ROLE].eq(S.SYSTEM).sum())
        if n:
            out.append(f"kept {J.plural(n, 'call or group event')} with the role system")
        return out
