"""Write the synthetic protocol as Mattermost exports, byte-identical on every run.

- ``group{1,2,3}.xlsx``: the channel-export plugin's columns (newest post first), plus the
  chatcode extensions ``File Ids`` (attachments) and ``Channel Display Name`` (the group),
  and a ``reactions`` sheet with Mattermost's reaction fields (see
  ``chatcode.ingest.mattermost_plugin``).
- ``bulk-export.jsonl``: the same protocol as an mmctl bulk export (version, team, channel
  and user lines, then one ``post`` line per thread with its replies and reactions).

Every cell is written as text, never as a formula. Workbooks get fixed document
properties and zip entry times (:func:`freeze_xlsx`), so nothing depends on the clock.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import canonicalize

import pandas as pd

from chatcode._io.output import atomic_file
from chatcode.ingest import mattermost_plugin as P

__all__ = ["FIXED_TIME", "freeze_xlsx", "go_time", "write_jsonl", "write_xlsx"]

FIXED_TIME = datetime(2023, 4, 1, 12, 0, 0)  # every workbook's created/modified and zip times
POST_COLUMNS = (P.CREATED, P.USER_ID, P.USER_EMAIL, P.USER_TYPE, P.USER_NAME, P.POST_ID,
                P.PARENT_ID, P.MESSAGE, P.POST_TYPE, P.FILE_IDS, P.CHANNEL)
REACTION_COLUMNS = (P.POST_ID, P.USER_ID, P.USER_NAME, P.EMOJI_NAME, P.CREATE_AT)
TEAM = "diabpeers"


def go_time(seconds: int) -> str:
    """Epoch seconds as Go's ``time.String()`` in UTC: ``2023-05-02 08:00:00 +0000 UTC``."""
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def _sheet(ws, header: tuple[str, ...], rows: list[list[str]]) -> None:
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                cell.data_type = "s"  # text, never a formula


def write_xlsx(path: Path, posts: pd.DataFrame, reactions: pd.DataFrame) -> Path:
    """One group's workbook: ``posts`` (newest first) and ``reactions`` sheets.

    ``posts`` has ``id``, ``parent_id``, ``author``, ``user_id``, ``seconds``, ``text``,
    ``file_ids``, ``group``; ``reactions`` has ``post_id``, ``author``, ``user_id``,
    ``emoji``, ``seconds``."""
    from openpyxl import Workbook

    newest = posts.iloc[::-1]
    rows = [[go_time(p.seconds), p.user_id, f"{p.author}@example.org", "user", p.author,
             p.id, p.parent_id, p.text, "", p.file_ids, p.group]
            for p in newest.itertuples(index=False)]
    react = [[x.post_id, x.user_id, x.author, x.emoji, go_time(x.seconds)]
             for x in reactions.itertuples(index=False)]
    wb = Workbook()
    ws = wb.active
    ws.title = "posts"
    _sheet(ws, POST_COLUMNS, rows)
    _sheet(wb.create_sheet(P.REACTIONS_SHEET), REACTION_COLUMNS, react)
    with atomic_file(path, force=True) as tmp:
        wb.save(tmp)
        freeze_xlsx(tmp)
    return path


def freeze_xlsx(path: Path) -> None:
    """Rewrite a workbook with fixed document times and zip entry times, entries sorted,
    and every XML part in canonical form (C14N 2.0), so the same content always gives the
    same bytes whether openpyxl wrote it with lxml or with the standard library."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    core = "docProps/core.xml"
    if core in entries:
        text = entries[core].decode("utf-8")
        for tag in ("dcterms:created", "dcterms:modified"):
            text = re.sub(rf"(<{tag}[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{stamp}\g<2>", text)
        entries[core] = text.encode("utf-8")
    for name, data in entries.items():
        if name.endswith((".xml", ".rels")):
            entries[name] = canonicalize(xml_data=data.decode("utf-8")).encode("utf-8")
    order = sorted(entries, key=lambda n: (n != "[Content_Types].xml", n))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, entries[name])


def _message(post, reactions: pd.DataFrame) -> dict:
    body = {"user": post.author, "message": post.text, "create_at": int(post.seconds) * 1000}
    mine = reactions[reactions["post_id"].eq(post.id)]
    if len(mine):
        body["reactions"] = [{"user": x.author, "emoji_name": x.emoji,
                              "create_at": int(x.seconds) * 1000}
                             for x in mine.itertuples(index=False)]
    if post.file_ids:
        body["attachments"] = [{"path": f"data/{f}.jpg"} for f in post.file_ids.split(",")]
    return body


def write_jsonl(path: Path, posts: pd.DataFrame, reactions: pd.DataFrame,
                users: pd.DataFrame) -> Path:
    """The whole protocol as one mmctl bulk export (JSON Lines)."""
    channels = {g: f"group-{i}" for i, g in enumerate(sorted(posts["group"].unique()), 1)}
    lines = [{"type": "version", "version": 1},
             {"type": "team", "team": {"name": TEAM, "display_name": "DiabPeerS",
                                       "type": "I"}}]
    lines += [{"type": "channel", "channel": {"team": TEAM, "name": name, "display_name": g,
                                              "type": "P"}} for g, name in channels.items()]
    lines += [{"type": "user", "user": {"username": u.name, "email": f"{u.name}@example.org",
                                        "teams": [{"name": TEAM, "channels": [
                                            {"name": channels[u.group]}]}]}}
              for u in users.itertuples(index=False)]
    by_parent = {pid: part for pid, part in posts[posts["parent_id"].ne("")].groupby(
        "parent_id", sort=False)}
    for post in posts[posts["parent_id"].eq("")].itertuples(index=False):
        body = {"team": TEAM, "channel": channels[post.group], **_message(post, reactions)}
        replies = by_parent.get(post.id)
        if replies is not None:
            body["replies"] = [_message(q, reactions) for q in replies.itertuples(index=False)]
        lines.append({"type": "post", "post": body})
    text = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    with atomic_file(path, force=True) as tmp:
        Path(tmp).write_text(text, encoding="utf-8", newline="\n")
    return path
