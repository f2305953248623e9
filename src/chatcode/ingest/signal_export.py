"""Signal Desktop chats exported with signal-export (``sigexport DEST``): the ``data.json``
of one chat (one JSON object per line), a chat's folder, or the whole ``DEST`` folder (one
folder per chat).

Notes
-----
- Each line has ``date``, ``sender``, ``body``, ``quote``, ``sticker``, ``reactions``
  (``[name, emoji]`` pairs), ``attachments`` and ``deleted``. The group is the chat's folder
  name (``--group`` names the group of a single chat).
- ``date`` is the exporting computer's local time without offset: it is read in
  ``--timezone``. The exporting person's own messages are by ``Me``.
- There are no message ids: each post gets ``sig-`` and 16 hex digits of a SHA-1 of chat,
  sender, time and text (repeats get ``-2``, ...).
- Replies carry only the quoted text (``quote``): a reply's parent is the latest earlier
  message of the chat whose text is the quoted text (``src_reply_from_quote`` true); a quote
  that matches no earlier message leaves the reply without parent (counted).
- Reactions have no time. Attachments are counted, a sticker counts 1.
- Deleted messages are left out with their reactions counted; call entries ("Missed voice
  call", "Incoming video call (accepted, 2m 5s)", ...) are kept with the role ``system``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from chatcode._io.tabular import decode
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest import _json as J
from chatcode.ingest._leftout import LeftOut
from chatcode.ingest.base import Options, Parsed, Source

NAME = "signal"
DESCRIPTION = "Signal Desktop chats exported with signal-export (data.json, a chat or DEST folder)"

DATA = "data.json"
CONSUMED = frozenset({"date", "sender", "body", "quote", "sticker", "reactions",
                      "attachments", "deleted"})
_CALL = re.compile(r"^(?:Incoming|Outgoing|Missed) (?:voice |video )?call\b")
_HINT = ("export the chats with signal-export (sigexport DEST, JSON output on) and give a "
         "chat's data.json, its folder, or DEST")


def _is_line(line: str) -> bool:
    try:
        obj = json.loads(line)
    except ValueError:
        return False
    return isinstance(obj, dict) and {"date", "sender", "body"} <= set(obj) and (
        "quote" in obj or "reactions" in obj)


def _first_line(text: str) -> str:
    return next((ln.strip().lstrip("\ufeff") for ln in text.split("\n") if ln.strip()), "")


def _chat_files(path: Path) -> list[Path]:
    if (path / DATA).is_file():
        return [path / DATA]
    return sorted(p for p in path.glob(f"*/{DATA}"))


def sniff(source: Source) -> bool:
    if source.kind == "text":
        return _is_line(_first_line(source.head))
    if source.kind == "dir":
        files = _chat_files(source.path)
        return bool(files) and _is_line(_first_line(
            files[0].read_bytes()[:65536].decode("utf-8", errors="replace")))
    return False


def read(source: Source, options: Options) -> Parsed:
    files = [source.path] if source.kind == "text" else _chat_files(source.path)
    if not files:
        raise IngestError(f"no {DATA} here", where=source.where, hint=_HINT)
    chat = _Chats(options)
    for path in files:
        group = (options.group if options.group and len(files) == 1 else path.parent.name
                 if path.name == DATA else path.stem)
        chat.read(path, group)
    if chat.problems:
        raise Problems.of(IngestError, chat.problems, title=f"{source.path}: "
                          f"{len(chat.problems)} problem(s) in the export"
                          if len(chat.problems) > 1 else None)
    if not chat.rows:
        raise IngestError("the export holds no messages: there is nothing to ingest",
                          where=source.where, hint=_HINT)
    posts, reactions = chat.tables(source)
    return Parsed(Corpus.trusted(posts, reactions), chat.notes(posts, reactions, len(files)))


class _Chats:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.rows: list[dict[str, Any]] = []
        self.reactions: list[list[tuple[str, str]]] = []
        self.keys: list[tuple[Any, ...]] = []
        self.quotes: list[str | None] = []
        self.left = LeftOut()
        self.problems: list[Problem] = []

    def read(self, path: Path, group: str) -> None:
        text = decode(path.read_bytes(), path)[0]
        for n, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            where = Location(path, line=n)
            try:
                msg = json.loads(line)
            except ValueError as exc:
                self.problems.append(Problem(f"not valid JSON ({exc})", where, _HINT))
                continue
            if not isinstance(msg, dict):
                self.problems.append(Problem("not a JSON object", where, _HINT))
                continue
            self.message(msg, group, where)

    def message(self, msg: dict[str, Any], group: str, where: Location) -> None:
        try:
            naive = pd.Timestamp(str(msg.get("date")))
        except ValueError:
            self.problems.append(Problem(f"cannot read the date {msg.get('date')!r}", where,
                                         "signal-export writes e.g. 2024-05-02T08:00:00"))
            return
        ts = (naive.tz_convert("UTC") if naive.tzinfo is not None else naive.tz_localize(
            self.options.timezone, ambiguous=True, nonexistent="shift_forward")
            .tz_convert("UTC"))
        reactions = [(str(r[0]), str(r[1])) if isinstance(r, (list, tuple)) and len(r) == 2
                     else (str(r.get("name")), str(r.get("emoji")))
                     for r in msg.get("reactions") or [] if isinstance(r, (list, tuple, dict))]
        if msg.get("deleted"):
            self.left.add("deleted", reactions=len(reactions))
            return
        body = str(msg.get("body") or "")
        body = body[:-2] if body.endswith("  ") else body  # signal-export adds two spaces
        sender = str(msg.get("sender") or "unknown")
        quote = re.sub(r"(?m)^> ?", "", str(msg.get("quote") or "")).strip()
        self.rows.append({
            S.GROUP: group, S.TIMESTAMP: ts, S.AUTHOR: sender,
            S.ROLE: S.SYSTEM if _CALL.match(body) else S.DEFAULT_ROLE, S.TEXT: body,
            S.PARENT_ID: None, S.ATTACHMENTS: len(msg.get("attachments") or [])
            + int(bool(msg.get("sticker"))),
            S.SRC_PREFIX + "quote": quote or None,
        } | J.extras(msg, CONSUMED))
        self.reactions.append(reactions)
        self.keys.append((group, sender, ts.isoformat(), body))
        self.quotes.append(quote or None)

    def tables(self, source: Source) -> tuple[pd.DataFrame, pd.DataFrame]:
        ids = J.derived_ids(self.keys, prefix="sig-")
        order = sorted(range(len(self.rows)), key=lambda i: self.rows[i][S.TIMESTAMP])
        latest: dict[tuple[str, str], str] = {}
        self.unmatched = 0
        for i in order:
            row, quote = self.rows[i], self.quotes[i]
            if quote:
                parent = latest.get((row[S.GROUP], quote))
                row[S.PARENT_ID] = parent
                row[S.SRC_PREFIX + "reply_from_quote"] = parent is not None
                self.unmatched += parent is None
            latest[(row[S.GROUP], row[S.TEXT].strip())] = ids[i]
        rows = [r | {S.POST_ID: pid} for r, pid in zip(self.rows, ids, strict=True)]
        reactions = [{S.POST_ID: pid, S.AUTHOR: a, S.EMOJI: e, S.TIMESTAMP: None}
                     for pid, listed in zip(ids, self.reactions, strict=True) for a, e in listed]
        return J.posts_table(rows, source.where), J.reactions_table(reactions, source.where)

    def notes(self, posts: pd.DataFrame, reactions: pd.DataFrame, n_chats: int) -> list[str]:
        out = [f"read {J.plural(n_chats, 'chat')}: {J.plural(len(posts), 'message')}, "
               f"{J.plural(len(reactions), 'reaction')}; ids derived from the content"]
        out += self.left.notes(posts)
        linked = int(posts[S.PARENT_ID].notna().sum())
        if linked or self.unmatched:
            out.append(f"{J.plural(linked, 'reply', 'replies')} linked to the earlier message "
                       "whose text they quote (src_reply_from_quote)"
                       + (f"; {J.plural(self.unmatched, 'quote')} matched no earlier message "
                          "(kept without parent)" if self.unmatched else ""))
        n = int(posts[S.ROLE].eq(S.SYSTEM).sum())
        if n:
            out.append(f"kept {J.plural(n, 'call entry', 'call entries')} with the role system")
        return out
