"""Matrix room export as written by Element's "Export chat" (format JSON): one room per file.
The German health system's TI-Messenger is built on Matrix, so its clients' exports of a
room have the same events.

Notes
-----
- The file (or the ``export.json`` of the zip Element writes when attachments are included)
  is one object with ``room_name``, ``room_creator``, ``topic``, ``export_date``,
  ``exported_by`` and ``messages``, the room's events (Matrix client-server events: ``type``,
  ``event_id``, ``sender``, ``origin_server_ts``, ``content``, ``unsigned``). An event
  wrapped as ``{"decrypted": ..., "encrypted": ...}`` is read from ``decrypted``.
- The group is ``room_name`` (``--group`` replaces it; without either the file's name).
- Post ids are the ``event_id``s; ``origin_server_ts`` (epoch ms, UTC) is the time.
- The author is the sender's display name from the room's ``m.room.member`` events (the
  latest one in the export), else the Matrix user id; two people with one display name are
  told apart by their ids. The user id is kept as ``src_user_id`` (roles can name it).
- Replies: ``content.m.relates_to.m.in_reply_to.event_id`` is the parent; a thread message
  (``rel_type`` ``m.thread``) has the thread root as parent. The quoted fallback that older
  clients put before a reply's text (lines starting with ``>``) is removed.
- Edits (``rel_type`` ``m.replace``) are not posts: the post gets the text of its latest edit
  by the same sender (``m.new_content``), also when the server bundled the edit in
  ``unsigned.m.relations``, and ``src_edited`` is true.
- Reactions are ``m.reaction`` events (``rel_type`` ``m.annotation``, ``key`` the emoji),
  with reactor and time; where an export holds only the server's bundled counts
  (``unsigned.m.relations.m.annotation``) they become rows without reactor. Poll votes
  become reactions ``poll_vote`` on the poll.
- Left out with counts: deleted (redacted) messages, as every format does, and membership
  events (joins, leaves, invites). Their reactions are dropped and counted; replies to them
  are kept and counted. Reactions and edits that were themselves withdrawn are left out.
- Kept with the role ``system``: other room events (creation, name, topic, pins, settings,
  calls). ``m.notice`` messages (the message type for bots) get the role ``bot``.
- ``m.image``, ``m.file``, ``m.video``, ``m.audio`` and stickers have 1 attachment; their
  text is the caption (``body`` when it differs from ``filename``), else empty.
- Messages the exporting session could not decrypt (``m.room.encrypted``, or
  ``m.bad.encrypted``) are left out like deleted ones, as WhatsApp's "Waiting for this
  message": their text is unknown. The report counts them and says to export again from a
  session that has the room keys; reactions and replies on them are counted as above.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from chatcode._io.tabular import is_zip_workbook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest import _json as J
from chatcode.ingest._leftout import LeftOut
from chatcode.ingest.base import Options, Parsed, Source, default_group

NAME = "matrix"
DESCRIPTION = "Matrix/Element \"Export chat\" JSON (one room; also TI-Messenger)"

MESSAGE = "m.room.message"
STICKER = "m.sticker"
ENCRYPTED = "m.room.encrypted"
BAD_ENCRYPTED = "m.bad.encrypted"
UNDECRYPTABLE = "undecryptable"
MEMBER = "m.room.member"
REACTION = "m.reaction"
REDACTION = "m.room.redaction"
POLL_START = ("m.poll.start", "org.matrix.msc3381.poll.start")
POLL_VOTE = ("m.poll.response", "org.matrix.msc3381.poll.response")
FILES = frozenset({"m.image", "m.file", "m.video", "m.audio"})
CONSUMED = frozenset({"event_id", "sender", "origin_server_ts", "content", "unsigned",
                      "room_id", "user_id", "age", "state_key"})
_HINT = "export the room again in Element: Room info > Export chat, format JSON"
_FALLBACK = re.compile(r"\A(?:>[^\n]*\n)+\n?")


def _is_room(head: str) -> bool:
    head = J.json_object_head(head)
    return bool(head) and re.search(r'"room_name"\s*:', head[:8192]) is not None and (
        re.search(r'"messages"\s*:', head) is not None)


def _zip_member(path: Path) -> str | None:
    """The room JSON in the zip Element writes when attachments are included."""
    try:
        with zipfile.ZipFile(path) as zf:
            candidates = [n for n in zf.namelist() if n.lower().endswith(".json")
                          and (n.rsplit("/", 1)[-1] == "export.json" or n.count("/") <= 1)]
            for name in sorted(candidates, key=lambda n: (n.count("/"), n))[:5]:
                with zf.open(name) as fh:
                    if _is_room(fh.read(65536).decode("utf-8", errors="replace")):
                        return name
    except (zipfile.BadZipFile, OSError):
        return None
    return None


def sniff(source: Source) -> bool:
    if source.kind == "xlsx" and not is_zip_workbook(source.path):
        return _zip_member(source.path) is not None
    return source.kind == "text" and _is_room(source.head)


def _raw(source: Source) -> tuple[bytes, Path]:
    if source.kind != "xlsx":
        return source.path.read_bytes(), source.path
    member = _zip_member(source.path)
    if member is None:
        raise IngestError("the zip holds no Matrix room export (export.json)",
                          where=source.where, hint=_HINT)
    with zipfile.ZipFile(source.path) as zf:
        return zf.read(member), source.path / member


def read(source: Source, options: Options) -> Parsed:
    raw, label = _raw(source)
    data = J.load_json(raw, label, export="Matrix room")
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise IngestError('no "messages" list in the file', where=source.where, hint=_HINT)
    events = [e.get("decrypted") if isinstance(e, dict) and isinstance(
        e.get("decrypted"), dict) else e for e in data["messages"]]
    if not events:
        raise IngestError("the room export holds no events: there is nothing to ingest",
                          where=source.where, hint=_HINT)
    group = options.group or str(data.get("room_name") or "") or default_group(source, options)
    room = _Room(events, source.where)
    room.read()
    if room.problems:
        raise Problems.of(IngestError, room.problems, title=f"{source.path}: "
                          f"{len(room.problems)} problem(s) in the export"
                          if len(room.problems) > 1 else None)
    rows = room.rows(group)
    posts = J.posts_table(rows, source.where)
    reactions = J.reactions_table(room.reaction_rows(), source.where)
    return Parsed(Corpus.trusted(posts, reactions), room.notes(posts, reactions))


def _d(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (damaged or unusual events)."""
    return value if isinstance(value, dict) else {}


def _relation(event: dict[str, Any]) -> dict[str, Any]:
    rel = _d(event.get("content")).get("m.relates_to")
    return rel if isinstance(rel, dict) else {}


def _ts(event: dict[str, Any]) -> pd.Timestamp | None:
    value = event.get("origin_server_ts")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return pd.Timestamp(int(value), unit="ms", tz="UTC")


def _redacted(event: dict[str, Any]) -> bool:
    return bool(_d(event.get("unsigned")).get("redacted_because"))


class _Room:
    """The events of one room, sorted into posts, edits, reactions and what is left out."""

    def __init__(self, events: list[Any], where: Location) -> None:
        self.events = events
        self.where = where
        self.problems: list[Problem] = []
        self.posts: list[dict[str, Any]] = []
        self.edits: dict[str, list[tuple[int, str, dict[str, Any]]]] = defaultdict(list)
        self.reactions: list[tuple[str, str | None, str, pd.Timestamp | None]] = []
        self.bundled: dict[str, list[tuple[str, int]]] = {}
        self.redacted_ids: set[str] = set()
        self.left = LeftOut(noun="event")
        self.skipped: Counter[str] = Counter()
        self.names: dict[str, str] = {}

    def read(self) -> None:
        for pos, event in enumerate(self.events, start=1):
            if not isinstance(event, dict):
                self.problems.append(Problem(f"event {pos} is not a JSON object", self.where,
                                             _HINT))
                continue
            if event.get("type") == MEMBER and not _redacted(event):
                name = _d(event.get("content")).get("displayname")
                if isinstance(name, str) and name.strip() and event.get("state_key"):
                    self.names[str(event["state_key"])] = name.strip()
            if event.get("type") == REDACTION:
                target = event.get("redacts") or _d(event.get("content")).get("redacts")
                if target:
                    self.redacted_ids.add(str(target))
        for pos, event in enumerate(self.events, start=1):
            if isinstance(event, dict):
                self.event(event, pos)

    def event(self, event: dict[str, Any], pos: int) -> None:
        etype = str(event.get("type") or "")
        eid = str(event.get("event_id") or "")
        if etype == REDACTION:
            self.skipped["redaction"] += 1
            return
        if not eid or _ts(event) is None:
            self.problems.append(Problem(
                f"event {pos} ({etype or 'no type'}) has no event_id or origin_server_ts",
                self.where, _HINT))
            return
        gone = _redacted(event) or eid in self.redacted_ids
        rel = _relation(event)
        if etype in (REACTION, *POLL_VOTE) or rel.get("rel_type") == "m.replace":
            if gone:
                self.skipped["withdrawn"] += 1
            elif etype == REACTION:
                self.reactions.append((str(rel.get("event_id") or ""), str(event.get("sender")),
                                       str(rel.get("key") or "reaction"), _ts(event)))
            elif etype in POLL_VOTE:
                self.reactions.append((str(rel.get("event_id") or ""), str(event.get("sender")),
                                       "poll_vote", _ts(event)))
            else:
                self.edits[str(rel.get("event_id") or "")].append(
                    (int(event["origin_server_ts"]), str(event.get("sender")), event))
            return
        counts = _bundled_annotations(event)
        n_bundled = sum(n for _, n in counts)
        if gone:
            self.left.add("deleted", post_id=eid, reactions=n_bundled)
        elif etype == MEMBER:
            kind = str(_d(event.get("content")).get("membership") or "membership")
            self.left.add(kind, post_id=eid, reactions=n_bundled)
        elif etype == ENCRYPTED or _d(event.get("content")).get("msgtype") == BAD_ENCRYPTED:
            self.left.add(UNDECRYPTABLE, post_id=eid, reactions=n_bundled)
        else:
            self.posts.append(event)
            if counts:
                self.bundled[eid] = counts

    # --- posts ------------------------------------------------------------------------
    def author(self, mxid: str) -> str:
        name = self.names.get(mxid)
        if name is None:
            return mxid
        same = [m for m, n in self.names.items() if n == name]
        return name if len(same) == 1 else f"{name} ({mxid})"

    def rows(self, group: str) -> list[dict[str, Any]]:
        out = []
        for event in self.posts:
            eid, sender = str(event["event_id"]), str(event.get("sender") or "")
            content = _d(event.get("content"))
            edited = self.final_content(event)
            event["_edited"] = edited is not None
            text, attachments, role = _text_and_kind(event, edited or content)
            rel = _relation(event)
            parent = (rel.get("event_id") if rel.get("rel_type") == "m.thread"
                      else _d(rel.get("m.in_reply_to")).get("event_id"))
            if parent and rel.get("rel_type") != "m.thread" and edited is None:
                text = _FALLBACK.sub("", text, count=1)
            row = {S.POST_ID: eid, S.GROUP: group, S.TIMESTAMP: _ts(event),
                   S.AUTHOR: self.author(sender), S.ROLE: role, S.TEXT: text,
                   S.PARENT_ID: str(parent) if parent else None, S.ATTACHMENTS: attachments,
                   S.SRC_PREFIX + "user_id": sender, S.SRC_PREFIX + "edited": edited is not None,
                   S.SRC_PREFIX + "msgtype": content.get("msgtype")}
            out.append(row | J.extras(event, CONSUMED | {"_edited"}))
        return out

    def final_content(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The ``m.new_content`` of the latest edit by the sender, or None."""
        sender = event.get("sender")
        found = [(ts, e) for ts, s, e in self.edits.pop(str(event["event_id"]), [])
                 if s == sender]
        bundled = _d(_d(event.get("unsigned")).get("m.relations")).get("m.replace")
        if isinstance(bundled, dict) and isinstance(
                _d(bundled.get("content")).get("m.new_content"), dict):
            found.append((int(bundled.get("origin_server_ts") or 0), bundled))
        if not found:
            return None
        latest = max(found, key=lambda t: t[0])[1]
        new = _d(latest.get("content")).get("m.new_content")
        return new if isinstance(new, dict) else None

    def reaction_rows(self) -> list[dict[str, Any]]:
        rows = []
        kept = {str(e["event_id"]) for e in self.posts}
        for target, sender, key, ts in self.reactions:
            kind = self.left.kind_of.get(target)
            if kind is not None:
                self.left.reactions[kind] += 1
                continue
            rows.append({S.POST_ID: target, S.AUTHOR: self.author(sender), S.EMOJI: key,
                         S.TIMESTAMP: ts})
        listed = Counter(r[S.POST_ID] for r in rows)
        for eid, counts in self.bundled.items():
            if eid in kept and not listed[eid]:
                for key, n in counts:
                    rows += J.reaction_rows(eid, key, [], n)
        return rows

    def notes(self, posts: pd.DataFrame, reactions: pd.DataFrame) -> list[str]:
        out = [f"read {J.plural(len(self.events), 'event')}: {J.plural(len(posts), 'post')}, "
               f"{J.plural(len(reactions), 'reaction')}"]
        out += self.left.notes(posts)
        n_edited = sum(1 for e in self.posts if e.get("_edited"))
        if n_edited:
            out.append(f"{J.plural(n_edited, 'edited message')} kept with the final text "
                       "(src_edited)")
        orphan_edits = sum(len(v) for v in self.edits.values())
        if orphan_edits:
            out.append(f"left out {J.plural(orphan_edits, 'edit')} of messages not in the "
                       "export")
        if self.skipped["redaction"]:
            out.append(f"left out {J.plural(self.skipped['redaction'], 'redaction event')} "
                       "(they only mark deleted messages)")
        if self.skipped["withdrawn"]:
            n = self.skipped["withdrawn"]
            what = "reaction, vote or edit" if n == 1 else "reactions, votes and edits"
            out.append(f"left out {n} withdrawn {what}")
        for role, what in ((S.SYSTEM, "room event"), (S.BOT, "notice (bot message)")):
            n = int(posts[S.ROLE].eq(role).sum())
            if n:
                out.append(f"kept {J.plural(n, what, what.replace('notice', 'notices'))} with "
                           f"the role {role}" if role == S.BOT else
                           f"kept {J.plural(n, what)} (name, topic, pins, ...) with the role "
                           f"{role}")
        n = self.left.posts[UNDECRYPTABLE]
        if n:
            out.append(f"{J.plural(n, 'message')} could not be decrypted by the exporting "
                       f"session and {'was' if n == 1 else 'were'} left out: export again from "
                       "a session that has the room keys")
        n_unlisted = int(reactions[S.AUTHOR].isna().sum())
        if n_unlisted:
            out.append(f"{J.plural(n_unlisted, 'reaction')} from the server's counts, without "
                       "the reactor (the export holds no reaction events for them)")
        return out


def _bundled_annotations(event: dict[str, Any]) -> list[tuple[str, int]]:
    rel = _d(_d(event.get("unsigned")).get("m.relations")).get("m.annotation")
    chunk = rel.get("chunk") if isinstance(rel, dict) else None
    out = []
    for item in chunk or []:
        if isinstance(item, dict) and item.get("key"):
            try:
                out.append((str(item["key"]), max(int(item.get("count", 1)), 0)))
            except (TypeError, ValueError):
                continue
    return out


def _text_and_kind(event: dict[str, Any], content: dict[str, Any]) -> tuple[str, int, str]:
    """(text, attachments, role) of a kept event."""
    etype = str(event.get("type") or "")
    msgtype = str(content.get("msgtype") or "")
    body = content.get("body") if isinstance(content.get("body"), str) else ""
    if etype == STICKER or msgtype in FILES:
        caption = body if content.get("filename") and body != content.get("filename") else ""
        return caption, 1, S.DEFAULT_ROLE
    if etype in POLL_START:
        start = content.get(etype) or content.get("org.matrix.msc3381.poll.start") or {}
        question = _d(_d(start).get("question"))
        text = question.get("body") or question.get("m.text") or question.get(
            "org.matrix.msc1767.text") or body
        if isinstance(text, list):
            text = " ".join(str(t.get("body", "")) for t in text if isinstance(t, dict))
        return str(text or ""), 0, S.DEFAULT_ROLE
    if etype == MESSAGE:
        return body, 0, S.BOT if msgtype == "m.notice" else S.DEFAULT_ROLE
    state = {"m.room.topic": "topic", "m.room.name": "name"}.get(etype)
    return str(content.get(state) or "") if state else "", 0, S.SYSTEM
