"""The canonical corpus: a posts table and a reactions table (docs/schema.md).

A corpus is stored as a workbook (``NAME.xlsx``, sheets ``posts`` and ``reactions``), a folder
of CSV files (``NAME/posts.csv``, ``NAME/reactions.csv``) or a folder of Parquet files
(``NAME.parquet/posts.parquet``, ...). Any of these written with the canonical column names
is read back with no options.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from chatcode._io.output import (
    MANIFEST,
    atomic_dir,
    csv_text,
    formula_guard,
    unguard_formula,
    write_workbook,
)
from chatcode._io.tabular import ROW, Workbook, kind_of, read_table
from chatcode.corpus import schema as S
from chatcode.corpus.timestamps import resolve_timezone, to_iso
from chatcode.errors import IngestError, Location

__all__ = [
    "Corpus", "corpus_from_workbook", "post_positions", "read_corpus", "reply_links",
    "structure_warnings", "write_corpus",
]


@dataclass(frozen=True, eq=False)
class Corpus:
    """Posts and reactions in canonical form; both are validated when a Corpus is made.

    >>> import pandas as pd, chatcode
    >>> posts = pd.DataFrame({"post_id": ["1", "2"], "group": "g1",
    ...     "timestamp": ["2023-05-02T08:00:00+00:00", "2023-05-02T09:30:00+00:00"],
    ...     "author": ["anna", "ben"], "text": ["Hello", "Hi!"], "parent_id": [None, "1"]})
    >>> corpus = chatcode.Corpus(posts)
    >>> corpus.posts["role"].tolist()
    ['participant', 'participant']
    """

    posts: pd.DataFrame
    reactions: pd.DataFrame = field(default_factory=S.empty_reactions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "posts", S.validate_posts(self.posts))
        object.__setattr__(self, "reactions", S.validate_reactions(self.reactions))

    @classmethod
    def trusted(cls, posts: pd.DataFrame, reactions: pd.DataFrame | None = None) -> Corpus:
        """A Corpus from tables already returned by ``schema.validate_*`` (no re-validation)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "posts", posts)
        object.__setattr__(obj, "reactions", S.empty_reactions() if reactions is None
                           else reactions)
        return obj

    @functools.cached_property
    def id_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Row positions of every parent id (in post order, replies only) and of every
        reaction's post id, -1 where not found: hashed once per corpus and shared by
        responses and latency. A Corpus is treated as immutable; don't change its tables
        in place."""
        parents, targets = post_positions(self.posts, self.posts[S.PARENT_ID].dropna(),
                                          self.reactions[S.POST_ID])
        return parents, targets

    def __repr__(self) -> str:
        groups = self.posts[S.GROUP].nunique()
        return (f"Corpus({len(self.posts)} posts in {groups} group(s), "
                f"{len(self.reactions)} reactions)")


def _storage(path: Path) -> str:
    if path.suffix.lower() == ".xlsx":
        return "xlsx"
    if path.suffix.lower() == ".parquet":
        return "parquet"
    if path.suffix == "":
        return "csv"
    raise IngestError(
        f"cannot tell how to store a corpus as {path.suffix!r}",
        where=Location(path),
        hint="use NAME.xlsx (workbook), NAME.parquet (Parquet folder) or NAME (CSV folder)",
    )


def read_corpus(
    path: str | Path, *, timezone: str | None = "UTC", group: str | None = None
) -> Corpus:
    """Read a corpus stored by :func:`write_corpus` (or hand-made with canonical columns).

    ``path`` is a workbook (.xlsx, sheets ``posts`` and optional ``reactions``), a folder with
    ``posts.csv`` (and optional ``reactions.csv``) or with ``posts.parquet``, or a single
    posts .csv file. Naive timestamps are read in ``timezone`` (``None``: this machine's).
    """
    path = Path(path)
    tz = resolve_timezone(timezone)
    if not path.exists():
        raise IngestError("no such file or folder", where=Location(path),
                          hint="check the path of the corpus")
    if path.is_dir():
        for name, reader in (("posts.parquet", _read_parquet), ("posts.csv", _read_csv_dir)):
            if (path / name).exists():
                return reader(path, tz, group)
        raise IngestError(
            "the folder holds no posts.csv or posts.parquet", where=Location(path),
            hint="give the folder written by chatcode ingest -o, or the workbook")
    kind = kind_of(path)
    if kind == "text" and _looks_like_export(path):
        raise IngestError(
            "this is not a corpus but a chat export (JSON, JSON lines, a text chat or a zip)",
            where=Location(path), hint=f"read it into a corpus first: chatcode ingest "
            f"{path.name} -o corpus.xlsx, then give corpus.xlsx")
    if kind == "xlsx" and path.suffix.lower() == ".zip":
        raise IngestError("this is not a corpus but a zip archive (a zipped chat export?)",
                          where=Location(path), hint=f"read it into a corpus first: "
                          f"chatcode ingest {path.name} -o corpus.xlsx")
    if kind == "xlsx":
        return corpus_from_workbook(Workbook(path), timezone=tz, group=group)
    return _from_tables(read_table(path), None, tz, group)


def corpus_from_workbook(book: Workbook, *, timezone: str, group: str | None = None
                         ) -> Corpus:
    """The corpus in an opened workbook (sheets ``posts``, else the first, and optional
    ``reactions``); sheets the workbook has read already are not read again."""
    names = book.names
    posts = book.table(S.POSTS_SHEET if S.POSTS_SHEET in names else None)
    reactions = book.table(S.REACTIONS_SHEET) if S.REACTIONS_SHEET in names else None
    return _from_tables(posts, reactions, timezone, group)


def _looks_like_export(path: Path) -> bool:
    if path.suffix.lower() in (".json", ".jsonl", ".txt", ".zip"):
        return True
    with open(path, "rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _from_tables(posts, reactions, tz: str, group: str | None) -> Corpus:
    p = S.validate_posts(posts.data, where=posts.where, timezone=tz,
                         group=group or posts.file.stem)
    r = (S.validate_reactions(reactions.data, where=reactions.where, timezone=tz)
         if reactions is not None and len(reactions.data.columns) > 1 else None)
    return Corpus.trusted(p, r)


def _read_csv_dir(path: Path, tz: str, group: str | None) -> Corpus:
    own = (path / MANIFEST).is_file()
    posts = read_table(path / "posts.csv", own=own)
    reactions = (read_table(path / "reactions.csv", own=own)
                 if (path / "reactions.csv").exists() else None)
    if csv_guarded(path):
        posts = _unguarded(posts)
        reactions = None if reactions is None else _unguarded(reactions)
    return _from_tables(posts, reactions, tz, group or path.name)


def csv_guarded(folder: Path) -> bool:
    """True when ``folder`` is a CSV corpus chatcode wrote with formula-like cells prefixed
    by ``'`` (its manifest says ``"csv_formula_guard": true``)."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return False
    try:
        info = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and info.get("csv_formula_guard") is True


def _unguarded(table):
    data = table.data.copy()
    for col in data.columns:
        if col != ROW and (pd.api.types.is_string_dtype(data[col]) or data[col].dtype == object):
            data[col] = data[col].map(lambda v: unguard_formula(v) if isinstance(v, str)
                                      else v, na_action="ignore")
    return dataclasses.replace(table, data=data)


def _read_parquet(path: Path, tz: str, group: str | None) -> Corpus:
    where = Location(path / "posts.parquet")
    try:
        posts = pd.read_parquet(path / "posts.parquet")
        rpath = path / "reactions.parquet"
        reactions = pd.read_parquet(rpath) if rpath.exists() else None
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise IngestError(f"cannot read the Parquet file ({exc})", where=where,
                          hint="write the corpus again with chatcode ingest") from exc
    p = S.validate_posts(posts, where=where, timezone=tz, group=group or path.stem)
    r = S.validate_reactions(reactions, where=Location(path / "reactions.parquet"),
                             timezone=tz)
    return Corpus.trusted(p, r)


def _as_text_times(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = to_iso(out[col])
    return out


def write_corpus(
    corpus: Corpus,
    path: str | Path,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    guard: bool | None = None,
) -> Path:
    """Store ``corpus`` at ``path`` (.xlsx workbook, .parquet folder, or CSV folder).

    The write is atomic, and an existing file or folder is replaced only with ``force``.
    Timestamps are written as ISO 8601 text with offset; text cells stay text in Excel
    (control characters escaped as Excel does; a text longer than an Excel cell is refused,
    never cut). In a CSV folder, text cells a spreadsheet would run as a formula get a
    leading ``'`` unless ``guard`` is False (default: ``chatcode._io.output.formula_guard``);
    the folder's manifest records it, and :func:`read_corpus` takes the ``'`` off again.
    ``progress(done, total)`` is called with rows written to a workbook (for progress bars).
    """
    path = Path(path)
    kind = _storage(path)
    total = len(corpus.posts) + len(corpus.reactions)
    if kind == "xlsx":
        return write_workbook(path, {
            S.POSTS_SHEET: _as_text_times(corpus.posts),
            S.REACTIONS_SHEET: _as_text_times(corpus.reactions),
        }, force=force, progress=None if progress is None else (
            lambda done: progress(done, total)))
    with atomic_dir(path, force=force) as tmp:
        if kind == "parquet":
            corpus.posts.to_parquet(tmp / "posts.parquet", index=False)
            corpus.reactions.to_parquet(tmp / "reactions.parquet", index=False)
        else:
            guard = formula_guard.get() if guard is None else guard
            for name, table in (("posts.csv", corpus.posts), ("reactions.csv",
                                                              corpus.reactions)):
                (tmp / name).write_text(csv_text(_as_text_times(table), guard=guard),
                                        encoding="utf-8", newline="")
            (tmp / MANIFEST).write_text(json.dumps({"csv_formula_guard": guard}),
                                        encoding="utf-8")
    return path


# --- reply structure ----------------------------------------------------------------------
LINK_OK = "ok"
LINK_MISSING = "missing_parent"
LINK_OTHER_GROUP = "other_group"
LINK_SELF = "self"
LINK_CYCLE = "cycle"
# columns of reply_links()
LINK = "link"
BEFORE_PARENT = "before_parent"
POSITION = "position"
PARENT_POSITION = "parent_position"


def post_positions(posts: pd.DataFrame, *ids: pd.Series) -> list[np.ndarray]:
    """Where each id of each series in ``ids`` is in ``posts``: its row position (0-based).

    Returns one ``int64`` array per series; ``-1`` where the id is empty or not a post id.
    One hash table is built, of the smaller side: when fewer ids are asked for than half
    the posts (replies share parents), the ids asked for are hashed (``pandas.factorize``)
    and the post ids looked up among them (``pyarrow.compute.index_in``); when more are
    asked (every reaction's post too), the post ids are hashed and the ids asked for looked
    up among them, in one call. When a post id occurs twice (an unvalidated table), its
    first row is given.
    """
    import pyarrow as pa

    asked = sum(len(i) for i in ids)
    if asked and len(posts) and 2 * asked >= len(posts):
        return _positions_by_post_ids(posts, ids)
    keys = pd.concat([pd.Series(i).astype("str").reset_index(drop=True) for i in ids],
                     ignore_index=True) if ids else pd.Series([], dtype="str")
    codes, uniques = pd.factorize(keys)
    first = np.full(len(uniques) + 1, -1, dtype=np.int64)  # the extra slot is for empty ids
    if len(uniques):
        post_ids = pa.array(posts[S.POST_ID].astype("str").array, type=pa.large_string())
        wanted = pa.array(uniques.array, type=pa.large_string())
        if isinstance(wanted, pa.ChunkedArray):
            wanted = wanted.combine_chunks()
        at = _index_in(post_ids, wanted)
        rows = np.flatnonzero(at >= 0)[::-1]  # backwards, so the first row of an id wins
        first[at[rows]] = rows
    return _per_series(first[codes], ids)


def _positions_by_post_ids(posts: pd.DataFrame, ids: tuple[pd.Series, ...]
                           ) -> list[np.ndarray]:
    """``post_positions`` with the post ids hashed (``index_in`` gives the first row of a
    repeated id) and every id asked for looked up in one call (missing ids: -1)."""
    import pyarrow as pa

    def chunks(values: pd.Series) -> list[pa.Array]:
        arr = pa.array(pd.Series(values).astype("str").array, type=pa.large_string())
        return arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]

    post_ids = pa.chunked_array(chunks(posts[S.POST_ID]), type=pa.large_string())
    wanted = pa.chunked_array([c for i in ids for c in chunks(i)], type=pa.large_string())
    return _per_series(_index_in(wanted, post_ids.combine_chunks()), ids)


def _index_in(values, value_set) -> np.ndarray:
    """``pyarrow.compute.index_in`` as int64, -1 where a value (or a missing one) is not in
    ``value_set``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    at = pc.fill_null(pc.index_in(values, value_set=value_set, skip_nulls=True), -1)
    return np.asarray(at.to_numpy() if isinstance(at, pa.ChunkedArray) else at,
                      dtype=np.int64)


def _per_series(flat: np.ndarray, ids: tuple[pd.Series, ...]) -> list[np.ndarray]:
    """``flat`` (the ids of every series, one after another) cut back into one array per
    series."""
    return np.split(flat, np.cumsum([len(series) for series in ids])[:-1]) if ids else []


def reply_links(posts: pd.DataFrame, *, parent_positions: np.ndarray | None = None
                ) -> pd.DataFrame:
    """Every reply with the state of its link (docs/responses.md).

    One row per post that has a ``parent_id``, in the order of ``posts``: ``post_id``,
    ``parent_id``, ``group``, ``link`` (``ok``; ``missing_parent`` when the parent is not in
    the corpus; ``other_group`` when it is in another group), ``before_parent`` (the reply
    is dated before its parent), ``position`` (the reply's row position in ``posts``) and
    ``parent_position`` (the parent's row position, -1 when it is missing). A post naming
    itself as parent has link ``self``, and a post on a cycle of reply links (A replies to
    B, B to A) has link ``cycle``: such links cannot be true, and only ``ok`` replies count
    as responses.

    ``parent_positions`` may give ``post_positions(posts, posts[parent_id].dropna())[0]``
    when the caller has it already (e.g. hashed in one pass with other ids).
    """
    rows = np.flatnonzero(posts[S.PARENT_ID].notna().to_numpy())
    if parent_positions is None:
        (parent_positions,) = post_positions(posts, posts[S.PARENT_ID].iloc[rows])
    parent = np.asarray(parent_positions, dtype=np.int64)
    found = parent >= 0
    group_codes = pd.factorize(posts[S.GROUP])[0]
    same_group = group_codes[rows] == group_codes[np.where(found, parent, 0)]
    states = pa.array([LINK_OK, LINK_MISSING, LINK_OTHER_GROUP, LINK_SELF, LINK_CYCLE],
                      type=pa.large_string())
    state = np.where(~found, 1, np.where(same_group, 0, 2))
    state[found & (parent == rows)] = 3
    on_cycle = _on_cycles(len(posts), rows, np.where(found, parent, -1))
    state[on_cycle[rows] & (state != 3)] = 4
    link = states.take(state)
    ts = posts[S.TIMESTAMP].array
    before = found & np.asarray(ts[rows] < ts[np.where(found, parent, 0)], dtype=bool)
    return pd.DataFrame({
        S.POST_ID: posts[S.POST_ID].array[rows],
        S.PARENT_ID: posts[S.PARENT_ID].array[rows],
        S.GROUP: posts[S.GROUP].array[rows],
        LINK: pd.Series(link, dtype="str").array,
        BEFORE_PARENT: before,
        POSITION: rows.astype(np.int64),
        PARENT_POSITION: parent,
    })


def _on_cycles(n: int, rows: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Which of ``n`` posts lie on a cycle of reply links (a post replying to itself too).

    ``parent[k]`` is the parent position of post ``rows[k]`` (-1: none). When every parent
    comes before its reply in the table (posts in time order, the usual case) there is no
    cycle, which one linear pass tells. Else pointer doubling finds the posts that never
    reach a thread start (O(n log n)); walking from those finds the cycles themselves
    (posts that only lead into a cycle are not on it)."""
    up = np.full(n + 1, n, dtype=np.int64)  # n: a sentinel "thread start" pointing to itself
    has = parent >= 0
    up[rows[has]] = parent[has]
    on = np.zeros(n, dtype=bool)
    if not has.any() or (parent[has] < rows[has]).all():
        return on  # every link leads to an earlier row: following them always ends
    jump = up.copy()
    for _ in range(max(1, int(np.ceil(np.log2(n + 1)))) + 1):
        jump = jump[jump]
        if (jump == n).all():  # every post reaches a thread start: no cycle (flat threads,
            return on          # where each reply's parent starts the thread, stop here)
    for start in np.unique(jump[:n][jump[:n] != n]):  # each is on a cycle
        if on[start]:
            continue
        node = start
        while not on[node]:
            on[node] = True
            node = up[node]
    return on


def structure_warnings(corpus: Corpus) -> list[str]:
    """Warnings about the reply structure and reactions, with counts (empty when clean)."""
    parents, targets = corpus.id_positions  # hashed once, reused by responses and latency
    links = reply_links(corpus.posts, parent_positions=parents)
    out = []
    n_missing = int(links[LINK].eq(LINK_MISSING).sum())
    if n_missing:
        out.append(f"{n_missing} repl(y/ies) whose parent post is not in the export: kept as "
                   "posts, not counted as responses")
    n_other = int(links[LINK].eq(LINK_OTHER_GROUP).sum())
    if n_other:
        out.append(f"{n_other} repl(y/ies) whose parent is in another group: kept, not "
                   "counted as responses")
    n_self = int(links[LINK].eq(LINK_SELF).sum())
    if n_self:
        example = links.loc[links[LINK].eq(LINK_SELF), S.POST_ID].iat[0]
        out.append(f"{n_self} post(s) name themselves as their parent (e.g. {example}): kept "
                   "as posts, not counted as responses")
    n_cycle = int(links[LINK].eq(LINK_CYCLE).sum())
    if n_cycle:
        cyc = links[links[LINK].eq(LINK_CYCLE)]
        example = f"{cyc[S.POST_ID].iat[0]} -> {cyc[S.PARENT_ID].iat[0]}"
        out.append(f"{n_cycle} post(s) lie on cycles of reply links (e.g. {example} -> ...), "
                   "which cannot be true: kept as posts, not counted as responses")
    n_before = int((links[BEFORE_PARENT] & links[LINK].eq(LINK_OK)).sum())
    if n_before:
        out.append(f"{n_before} repl(y/ies) dated before their parent: counted as responses, "
                   "left out of latency")
    n_orphan = int((targets < 0).sum())
    if n_orphan:
        out.append(f"{n_orphan} reaction(s) on posts not in the export: kept, not counted")
    return out


def inferred_replies_note(posts: pd.DataFrame) -> str | None:
    """The note every report carries when reply links were inferred from timing (WhatsApp
    ``--infer-replies``) rather than recorded in the export; ``None`` when there are none."""
    if S.REPLY_INFERRED not in posts.columns:
        return None
    flags = posts[S.REPLY_INFERRED].astype("str").str.strip().str.upper().isin(["TRUE", "1"])
    n = int(flags.sum())
    if not n:
        return None
    return (f"{n} of the {int(posts[S.PARENT_ID].notna().sum())} replies were inferred from "
            "timing (chatcode ingest --infer-replies), not recorded in the export")
