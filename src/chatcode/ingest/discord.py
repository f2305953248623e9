"""DiscordChatExporter (Tyrrrz/DiscordChatExporter) exports of a channel: JSON and CSV.

Notes
-----
- JSON: the group is ``channel.name`` (``--group`` replaces it); post ids are Discord's
  message ids; a reply's ``reference.messageId`` is its parent. ``timestamp`` is ISO 8601
  with offset. The author is ``author.name`` (the account name, stable across servers);
  ``author.nickname`` is kept as ``src_author_nickname``. Authors with ``isBot`` get the
  role ``bot``; message types other than ``Default`` and ``Reply`` (``GuildMemberJoin``,
  ``ChannelPinnedMessage``, ``Call``, ...) the role ``system`` (their ``reference``, e.g.
  to a pinned message, is kept as ``src_reference_*``, not as a parent). Attachments are
  counted. Reactions give one row per user the export lists (newer exporters) and
  ``count`` minus the listed users rows without author; reactions have no time. A message
  repeated with the same id and content is kept once and counted; the same id with other
  content is an error.
- CSV (``AuthorID,Author,Date,Content,Attachments,Reactions``): the group is ``--group``,
  else the file's name. The export has no ids, replies or reactors: each post gets a
  stable id from its content (``dce-`` and 16 hex digits of a SHA-1 of group, author id,
  time in UTC and text, so the same export in another date format gets the same ids;
  repeats get ``-2``, ...); reactions ``name (count)`` give ``count`` rows without author.
  ``Date`` is the exporter's local time without offset, written in the exporting
  machine's culture (``5/20/2018 4:09 PM``, ``20.05.2018 16:09``, ``20-May-18 04:09 PM``,
  or ISO): it is read in ``--timezone`` (exports made with ``--utc``: give ``--timezone
  UTC``); day/month order is inferred from the whole file, ``--dayfirst/--monthfirst``
  decides when it cannot be.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest import _discord_csv as C
from chatcode.ingest import _json as J
from chatcode.ingest.base import Options, Parsed, Source, default_group

NAME = "discord"
DESCRIPTION = "DiscordChatExporter channel export (JSON or CSV)"

NORMAL_TYPES = frozenset({"Default", "Reply"})
CONSUMED = frozenset({"id", "timestamp", "author", "content", "attachments", "reactions",
                      "reference"})
_HINT = "export the channel again with DiscordChatExporter (format JSON or CSV)"


def sniff(source: Source) -> bool:
    if source.kind != "text":
        return False
    head = J.json_object_head(source.head)
    if head:
        return bool(re.search(r'"guild"\s*:', head) and re.search(r'"messages"\s*:', head))
    first = source.head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first.replace('"', "") == ",".join(C.HEADER)


def read(source: Source, options: Options) -> Parsed:
    if not J.json_object_head(source.head):
        return C.read_csv(source, options)
    data = J.load_json(source.path.read_bytes(), source.path, export="Discord channel")
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise IngestError("no \"messages\" list in the file", where=source.where, hint=_HINT)
    channel = data.get("channel") or {}
    group = options.group or str(channel.get("name") or "") or default_group(source, options)
    scope = {S.SRC_PREFIX + "guild": (data.get("guild") or {}).get("name"),
             S.SRC_PREFIX + "channel_id": channel.get("id")}
    rows, reactions, problems, repeated = [], [], [], 0
    seen: dict[str, dict[str, Any]] = {}
    for n, msg in enumerate(data["messages"], start=1):
        mid = str(msg.get("id") or "") if isinstance(msg, dict) else ""
        if not mid:
            problems.append(Problem(f"message {n} has no id", source.where, _HINT))
            continue
        if mid in seen:
            if seen[mid] != msg:
                problems.append(Problem(f"message id {mid} occurs twice with different "
                                        "content", source.where, _HINT))
            repeated += 1
            continue
        seen[mid] = msg
        row = _post(msg, group, source.where, problems)
        if row is not None:
            rows.append(row | scope)
            reactions += _reactions(msg, mid)
    if problems:
        raise Problems.of(IngestError, problems, title=f"{source.path}: {len(problems)} "
                          "problem(s) in the export" if len(problems) > 1 else None)
    posts = J.posts_table(rows, source.where)
    table = J.reactions_table(reactions, source.where)
    return Parsed(Corpus.trusted(posts, table), _notes(posts, table, repeated))


def _post(msg: dict[str, Any], group: str, where: Location, problems: list[Problem]
          ) -> dict[str, Any] | None:
    try:
        ts = pd.Timestamp(str(msg.get("timestamp"))).tz_convert("UTC")
    except (ValueError, TypeError):
        problems.append(Problem(f"message {msg['id']}: cannot read its timestamp "
                                f"{msg.get('timestamp')!r}", where,
                                "expected ISO 8601 with offset, e.g. 2023-05-02T08:00:00+00:00"))
        return None
    author = msg.get("author") or {}
    mtype = str(msg.get("type") or "Default")
    role = (S.SYSTEM if mtype not in NORMAL_TYPES else
            S.BOT if author.get("isBot") else S.DEFAULT_ROLE)
    ref = (msg.get("reference") or {}).get("messageId")
    row = {S.POST_ID: str(msg["id"]), S.GROUP: group, S.TIMESTAMP: ts,
           S.AUTHOR: str(author.get("name") or author.get("id") or "Deleted User"),
           S.ROLE: role, S.TEXT: str(msg.get("content") or ""),
           S.PARENT_ID: str(ref) if ref and mtype in NORMAL_TYPES else None,
           S.ATTACHMENTS: len(msg.get("attachments") or [])}
    row |= J.extras(author, {"name"}, prefix="author_")
    if msg.get("reference"):
        row |= J.extras(msg["reference"], {"messageId"}, prefix="reference_")
    return row | J.extras(msg, CONSUMED)


def _reactions(msg: dict[str, Any], post_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for r in msg.get("reactions") or []:
        emoji = (r.get("emoji") or {}).get("name") or (r.get("emoji") or {}).get("code")
        listed = [(str(u.get("name") or u.get("id")), None) for u in r.get("users") or []
                  if isinstance(u, dict)]
        rows += J.reaction_rows(post_id, str(emoji or "reaction"), listed,
                                r.get("count", len(listed)))
    return rows


def _notes(posts: pd.DataFrame, reactions: pd.DataFrame, repeated: int) -> list[str]:
    notes = [f"read {J.plural(len(posts), 'message')} and "
             f"{J.plural(len(reactions), 'reaction')}"]
    if repeated:
        notes.append(f"left out {J.plural(repeated, 'repeated message')} (same id and "
                     "content as an earlier one)")
    for role, what in ((S.SYSTEM, "system message"), (S.BOT, "bot message")):
        n = int(posts[S.ROLE].eq(role).sum())
        if n:
            notes.append(f"kept {J.plural(n, what)} with the role {role}")
    n_unlisted = int(reactions[S.AUTHOR].isna().sum())
    if n_unlisted:
        notes.append(f"{J.plural(n_unlisted, 'reaction')} counted without the reactor's name "
                     "(not listed in the export)")
    return notes
