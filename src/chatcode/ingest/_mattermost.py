"""What the three Mattermost readers share: header checks, roles from user and post types,
export columns kept as ``src_``, CSV files held in zips, and notes with counts.

Notes
-----
Export column names are kept in snake case (``User Id`` -> ``src_user_id``), so a roles file
can name users by id or e-mail (see ``chatcode.corpus.roles``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chatcode._io.tabular import Table, decode, read_csv_text
from chatcode.corpus import schema as S
from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest.base import Options, Source

__all__ = [
    "JOIN_LEAVE_TYPES",
    "SYSTEM_PREFIX",
    "has_headers",
    "isin",
    "plural",
    "progress",
    "require_headers",
    "roles_from_types",
    "snake",
    "sort_by_time",
    "table_from_bytes",
]

SYSTEM_PREFIX = "system_"
USER_TYPE_BOT = "bot"
USER_TYPE_SYSTEM = "system"

# Rows about membership, not messages: the compliance export's own rows and Mattermost's
# system posts for joining, leaving, being added to or removed from a channel or team.
JOIN_LEAVE_TYPES = frozenset({
    "enter", "leave", "previously-joined",
    "system_join_channel", "system_leave_channel", "system_add_to_channel",
    "system_remove_from_channel", "system_join_team", "system_leave_team",
    "system_add_to_team", "system_remove_from_team", "system_join_leave",
})


def snake(name: str) -> str:
    """``"Channel Display Name"`` -> ``"channel_display_name"``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def plural(n: int, one: str, many: str | None = None) -> str:
    """``plural(1, "row")`` -> ``"1 row"``; ``plural(2, "reply", "replies")`` -> ``"2 replies"``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def has_headers(source: Source, names: Iterable[str]) -> bool:
    """True when the CSV file or first sheet of ``source`` has every column in ``names``.

    Never raises: a file that cannot be read as a table is simply not this format.
    """
    if source.kind not in ("text", "xlsx"):
        return False
    try:
        columns = set(source.columns)
    except Exception:  # not a table at all (JSON, a zip that is no workbook, ...)
        return False
    return set(names) <= columns


def require_headers(
    columns: Sequence[str], required: Sequence[str], *, where: Location, export: str
) -> None:
    """Raise one IngestError naming every required export column that is missing."""
    missing = [c for c in required if c not in columns]
    if not missing:
        return
    found = ", ".join(repr(str(c)) for c in columns if not str(c).startswith("_")) or "(none)"
    hint = (f"a {export} has the columns {', '.join(repr(c) for c in required)}; this file "
            f"has {found}. Export it again, or give the right --format")
    problems = []
    for col in missing:
        close = S.closest_columns(col, [str(c) for c in columns])
        extra = f"closest: {', '.join(repr(c) for c in close)}; " if close else ""
        problems.append(Problem(f"missing column {col!r}", where, extra + hint))
    raise Problems.of(IngestError, problems)


def roles_from_types(user_type: pd.Series, post_type: pd.Series) -> pd.Series:
    """``bot`` for bot users, ``system`` for system posts, else the default role.

    Types are compared trimmed and in lower case, column-wise in Arrow. An export has a
    handful of distinct types, so each column is dictionary-encoded and only its distinct
    texts are folded and compared."""
    users, user_codes = _folded(user_type)
    posts, post_codes = _folded(post_type)
    user_role = np.where(np.asarray(pc.equal(users, USER_TYPE_SYSTEM)), 2,
                         np.where(np.asarray(pc.equal(users, USER_TYPE_BOT)), 1, 0))
    code = np.where(np.asarray(pc.starts_with(posts, SYSTEM_PREFIX))[post_codes], 2,
                    user_role[user_codes])
    names = pa.array([S.DEFAULT_ROLE, S.BOT, S.SYSTEM], type=pa.large_string())
    return pd.Series(names.take(code), index=user_type.index, dtype="str")


def _folded(values: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """The distinct texts trimmed and in lower case ("" for missing), as
    ``.str.strip().str.lower()``, and each value's position among them."""
    arrow = pa.array(values.fillna("").astype("str").array, type=pa.large_string())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    encoded = arrow.dictionary_encode()
    folded = pc.utf8_lower(pc.utf8_trim_whitespace(encoded.dictionary))
    return folded, np.asarray(encoded.indices, dtype=np.intp)


def isin(values: pd.Series, pool: Iterable[object]) -> pd.Series:
    """``values.isin(pool)`` on object arrays: pandas' ``isin`` on pyarrow strings builds one
    Python scalar per value of ``pool``, which is slow for large pools."""
    pool = pd.Series(list(pool) if isinstance(pool, (set, frozenset)) else pool, dtype=object)
    return values.astype(object).isin(pool)


def sort_by_time(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts in time order; posts with the same time keep their order (stable sort)."""
    return posts.sort_values(S.TIMESTAMP, kind="stable").reset_index(drop=True)


def table_from_bytes(raw: bytes, label: Path) -> Table:
    """A CSV file held in memory (e.g. a member of a zip) as a raw :class:`Table`."""
    text, encoding = decode(raw, label)
    data, dialect = read_csv_text(text, label, encoding)
    return Table(data, label, None, dialect)


def progress(options: Options, done: int, total: int) -> None:
    """Report progress in rows (or lines) when the caller asked for it."""
    if options.progress is not None:
        options.progress(done, total)
