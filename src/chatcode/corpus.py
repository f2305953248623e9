"""The canonical corpus: a posts table and a reactions table (CONTRACT.md section 1).

A corpus is stored as a workbook (``NAME.xlsx``, sheets ``posts`` and ``reactions``), a folder
of CSV files (``NAME/posts.csv``, ``NAME/reactions.csv``) or a folder of Parquet files
(``NAME.parquet/posts.parquet``, ...). Any of these written with the canonical column names
is read back with no options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from chatcode import schema as S
from chatcode.errors import IngestError, Location
from chatcode.output import atomic_dir, write_workbook
from chatcode.tabular import kind_of, read_table, sheet_names
from chatcode.timestamps import resolve_timezone, to_iso

__all__ = ["Corpus", "read_corpus", "reply_links", "structure_warnings", "write_corpus"]


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
    if kind_of(path) == "xlsx":
        names = sheet_names(path)
        posts = read_table(path, sheet=S.POSTS_SHEET if S.POSTS_SHEET in names else None)
        reactions = (read_table(path, sheet=S.REACTIONS_SHEET)
                     if S.REACTIONS_SHEET in names else None)
        return _from_tables(posts, reactions, tz, group)
    return _from_tables(read_table(path), None, tz, group)


def _from_tables(posts, reactions, tz: str, group: str | None) -> Corpus:
    p = S.validate_posts(posts.data, where=posts.where, timezone=tz,
                         group=group or posts.file.stem)
    r = (S.validate_reactions(reactions.data, where=reactions.where, timezone=tz)
         if reactions is not None and len(reactions.data.columns) > 1 else None)
    return Corpus.trusted(p, r)


def _read_csv_dir(path: Path, tz: str, group: str | None) -> Corpus:
    posts = read_table(path / "posts.csv")
    reactions = read_table(path / "reactions.csv") if (path / "reactions.csv").exists() else None
    return _from_tables(posts, reactions, tz, group or path.name)


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


def write_corpus(corpus: Corpus, path: str | Path, *, force: bool = False) -> Path:
    """Store ``corpus`` at ``path`` (.xlsx workbook, .parquet folder, or CSV folder).

    The write is atomic, and an existing file or folder is replaced only with ``force``.
    Timestamps are written as ISO 8601 text with offset; text cells stay text in Excel.
    """
    path = Path(path)
    kind = _storage(path)
    if kind == "xlsx":
        return write_workbook(path, {
            S.POSTS_SHEET: _as_text_times(corpus.posts),
            S.REACTIONS_SHEET: _as_text_times(corpus.reactions),
        }, force=force)
    with atomic_dir(path, force=force) as tmp:
        if kind == "parquet":
            corpus.posts.to_parquet(tmp / "posts.parquet", index=False)
            corpus.reactions.to_parquet(tmp / "reactions.parquet", index=False)
        else:
            _as_text_times(corpus.posts).to_csv(tmp / "posts.csv", index=False)
            _as_text_times(corpus.reactions).to_csv(tmp / "reactions.csv", index=False)
    return path


# --- reply structure ----------------------------------------------------------------------
LINK_OK = "ok"
LINK_MISSING = "missing_parent"
LINK_OTHER_GROUP = "other_group"


def reply_links(posts: pd.DataFrame) -> pd.DataFrame:
    """Every reply with the state of its link (CONTRACT.md section 2).

    One row per post that has a ``parent_id``: ``post_id``, ``parent_id``, ``group``,
    ``link`` (``ok``; ``missing_parent`` when the parent is not in the corpus;
    ``other_group`` when it is in another group) and ``before_parent`` (the reply is dated
    before its parent). Only ``ok`` replies count as responses.
    """
    replies = posts.loc[posts[S.PARENT_ID].notna(), [S.POST_ID, S.PARENT_ID, S.GROUP,
                                                      S.TIMESTAMP]]
    parents = posts[[S.POST_ID, S.GROUP, S.TIMESTAMP]].rename(columns={
        S.POST_ID: S.PARENT_ID, S.GROUP: "parent_group", S.TIMESTAMP: "parent_timestamp"})
    m = replies.merge(parents, on=S.PARENT_ID, how="left")
    link = pd.Series(LINK_OK, index=m.index, dtype="str")
    link[m["parent_group"].isna()] = LINK_MISSING
    link[m["parent_group"].notna() & m["parent_group"].ne(m[S.GROUP])] = LINK_OTHER_GROUP
    before = (m[S.TIMESTAMP] < m["parent_timestamp"]).fillna(False)
    return pd.DataFrame({S.POST_ID: m[S.POST_ID], S.PARENT_ID: m[S.PARENT_ID],
                         S.GROUP: m[S.GROUP], "link": link, "before_parent": before.astype(bool)})


def structure_warnings(corpus: Corpus) -> list[str]:
    """Warnings about the reply structure and reactions, with counts (empty when clean)."""
    links = reply_links(corpus.posts)
    out = []
    n_missing = int(links["link"].eq(LINK_MISSING).sum())
    if n_missing:
        out.append(f"{n_missing} repl(y/ies) whose parent post is not in the export: kept as "
                   "posts, not counted as responses")
    n_other = int(links["link"].eq(LINK_OTHER_GROUP).sum())
    if n_other:
        out.append(f"{n_other} repl(y/ies) whose parent is in another group: kept, not "
                   "counted as responses")
    n_before = int((links["before_parent"] & links["link"].eq(LINK_OK)).sum())
    if n_before:
        out.append(f"{n_before} repl(y/ies) dated before their parent: counted as responses, "
                   "left out of latency")
    orphan = ~corpus.reactions[S.POST_ID].isin(corpus.posts[S.POST_ID])
    if orphan.any():
        out.append(f"{int(orphan.sum())} reaction(s) on posts not in the export: kept, not "
                   "counted")
    return out
