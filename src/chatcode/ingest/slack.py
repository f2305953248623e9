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
- Subtypes: ``channel_join``/``channel_leave`` are left out and counted, and so are the
  reactions they had and the replies in their threads (kept, without a parent in the
  corpus); ``bot_message`` (or a ``bot_id``, or a user marked ``is_bot``) gets the role
  ``bot``; ``thread_broadcast`` (a reply also shown in the channel) is kept once, as a
  reply; ``tombstone`` (a deleted thread root Slack keeps as a placeholder) is kept with an
  empty text and ``src_subtype`` = ``tombstone``, so its replies keep their parent; other
  subtypes (``bot_add``, ``pinned_item``, topic, purpose, ...) are kept with the role
  ``system``, also when a person did them (a person adding a bot is not a bot).
- ``files`` (and the single ``file`` of uploads before 2019) count as attachments; a
  ``file_comment`` (before 2019) has its author and text in ``comment`` and is a reply to
  the message that shared the file in that channel, when the export holds it.
- Reactions give one row per user in ``users`` (no time), plus ``count`` minus the listed
  users rows without author.
- A message that occurs twice (same channel and ``ts``) is kept once and counted.
- The user id is kept as ``src_user_id``, so a roles file can name users by id. People of
  other workspaces in a shared channel are not in ``users.json``: they are named from the
  ``user_profile`` of any of their messages.
- Without ``channels.json`` (a folder of channel folders of day files, one channel's
  folder of day files, or a single day file) each folder is a channel named by the folder;
  without
  ``users.json`` authors are named from the messages' profiles, else by their ids. Both are
  warned about.
- Other message fields are kept as ``src_`` columns (``user_profile`` and ``bot_profile``
  are used for names and left out).
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from chatcode._io.tabular import is_zip_workbook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import ChatcodeWarning, IngestError
from chatcode.ingest import _json as J
from chatcode.ingest._leftout import LeftOut
from chatcode.ingest.base import Options, Parsed, Source

NAME = "slack"
DESCRIPTION = "Slack workspace export (the zip or its folder: channels.json, users.json, ...)"

CHANNEL_FILES = ("channels.json", "groups.json", "dms.json", "mpims.json")
USERS = "users.json"
JOIN_LEAVE = frozenset({"channel_join", "channel_leave", "group_join", "group_leave"})
BOT_MESSAGE = "bot_message"
TOMBSTONE = "tombstone"
BROADCAST = "thread_broadcast"
FILE_COMMENT = "file_comment"
# messages people write; every other subtype is an event (system), whoever caused it
NORMAL = frozenset({"", BROADCAST, "me_message", "file_share", "file_mention", FILE_COMMENT,
                    "reply_broadcast"})
CONSUMED = frozenset({"user", "text", "ts", "reactions", "files", "user_profile",
                      "bot_profile"})
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]*))?>")
_HINT = ("give the Slack export zip, or the folder it unpacks to (it holds channels.json "
         "and one folder of YYYY-MM-DD.json day files per channel)")


class _Tree:
    """The files of an export, in a folder or a zip, by path relative to the export's root."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if _is_day_path(path):  # one day file on its own: the folder is the tree
            self.path, self.zip, names = path.parent, None, [path.name]
        else:
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


def _looks_like_day_file(raw: bytes) -> bool:
    """A Slack day file: a JSON list whose objects have a ``ts``."""
    head = raw[:4096].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return head.startswith("[") and ('"ts"' in head or head[1:].lstrip().startswith("]"))


def _is_day_path(path: Path) -> bool:
    """One day file (``2023-05-02.json``) given on its own."""
    return path.is_file() and bool(_DAY.match(path.name)) and not zipfile.is_zipfile(path)


def _day_names(names: list[str]) -> list[str]:
    """Day files at most two folders deep (``general/2023-05-02.json``)."""
    return [n for n in names if _DAY.match(PurePosixPath(n).name)
            and len(PurePosixPath(n).parts) <= 3]


def sniff(source: Source) -> bool:
    if source.kind == "dir":
        if (source.path / "channels.json").exists() or (
                (source.path / USERS).exists() and any(
                    (source.path / f).exists() for f in CHANNEL_FILES)):
            return True
        days = sorted([*source.path.glob("????-??-??.json"),
                       *source.path.glob("*/????-??-??.json")])
        return bool(days) and _looks_like_day_file(days[0].read_bytes()[:4096])
    if source.kind == "text" and _is_day_path(source.path):
        return _looks_like_day_file(source.path.read_bytes()[:4096])
    if source.kind == "xlsx" and not is_zip_workbook(source.path):
        try:
            with zipfile.ZipFile(source.path) as zf:
                names = zf.namelist()
                if _is_export(names):
                    return True
                days = sorted(_day_names(names))
                return bool(days) and _looks_like_day_file(zf.read(days[0]))
        except (zipfile.BadZipFile, OSError):
            return False
    return False


def read(source: Source, options: Options) -> Parsed:
    try:
        tree = _Tree(source.path)  # a zip, a folder, or one day file
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"cannot open the export ({exc})", where=source.where,
                          hint=_HINT) from exc
    listed = any(n in tree.files for n in CHANNEL_FILES)
    days = sorted(_day_names(list(tree.files)))
    if not listed and not (days and _looks_like_day_file(tree.read(days[0]))):
        held = ", ".join(tree.all[:12]) + (" ..." if len(tree.all) > 12 else "")
        raise IngestError(
            f"no Slack export here: channels.json is missing (it holds: {held or 'nothing'})",
            where=source.where, hint=_HINT)
    users = _users(tree)
    export = _Export(users)
    channels, unlisted = _channels(tree, users, _own_name(source))
    for i, (folder, group) in enumerate(channels):
        _progress(options, i, len(channels))
        days = sorted(n for n in tree.files if PurePosixPath(n).parent.as_posix() == folder
                      and _DAY.match(PurePosixPath(n).name))
        for day in days:
            for msg in tree.json(day) or []:
                if isinstance(msg, dict):
                    export.message(msg, group, folder if folder != "." else group, day)
    _progress(options, len(channels), len(channels))
    posts = J.posts_table(export.finish(), source.where)
    table = J.reactions_table(export.reactions, source.where)
    notes = export.notes(posts, table)
    if unlisted and listed:
        notes.append(f"read {J.plural(len(unlisted), 'folder')} no channel file lists, named "
                     f"by the folder: {', '.join(unlisted)}")
    elif unlisted:
        _warn(f"{source.path}: no channels.json: read {J.plural(len(unlisted), 'folder')} of "
              f"day files as channels named by the folder ({', '.join(unlisted)})")
    if USERS not in tree.files:
        _warn(export.no_users_warning(source))
    return Parsed(Corpus.trusted(posts, table), notes)


def _warn(message: str) -> None:
    warnings.warn(ChatcodeWarning(message), stacklevel=3)


def _own_name(source: Source) -> str:
    """The channel name of day files that lie at the top of the export (its own name); a
    day file given on its own is named by its folder, as in an export."""
    if _is_day_path(source.path):
        return source.path.resolve().parent.name
    return source.path.name if source.path.is_dir() else source.path.stem


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
    return {str(u.get("id")): {"name": _name(u), "bot": bool(u.get("is_bot")),
                               "team": u.get("team_id") or (u.get("profile") or {}).get("team")}
            for u in tree.json(USERS) or [] if isinstance(u, dict)}


def _channels(tree: _Tree, users: dict[str, dict[str, Any]], own: str
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
        if folder not in listed and _DAY.match(PurePosixPath(n).name):
            name = own if folder == "." else PurePosixPath(folder).name
            listed.add(folder)
            unlisted.append(name)
            out.append((folder, name))
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
        self.left = LeftOut()
        self.bad: list[str] = []
        self.profiles: dict[str, str] = {}  # names of people not in users.json
        self.teams = {u["team"] for u in users.values() if u.get("team")}
        self.external: set[str] = set()
        self.uploads: dict[tuple[str, str], str] = {}  # (folder, file id) -> post id

    def name(self, uid: str) -> str:
        if uid in self.users:
            return self.users[uid]["name"]
        return self.profiles.get(uid, uid)

    def text(self, text: Any) -> str:
        known = lambda uid: uid in self.users or uid in self.profiles  # noqa: E731
        return _MENTION.sub(lambda m: "@" + (self.name(m.group(1)) if known(m.group(1))
                                             else m.group(2) or m.group(1)), str(text or ""))

    def message(self, msg: dict[str, Any], group: str, folder: str, day: str) -> None:
        subtype = str(msg.get("subtype") or "")
        ts = _ts(msg.get("ts"))
        post_id = f"{folder}:{msg.get('ts')}"
        n_reactions = sum(_count(r) for r in msg.get("reactions") or []
                          if isinstance(r, dict)) if isinstance(msg.get("reactions"), list) else 0
        if subtype in JOIN_LEAVE:
            self.left.add(subtype, post_id=post_id, reactions=n_reactions)
            return
        if ts is None:
            self.bad.append(f"{day}: a message without a readable ts ({msg.get('ts')!r})")
            self.left.add("without ts", reactions=n_reactions)
            return
        if post_id in self.seen:
            self.left.add("repeated")  # its reactions are those of the message kept
            return
        self.seen.add(post_id)
        uid = self.learn(msg, subtype)
        thread = msg.get("thread_ts")
        parent = f"{folder}:{thread}" if thread and thread != msg["ts"] else None
        comment = msg.get("comment") if subtype == FILE_COMMENT else None
        text = comment.get("comment") if isinstance(comment, dict) else msg.get("text")
        files = msg.get("files") or ([msg["file"]] if isinstance(msg.get("file"), dict) else [])
        file_ids = [str(f.get("id")) for f in files if isinstance(f, dict) and f.get("id")]
        if subtype == FILE_COMMENT:
            parent = parent or next((self.uploads[(folder, f)] for f in file_ids
                                     if (folder, f) in self.uploads), None)
        else:
            for f in file_ids:
                self.uploads.setdefault((folder, f), post_id)
        self.rows.append({
            S.POST_ID: post_id, S.GROUP: group, S.TIMESTAMP: ts,
            S.AUTHOR: None, S.ROLE: self.role(msg, subtype, uid),
            S.TEXT: "" if subtype == TOMBSTONE else str(text or ""),
            S.PARENT_ID: parent, S.ATTACHMENTS: _attachments(msg, subtype),
            "_uid": uid, "_bot": self.bot_name(msg, uid),
        } | J.extras(msg, CONSUMED) | ({S.SRC_PREFIX + "user_id": uid} if uid else {}))
        for r in msg.get("reactions") if isinstance(msg.get("reactions"), list) else []:
            if not isinstance(r, dict):
                continue
            users = r.get("users") if isinstance(r.get("users"), list) else []
            listed = [(str(u), None) for u in users]
            self.reactions += J.reaction_rows(post_id, str(r.get("name") or "reaction"),
                                              listed, r.get("count", len(listed)))

    def learn(self, msg: dict[str, Any], subtype: str) -> str:
        """The message's user id (a file comment's commenter); remembers profile names of
        people not in users.json and whether they belong to another workspace."""
        comment = msg.get("comment") if subtype == FILE_COMMENT else None
        uid = str((comment or {}).get("user") or msg.get("user") or "")
        profile = msg.get("user_profile") or {}
        if uid and uid not in self.users and profile:
            name = _name({"id": uid, "profile": profile, "name": profile.get("name")})
            if name != uid:
                self.profiles.setdefault(uid, name)
        team = msg.get("user_team") or msg.get("source_team")
        if uid and uid not in self.users and self.teams and team and team not in self.teams:
            self.external.add(uid)
        return uid

    def bot_name(self, msg: dict[str, Any], uid: str) -> str | None:
        """The name of a message without a user (an integration), else None."""
        if uid and (uid in self.users or not msg.get("bot_id")):
            return None
        bot = msg.get("bot_profile") or {}
        return str(msg.get("username") or bot.get("name") or msg.get("bot_id") or uid
                   or "unknown")

    def role(self, msg: dict[str, Any], subtype: str, uid: str) -> str:
        if subtype not in NORMAL and subtype not in (TOMBSTONE, BOT_MESSAGE):
            return S.SYSTEM  # bot_add, pinned_item, channel_topic, ...: events
        if subtype == BOT_MESSAGE or msg.get("bot_id") or self.users.get(uid, {}).get("bot"):
            return S.BOT
        return S.DEFAULT_ROLE

    def finish(self) -> list[dict[str, Any]]:
        """The rows with authors and reactors named (names learned from any message)."""
        for row in self.rows:
            uid, bot = row.pop("_uid"), row.pop("_bot")
            row[S.AUTHOR] = bot if bot is not None else self.name(uid)
            row[S.TEXT] = self.text(row[S.TEXT])
        for r in self.reactions:
            if r[S.AUTHOR] is not None:
                r[S.AUTHOR] = self.name(r[S.AUTHOR])
        return self.rows

    def no_users_warning(self, source: Source) -> str:
        ids = sorted({r[S.SRC_PREFIX + "user_id"] for r in self.rows
                      if r.get(S.SRC_PREFIX + "user_id")} - set(self.profiles))
        named = (f"{J.plural(len(self.profiles), 'author')} named from their messages' "
                 "profiles, " if self.profiles else "")
        example = ids[0] if ids else "U012AB3CD"
        return (f"{source.path}: no users.json: {named}{J.plural(len(ids), 'author')} named "
                f"by their user id; a roles file can still give roles by user id, e.g. "
                f"'moderator: [{example}]' (src_user_id)")

    def notes(self, posts: pd.DataFrame, reactions: pd.DataFrame) -> list[str]:
        out = [f"read {J.plural(posts[S.GROUP].nunique(), 'channel')}, "
               f"{J.plural(len(posts), 'message')}, {J.plural(len(reactions), 'reaction')}"]
        out += self.left.notes(posts)
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
        if self.external:
            uid_col = S.SRC_PREFIX + "user_id"
            n = int(posts[uid_col].isin(sorted(self.external)).sum())
            out.append(f"shared channel: {J.plural(n, 'message')} by "
                       f"{J.plural(len(self.external), 'person', 'people')} of other "
                       "workspaces, named from the profiles in their messages")
        return out


def _count(reaction: dict[str, Any]) -> int:
    users = reaction.get("users") if isinstance(reaction.get("users"), list) else []
    try:
        return max(int(reaction.get("count", len(users))), 0)
    except (TypeError, ValueError):
        return len(users)


def _attachments(msg: dict[str, Any], subtype: str) -> int:
    """``files``, or the single ``file`` of an upload before 2019 (a file comment's
    ``file`` is the file commented on, not a new one)."""
    if msg.get("files"):
        return len(msg["files"])
    return int(isinstance(msg.get("file"), dict) and subtype != FILE_COMMENT)
