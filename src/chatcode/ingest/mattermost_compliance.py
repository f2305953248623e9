"""Mattermost compliance export, CSV flavour (System Console > Compliance > Compliance Export,
format CSV): ``posts.csv`` inside each batch zip.

Accepted: a ``posts.csv`` (or the same opened in Excel and saved as .xlsx), one batch zip, a
zip holding batch zips, or a folder of batch zips / unzipped batches. All batches given in
one zip or folder make one corpus, with rows repeated across batches merged.

Notes
-----
Columns are found by name, so the 16-column (until v5), 18-column (adds ``User Type``,
``Previews Post Id``) and 20-column (v10.5+, adds ``Post Update Time``, ``Post Update Type``)
layouts read the same.

- ``Post Creation Time`` is epoch milliseconds (UTC): ``--timezone`` does not matter.
- ``Replied to Post Id`` (the thread root) is the ``parent_id``; ``author`` is ``Username``.
- The group is ``Channel Display Name`` (else ``Channel Name``). A direct or group message
  channel is ``dm:`` + its members' user names, sorted (a direct channel's members come from
  its name, ``<user id>__<user id>``; a group channel's are the users seen in it). A
  display name used by several
  channels (``Town Square`` of every team) is prefixed with the team: ``Team / Town Square``.
- ``attachment`` rows (one per file, with the Post Id of their post) are counted as the
  post's ``attachments``; a file deleted later still counts (people saw it).
- Edits: the row of an earlier version (``Edited By Post Id`` set, or ``Post Update Type``
  ``EditedOriginalMsg``) is left out; the post keeps its final text (``EditedNewMsg``).
  Rows that repeat a post (``UpdatedNoMsgChange``, the same post in a later batch) are merged:
  the row updated last gives the text.
- Deleted posts are left out, with a count: ``Post Update Type`` ``Deleted`` (v10.5+) or, in
  older layouts, a second row of the same Post Id whose message is ``delete <message>``.
  The other Mattermost exports (plugin, bulk export) hold no deleted posts either.
- Join/leave rows (``enter``, ``leave``, ``previously-joined``, ``system_join_channel``, ...)
  are left out with a count; other ``system_`` posts are kept with the role ``system``;
  ``User Type`` ``bot`` gives the role ``bot``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from chatcode._io.tabular import Table, decode, is_zip_workbook, read_table
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest import _mattermost as M
from chatcode.ingest.base import Options, Parsed, Source, default_group

NAME = "mattermost-compliance"
DESCRIPTION = ("Mattermost compliance export CSV (posts.csv, a batch .zip, or a folder or "
               "zip of batches; 16, 18 or 20 columns)")

CREATED = "Post Creation Time"
UPDATED = "Post Update Time"
UPDATE_TYPE = "Post Update Type"
TEAM_NAME = "Team Name"
TEAM_DISPLAY = "Team Display Name"
CHANNEL_ID = "Channel Id"
CHANNEL_NAME = "Channel Name"
CHANNEL_DISPLAY = "Channel Display Name"
CHANNEL_TYPE = "Channel Type"
USER_ID = "User Id"
USERNAME = "Username"
USER_TYPE = "User Type"
POST_ID = "Post Id"
EDITED_BY = "Edited By Post Id"
REPLIED_TO = "Replied to Post Id"
MESSAGE = "Post Message"
POST_TYPE = "Post Type"

REQUIRED = (CREATED, CHANNEL_ID, USERNAME, POST_ID, REPLIED_TO, MESSAGE, POST_TYPE)
MAPPED = (CREATED, USERNAME, POST_ID, REPLIED_TO, MESSAGE)
POSTS_CSV = "posts.csv"
EXPORT = "compliance export posts.csv"

ATTACHMENT_TYPES = frozenset({"attachment", "deleted attachment"})
DM_TYPES = frozenset({"direct", "group", "d", "g"})
EDITED_ORIGINAL = "EditedOriginalMsg"
DELETED = "Deleted"
DELETE_PREFIX = "delete "

_BATCH = "_batch"  # internal: index of the batch a row comes from
_LABEL = "_label"  # internal: the batch's file (or zip member)


# --- detection ----------------------------------------------------------------------------
def sniff(source: Source) -> bool:
    if source.kind == "dir":
        return _header_ok(_first_posts_csv_dir(source.path))
    if source.kind == "xlsx" and not is_zip_workbook(source.path):
        return _header_ok(_first_posts_csv_zip(source.path))
    return M.has_headers(source, REQUIRED)


def _header_ok(raw: bytes | None) -> bool:
    if not raw:
        return False
    try:
        text = decode(raw[:65536], Path(POSTS_CSV))[0]
    except Exception:  # a cut multibyte character or binary data
        text = raw[:65536].decode("utf-8", errors="replace")
    first = text.split("\n", 1)[0].strip("\r\ufeff")
    header = next(csv.reader([first]), [])
    return set(REQUIRED) <= {h.strip() for h in header}


def _first_posts_csv_zip(path: Path | io.BytesIO) -> bytes | None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(n for n in zf.namelist() if not n.endswith("/"))
            for name in names:
                if Path(name).name == POSTS_CSV:
                    return zf.read(name)
            for name in names:
                if name.lower().endswith(".zip"):
                    return _first_posts_csv_zip(io.BytesIO(zf.read(name)))
    except (zipfile.BadZipFile, OSError):
        return None
    return None


def _first_posts_csv_dir(path: Path) -> bytes | None:
    if (path / POSTS_CSV).is_file():
        return (path / POSTS_CSV).read_bytes()[:65536]
    for child in sorted(path.iterdir()):
        if child.is_dir() and (child / POSTS_CSV).is_file():
            return (child / POSTS_CSV).read_bytes()[:65536]
        if child.suffix.lower() == ".zip":
            return _first_posts_csv_zip(child)
    return None


# --- the batches of one source --------------------------------------------------------------
def batches(source: Source) -> list[Table]:
    """Every batch's posts table in ``source`` (file, batch zip, zip of zips, or folder)."""
    if source.kind == "dir":
        tables = _dir_batches(source.path)
    elif source.kind == "xlsx" and not is_zip_workbook(source.path):
        tables = _zip_batches(source.path, source.path)
    else:
        return [source.table]
    if not tables:
        raise IngestError(
            f"holds no {POSTS_CSV}", where=source.where,
            hint="give the compliance export's batch .zip files (or the folder holding them), "
            "or the posts.csv file itself")
    return tables


def _zip_batches(zip_source: Path | io.BytesIO, label: Path) -> list[Table]:
    tables: list[Table] = []
    try:
        with zipfile.ZipFile(zip_source) as zf:
            for name in sorted(n for n in zf.namelist() if not n.endswith("/")):
                if Path(name).name == POSTS_CSV:
                    tables.append(M.table_from_bytes(zf.read(name), label / name))
                elif name.lower().endswith(".zip"):
                    tables += _zip_batches(io.BytesIO(zf.read(name)), label / name)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"the zip file cannot be read ({exc})", where=Location(label),
                          hint="download the export again") from exc
    return tables


def _dir_batches(path: Path) -> list[Table]:
    tables: list[Table] = []
    if (path / POSTS_CSV).is_file():
        tables.append(read_table(path / POSTS_CSV))
    for child in sorted(path.iterdir()):
        if child.is_dir() and (child / POSTS_CSV).is_file():
            tables.append(read_table(child / POSTS_CSV))
        elif child.is_file() and child.suffix.lower() == ".zip":
            tables += _zip_batches(child, child)
    return tables


# --- reading --------------------------------------------------------------------------------
def read(source: Source, options: Options) -> Parsed:
    tables = batches(source)
    frames, problems = [], []
    for i, table in enumerate(tables):
        M.require_headers(list(table.data.columns), REQUIRED, where=table.where, export=EXPORT)
        frame = _batch_frame(table, i, _label(table, source))
        problems += _check_batch(frame, table.where)
        frames.append(frame)
    if problems:
        raise Problems.of(IngestError, problems,
                          title=f"{source.where}: {len(problems)} problem(s) in the export"
                          if len(problems) > 1 else None)
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    M.progress(options, 0, len(raw))
    notes = [f"read {M.plural(len(raw), 'row')} from {M.plural(len(tables), 'batch', 'batches')}"]
    posts = _resolve(raw, notes, several=len(tables) > 1)
    posts = S.validate_posts(posts, where=source.where, group=default_group(source, options),
                             timezone=options.timezone)
    M.progress(options, len(raw), len(raw))
    return Parsed(Corpus.trusted(M.sort_by_time(posts)), notes)


def _label(table: Table, source: Source) -> str:
    """The batch's file as the user knows it: its path inside the folder or zip."""
    try:
        return table.file.relative_to(source.path).as_posix()
    except ValueError:
        return table.file.name


def _batch_frame(table: Table, index: int, label: str) -> pd.DataFrame:
    data = table.data
    cols = {c: S.cell_text(data[c]) for c in data.columns if c != S.ROW}
    frame = pd.DataFrame(cols, index=data.index)
    frame[S.ROW] = data[S.ROW].to_numpy()
    frame[_BATCH] = index
    frame[_LABEL] = label
    return frame


def _kind(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Masks of join/leave rows and of attachment rows."""
    ptype = frame[POST_TYPE].fillna("").str.strip().str.lower()
    return ptype.isin(M.JOIN_LEAVE_TYPES), ptype.isin(ATTACHMENT_TYPES)


def _check_batch(frame: pd.DataFrame, where: Location) -> list[Problem]:
    """Problems of one batch that would otherwise surface without their file and row."""
    joinleave, _ = _kind(frame)
    created = frame[CREATED].fillna("").str.strip()
    bad_time = ~created.str.fullmatch(r"\d+(?:\.0+)?") & ~(joinleave & created.eq(""))
    checks = [
        (bad_time, CREATED, "not a time in epoch milliseconds",
         "the compliance export writes e.g. 1683014400000; export the batch again"),
        (frame[POST_ID].isna() & ~joinleave, POST_ID, "no post id",
         "every message row names its post; export the batch again"),
        (frame[USERNAME].isna() & ~joinleave, USERNAME, "no user name",
         "every message row names its author; export the batch again"),
    ]
    problems = []
    for mask, column, what, hint in checks:
        if mask.any():
            rows = frame.loc[mask, S.ROW].astype(int).tolist()
            shown = ", ".join(str(r) for r in rows[:8]) + (
                f" and {len(rows) - 8} more" if len(rows) > 8 else "")
            problems.append(Problem(f"{what} in row(s) {shown}",
                                    Location(where.file, where.sheet, None, column), hint))
    return problems


def _resolve(raw: pd.DataFrame, notes: list[str], *, several: bool) -> pd.DataFrame:
    """One row per post: repeats merged, edits resolved, deletions and join/leave left out."""
    export_cols = [c for c in raw.columns if not c.startswith("_")]
    repeated = raw.duplicated(subset=export_cols)
    if repeated.any():
        notes.append(f"left out {M.plural(int(repeated.sum()), 'repeated row')} (the same row "
                     "twice, e.g. in two batches)")
    raw = raw[~repeated]
    joinleave, attachment = _kind(raw)
    if joinleave.any():
        notes.append(f"left out {M.plural(int(joinleave.sum()), 'join/leave row')} "
                     "(enter, leave, previously-joined, system join/leave posts)")
    msgs = raw[~joinleave & ~attachment]
    posts = _final_versions(msgs, notes)
    _orphan_replies(posts, raw[joinleave], msgs, notes)
    posts = posts.assign(**{S.ATTACHMENTS: _attachments(raw[attachment], posts, notes)})
    posts[S.GROUP] = _groups(posts, raw, notes)
    return _canonical(posts, several=several)


def _final_versions(msgs: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """The row that carries each post's final text, without deleted posts."""
    none = pd.Series(None, index=msgs.index, dtype="str")
    edited_by = msgs[EDITED_BY] if EDITED_BY in msgs.columns else none
    utype = msgs[UPDATE_TYPE].fillna("") if UPDATE_TYPE in msgs.columns else none.fillna("")
    live = edited_by.fillna(msgs[POST_ID])
    old = edited_by.notna() | utype.eq(EDITED_ORIGINAL)
    deletion = (utype.eq(DELETED) if UPDATE_TYPE in msgs.columns
                else _old_layout_deletions(msgs))
    deleted = set(live[deletion])
    updated = (pd.to_numeric(msgs[UPDATED], errors="coerce") if UPDATED in msgs.columns
               else pd.Series(0.0, index=msgs.index)).fillna(-1.0)
    order = pd.DataFrame({"live": ~old, "updated": updated, "batch": msgs[_BATCH],
                          "row": msgs[S.ROW]})[~deletion]
    order = order.sort_values(["live", "updated", "batch", "row"], kind="stable")
    chosen_index = live[order.index].drop_duplicates(keep="last").index
    chosen = msgs.loc[chosen_index].assign(**{POST_ID: live[chosen_index]})
    kept = chosen[~M.isin(chosen[POST_ID], deleted)]
    chosen_old = int(old[kept.index].sum())
    n_old = int(old[~deletion].sum()) - int(old[chosen_index].sum())
    merged = len(order) - len(chosen) - n_old
    if n_old:
        notes.append(f"left out {M.plural(n_old, 'earlier version')} of edited posts (each "
                     "post keeps its final text)")
    if chosen_old:
        notes.append(f"{M.plural(chosen_old, 'edited post')} whose final version is not in "
                     "the export: kept with the last text exported")
    if merged:
        notes.append(f"merged {M.plural(merged, 'row')} that repeat a post (updates, or the "
                     "same post in several batches)")
    if deleted:
        rows = int(M.isin(live, deleted).sum())
        notes.append(f"left out {M.plural(len(deleted), 'deleted post')} "
                     f"({M.plural(rows, 'row')})")
    return kept.sort_values([_BATCH, S.ROW], kind="stable")


def _orphan_replies(posts: pd.DataFrame, joinleave: pd.DataFrame, msgs: pd.DataFrame,
                    notes: list[str]) -> None:
    """Count kept replies whose thread root was left out (deleted, or a join/leave post)."""
    if REPLIED_TO not in posts.columns:
        return
    parents = posts[REPLIED_TO].dropna()
    parents = parents[parents.astype("str").str.strip().ne("")]
    kept = set(posts[POST_ID])
    for ids, what in ((joinleave[POST_ID].dropna(), "join/leave post"),
                      (msgs[POST_ID].dropna(), "deleted post")):
        gone = set(ids) - kept
        n = int(M.isin(parents, gone).sum()) if gone else 0
        if n:
            notes.append(f"1 reply to a left-out {what} kept as a post; its parent is not in "
                         "the corpus, so it is not counted as a response" if n == 1 else
                         f"{n} replies to left-out {what}s kept as posts; their parent is not "
                         "in the corpus, so they are not counted as responses")


def _old_layout_deletions(msgs: pd.DataFrame) -> pd.Series:
    """Before v10.5, a deleted post has a second row: same Post Id, ``delete <message>``."""
    text = msgs[MESSAGE].fillna("")
    pid = msgs[POST_ID].fillna("")
    own = pid + "\x00" + text
    marker = pid + "\x00" + DELETE_PREFIX + text
    return M.isin(own, marker) & text.str.startswith(DELETE_PREFIX)


def _attachments(rows: pd.DataFrame, posts: pd.DataFrame, notes: list[str]) -> pd.Series:
    """Per post: the number of distinct files in its attachment rows."""
    files = rows[[POST_ID, MESSAGE]].drop_duplicates()
    counts = files.groupby(POST_ID).size()
    orphan = ~M.isin(rows[POST_ID], posts[POST_ID])
    n_counted = len(rows) - int(orphan.sum())
    if n_counted:
        with_files = int(M.isin(counts.index.to_series(), posts[POST_ID]).sum())
        notes.append(f"counted {M.plural(n_counted, 'attachment row')} as the attachments of "
                     f"{M.plural(with_files, 'post')}")
    if orphan.any():
        notes.append(f"left out {M.plural(int(orphan.sum()), 'attachment row')} of posts not in "
                     "the corpus (deleted, or in a batch not given)")
    return posts[POST_ID].map(counts).fillna(0).astype("int64")


def _groups(posts: pd.DataFrame, raw: pd.DataFrame, notes: list[str]) -> pd.Series:
    """Channel display name; ``dm:`` + members for direct/group messages; team prefix when
    a display name belongs to several channels."""
    none = pd.Series(None, index=posts.index, dtype="str")
    group = posts[CHANNEL_DISPLAY] if CHANNEL_DISPLAY in posts.columns else none
    if CHANNEL_NAME in posts.columns:
        group = group.fillna(posts[CHANNEL_NAME])
    if CHANNEL_TYPE in posts.columns:
        dm = posts[CHANNEL_TYPE].fillna("").str.strip().str.lower().isin(DM_TYPES)
        if dm.any():
            group = group.mask(dm, posts[CHANNEL_ID].map(_dm_names(posts[dm], raw)))
    channels = pd.DataFrame({"group": group, "channel": posts[CHANNEL_ID]}).dropna()
    shared = channels.drop_duplicates().groupby("group")["channel"].size()
    shared = set(shared[shared > 1].index)
    if shared:
        team = posts[TEAM_DISPLAY] if TEAM_DISPLAY in posts.columns else none
        if TEAM_NAME in posts.columns:
            team = team.fillna(posts[TEAM_NAME])
        group = group.mask(group.isin(shared) & team.notna(), team + " / " + group)
        notes.append(f"{M.plural(len(shared), 'channel name')} used by several channels "
                     f"({', '.join(sorted(shared)[:5])}): the group names the team too")
    return group.astype("str")


def _dm_names(dm_posts: pd.DataFrame, raw: pd.DataFrame) -> dict[str, str]:
    """``dm:`` + sorted user names of each direct/group message channel.

    A direct channel's name is ``<user id>__<user id>``: its members are those ids, named by
    the user names the export gives them. A group channel's name is a hash: its members are
    the users seen in it (posts and join rows).
    """
    users = raw.dropna(subset=[USER_ID, USERNAME]).drop_duplicates(USER_ID)
    name_of = dict(zip(users[USER_ID], users[USERNAME], strict=True))
    ids = set(dm_posts[CHANNEL_ID].dropna())
    seen = raw[M.isin(raw[CHANNEL_ID], ids)].dropna(subset=[USERNAME]).groupby(CHANNEL_ID)[
        USERNAME].agg(set)
    cname = dm_posts[CHANNEL_NAME] if CHANNEL_NAME in dm_posts.columns else dm_posts[CHANNEL_ID]
    names = {}
    for cid, channel in zip(dm_posts[CHANNEL_ID], cname.fillna(""), strict=True):
        if cid in names:
            continue
        parts = channel.split("__")
        if len(parts) == 2 and all(parts):
            members = {name_of.get(p, p) for p in parts}
        else:
            members = seen.get(cid, set())
        names[cid] = "dm:" + ",".join(sorted(members))
    return names


def _canonical(posts: pd.DataFrame, *, several: bool) -> pd.DataFrame:
    user_type = posts[USER_TYPE] if USER_TYPE in posts.columns else pd.Series(
        None, index=posts.index, dtype="str")
    millis = pd.to_numeric(posts[CREATED], errors="coerce").to_numpy(dtype=np.float64)
    out = pd.DataFrame({
        S.POST_ID: posts[POST_ID],
        S.GROUP: posts[S.GROUP],
        S.TIMESTAMP: pd.Series(pd.to_datetime(millis, unit="ms", utc=True), index=posts.index),
        S.AUTHOR: posts[USERNAME],
        S.ROLE: M.roles_from_types(user_type, posts[POST_TYPE]),
        S.TEXT: posts[MESSAGE],
        S.PARENT_ID: posts[REPLIED_TO],
        S.ATTACHMENTS: posts[S.ATTACHMENTS],
        S.ROW: posts[S.ROW],
    }, index=posts.index)
    for col in posts.columns:
        if col not in MAPPED and not col.startswith("_") and col not in S.POST_COLUMNS:
            out[S.SRC_PREFIX + M.snake(col)] = posts[col]
    if several:
        out[S.SRC_PREFIX + "batch"] = posts[_LABEL]
    return out
