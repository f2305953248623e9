"""Telegram Desktop export, machine-readable JSON (``result.json``): one chat ("Export chat
history") or the whole account ("Export Telegram data", every chat in ``chats.list``).

Notes
-----
- Each chat is one group, named by the chat's ``name``. For a single-chat export,
  ``--group`` replaces the name (without either: the file's name). In a full-account
  export, chats of the same name are told apart by their id (``Bob (123)``), and
  ``left_chats.list`` is read too.
- Post ids are ``CHAT:MESSAGE`` (chat id, else the group name, then the message id), so
  they are unique across the chats of one export; ``reply_to_message_id`` becomes the
  parent in the same chat. A message without an id gets ``CHAT:#N`` (its position, 1-based).
- ``date_unixtime`` is UTC epoch seconds; without it ``date`` (naive local time of the
  exporting machine) is read in ``--timezone``.
- The author is ``from`` (else ``actor`` for service messages); a deleted account
  (``from: null``) is named by its ``from_id``, else ``Deleted Account``.
- ``text`` is a string or a list of strings and entity objects; their texts are joined.
  ``text_entities`` repeats the text and is left out.
- Service messages (``type: service``: joins, pins, calls, ...) are kept with the role
  ``system`` and counted in the notes.
- A message with ``photo`` or ``file`` has 1 attachment.
- ``reactions`` give one reaction row per reactor listed in ``recent`` (author and time),
  and ``count`` minus the listed reactors rows without author or time.
- Other message fields are kept as ``src_`` columns; ``src_chat_type`` and ``src_chat_id``
  name the chat.
- An export without any message (no chats, or only empty chats) is an error that says how
  to export the chats; empty chats among others are warned about by name.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from typing import Any

import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import ChatcodeWarning, IngestError, Location, Problem, Problems
from chatcode.ingest import _json as J
from chatcode.ingest.base import Options, Parsed, Source, default_group

NAME = "telegram"
DESCRIPTION = "Telegram Desktop JSON export (result.json: one chat or the whole account)"

SERVICE = "service"
DELETED = "Deleted Account"
CONSUMED = frozenset({"id", "date_unixtime", "from", "actor", "text", "text_entities",
                      "reply_to_message_id", "reactions"})
_JSONL = re.compile(r'\{\s*"type"\s*:\s*"version"')  # Mattermost bulk export, not Telegram
_MARKERS = re.compile(r'"(?:messages|chats|personal_information)"\s*:')
_HINT = ("export the chat with Telegram Desktop: Export chat history, format "
         "'Machine-readable JSON'")


def sniff(source: Source) -> bool:
    head = J.json_object_head(source.head) if source.kind == "text" else ""
    if not head or re.search(r'"guild"\s*:', head[:4096]) or _JSONL.match(head):
        return False
    return _MARKERS.search(head) is not None


def read(source: Source, options: Options) -> Parsed:
    data = J.load_json(source.path.read_bytes(), source.path, export="Telegram chat")
    chats, full = _chats(data, source)
    _check_not_empty(chats, full, source)
    rows: list[dict[str, Any]] = []
    reactions: list[dict[str, Any]] = []
    problems: list[Problem] = []
    names = Counter(str(c.get("name") or "") for c in chats)
    for n, chat in enumerate(chats, start=1):
        if options.progress is not None:
            options.progress(n - 1, len(chats))
        group = _group(chat, names, full, source, options)
        scope = str(chat.get("id") if chat.get("id") is not None else group)
        extra = {S.SRC_PREFIX + "chat_type": chat.get("type"),
                 S.SRC_PREFIX + "chat_id": J.cell(chat.get("id"))}
        where = Location(source.path, sheet=f"chat {n} ({group})" if full else None)
        for pos, msg in enumerate(_list(chat.get("messages")), start=1):
            if not isinstance(msg, dict):
                problems.append(Problem(f"message {pos} is not a JSON object", where, _HINT))
                continue
            row = _post(msg, pos, scope, group, options, where, problems)
            if row is not None:
                rows.append(row | extra)
                reactions += _reactions(msg, row[S.POST_ID], options)
    if options.progress is not None:
        options.progress(len(chats), len(chats))
    if problems:
        raise Problems.of(IngestError, problems, title=f"{source.path}: {len(problems)} "
                          "problem(s) in the export" if len(problems) > 1 else None)
    posts = J.posts_table(rows, source.where)
    table = J.reactions_table(reactions, source.where)
    return Parsed(Corpus.trusted(posts, table), _notes(posts, table, len(chats), full))


def _list(value: Any) -> list[Any]:
    """``value`` if it is a JSON list, else an empty one (damaged files)."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _chats(data: Any, source: Source) -> tuple[list[dict[str, Any]], bool]:
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [data], False
    if isinstance(data, dict) and isinstance(data.get("chats"), dict):
        chats = [c for key in ("chats", "left_chats")
                 for c in _list(_dict(data.get(key)).get("list")) if isinstance(c, dict)]
        return chats, True
    keys = ", ".join(list(data)[:10]) if isinstance(data, dict) else type(data).__name__
    raise IngestError(
        f"no Telegram messages in the file: it holds no \"messages\" list nor \"chats\" "
        f"(found: {keys or 'nothing'})", where=source.where, hint=_HINT)


_EMPTY_HINT = ("in Telegram Desktop, Settings > Advanced > Export Telegram data: tick the "
               "chat types to export (Personal chats, Private groups, Public groups) and "
               "'Machine-readable JSON', and a date range that holds the messages; or open the "
               "chat and use Export chat history")


def _check_not_empty(chats: list[dict[str, Any]], full: bool, source: Source) -> None:
    """No chats, or no message in any chat: an error; some empty chats: a warning."""
    if full and not chats:
        raise IngestError("the account export holds no chats (chats.list is empty): there "
                          "is nothing to ingest", where=source.where, hint=_EMPTY_HINT)
    empty = [str(c.get("name") or c.get("id") or f"chat {n}")
             for n, c in enumerate(chats, start=1) if not _list(c.get("messages"))]
    if len(empty) == len(chats):
        what = ("the chat holds no messages" if not full else
                f"none of its {J.plural(len(chats), 'chat')} holds a message")
        raise IngestError(f"{what}: there is nothing to ingest", where=source.where,
                          hint=_EMPTY_HINT)
    if empty:
        shown = ", ".join(empty[:10]) + (f" and {len(empty) - 10} more" if len(empty) > 10
                                         else "")
        warnings.warn(ChatcodeWarning(
            f"{source.path}: {J.plural(len(empty), 'chat')} without messages, left out: "
            f"{shown}"), stacklevel=3)


def _group(chat: dict[str, Any], names: Counter[str], full: bool, source: Source,
           options: Options) -> str:
    name = str(chat.get("name") or "").strip()
    if not full:
        return options.group or name or default_group(source, options)
    if not name:
        return f"chat {chat.get('id')}"
    return f"{name} ({chat.get('id')})" if names[name] > 1 else name


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str((v or {}).get("text", ""))
                       for v in value)
    return "" if value is None else str(value)


def _time(obj: dict[str, Any], options: Options) -> pd.Timestamp | None:
    unix = obj.get("date_unixtime")
    try:
        if unix not in (None, ""):
            return pd.Timestamp(int(unix), unit="s", tz="UTC")
        if obj.get("date"):
            naive = pd.Timestamp(str(obj["date"]))
            if naive.tzinfo is not None:
                return naive.tz_convert("UTC")
            return naive.tz_localize(options.timezone, ambiguous=True,
                                     nonexistent="shift_forward").tz_convert("UTC")
    except (ValueError, TypeError):
        return None
    return None


def _author(msg: dict[str, Any]) -> str:
    for key in ("from", "actor"):
        if msg.get(key):
            return str(msg[key])
    if msg.get("from_id") or msg.get("actor_id"):
        return str(msg.get("from_id") or msg.get("actor_id"))
    return DELETED


def _post(msg: dict[str, Any], pos: int, scope: str, group: str, options: Options,
          where: Location, problems: list[Problem]) -> dict[str, Any] | None:
    mid = msg.get("id")
    post_id = f"{scope}:{mid}" if mid is not None else f"{scope}:#{pos}"
    ts = _time(msg, options)
    if ts is None:
        shown = msg.get("date_unixtime", msg.get("date"))
        problems.append(Problem(f"message {post_id}: cannot read its time {shown!r}", where,
                                "each message needs date_unixtime (epoch seconds) or date "
                                "(e.g. 2023-05-02T08:00:00)"))
        return None
    reply = msg.get("reply_to_message_id")
    row = {S.POST_ID: post_id, S.GROUP: group, S.TIMESTAMP: ts, S.AUTHOR: _author(msg),
           S.ROLE: S.SYSTEM if msg.get("type") == SERVICE else S.DEFAULT_ROLE,
           S.TEXT: _text(msg.get("text")),
           S.PARENT_ID: f"{scope}:{reply}" if reply is not None else None,
           S.ATTACHMENTS: int(bool(msg.get("photo") or msg.get("file")))}
    return row | J.extras(msg, CONSUMED)


def _reactions(msg: dict[str, Any], post_id: str, options: Options) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for r in _list(msg.get("reactions")):
        if not isinstance(r, dict):
            continue
        emoji = r.get("emoji") or r.get("document_id") or r.get("type") or "reaction"
        listed = [(str(p.get("from") or p.get("from_id") or DELETED), _time(p, options))
                  for p in _list(r.get("recent")) if isinstance(p, dict)]
        rows += J.reaction_rows(post_id, str(emoji), listed, r.get("count", len(listed)))
    return rows


def _notes(posts: pd.DataFrame, reactions: pd.DataFrame, n_chats: int, full: bool
           ) -> list[str]:
    kind = "full-account export" if full else "single-chat export"
    notes = [f"{kind}: read {J.plural(n_chats, 'chat')}, {J.plural(len(posts), 'message')}, "
             f"{J.plural(len(reactions), 'reaction')}"]
    n_system = int(posts[S.ROLE].eq(S.SYSTEM).sum())
    if n_system:
        notes.append(f"kept {J.plural(n_system, 'service message')} (joins, pins, calls, ...) "
                     "with the role system")
    n_unlisted = int(reactions[S.AUTHOR].isna().sum())
    if n_unlisted:
        notes.append(f"{J.plural(n_unlisted, 'reaction')} counted without the reactor's name "
                     "(Telegram lists only the recent reactors)")
    return notes
