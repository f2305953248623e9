"""Codes tables stored as Parquet: only the needed columns, combined once, checked fast.

A codes table of a million posts has twenty million rows. Reading it column by column
(``pyarrow``'s ``columns=``) skips every column a codes table does not keep, and its chunks
(one per row group) are combined once, so later steps work on contiguous arrays.

A table in the layout chatcode writes (the rows of each post, coder and pass together, with
the same dimensions and codes in the same order for every post) is checked in a few
vectorised passes: the keys of the first post, the first row of each post, and the values.
Any other table, or one these checks do not pass, is checked row by row by
:func:`chatcode.coding.codes.validate_codes`, which names every problem.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chatcode.codebook import Codebook
from chatcode.corpus import schema as S
from chatcode.errors import CodingError, Location

OPTIONAL = (S.CODED_AT, S.CODEBOOK_HASH, S.SUGGESTION)


def read_parquet_codes(path: Path, codebook: Codebook | None, where: Location) -> pd.DataFrame:
    """The codes table of a Parquet file, checked and in canonical form."""
    import pyarrow.parquet as pq

    from chatcode.coding.codes import as_codes_frame, validate_codes

    try:
        names = pq.read_schema(path).names
    except (pa.ArrowException, OSError) as exc:
        raise CodingError(f"cannot read the Parquet file ({exc})", where=where,
                          hint="write the codes table again, or give it as .csv") from exc
    missing = [c for c in S.CODES_COLUMNS if c not in names]
    if missing:
        found = ", ".join(repr(c) for c in names if not c.startswith("_"))
        raise CodingError(f"not a codes table: missing column(s) {', '.join(missing)}",
                          where=where, hint=f"a codes table has the columns "
                          f"{', '.join(S.CODES_COLUMNS)} (found: {found or 'none'})")
    table = pq.read_table(path, columns=[c for c in (*S.CODES_COLUMNS, *OPTIONAL)
                                         if c in names]).combine_chunks()
    regular = _regular(table, codebook)
    if regular is not None:
        return as_codes_frame(regular)
    df = table.to_pandas()
    df[S.ROW] = np.arange(1, len(df) + 1)  # rows as a spreadsheet of the table counts them
    return validate_codes(df, codebook=codebook, where=where)


def _array(table: pa.Table, name: str) -> pa.Array | None:
    col = table.column(name)
    return col.chunk(0) if col.num_chunks == 1 else None


def _changed(arr: pa.Array) -> np.ndarray:
    """Whether each row but the first differs from the row before it."""
    return pc.fill_null(pc.not_equal(arr[1:], arr[:-1]), True).to_numpy(zero_copy_only=False)


def _clean_ids(arr: pa.Array) -> bool:
    """No missing or empty id, none with spaces around it (as ``schema.as_id`` keeps it)."""
    return (arr.null_count == 0 and pc.all(pc.equal(pc.utf8_trim_whitespace(arr), arr))
            .as_py() is not False and pc.all(pc.not_equal(arr, "")).as_py() is not False)


def _regular(table: pa.Table, codebook: Codebook | None) -> pd.DataFrame | None:
    """The table with its canonical columns when it is regular and passes every check of
    ``validate_codes``; None when it must be checked row by row."""
    n = table.num_rows
    arrays = {c: _array(table, c) for c in table.column_names}
    if n == 0 or S.SUGGESTION in arrays or any(a is None for a in arrays.values()):
        return None
    keys = [arrays[c] for c in (S.POST_ID, S.CODER, S.PASS, S.DIMENSION, S.CODE)]
    value = arrays[S.VALUE]
    if not all(pa.types.is_string(a.type) or pa.types.is_large_string(a.type) for a in keys) \
            or not pa.types.is_integer(value.type) or value.null_count:
        return None
    low, high = pc.min_max(value).values()
    if low.as_py() < 0 or high.as_py() > 1:
        return None
    post, coder, pass_, dim, code = keys
    head = np.zeros(n, dtype=bool)
    head[0] = True
    for arr in (post, coder, pass_):
        head[1:] |= _changed(arr)
    starts = np.flatnonzero(head)
    m = n // len(starts)
    if m * len(starts) != n or not np.all(np.diff(starts) == m):
        return None
    pairs = list(zip(dim[:m].to_pylist(), code[:m].to_pylist(), strict=True))
    if not (_periodic(dim, m) and _periodic(code, m) and len(set(pairs)) == m
            and _clean_ids(dim[:m]) and _clean_ids(code[:m])):
        return None
    heads = [arr.take(pa.array(starts)) for arr in (post, coder, pass_)]
    if not all(_clean_ids(h) for h in heads) or _repeated_heads(heads):
        return None
    if not _fits_codebook(pairs, value.to_numpy().reshape(-1, m), codebook):
        return None
    coded_at, digest = _optional(arrays, n, codebook)
    if coded_at is None or digest is None:
        return None
    return pa.table({S.POST_ID: post, S.CODER: coder, S.PASS: pass_, S.DIMENSION: dim,
                     S.CODE: code, S.VALUE: value, S.CODED_AT: coded_at,
                     S.CODEBOOK_HASH: digest}).to_pandas()


def _periodic(arr: pa.Array, m: int) -> bool:
    return len(arr) <= m or pc.all(pc.equal(arr[m:], arr[:-m])).as_py() is True


def _repeated_heads(heads: list[pa.Array]) -> bool:
    """Whether a (post, coder, pass) has two runs of rows (repeated decisions)."""
    post, coder, pass_ = heads
    if pc.count_distinct(coder).as_py() == 1 and pc.count_distinct(pass_).as_py() == 1:
        return pc.count_distinct(post).as_py() != len(post)
    frame = pd.DataFrame({str(i): pd.array(h, dtype="str") for i, h in enumerate(heads)})
    return bool(frame.duplicated().any())


def _fits_codebook(pairs: list[tuple[str, str]], values: np.ndarray,
                   codebook: Codebook | None) -> bool:
    """Every (dimension, code) is the codebook's, every dimension used has all its codes,
    and a single-choice dimension has at most one 1 per post."""
    if codebook is None:
        return True
    dims = {d.id: d for d in codebook.dimensions}
    used: dict[str, list[int]] = {}
    for j, (d, c) in enumerate(pairs):
        if d not in dims or c not in dims[d].code_ids:
            return False
        used.setdefault(d, []).append(j)
    for d, columns in used.items():
        if len(columns) != len(dims[d].codes):
            return False
        if not dims[d].multiple and (values[:, columns].sum(axis=1) > 1).any():
            return False
    return True


def _optional(arrays: dict[str, pa.Array], n: int, codebook: Codebook | None
              ) -> tuple[pa.Array | None, pa.Array | None]:
    """``coded_at`` (missing, or aware datetimes) and ``codebook_hash`` (missing, or the
    codebook's); None where the row-by-row check must read them."""
    when = arrays.get(S.CODED_AT)
    if when is None or when.null_count == n:
        coded_at = pa.nulls(n, pa.timestamp("ns", "UTC"))
    elif pa.types.is_timestamp(when.type) and when.type.tz is not None:
        coded_at = pc.cast(when, pa.timestamp("ns", "UTC"))
    else:
        coded_at = None
    digest = arrays.get(S.CODEBOOK_HASH)
    if digest is None or digest.null_count == n:
        return coded_at, pa.nulls(n, pa.large_string())
    if not pa.types.is_string(digest.type) and not pa.types.is_large_string(digest.type):
        return coded_at, None
    distinct = pc.unique(digest).drop_null()
    if not _clean_ids(distinct) or (codebook is not None
                                    and distinct.to_pylist() != [codebook.hash]):
        return coded_at, None
    return coded_at, digest
