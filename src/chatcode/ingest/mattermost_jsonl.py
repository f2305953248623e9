"""Mattermost bulk export, JSON Lines (``mmctl export create``, then ``mmctl export download``;
the zip holds ``import.jsonl``). Either the .jsonl file or the zip is read.

Notes
-----
- The first line is ``{"type": "version", ...}``. ``post`` lines hold a channel post with its
  ``replies`` and ``reactions``; ``direct_post`` lines a direct or group message, grouped as
  ``dm:`` + the sorted ``channel_members``. ``channel`` and ``team`` lines give display
  names, ``bot`` lines the users whose posts get the role ``bot``; other lines (users,
  emoji, ...) are counted and left out.
- The export has no post ids. Each post gets a stable id: a 20-hex-digit hash of where it
  was posted (team and channel, or the members), author, ``create_at`` and message; a reply's
  hash includes its root's id. Exactly identical posts get ``-2``, ``-3``, ... in an order
  that depends on their content, never on the order of the lines.
- ``create_at`` is epoch milliseconds (UTC), so ``--timezone`` does not matter.
- The group is the channel's display name (else its name). A display name used by channels
  of several teams is prefixed with the team: ``Team / Town Square``.
- Posts whose ``type`` starts with ``system_`` are kept with the role ``system``; posts by
  a user of a ``bot`` line (newer exports) get the role ``bot``. Older servers (5.x) wrote
  join/leave/added/removed and channel-header posts without a ``type``: they are recognised
  by the server's English or German message naming the poster (``anna joined the channel.``,
  ``anna ist dem Kanal beigetreten.``), kept with the role ``system`` and marked in
  ``src_system_inferred`` with the type a newer server gives them.
- Other fields are kept as ``src_`` columns (``src_team``, ``src_channel``,
  ``src_channel_members``, ``src_type``, ``src_edit_at``, ``src_props`` as JSON, ...).
- Posts are sorted by time, then by id.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from chatcode._io.tabular import decode, is_zip_workbook
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest import _mattermost as M
from chatcode.ingest.base import Options, Parsed, Source

NAME = "mattermost-jsonl"
DESCRIPTION = "Mattermost bulk export JSONL (mmctl export; the .jsonl file or its .zip)"

VERSION = "version"
POST = "post"
DIRECT_POST = "direct_post"
CHANNEL = "channel"
TEAM = "team"
BOT = "bot"
# fields that become canonical columns, replies or reactions (the rest is kept as src_)
CONSUMED = frozenset({"team", "channel", "channel_members", "user", "message", "create_at",
                      "replies", "reactions", "attachments"})
_HINT = "each line must be one JSON object, as written by mmctl export; export it again"
_FIELDS_HINT = ("mmctl export writes every post and reply with user, create_at (epoch ms) and "
                "message; export it again, or fix the line")
PROGRESS_EVERY = 20000

# System posts older servers wrote without a "type": the server's own message (English and
# German), with the user names it holds; the poster must be one of them.
_U = r"@?(?P<{}>[A-Za-z0-9._-]+)"
_SYSTEM_TEXTS: list[tuple[str, re.Pattern[str]]] = [(kind, re.compile(
    pattern.format(a=_U.format("a"), b=_U.format("b")) + r"\Z", re.S)) for kind, pattern in [
    ("system_join_channel", r"{a} joined the channel\."),
    ("system_join_channel", r"{a} ist dem Kanal beigetreten\."),
    ("system_leave_channel", r"{a} left the channel\."),
    ("system_leave_channel", r"{a} hat den Kanal verlassen\."),
    ("system_add_to_channel", r"{a} added to the channel by {b}\."),
    ("system_add_to_channel", r"{a} wurde (?:durch|von) {b} zum Kanal hinzugefügt\."),
    ("system_remove_from_channel", r"{a} (?:was )?removed from the channel\."),
    ("system_remove_from_channel", r"{a} wurde aus dem Kanal entfernt\."),
    ("system_join_team", r"{a} joined the team\."),
    ("system_join_team", r"{a} ist dem Team beigetreten\."),
    ("system_leave_team", r"{a} left the team\."),
    ("system_leave_team", r"{a} hat das Team verlassen\."),
    ("system_add_to_team", r"{a} added to the team by {b}\."),
    ("system_add_to_team", r"{a} wurde (?:durch|von) {b} zum Team hinzugefügt\."),
    ("system_remove_from_team", r"{a} (?:was )?removed from the team\."),
    ("system_remove_from_team", r"{a} wurde aus dem Team entfernt\."),
    ("system_header_change", r"{a} updated the channel header (?:from: .* )?to: .*"),
    ("system_header_change", r"{a} removed the channel header \(was: .*\)"),
    ("system_header_change", r"{a} hat die Kanalüberschrift (?:aktualisiert|geändert|entfernt)"
     r"(?: .*)?"),
    ("system_displayname_change", r"{a} updated the channel display name from: .* to: .*"),
    ("system_purpose_change", r"{a} (?:updated|removed) the channel purpose.*"),
]]


def untyped_system(message: str, user: str) -> str | None:
    """The system type of a post an older server wrote without one, from its text (the
    poster must be named in it: a participant quoting such a line is not matched)."""
    if not message or len(message) > 2000:
        return None
    for kind, pattern in _SYSTEM_TEXTS:
        m = pattern.match(message)
        if m and (user in m.groupdict().values() or kind.startswith("system_remove_from")):
            return kind
    return None


# --- detection ----------------------------------------------------------------------------
def _is_version_line(line: str) -> bool:
    try:
        obj = json.loads(line)
    except ValueError:
        return False
    return isinstance(obj, dict) and obj.get("type") == VERSION


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip().lstrip("\ufeff")
    return ""


def _zip_member(path: Path) -> str | None:
    """The bulk-export member of a zip (``import.jsonl``), or None."""
    hits = []
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.lower().endswith((".jsonl", ".json")):
                    with zf.open(name) as fh:
                        head = fh.read(4096).decode("utf-8", errors="replace")
                    if _is_version_line(_first_line(head)):
                        hits.append(name)
    except (zipfile.BadZipFile, OSError):
        return None
    if len(hits) > 1:
        raise IngestError(f"the zip holds several bulk exports ({', '.join(hits)})",
                          where=Location(path), hint="unzip it and give each .jsonl file")
    return hits[0] if hits else None


def sniff(source: Source) -> bool:
    if source.kind == "text":
        return _is_version_line(_first_line(source.head))
    if source.kind == "xlsx" and not is_zip_workbook(source.path):
        try:
            return _zip_member(source.path) is not None
        except IngestError:
            return True  # it is a bulk export zip; read() reports the problem
    return False


def _text(source: Source) -> tuple[str, Path]:
    if source.kind == "xlsx":
        member = _zip_member(source.path)
        if member is None:
            raise IngestError("the zip holds no bulk export (.jsonl)", where=source.where,
                              hint="give the zip written by mmctl export, or its import.jsonl")
        with zipfile.ZipFile(source.path) as zf:
            raw = zf.read(member)
        label = source.path / member
    else:
        raw, label = source.path.read_bytes(), source.path
    return decode(raw, label)[0], label


# --- reading ------------------------------------------------------------------------------
class _Export:
    """What the lines of one export hold, and every problem found on the way."""

    def __init__(self, label: Path) -> None:
        self.label = label
        self.roots: list[dict[str, Any]] = []
        self.channels: dict[tuple[str, str], str] = {}
        self.teams: dict[str, str] = {}
        self.bots: set[str] = set()
        self.other: Counter[str] = Counter()
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str, hint: str = _HINT) -> None:
        self.problems.append(Problem(message, Location(self.label, line=line), hint))


def read(source: Source, options: Options) -> Parsed:
    text, label = _text(source)
    lines = text.split("\n")
    export = _Export(label)
    seen_first = False
    for n, line in enumerate(lines, start=1):
        if n % PROGRESS_EVERY == 0:
            M.progress(options, n, len(lines))
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            where = f", column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            export.problem(n, f"not valid JSON ({getattr(exc, 'msg', exc)}{where})")
            seen_first = True
            continue
        if not seen_first:
            seen_first = True
            if not (isinstance(obj, dict) and obj.get("type") == VERSION):
                export.problem(n, 'the first line is not the version line {"type": "version"}',
                               "give the .jsonl written by mmctl export (it starts with the "
                               "version line)")
        _line(export, n, obj)
    M.progress(options, len(lines), len(lines))
    if export.problems:
        raise Problems.of(IngestError, export.problems,
                          title=f"{label}: {len(export.problems)} problem(s) in the export"
                          if len(export.problems) > 1 else None)
    return _corpus(export, source)


def _line(export: _Export, n: int, obj: Any) -> None:
    if not isinstance(obj, dict):
        export.problem(n, "not a JSON object")
        return
    kind = obj.get("type")
    body = obj.get(kind) if isinstance(kind, str) else None
    if kind in (POST, DIRECT_POST):
        if not isinstance(body, dict):
            export.problem(n, f'a "{kind}" line without its "{kind}" object')
            return
        root = _post(export, n, body, direct=kind == DIRECT_POST)
        if root is not None:
            export.roots.append(root)
    elif kind == CHANNEL and isinstance(body, dict):
        key = (str(body.get("team") or ""), str(body.get("name") or ""))
        export.channels[key] = str(body.get("display_name") or key[1])
        export.other[str(kind)] += 1
    elif kind == TEAM and isinstance(body, dict):
        export.teams[str(body.get("name") or "")] = str(body.get("display_name") or "")
        export.other[str(kind)] += 1
    elif kind == BOT and isinstance(body, dict):
        export.bots.add(str(body.get("username") or "").strip())
        export.other[str(kind)] += 1
    elif kind != VERSION:
        export.other[str(kind)] += 1


def _message(export: _Export, n: int, body: dict[str, Any], what: str) -> dict[str, Any] | None:
    """The fields every post and reply has, checked; None (and a problem) when unusable."""
    user, create_at, message = body.get("user"), body.get("create_at"), body.get("message")
    bad = []
    if not isinstance(user, str) or not user.strip():
        bad.append('no "user"')
    if not isinstance(create_at, int) or isinstance(create_at, bool):
        bad.append('no "create_at" in epoch milliseconds')
    if message is not None and not isinstance(message, str):
        bad.append('"message" is not text')
    for key in ("replies", "reactions", "attachments"):
        if body.get(key) is not None and not isinstance(body.get(key), list):
            bad.append(f'"{key}" is not a list')
    if bad:
        export.problem(n, f"{what}: {'; '.join(bad)}", _FIELDS_HINT)
        return None
    reactions = []
    for r in body.get("reactions") or []:
        if not isinstance(r, dict) or not str(r.get("emoji_name") or "").strip():
            export.problem(n, f'{what}: a reaction without "emoji_name"', _FIELDS_HINT)
            continue
        reactions.append(r)
    extra = {k: v for k, v in body.items() if k not in CONSUMED}
    return {"user": user.strip(), "create_at": create_at, "message": message or "",
            "attachments": len(body.get("attachments") or []), "reactions": reactions,
            "extra": extra, "body": body, "line": n}


def _post(export: _Export, n: int, body: dict[str, Any], *, direct: bool) -> dict | None:
    what = "direct post" if direct else "post"
    root = _message(export, n, body, what)
    if root is None:
        return None
    if direct:
        members = body.get("channel_members")
        if not isinstance(members, list) or not members or not all(
                isinstance(m, str) for m in members):
            export.problem(n, f'{what}: "channel_members" is not a list of user names',
                           _FIELDS_HINT)
            return None
        root["scope"] = {"channel_members": ",".join(members)}
        root["where"] = ["direct", sorted(set(members))]
    else:
        team, channel = body.get("team"), body.get("channel")
        if not isinstance(channel, str) or not channel:
            export.problem(n, f'{what}: no "channel"', _FIELDS_HINT)
            return None
        team = team if isinstance(team, str) else ""
        root["scope"] = {"team": team, "channel": channel}
        root["where"] = ["post", team, channel]
    replies = []
    for i, reply in enumerate(body.get("replies") or [], start=1):
        r = _message(export, n, reply, f"reply {i}") if isinstance(reply, dict) else None
        if r is None and not isinstance(reply, dict):
            export.problem(n, f"reply {i}: not a JSON object")
        if r is not None:
            replies.append(r)
    root["replies"] = replies
    return root


# --- ids, groups and the canonical tables ---------------------------------------------------
def _digest(parts: list[Any]) -> str:
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()


def _assign_ids(records: list[dict[str, Any]], key: str) -> None:
    """``record["id"]`` from the hash of ``record[key]``; exact collisions get -2, -3, ..."""
    by_hash: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        by_hash[_digest(r[key])].append(r)
    for digest, same in by_hash.items():
        same.sort(key=lambda r: json.dumps(r["body"], sort_keys=True, ensure_ascii=False))
        for i, r in enumerate(same):
            r["id"] = digest if i == 0 else f"{digest}-{i + 1}"


def _groups(export: _Export) -> dict[str, str]:
    """Group name per root ``where`` (JSON text): display name, team-prefixed if shared."""
    names: dict[str, str] = {}
    by_display: dict[str, set[str]] = defaultdict(set)
    for root in export.roots:
        where = root["where"]
        if where[0] == "direct":
            names[json.dumps(where)] = "dm:" + ",".join(where[1])
        else:
            display = export.channels.get((where[1], where[2]), where[2])
            names[json.dumps(where)] = display
            by_display[display].add(json.dumps(where))
    for display, keys in by_display.items():
        if len(keys) > 1:
            for k in keys:
                team = json.loads(k)[1]
                names[k] = f"{export.teams.get(team) or team} / {display}"
    return names


def _cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _role(rec: dict[str, Any], bots: set[str]) -> str:
    ptype = rec["extra"].get("type")
    if isinstance(ptype, str) and ptype.startswith(M.SYSTEM_PREFIX):
        return S.SYSTEM
    if not ptype:
        inferred = untyped_system(rec["message"], rec["user"])
        if inferred is not None:
            rec["extra"]["system_inferred"] = inferred
            return S.SYSTEM
    return S.BOT if rec["user"] in bots else S.DEFAULT_ROLE


def _row(rec: dict[str, Any], group: str, scope: dict[str, str], parent: str | None,
         role: str) -> dict:
    row = {S.POST_ID: rec["id"], S.GROUP: group, S.TIMESTAMP: rec["create_at"],
           S.AUTHOR: rec["user"], S.ROLE: role,
           S.TEXT: rec["message"], S.PARENT_ID: parent, S.ATTACHMENTS: rec["attachments"]}
    row.update({S.SRC_PREFIX + k: v for k, v in scope.items()})
    row.update({S.SRC_PREFIX + M.snake(k): _cell(v) for k, v in rec["extra"].items()})
    return row


def _corpus(export: _Export, source: Source) -> Parsed:
    for root in export.roots:
        root["key"] = [*root["where"], root["user"], root["create_at"], root["message"]]
    _assign_ids(export.roots, "key")
    replies = []
    for root in export.roots:
        for reply in root["replies"]:
            reply["key"] = ["reply", root["id"], reply["user"], reply["create_at"],
                            reply["message"]]
            reply["root"] = root
            replies.append(reply)
    _assign_ids(replies, "key")
    groups = _groups(export)
    rows, reactions = [], []
    for rec in export.roots + replies:
        root = rec.get("root", rec)
        parent = root["id"] if rec is not root else None
        rows.append(_row(rec, groups[json.dumps(root["where"])], root["scope"], parent,
                         _role(rec, export.bots)))
        reactions += [{S.POST_ID: rec["id"], S.AUTHOR: r.get("user"),
                       S.EMOJI: r.get("emoji_name"), S.TIMESTAMP: r.get("create_at")}
                      for r in rec["reactions"]]
    posts = _posts_table(rows, source)
    table = _reactions_table(reactions, source)
    return Parsed(Corpus.trusted(posts, table), _notes(export, posts, len(replies), len(table)))


def _millis(values: pd.Series) -> pd.Series:
    return pd.Series(pd.to_datetime(pd.to_numeric(values, errors="coerce"), unit="ms",
                                     utc=True), index=values.index)


def _posts_table(rows: list[dict[str, Any]], source: Source) -> pd.DataFrame:
    columns = list(S.POST_COLUMNS)
    frame = pd.DataFrame(rows, columns=columns + sorted(
        {k for r in rows for k in r} - set(columns)))
    frame[S.TIMESTAMP] = _millis(frame[S.TIMESTAMP])
    frame = frame.sort_values([S.TIMESTAMP, S.POST_ID], kind="stable")
    return S.validate_posts(frame, where=source.where)


def _reactions_table(rows: list[dict[str, Any]], source: Source) -> pd.DataFrame:
    if not rows:
        return S.empty_reactions()
    frame = pd.DataFrame(rows, columns=list(S.REACTION_COLUMNS))
    frame[S.TIMESTAMP] = _millis(frame[S.TIMESTAMP])
    frame = frame.sort_values([S.TIMESTAMP, S.POST_ID, S.AUTHOR, S.EMOJI], kind="stable")
    return S.validate_reactions(frame, where=source.where)


def _notes(export: _Export, posts: pd.DataFrame, n_replies: int, n_reactions: int) -> list[str]:
    notes = [f"read {M.plural(len(export.roots), 'post')} with "
             f"{M.plural(n_replies, 'reply', 'replies')} and "
             f"{M.plural(n_reactions, 'reaction')}; ids derived from the content"]
    if export.other:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(export.other.items()))
        notes.append(f"lines without messages: {kinds} (used for display names and bot "
                     "roles only)")
    for role, what in ((S.SYSTEM, "system post"), (S.BOT, "bot post")):
        n = int(posts[S.ROLE].eq(role).sum())
        if n:
            notes.append(f"kept {M.plural(n, what)} with the role {role}")
    col = S.SRC_PREFIX + "system_inferred"
    if col in posts.columns and posts[col].notna().any():
        kinds = posts[col].dropna().value_counts()
        what = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        n = int(kinds.sum())
        verb = "was recognised as a system post" if n == 1 else "were recognised as system posts"
        notes.append(f"of these, {M.plural(n, 'post')} without a type {verb} by the server's "
                     f"wording ({what}); see src_system_inferred")
    return notes
