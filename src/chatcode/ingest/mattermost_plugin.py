"""Mattermost channel-export plugin CSV (``/export`` slash command, or a playbook's
"Export Channel Log").

Header: ``Post Creation Time, User Id, User Email, User Type, User Name, Post Id,
Parent Post Id, Post Message, Post Type``. One file is one channel, newest post first.

Notes
-----
- ``Post Creation Time`` is Go's ``time.Time.String()``: ``2023-05-02 08:00:00 +0000 UTC``,
  maybe with a fraction (``08:00:00.25``) and another zone (``+0200 CEST``); the offset
  gives the instant, so ``--timezone`` does not matter. ISO 8601 values are read too.
- Posts are sorted by time; posts with the same time keep the order they were written
  in (the file is read bottom-up, since the plugin writes the newest post first).
- ``author`` is ``User Name``. ``User Type`` ``bot`` gives the role ``bot``; ``User Type``
  ``system`` or a ``Post Type`` starting with ``system_`` gives ``system`` (kept, counted).
- The file names no channel: the group is ``--group`` or the file name. A column
  ``Channel Display Name`` (a chatcode extension, e.g. in the bundled DiabPeerS sample) gives
  the group of each row instead.
- Attachments: the plugin writes none. An optional column ``File Ids`` (a chatcode
  extension: the post's file ids, comma-separated, as in Mattermost's ``Post.FileIds``)
  gives the number of attachments.
- Reactions: the plugin writes none. A workbook may hold a second sheet ``reactions`` with
  the columns ``Post Id, User Id, User Name, Emoji Name, Create At`` (Mattermost's reaction
  fields; ``Create At`` as the post times, or empty); it is read as the reactions table.
- Other columns are kept as ``src_user_id``, ``src_user_email``, ``src_user_type``,
  ``src_post_type`` (and any further column, in snake case).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.lib.stride_tricks import sliding_window_view

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.corpus.timestamps import epoch_nanos
from chatcode.ingest import _mattermost as M
from chatcode.ingest.base import Options, Parsed, Source, default_group

NAME = "mattermost-csv"
DESCRIPTION = "Mattermost channel-export plugin CSV (/export; newest post first)"

CREATED = "Post Creation Time"
USER_ID = "User Id"
USER_EMAIL = "User Email"
USER_TYPE = "User Type"
USER_NAME = "User Name"
POST_ID = "Post Id"
PARENT_ID = "Parent Post Id"
MESSAGE = "Post Message"
POST_TYPE = "Post Type"
CHANNEL = "Channel Display Name"
FILE_IDS = "File Ids"
# the optional reactions sheet of a workbook
REACTIONS_SHEET = "reactions"
EMOJI_NAME = "Emoji Name"
CREATE_AT = "Create At"
REACTION_REQUIRED = (POST_ID, EMOJI_NAME)

REQUIRED = (CREATED, USER_NAME, POST_ID, MESSAGE)
SNIFF = (CREATED, USER_NAME, POST_ID, PARENT_ID, MESSAGE)
MAPPED = {POST_ID: S.POST_ID, CREATED: S.TIMESTAMP, USER_NAME: S.AUTHOR, MESSAGE: S.TEXT,
          PARENT_ID: S.PARENT_ID, CHANNEL: S.GROUP, FILE_IDS: S.ATTACHMENTS}

# Go: "2006-01-02 15:04:05.999999999 -0700 MST" (the zone name may be missing or "-03")
_GO_TIME = (r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?) ?([+-]\d{2}):?(\d{2})"
            r"(?: [A-Za-z0-9+\-]{1,8})?(?: m=[+-][0-9.]+)?\s*$")


def sniff(source: Source) -> bool:
    return M.has_headers(source, SNIFF)


def go_times_as_iso(values: pd.Series) -> pd.Series:
    """Go ``time.String()`` text as ISO 8601 with offset; other values are left as they are.

    The regex runs in pyarrow (RE2), several times faster than Python's ``re`` per value.
    """
    text = S.cell_text(values).astype("str")
    iso = pc.replace_substring_regex(pa.array(text, type=pa.string()), pattern=_GO_TIME,
                                     replacement=r"\1T\2\3:\4")
    return pd.Series(iso, index=text.index, dtype="str")


def _times(values: pd.Series) -> pd.Series:
    """UTC datetimes when every value is a Go time (fast); else ISO text, which
    ``validate_posts`` reads (naive values in ``--timezone``) and reports row by row."""
    nanos = go_nanos(values)
    if nanos is not None:
        return pd.Series(nanos.view("datetime64[ns]"), index=values.index).dt.tz_localize("UTC")
    text = S.cell_text(values).astype("str")
    arrow = pa.array(text, type=pa.string())
    if pc.all(pc.match_substring_regex(arrow, _GO_TIME)).as_py():
        iso = pc.replace_substring_regex(arrow, pattern=_GO_TIME, replacement=r"\1T\2\3:\4")
        iso = pd.Series(iso, index=text.index, dtype="str")
        try:
            return pd.Series(pd.to_datetime(iso, format="ISO8601", utc=True), index=iso.index)
        except (ValueError, OverflowError):  # e.g. February 30: validate_posts names the row
            return iso
    return go_times_as_iso(values)


# The plugin's own layout, read by byte position: date, time, up to 9 digits of fraction,
# the offset (then an optional zone name and monotonic clock reading, not needed).
_GO_PLAIN = (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})? [+-]\d{4}"
             r"(?: [A-Za-z0-9+\-]{1,8})?(?: m=[+-][0-9.]+)?$")
_GO_WIDTH = len("2006-01-02 15:04:05.999999999 -0700")


def go_nanos(values: pd.Series) -> np.ndarray | None:
    """UTC nanoseconds of Go times in the plugin's layout, or None when any value is
    missing, laid out otherwise, or out of range (``_times`` then reads them the general
    way, which names the rows it cannot read).

    Every value is checked by one RE2 pass; the fields are then read from the bytes of
    the Arrow column as a (rows x 35) matrix, with no string built per value."""
    if not (pd.api.types.is_string_dtype(values.dtype) and values.dtype != object):
        return None
    arrow = pa.array(values.array, type=pa.large_string())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    if len(arrow) == 0 or arrow.null_count:
        return None
    if not pc.all(pc.match_substring_regex(arrow, _GO_PLAIN)).as_py():
        return None
    raw = _byte_windows(arrow, _GO_WIDTH)
    has_fraction = raw[:, 19] == ord(".")
    width = np.where(has_fraction, np.argmax(raw[:, 20:30] == ord(" "), axis=1), 0)
    at = np.where(has_fraction, 21 + width, 20)  # the offset: sign, hours, minutes
    rows = np.arange(len(raw))
    west = raw[rows, at] == ord("-")
    cells = raw - np.uint8(48)  # digits as 0..9
    digit = [cells[rows, at + k].astype(np.int64) for k in range(1, 5)]
    hours, minutes = digit[0] * 10 + digit[1], digit[2] * 10 + digit[3]
    if (hours > 23).any() or (minutes > 59).any():
        return None
    offset = hours * 3600 + minutes * 60
    cells[:, 20:29][np.arange(9) >= width[:, None]] = 0  # nanoseconds: 9 digits, 0-padded

    def number(first: int, stop: int) -> np.ndarray:
        out = np.zeros(len(cells), dtype=np.int64)
        for j in range(first, stop):
            out = out * 10 + cells[:, j]
        return out

    return epoch_nanos(number(0, 4), number(5, 7), number(8, 10), number(11, 13),
                       number(14, 16), number(17, 19), number(20, 29),
                       np.where(west, -offset, offset))


def _byte_windows(arrow: pa.Array, width: int) -> np.ndarray:
    """The first ``width`` bytes of each value of a ``large_string`` array as a uint8 matrix
    (bytes past a value's end are those of the next value, or 0 at the end)."""
    n = len(arrow)
    offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int64)[arrow.offset:arrow.offset + n + 1]
    data = np.frombuffer(arrow.buffers()[2], dtype=np.uint8)[:offsets[-1]]
    starts = offsets[:-1]
    out = np.empty((n, width), dtype=np.uint8)
    base = max(len(data) - width, 0)  # windows starting after base run past the end
    inner = int(np.searchsorted(starts, base, side="right")) if len(data) >= width else 0
    if inner:
        out[:inner] = sliding_window_view(data, width)[starts[:inner]]
    tail = np.zeros(len(data) - base + width, dtype=np.uint8)
    tail[:len(data) - base] = data[base:]
    out[inner:] = sliding_window_view(tail, width)[starts[inner:] - base]
    return out


def read(source: Source, options: Options) -> Parsed:
    table = source.table
    data = table.data
    M.require_headers(list(data.columns), REQUIRED, where=table.where,
                      export="channel-export plugin CSV")
    M.progress(options, 0, len(data))
    empty = pd.Series(None, index=data.index, dtype="str")
    frame = pd.DataFrame({
        S.POST_ID: data[POST_ID],
        S.TIMESTAMP: _times(data[CREATED]),
        S.AUTHOR: S.cell_text(data[USER_NAME]),
        S.ROLE: M.roles_from_types(S.cell_text(data.get(USER_TYPE, empty)),
                                   S.cell_text(data.get(POST_TYPE, empty))),
        S.TEXT: data[MESSAGE],
        S.PARENT_ID: data[PARENT_ID] if PARENT_ID in data.columns else empty,
        S.ROW: data[S.ROW],
    })
    if CHANNEL in data.columns:
        frame[S.GROUP] = S.cell_text(data[CHANNEL])
    if FILE_IDS in data.columns:
        frame[S.ATTACHMENTS] = file_count(data[FILE_IDS])
    for col in data.columns:
        if col not in MAPPED and col != S.ROW:
            frame[S.SRC_PREFIX + M.snake(col)] = data[col]
    posts = S.validate_posts(frame, where=table.where, group=default_group(source, options),
                             timezone=options.timezone)
    # the plugin writes the newest post first: sort by time, and posts with the same time
    # bottom-up (the row below was written first)
    order = bottom_up_order(posts[S.TIMESTAMP].array.asi8)
    if order is not None:
        posts = posts.take(order).reset_index(drop=True)
    M.progress(options, len(data), len(data))
    reactions = _reactions(source, options)
    notes = _notes(posts)
    if reactions is not None:
        notes.append(f"read {M.plural(len(reactions), 'reaction')} from the sheet "
                     f'"{REACTIONS_SHEET}"')
    return Parsed(Corpus.trusted(posts, reactions), notes)


def bottom_up_order(times: np.ndarray) -> np.ndarray | None:
    """The order that sorts ``times`` with equal times bottom-up (the last row first), or
    None when the rows are in that order already. A file in the plugin's order (newest
    first) is simply reversed, without a sort."""
    step = np.diff(times)
    if (step > 0).all():
        return None
    if (step <= 0).all():
        return np.arange(len(times) - 1, -1, -1)
    return np.lexsort((-np.arange(len(times)), times))


def file_count(values: pd.Series) -> pd.Series:
    """The number of comma-separated, non-empty file ids in each cell (0 when empty)."""
    text = S.cell_text(values).fillna("").astype("str")
    return text.map(lambda v: sum(1 for part in v.split(",") if part.strip())).astype("int64")


def _reactions(source: Source, options: Options) -> pd.DataFrame | None:
    """The ``reactions`` sheet of a workbook as a canonical reactions table, or None."""
    if source.kind != "xlsx" or REACTIONS_SHEET not in source.sheets:
        return None
    table = source.sheet(REACTIONS_SHEET)
    data = table.data
    M.require_headers(list(data.columns), REACTION_REQUIRED, where=table.where,
                      export="reactions sheet")
    empty = pd.Series(None, index=data.index, dtype="str")
    frame = pd.DataFrame({
        S.POST_ID: data[POST_ID],
        S.AUTHOR: S.cell_text(data[USER_NAME]) if USER_NAME in data.columns else empty,
        S.EMOJI: S.cell_text(data[EMOJI_NAME]),
        S.TIMESTAMP: go_times_as_iso(data[CREATE_AT]) if CREATE_AT in data.columns else empty,
        S.ROW: data[S.ROW],
    })
    for col in data.columns:
        if col not in (POST_ID, USER_NAME, EMOJI_NAME, CREATE_AT, S.ROW):
            frame[S.SRC_PREFIX + M.snake(col)] = data[col]
    return S.validate_reactions(frame, where=table.where, timezone=options.timezone)


def _notes(posts: pd.DataFrame) -> list[str]:
    notes = [f"read {M.plural(len(posts), 'post')} of one channel; sorted by time (the "
             "export lists the newest first)"]
    for role, what in ((S.SYSTEM, "system post"), (S.BOT, "bot post")):
        n = int(posts[S.ROLE].eq(role).sum())
        if n:
            notes.append(f"kept {M.plural(n, what)} with the role {role}")
    return notes
