"""Slack workspace export (Workspace settings > Import/Export > Export): the zip, or the
folder it unpacks to, with ``channels.json`` (and ``groups.json``, ``dms.json``,
``mpims.json``), ``users.json`` and one folder of day files (``YYYY-MM-DD.json``) per channel.

Notes
-----
- The group is the channel's name (a direct message: ``dm:`` and the members' names, sorted).
  A folder that no channel file lists is read too, named by the folder.
- Post ids are ``CHANNEL:TS`` (the channel's folder: its name, for direct messages its id;
  then the message's ``ts``); ``ts`` is also the
  time (epoch seconds with microseconds, UTC). A reply (``thread_ts`` different from
  ``ts``) has the thread root as parent, whichever day file holds it.
- Names come from ``users.json``: ``display_name``, else ``real_name``, else ``name``
  (else the message's ``user_profile``, else the user id). ``<@U123>`` mentions in texts
  become ``@Name``.
- Subtypes: ``channel_join``/``channel_leave`` are left out and counted; ``bot_message``
  (or a ``bot_id``, or a user marked ``is_bot``) gets the role ``bot``; ``thread_broadcast``
  (a reply also shown in the channel) is kept once, as a reply; ``tombstone`` (a deleted
  thread root Slack keeps as a placeholder) is kept with an empty text and
  ``src_subtype`` = ``tombstone``, so its replies keep their parent; other subtypes
  (topic, purpose, pins, ...) are kept with the role ``system``.
- ``files`` count as attachments. Reactions give one row per user in ``users`` (no time),
  plus ``count`` minus the listed users rows without author.
- A message that occurs twice (same channel and ``ts``) is kept once and counted.
- Other message fields are kept as ``src_`` columns (``user_profile`` and ``bot_profile``
  are used for names and left out).
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from chatcode._io.tabular import is_zip_workbook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError
from chatcode.ingest import _json as J
from chatcode.ingest.base import Options, Parsed, Source

NAME = "slack"
DESCRIPTION = "Slack workspace export (the zip or its folder: channels.json, users.json, ...)"

CHANNEL_FILES = ("channels.json", "groups.json", "dms.json", "mpims.json")
USERS = "users.json"
JOIN_LEAVE = frozenset({"channel_join", "channel_leave", "group_join", "group_leave"})
BOT_MESSAGE = "bot_message"
TOMBSTONE = "tombstone"
BROADCAST = "thread_broadcast"
NORMAL = frozenset({"", BROADCAST, "me_message", "file_share", "thread_broadcast"})
CONSUMED = frozenset({"user", "text", "ts", "reactions", "files", "user_profile",
                      "bot_profile"})
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_HINT = "give the Slack export zip, or the folder it unpacks to (it holds channels.json)"


class _Tree:
    """The files of an export, in a folder or a zip, by path relative to the export's root."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = None if path.is_dir() else zipfile.ZipFile(path)
        names = (self.zip.namelist() if self.zip else
                 [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()])
        self.all = sorted(n for n in names if not n.endswith("/"))
        self.root = _root(self.all)
        self.files = {n[len(self.root):]: n for n in self.all if n.startswith(self.root)}

    def read(self, name: str) -> bytes:
        full = self.files[name]
        return self.zip.read(full) if self.zip else (self.path / full).read_bytes()

    def json(self, name: str) -> Any:
        label = self.path / self.files[name]
        return J.load_json(self.read(name), label, export="Slack workspace")


def _root(names: list[str]) -> str:
    """The folder holding channels.json/users.json ('' at the top; one level deep allowed)."""
    for n in names:
        p = PurePosixPath(n)
        if p.name in (*CHANNEL_FILES, USERS) and len(p.parts) <= 2:
            return "" if len(p.parts) == 1 else p.parts[0] + "/"
    return ""


def _is_export(names: list[str]) -> bool:
    tops = {PurePosixPath(n).name for n in names if len(PurePosixPath(n).parts) <= 2}
    return "channels.json" in tops or (USERS in tops and bool(tops & set(CHANNEL_FILES)))


def sniff(source: Source) -> bool:
    if source.kind == "dir":
        return (source.path / "channels.json").exists() or (
            (source.path / USERS).exists() and any(
                (source.path / f).exists() for f in CHANNEL_FILES))
    if source.kind == "xlsx" and not is_zip_workbook(source.path):
        try:
            with zipfile.ZipFile(source.path) as zf:
                return _is_export(zf.namelist())
        except (zipfile.BadZipFile, OSError):
            return False
    return False


def read(source: Source, options: Options) -> Parsed:
    try:
        tree = _Tree(source.path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"cannot open the export ({exc})", where=source.where,
                          hint=_HINT) from exc
    if not any(n in tree.files for n in CHANNEL_FILES):
        held = ", ".join(tree.all[:12]) + (" ..." if len(tree.all) > 12 else "")
        raise IngestError(
            f"no Slack export here: channels.json is missing (it holds: {held or 'nothing'})",
            where=source.where, hint=_HINT)
    users = _users(tree)
    export = _Export(users)
    channels, unlisted = _channels(tree, users)
    for i, (folder, group) in enumerate(channels):
        _progress(options, i, len(channels))
        days = sorted(n for n in tree.files if PurePosixPath(n).parent.as_posix() == folder
                      and _DAY.match(PurePosixPath(n).name))
        for day in days:
            for msg in tree.json(day) or []:
                if isinstance(msg, dict):
                    export.message(msg, group, folder, day)
    _progress(options, len(channels), len(channels))
    posts = J.posts_table(export.rows, source.where)
    table = J.reactions_table(export.reactions, source.where)
    notes = export.notes(posts, table)
    if unlisted:
        notes.append(f"read {J.plural(len(unlisted), 'folder')} no channel file lists, named "
                     f"by the folder: {', '.join(unlisted)}")
    return Parsed(Corpus.trusted(posts, table), notes)


def _progress(options: Options, done: int, total: int) -> None:
    if options.progress is not None:
        options.progress(done, total)


def _name(user: dict[str, Any]) -> str:
    profile = user.get("profile") or {}
    for value in (profile.get("display_name"), profile.get("real_name"),
                  user.get("real_name"), user.get("name")):
        if value and str(value).strip():
            return str(value).strip()
    return str(user.get("id", ""))


def _users(tree: _Tree) -> dict[str, dict[str, Any]]:
    if USERS not in tree.files:
        return {}
    return {str(u.get("id")): {"name": _name(u), "bot": bool(u.get("is_bot"))}
            for u in tree.json(USERS) or [] if isinstance(u, dict)}


def _channels(tree: _Tree, users: dict[str, dict[str, Any]]
              ) -> tuple[list[tuple[str, str]], list[str]]:
    """(folder, group) of every channel: the listed ones, then unlisted folders (also
    returned on their own, for the notes)."""
    out: list[tuple[str, str]] = []
    for fname in CHANNEL_FILES:
        if fname not in tree.files:
            continue
        for ch in tree.json(fname) or []:
            if not isinstance(ch, dict):
                continue
            name, cid = ch.get("name"), str(ch.get("id", ""))
            folder = str(name) if name and any(
                f.startswith(f"{name}/") for f in tree.files) else cid
            if name:
                group = str(name)
            else:
                members = sorted(users.get(m, {}).get("name", m) for m in ch.get("members", []))
                group = "dm:" + ", ".join(members) if members else f"dm:{cid}"
            out.append((folder, group))
    listed = {f for f, _ in out}
    unlisted: list[str] = []
    for n in tree.files:
        folder = PurePosixPath(n).parent.as_posix()
        if folder != "." and folder not in listed and _DAY.match(PurePosixPath(n).name):
            listed.add(folder)
            unlisted.append(folder)
            out.append((folder, folder))
    return out, unlisted


def _ts(value: Any) -> pd.Timestamp | None:
    """Slack's ``ts`` ("1736478514.897649") as a UTC time, exact to the microsecond."""
    m = re.fullmatch(r"(\d+)(?:\.(\d{1,6})\d*)?", str(value or "").strip())
    if not m:
        return None
    micros = int(m.group(1)) * 1_000_000 + int((m.group(2) or "0").ljust(6, "0"))
    return pd.Timestamp(micros, unit="us", tz="UTC")


class _Export:
    """Messages turned into rows, with counts of what was left out."""

    def __init__(self, users: dict[str, dict[str, Any]]) -> None:
        self.users = users
        self.rows: list[dict[str, Any]] = []
        self.reactions: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.left: Counter[str] = Counter()
        self.bad: list[str] = []

    def name(self, uid: str, msg: dict[str, Any] | None = None) -> str:
        if uid in self.users:
            return self.users[uid]["name"]
        profile = (msg or {}).get("user_profile") or {}
        return _name({"id": uid, "profile": profile, "name": profile.get("name")})

    def text(self, text: Any) -> str:
        return _MENTION.sub(lambda m: "@" + (self.name(m.group(1)) if m.group(1) in self.users
                                             else m.group(2) or m.group(1)), str(text or ""))

    def message(self, msg: dict[str, Any], group: str, folder: str, day: str) -> None:
        subtype = str(msg.get("subtype") or "")
        if subtype in JOIN_LEAVE:
            self.left[subtype] += 1
            return
        ts = _ts(msg.get("ts"))
        if ts is None:
            self.bad.append(f"{day}: a message without a readable ts ({msg.get('ts')!r})")
            self.left["without ts"] += 1
            return
        post_id = f"{folder}:{msg['ts']}"
        if post_id in self.seen:
            self.left["repeated"] += 1
            return
        self.seen.add(post_id)
        thread = msg.get("thread_ts")
        parent = f"{folder}:{thread}" if thread and thread != msg["ts"] else None
        self.rows.append({
            S.POST_ID: post_id, S.GROUP: group, S.TIMESTAMP: ts,
            S.AUTHOR: self.author(msg), S.ROLE: self.role(msg, subtype),
            S.TEXT: "" if subtype == TOMBSTONE else self.text(msg.get("text")),
            S.PARENT_ID: parent, S.ATTACHMENTS: len(msg.get("files") or []),
        } | J.extras(msg, CONSUMED))
        for r in msg.get("reactions") or []:
            listed = [(self.name(str(u)), None) for u in r.get("users") or []]
            self.reactions += J.reaction_rows(post_id, str(r.get("name") or "reaction"),
                                              listed, r.get("count", len(listed)))

    def author(self, msg: dict[str, Any]) -> str:
        uid = str(msg.get("user") or "")
        if uid and (uid in self.users or not msg.get("bot_id")):
            return self.name(uid, msg)
        bot = msg.get("bot_profile") or {}
        return str(msg.get("username") or bot.get("name") or msg.get("bot_id") or uid
                   or "unknown")

    def role(self, msg: dict[str, Any], subtype: str) -> str:
        uid = str(msg.get("user") or "")
        if subtype == BOT_MESSAGE or msg.get("bot_id") or self.users.get(uid, {}).get("bot"):
            return S.BOT
        if subtype in NORMAL or subtype == TOMBSTONE:
            return S.DEFAULT_ROLE
        return S.SYSTEM

    def notes(self, posts: pd.DataFrame, reactions: pd.DataFrame) -> list[str]:
        out = [f"read {J.plural(posts[S.GROUP].nunique(), 'channel')}, "
               f"{J.plural(len(posts), 'message')}, {J.plural(len(reactions), 'reaction')}"]
        if self.left:
            what = ", ".join(f"{n} {k}" for k, n in sorted(self.left.items()))
            out.append(f"left out {J.plural(sum(self.left.values()), 'message')}: {what}")
        out += [f"left out: {b}" for b in self.bad[:5]]
        for role, what in ((S.SYSTEM, "system message"), (S.BOT, "bot message")):
            n = int(posts[S.ROLE].eq(role).sum())
            if n:
                out.append(f"kept {J.plural(n, what)} with the role {role}")
        src = S.SRC_PREFIX + "subtype"
        n_tomb = int(posts[src].eq(TOMBSTONE).sum()) if src in posts.columns else 0
        if n_tomb:
            out.append(f"kept {J.plural(n_tomb, 'deleted thread root')} (tombstone) with an "
                       "empty text, so their replies keep their parent")
        return out
