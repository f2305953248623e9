"""Reading codes back from anything that holds them, as one validated codes table.

Sources: a filled coding sheet (.xlsx written by ``chatcode sheet``), a codes table (.csv,
.xlsx or .parquet with the columns ``post_id, coder, pass, dimension, code, value``), a
coding store
(the SQLite file of the terminal coder), a disagreement workbook (pass ``consensus``) and a
workbench project folder (every pass of ``chatcode serve``).
:func:`read_codes` tells them apart by content, checks each, and concatenates them.

Notes
-----
- The codes table is complete for every post a coder coded: each code of each dimension
  has a row with 0 or 1. "Coded, code absent" (0) differs from "not coded" (no rows).
- A single-choice dimension has at most one 1 per post; all 0 means "coded, no code".
- ``coded_at`` is an aware datetime (UTC); a coding sheet has no time per row, so its
  ``coded_at`` is the modification time of the workbook file.
- Only the canonical columns are kept (``CODES_COLUMNS``, ``coded_at``,
  ``codebook_hash``, and ``suggestion`` where the source has it: ``accepted``, ``shown`` or
  ``none``, see docs/suggestions.md); other columns of a codes table are not carried over.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from chatcode._io.tabular import kind_of, read_table, sheet_names
from chatcode.codebook import Codebook
from chatcode.coding.sheets import (
    CODING_SHEET,
    CONTEXT,
    FIRST_DATA_ROW,
    KIND,
    NONE,
    Layout,
    fingerprint,
    open_sheet,
)
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.corpus.timestamps import parse_timestamps
from chatcode.errors import (
    ChatcodeWarning,
    CodingError,
    IngestError,
    Location,
    Problem,
    Problems,
)

__all__ = ["as_codes_frame", "read_codes", "read_sheet", "validate_codes"]

SQLITE_MAGIC = b"SQLite format 3\x00"
KEY = [S.POST_ID, S.CODER, S.PASS, S.DIMENSION, S.CODE]
CODES_SHEET = "codes"


def as_codes_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns and types of a codes table (no checks; see validate_codes)."""
    out = pd.DataFrame({c: df[c].astype("str") for c in KEY})
    out[S.VALUE] = df[S.VALUE].astype("int64")
    out[S.CODED_AT] = (df[S.CODED_AT] if S.CODED_AT in df.columns else pd.Series(
        pd.NaT, index=df.index)).astype("datetime64[ns, UTC]")
    out[S.CODEBOOK_HASH] = (df[S.CODEBOOK_HASH] if S.CODEBOOK_HASH in df.columns else
                            pd.Series(None, index=df.index)).astype("str")
    if S.SUGGESTION in df.columns:  # optional: kept when the source records it
        out[S.SUGGESTION] = df[S.SUGGESTION].astype("str")
    return out.reset_index(drop=True)


def read_codes(
    sources: str | Path | Sequence[str | Path],
    *,
    codebook: Codebook | None = None,
    corpus: Corpus | None = None,
) -> pd.DataFrame:
    """Read codes from one or several sources into one validated codes table.

    Each source is a coding sheet, a codes table (.csv/.xlsx/.parquet), a coding store
    (SQLite) or a disagreement workbook, recognised by content (the hidden meta sheet's
    ``kind``; a .parquet file by its name). From Parquet only the columns a codes table
    keeps are read, and ``post_id, coder, pass, dimension, code`` come back as pandas
    categoricals (sorted categories; values equal to the same strings), read as Parquet's
    dictionaries (:mod:`chatcode.coding._parquet_codes`). With
    ``codebook``, dimensions and codes are checked against it and a source made with
    another codebook version is rejected; with ``corpus``, post ids must be in it. The same
    decision (post, coder, pass, dimension, code) in two sources is an error naming both.
    Raises :class:`~chatcode.errors.CodingError` listing every problem of a source.
    """
    paths = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(s) for s in sources]
    if not paths:
        raise CodingError("no codes given", hint="give a coding sheet, codes table or store")
    frames = [_read_one(p, codebook, corpus) for p in paths]
    _check_across(frames, paths)
    if len(frames) == 1:
        return frames[0]
    return _concat(frames)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The codes of several sources as one table: a key column stays categorical (sorted
    categories) when it is in every source (Parquet), else it is text."""
    frames = [df.copy() for df in frames]
    for c in KEY:
        if all(isinstance(df[c].dtype, pd.CategoricalDtype) for df in frames):
            labels = pd.Index(sorted(set().union(*(df[c].cat.categories for df in frames))),
                              dtype="str")
            for df in frames:
                df[c] = df[c].cat.set_categories(labels)
        else:
            for df in frames:
                df[c] = df[c].astype("str")
    return pd.concat(frames, ignore_index=True)


def _read_one(path: Path, codebook: Codebook | None, corpus: Corpus | None) -> pd.DataFrame:
    from chatcode.coding.meta import read_meta
    from chatcode.coding.project import is_project

    where = Location(path)
    if is_project(path):  # a workbench project: the codes of every pass
        from chatcode.coding.project import read_project_codes

        df = validate_codes(read_project_codes(path), codebook=codebook, where=where)
        if corpus is not None:
            _check_in_corpus(df, corpus, where)
        return df
    if not path.is_file():
        raise CodingError("file not found" if not path.exists() else "is a folder, not a "
                          "file", where=where, hint="give a coding sheet, codes table or store")
    if path.stat().st_size == 0:
        raise CodingError("the file is empty", where=where,
                          hint="give a filled coding sheet, a codes table or a coding store")
    with open(path, "rb") as fh:
        is_store = fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    try:
        if is_store:
            from chatcode.coding.store import read_store

            df = validate_codes(read_store(path), codebook=codebook, where=where)
        elif path.suffix.lower() == ".parquet":
            from chatcode.coding._parquet_codes import read_parquet_codes

            df = read_parquet_codes(path, codebook, where)
        elif path.suffix.lower() == ".qdpx":
            if codebook is None:
                raise CodingError("a REFI-QDA project is read against a codebook", where=where,
                                  hint="give --codebook (codebook=...)")
            from chatcode.exchange import read_qdpx

            df = read_qdpx(path, codebook=codebook)
        elif kind_of(path) == "xlsx":
            kind = (read_meta(path) or {}).get("kind")
            if kind == KIND:
                df = read_sheet(path, codebook=codebook, corpus=corpus)
            elif kind == "disagreements":
                from chatcode.coding.disagreements import read_disagreements

                df = validate_codes(read_disagreements(path, codebook=codebook),
                                    codebook=codebook, where=where)
            else:
                sheet = CODES_SHEET if CODES_SHEET in sheet_names(path) else None
                table = read_table(path, sheet=sheet)
                df = validate_codes(table.data, codebook=codebook, where=table.where)
        else:
            df = validate_codes(read_table(path).data, codebook=codebook, where=where)
    except IngestError as exc:  # the file cannot be read as a table: same message
        if isinstance(exc, Problems):
            raise Problems.of(CodingError, exc.problems, title=exc.title) from exc
        p = exc.problem
        raise CodingError(p.message, where=p.where, hint=p.hint) from exc
    if df.empty:
        warnings.warn(ChatcodeWarning(
            f"{path}: holds no codes (no coded post): left out; check that it is the filled "
            "sheet, table or store"), stacklevel=3)
    if corpus is not None:
        _check_in_corpus(df, corpus, where)
    return df


def _check_in_corpus(df: pd.DataFrame, corpus: Corpus, where: Location) -> None:
    ids = df[S.POST_ID]
    # a categorical column (Parquet) is checked by its categories, each id once
    ids = ids.cat.categories if isinstance(ids.dtype, pd.CategoricalDtype) else ids.unique()
    unknown = sorted(set(ids) - set(corpus.posts[S.POST_ID]))
    if unknown:
        shown = ", ".join(unknown[:8]) + (f" and {len(unknown) - 8} more"
                                          if len(unknown) > 8 else "")
        raise CodingError(f"{len(unknown)} post id(s) are not in the corpus: {shown}",
                          where=where, hint="give the corpus the posts were coded from")


def _check_across(frames: list[pd.DataFrame], paths: list[Path]) -> None:
    """The same decision in two sources is an error naming both (hashed in one pass)."""
    if len(frames) < 2:
        return
    keys = pd.concat([df[KEY].drop_duplicates().assign(_source=i)
                      for i, df in enumerate(frames)], ignore_index=True)
    # the source where each decision first appears; a later source holding it clashes
    keys["_first"] = keys.groupby(KEY, sort=False, dropna=False)["_source"].transform("min")
    clash = keys[keys["_first"].ne(keys["_source"])]
    problems = []
    for (i, j), dup in clash.groupby(["_source", "_first"], sort=False):
        pid, coder, pass_, dim, code = dup[KEY].iloc[0]
        problems.append(Problem(
            f"{len(dup)} decision(s) appear both here and in {paths[j]}, e.g. post {pid}, "
            f"coder {coder}, pass {pass_}, {dim}:{code}", Location(paths[i]),
            "give each coder's codes once (the same coder and pass in two files?)"))
    if problems:
        raise Problems.of(CodingError, problems)


# --- codes tables ---------------------------------------------------------------------------

def validate_codes(
    df: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    where: Location | None = None,
) -> pd.DataFrame:
    """Check a codes table and return it in canonical form (see the module Notes).

    Checked: the columns, empty ids, values 0/1, readable ``coded_at``, repeated decisions,
    completeness (a post coded in a dimension has a row for every code of it: the
    codebook's codes, or without a codebook every code the table uses for that dimension)
    and, with ``codebook``, known dimensions and codes, at most one 1 per post in a
    single-choice dimension, and the codebook hash. Raises one
    :class:`~chatcode.errors.CodingError` listing every problem. ``df`` is not changed.
    """
    where = where or Location()
    missing = [c for c in S.CODES_COLUMNS if c not in df.columns]
    if missing:
        found = ", ".join(repr(str(c)) for c in df.columns if not str(c).startswith("_"))
        raise CodingError(f"not a codes table: missing column(s) {', '.join(missing)}",
                          where=where, hint=f"a codes table has the columns "
                          f"{', '.join(S.CODES_COLUMNS)} (found: {found or 'none'})")
    rows = (df[S.ROW] if S.ROW in df.columns else pd.Series(np.arange(len(df)) + 2,
                                                           index=df.index)).astype(int)
    check = _TableCheck(where, rows)
    out = pd.DataFrame({c: S.as_id(df[c]) for c in KEY}, index=df.index)
    for col in KEY:
        check.rows(out[col].isna(), f"empty {col}", col, "every row names the post, coder, "
                   "pass, dimension and code")
    text = S.cell_text(df[S.VALUE]).str.strip()
    bad = ~text.isin(["0", "1"])
    check.rows(bad, "value is not 0 or 1", S.VALUE, "1: the code applies, 0: it does not",
               values=df[S.VALUE])
    out[S.VALUE] = text.where(~bad, "0").astype("int64")
    out[S.CODED_AT] = _coded_at(df, check)
    out[S.CODEBOOK_HASH] = (S.as_id(df[S.CODEBOOK_HASH]) if S.CODEBOOK_HASH in df.columns
                            else pd.Series(None, index=df.index, dtype="str"))
    if S.SUGGESTION in df.columns:
        kinds = (S.SUGGESTION_ACCEPTED, S.SUGGESTION_SHOWN, S.SUGGESTION_NONE)
        sugg = S.cell_text(df[S.SUGGESTION]).fillna("").str.strip().replace(
            "", S.SUGGESTION_NONE)
        check.rows(~sugg.isin(kinds), "unknown suggestion state", S.SUGGESTION,
                   f"use {', '.join(kinds)} (or leave it empty)", values=df[S.SUGGESTION])
        out[S.SUGGESTION] = sugg
    if not check.problems:
        check.duplicates(out)
        check.codebook(out, codebook)
    if not check.problems:
        check.complete(out, codebook)
    if check.problems:
        n = len(check.problems)
        raise Problems.of(CodingError, check.problems,
                          title=f"{where}: the codes table has {n} problem(s)" if n > 1 else None)
    return as_codes_frame(out)


def _coded_at(df: pd.DataFrame, check: _TableCheck) -> pd.Series:
    if S.CODED_AT not in df.columns:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    parsed, bad = parse_timestamps(df[S.CODED_AT], timezone="UTC")
    check.rows(bad, "cannot read coded_at", S.CODED_AT, "give ISO 8601 such as "
               "2023-05-02T08:00:00+00:00, or leave it empty", values=df[S.CODED_AT])
    return parsed


class _TableCheck:
    """Collects the problems of one codes table."""

    def __init__(self, where: Location, rows: pd.Series) -> None:
        self.where, self.row_of = where, rows
        self.problems: list[Problem] = []

    def at(self, column: str | None = None) -> Location:
        return Location(self.where.file, self.where.sheet, None, column)

    def rows(self, mask: pd.Series, what: str, column: str | None, hint: str, *,
             values: pd.Series | None = None) -> None:
        if not mask.any():
            return
        rows = self.row_of[mask].tolist()
        shown = [f"{r} ({v!r})" for r, v in zip(rows, values[mask].tolist(), strict=True)] \
            if values is not None else [str(r) for r in rows]
        text = ", ".join(shown[:8]) + (f" and {len(rows) - 8} more" if len(rows) > 8 else "")
        self.problems.append(Problem(f"{what} in row(s) {text}", self.at(column), hint))

    def duplicates(self, out: pd.DataFrame) -> None:
        self.rows(out.duplicated(KEY, keep=False), "the same decision (post, coder, pass, "
                  "dimension, code) twice", None, "keep one row per decision")

    def codebook(self, out: pd.DataFrame, codebook: Codebook | None) -> None:
        if codebook is None:
            return
        dims = {d.id: set(d.code_ids) for d in codebook.dimensions}
        bad_dim = ~out[S.DIMENSION].isin(list(dims))
        self.rows(bad_dim, "unknown dimension", S.DIMENSION,
                  f"the codebook's dimensions are {', '.join(dims)}", values=out[S.DIMENSION])
        known = [c in dims.get(d, set()) for d, c in zip(out[S.DIMENSION], out[S.CODE],
                                                        strict=True)]
        bad_code = ~bad_dim & ~pd.Series(known, index=out.index, dtype=bool)
        self.rows(bad_code, "unknown code", S.CODE, "use the code ids of the codebook "
                  "(chatcode codebook show)", values=out[S.DIMENSION] + ":" + out[S.CODE])
        other = out[S.CODEBOOK_HASH].notna() & out[S.CODEBOOK_HASH].ne(codebook.hash)
        if other.any():
            hashes = ", ".join(sorted(set(out.loc[other, S.CODEBOOK_HASH])))
            self.rows(other, f"coded with another codebook (hash {hashes}; the codebook "
                      f"given is {codebook.name!r} version {codebook.version!r}, hash "
                      f"{codebook.hash})", S.CODEBOOK_HASH, "give the codebook the codes were "
                      "made with, or code again with this one")

    def complete(self, out: pd.DataFrame, codebook: Codebook | None) -> None:
        unit = [S.POST_ID, S.CODER, S.PASS, S.DIMENSION]
        if codebook is not None:
            expected = {d.id: set(d.code_ids) for d in codebook.dimensions}
        else:
            expected = out.groupby(S.DIMENSION)[S.CODE].agg(set).to_dict()
        n_codes = out.groupby(unit)[S.CODE].transform("size")
        want = out[S.DIMENSION].map(lambda d: len(expected[d]))
        self.rows(n_codes.ne(want), "incomplete coding (a post coded in a dimension lacks "
                  "rows for some of its codes)", S.CODE, "give every code of the dimension "
                  "a row with 0 or 1 for each post coded")
        if codebook is None:
            return
        single = [d.id for d in codebook.dimensions if not d.multiple]
        ones = out.groupby(unit)[S.VALUE].transform("sum")
        self.rows(out[S.DIMENSION].isin(single) & ones.gt(1) & out[S.VALUE].eq(1),
                  "more than one code of a single-choice dimension for one post",
                  S.VALUE, "a single-choice dimension takes at most one 1 per post")


# --- reading a filled sheet ---------------------------------------------------------------------

def read_sheet(
    path: str | Path,
    *,
    codebook: Codebook | None = None,
    corpus: Corpus | None = None,
) -> pd.DataFrame:
    """The codes a coder entered in a coding sheet, as a codes table (docs/schema.md).

    A row coded in every dimension gives one row per code (a single-choice dimension: 1
    for the chosen code, 0 for the others; ``none``: all 0). An entirely empty row is a post
    not coded yet: it gives no rows, and a :class:`~chatcode.errors.ChatcodeWarning` gives
    the count. With ``codebook``, a sheet made from another codebook version is rejected;
    with ``corpus``, post ids not in the corpus are rejected.

    Raises :class:`~chatcode.errors.CodingError` listing every problem of the sheet, each
    with its cell: a row coded in part, an unknown code, a value that is not 0/1, a formula,
    merged cells, rows without a post id, repeated, moved or pasted rows, changed headers.

    Notes
    -----
    The sheet has no time per row: ``coded_at`` is the modification time of the workbook
    file (UTC). ``coder``, ``pass`` and ``codebook_hash`` come from the hidden meta sheet.
    """
    sheet = open_sheet(path, codebook=codebook)
    path, meta, expected = sheet.path, sheet.meta, sheet.expected
    reader = _SheetReader(sheet.worksheet, sheet.layout, path, expected,
                          None if corpus is None else set(corpus.posts[S.POST_ID]))
    records, uncoded = reader.read()
    if reader.problems:
        raise Problems.of(CodingError, reader.problems,
                          title=f"{path}: the coding sheet has {len(reader.problems)} "
                          "problem(s)" if len(reader.problems) > 1 else None)
    if uncoded:
        warnings.warn(ChatcodeWarning(
            f"{path}: {len(uncoded)} of {len(expected)} post(s) not coded yet (empty rows "
            f"{_fmt(uncoded)}); they have no codes"), stacklevel=2)
    df = pd.DataFrame(records, columns=[S.POST_ID, S.DIMENSION, S.CODE, S.VALUE])
    mtime = pd.Timestamp(path.stat().st_mtime_ns, unit="ns", tz="UTC")
    df.insert(1, S.CODER, meta.get("coder", ""))
    df.insert(2, S.PASS, meta.get("pass", ""))
    df[S.CODED_AT] = mtime
    df[S.CODEBOOK_HASH] = meta.get("codebook_hash", "")
    return as_codes_frame(df)


def _fmt(rows: Sequence[object], limit: int = 8) -> str:
    more = len(rows) - limit
    return ", ".join(map(str, rows[:limit])) + (f" and {more} more" if more > 0 else "")


class _SheetReader:
    """Walks the data rows of a coding sheet, collecting codes and problems."""

    def __init__(self, ws, layout: Layout, path: Path, expected: list[tuple[str, str]],
                 known: set[str] | None) -> None:
        from openpyxl.utils import get_column_letter

        self.ws, self.path, self.expected, self.known = ws, path, expected, known
        self.columns = layout.columns()
        self.choices = {d: set(codes) | {NONE} for d, m, codes in layout.dimensions if not m}
        self.codes_of = {d: codes for d, _, codes in layout.dimensions}
        self.first = len(CONTEXT) + 2  # first code column (1-based)
        self.names = [f"{get_column_letter(self.first + j)} ({h})"
                      for j, (h, _, _) in enumerate(self.columns)]
        self.problems: list[Problem] = []
        self.merged = self._merged()

    def at(self, row: int, j: int | None = None) -> Location:
        return Location(self.path, CODING_SHEET, row, None if j is None else self.names[j])

    def add(self, message: str, where: Location, hint: str) -> None:
        self.problems.append(Problem(message, where, hint))

    def _merged(self) -> set[tuple[int, int]]:
        cells: set[tuple[int, int]] = set()
        for rng in self.ws.merged_cells.ranges:
            if rng.max_col < self.first or rng.max_row < FIRST_DATA_ROW:
                continue
            j = max(rng.min_col, self.first) - self.first
            self.add(f"merged cells {rng.coord} in the code columns",
                     self.at(rng.min_row, min(j, len(self.names) - 1)),
                     "unmerge them (Home > Merge & Center) and enter a value in each cell")
            cells |= {(r, c) for r in range(rng.min_row, rng.max_row + 1)
                      for c in range(rng.min_col, rng.max_col + 1)}
        return cells

    def read(self) -> tuple[list[tuple[str, str, str, int]], list[int]]:
        records: list[tuple[str, str, str, int]] = []
        uncoded: list[int] = []
        cleared: list[int] = []
        seen: dict[str, int] = {}
        n = len(self.expected)
        rows = self.ws.iter_rows(min_row=FIRST_DATA_ROW, max_col=self.first - 1 + len(
            self.columns), max_row=max(self.ws.max_row, FIRST_DATA_ROW + n - 1))
        for r, cells in enumerate(rows, FIRST_DATA_ROW):
            context = [_text(c.value) for c in cells[: self.first - 1]]
            code_cells = cells[self.first - 1:]
            if not any(context) and all(_blank(c.value) for c in code_cells):
                if r - FIRST_DATA_ROW < n:
                    cleared.append(r)
                continue  # an empty row after the posts
            pid = self._row_post(r, context, seen)
            entered = self._row_codes(r, code_cells)
            if entered is None or pid is None:
                continue
            if not entered:
                uncoded.append(r)
                continue
            records += self._records(pid, entered)
        if cleared:
            posts = [self.expected[r - FIRST_DATA_ROW][0] for r in cleared]
            self.add(f"row(s) {_fmt(cleared)} are empty, but the sheet was written with "
                     f"post(s) {_fmt(posts)} there", Location(self.path, CODING_SHEET,
                                                              cleared[0]),
                     "rows were deleted or cleared; restore them (undo) or write a new sheet")
        return records, uncoded

    def _row_post(self, r: int, context: list[str], seen: dict[str, int]) -> str | None:
        """The post id of row ``r`` when the row is the one written there, else None."""
        pid, i = context[0], r - FIRST_DATA_ROW
        hint = ("rows were moved, sorted, inserted or pasted; undo it, or write a new sheet "
                "and copy the codes over row by row")
        if not pid:
            self.add("the row has no post id (rows pasted in?)", self.at(r, None), hint)
            return None
        if pid in seen:
            self.add(f"post {pid} appears twice (rows {seen[pid]} and {r})", self.at(r),
                     hint)
            return None
        seen[pid] = r
        if self.known is not None and pid not in self.known:
            self.add(f"post {pid} is not in the corpus", self.at(r),
                     "give the corpus the sheet was made from")
            return None
        if i >= len(self.expected):
            self.add(f"post {pid} in a row after the last post of the sheet (pasted in?)",
                     self.at(r), hint)
            return None
        if pid != self.expected[i][0]:
            self.add(f"the row holds post {pid}, but the sheet was written with post "
                     f"{self.expected[i][0]} in this row", self.at(r), hint)
            return None
        if fingerprint(context) != self.expected[i][1]:
            self.add(f"the group, time, role, author or text in this row do not belong to "
                     f"post {pid} (cells moved or edited)", self.at(r), hint)
            return None
        return pid

    def _row_codes(self, r: int, cells) -> dict[int, object] | None:
        """Column index -> value for the filled code cells; None when a cell is invalid."""
        entered: dict[int, object] = {}
        empty: list[int] = []
        ok = True
        for j, cell in enumerate(cells):
            if (r, self.first + j) in self.merged:
                ok = False
                continue
            if cell.data_type == "f":
                self.add(f"a formula ({cell.value}) in a code cell", self.at(r, j),
                         "type the code itself; formulas are not read")
                ok = False
            elif _blank(cell.value):
                empty.append(j)
            else:
                value = self._value(r, j, cell.value)
                ok = ok and value is not None
                entered[j] = value
        if entered and empty:
            cols = ", ".join(self.names[j] for j in empty)
            self.add(f"the row is coded in part: empty code cell(s) {cols}", self.at(r),
                     "finish the row (0 or 1 in every code column, a code or "
                     f"{NONE} in every dropdown column) or clear it")
            ok = False
        return entered if ok else None

    def _value(self, r: int, j: int, raw: object) -> object:
        _, dim, code = self.columns[j]
        if code is None:
            value = _text(raw).lower()
            if value in self.choices[dim]:
                return value
            self.add(f"unknown code {_text(raw)!r} of dimension {dim}", self.at(r, j),
                     f"use one of {', '.join(self.codes_of[dim])}, or {NONE} (pick it from "
                     "the dropdown)")
            return None
        if not isinstance(raw, bool) and (raw in (0, 1) or _text(raw) in ("0", "1")):
            return int(_text(raw)) if isinstance(raw, str) else int(raw)
        self.add(f"{_text(raw)!r} is not 0 or 1", self.at(r, j),
                 "enter 1 when the code applies, 0 when it does not")
        return None

    def _records(self, pid: str, entered: dict[int, object]) -> list[tuple[str, str, str, int]]:
        out: list[tuple[str, str, str, int]] = []
        for j, value in entered.items():
            _, dim, code = self.columns[j]
            if code is not None:
                out.append((pid, dim, code, int(value)))
            else:
                out += [(pid, dim, c, int(c == value)) for c in self.codes_of[dim]]
        return out


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if isinstance(value, str) else str(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
