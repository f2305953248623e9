"""Codes tables stored as Parquet: only the needed columns, read as dictionaries, checked fast.

A codes table of a million posts has twenty million rows, but only a million distinct post
ids and a handful of coders, passes, dimensions and codes. Its text columns are read column
by column (``pyarrow``'s ``columns=``) as the dictionaries Parquet stores
(``read_dictionary=``): an integer per row and each distinct text once. They come back as
pandas categoricals whose categories are the distinct texts in sorted order (the order a
column of strings sorts and groups in); their values compare equal to the same strings.
Reading twenty million strings and combining them costs several times as much, and so does
every later pass over them.

A table in the layout chatcode writes (the rows of each post, coder and pass together, with
the same dimensions and codes in the same order for every post) is checked in a few
vectorised passes over the integer codes: the keys of the first post, the first row of each
post, the distinct texts, and the values. Any other table, or one these checks do not pass,
is checked row by row by :func:`chatcode.coding.codes.validate_codes`, which names every
problem; its result is made categorical in the same way, so both give the same table.
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

KEY = (S.POST_ID, S.CODER, S.PASS, S.DIMENSION, S.CODE)
OPTIONAL = (S.CODED_AT, S.CODEBOOK_HASH, S.SUGGESTION)


def read_parquet_codes(path: Path, codebook: Codebook | None, where: Location) -> pd.DataFrame:
    """The codes table of a Parquet file, checked and in canonical form, its key columns
    (``post_id, coder, pass, dimension, code``) categorical."""
    import pyarrow.parquet as pq

    from chatcode.coding.codes import validate_codes

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise CodingError(f"cannot read the Parquet file ({exc})", where=where,
                          hint="write the codes table again, or give it as .csv") from exc
    names = schema.names
    missing = [c for c in S.CODES_COLUMNS if c not in names]
    if missing:
        found = ", ".join(repr(c) for c in names if not c.startswith("_"))
        raise CodingError(f"not a codes table: missing column(s) {', '.join(missing)}",
                          where=where, hint=f"a codes table has the columns "
                          f"{', '.join(S.CODES_COLUMNS)} (found: {found or 'none'})")
    texts = [c for c in (*KEY, S.CODEBOOK_HASH) if c in names
             and _is_text(schema.field(c).type)]
    table = pq.read_table(path, columns=[c for c in (*S.CODES_COLUMNS, *OPTIONAL)
                                         if c in names], read_dictionary=texts)
    regular = _regular(table, codebook)
    if regular is not None:
        return regular
    df = pa.table({c: _decoded(table.column(c)) for c in table.column_names}).to_pandas()
    df[S.ROW] = np.arange(1, len(df) + 1)  # rows as a spreadsheet of the table counts them
    return categorical(validate_codes(df, codebook=codebook, where=where))


def categorical(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its key columns categorical, categories sorted."""
    out = df.copy()
    for c in KEY:
        out[c] = out[c].astype(pd.CategoricalDtype(pd.Index(
            sorted(out[c].dropna().unique().tolist()), dtype="str")))
    return out


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _decoded(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary column as plain text (what the row-by-row check reads)."""
    if pa.types.is_dictionary(col.type):
        return pc.cast(col, col.type.value_type)
    return col


def _encoded(col: pa.ChunkedArray) -> tuple[np.ndarray, pd.Index] | None:
    """An integer per row and the sorted distinct texts of a text column read as Parquet
    dictionaries; None when a value is missing, empty or has spaces around it (the row-by-row
    check names those). The chunks of one row group share one dictionary: each distinct
    dictionary is ranked once (``pyarrow.compute.rank``, dense: a sort, no hash table), and
    each chunk's indices are mapped through its dictionary's ranks."""
    if not pa.types.is_dictionary(col.type) or col.null_count:
        return None
    dicts: dict[tuple[int, ...], int] = {}
    parts, where = [], []
    offset = 0
    for chunk in col.chunks:
        d = chunk.dictionary
        ident = (*(b.address if b is not None else 0 for b in d.buffers()), d.offset, len(d))
        if ident not in dicts:
            dicts[ident] = offset
            parts.append(d)
            offset += len(d)
        where.append(dicts[ident])
    values = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
    if values.null_count:
        return None
    # dense ranks in byte order, which for UTF-8 is the order of code points (Python's)
    rank = pc.rank(values, sort_keys="ascending", tiebreaker="dense").to_numpy()
    size = int(rank.max()) if len(rank) else 0
    dtype = np.int8 if size < 2**7 else np.int16 if size < 2**15 else np.int32
    code = (rank - 1).astype(dtype)
    one = np.empty(size, dtype=np.int64)
    one[code] = np.arange(len(code))  # a row of each distinct text
    labels = values.take(pa.array(one))
    if size and not _clean(labels):
        return None
    out = np.empty(len(col), dtype=dtype)
    start = 0
    for chunk, off in zip(col.chunks, where, strict=True):
        idx = chunk.indices.to_numpy(zero_copy_only=False)
        lookup = code[off:off + len(chunk.dictionary)]
        if len(lookup) == 1:  # one text (a coder, a pass): no gather
            out[start:start + len(idx)] = lookup[0]
        else:
            np.take(lookup, idx, out=out[start:start + len(idx)], mode="clip")
        start += len(idx)
    return out, pd.Index(pd.array(labels, dtype="str"))


def _clean(arr: pa.Array) -> bool:
    """No empty id, none with spaces around it (as ``schema.as_id`` keeps it)."""
    return (pc.all(pc.equal(pc.utf8_trim_whitespace(arr), arr)).as_py() is not False
            and pc.all(pc.not_equal(arr, "")).as_py() is not False)


def _regular(table: pa.Table, codebook: Codebook | None) -> pd.DataFrame | None:
    """The canonical table when it is regular and passes every check of
    ``validate_codes``; None when it must be checked row by row."""
    n = table.num_rows
    if n == 0 or S.SUGGESTION in table.column_names:
        return None
    value = table.column(S.VALUE)
    if not pa.types.is_integer(value.type) or value.null_count:
        return None
    low, high = pc.min_max(value).values()
    if low.as_py() < 0 or high.as_py() > 1:
        return None
    encoded = {}
    for c in KEY:
        enc = _encoded(table.column(c))
        if enc is None:
            return None
        encoded[c] = enc
    post, coder, pass_, dim, code = (encoded[c][0] for c in KEY)
    head = np.empty(n, dtype=bool)
    head[0] = True
    np.not_equal(post[1:], post[:-1], out=head[1:])
    for arr in (coder, pass_):
        head[1:] |= arr[1:] != arr[:-1]
    starts = np.flatnonzero(head)
    m = n // len(starts)
    if m * len(starts) != n or not np.all(np.diff(starts) == m):
        return None
    dims, names = encoded[S.DIMENSION][1], encoded[S.CODE][1]
    pairs = list(zip(dims[dim[:m]], names[code[:m]], strict=True))
    if not (_periodic(dim, m) and _periodic(code, m) and len(set(pairs)) == m):
        return None
    if _repeated_heads([post[starts], coder[starts], pass_[starts]],
                       [len(encoded[c][1]) for c in (S.POST_ID, S.CODER, S.PASS)]):
        return None
    values = value.combine_chunks().to_numpy()
    if not _fits_codebook(pairs, values.reshape(-1, m), codebook):
        return None
    coded_at, digest = _optional(table, n, codebook)
    if coded_at is None or digest is None:
        return None
    out = {c: pd.Categorical.from_codes(encoded[c][0], dtype=_categories(encoded[c][1]),
                                        validate=False) for c in KEY}
    out[S.VALUE] = values.astype("int64", copy=False)
    out[S.CODED_AT] = coded_at
    out[S.CODEBOOK_HASH] = digest
    return pd.DataFrame(out, copy=False)


def _categories(labels: pd.Index) -> pd.CategoricalDtype:
    """The categorical type of ``labels``, distinct and sorted already (by ``_encoded``).
    pandas' constructor checks that categories are distinct, which for a million post ids
    means a Python string each and a comparison or hash of each; its fast path (a private
    pandas API) skips that, and the public constructor is the fallback."""
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    if fast is not None:
        try:
            dtype = fast(labels, False)
        except TypeError:  # a pandas whose fast path takes other arguments
            dtype = None
        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is labels:
            return dtype
    return pd.CategoricalDtype(labels)


def _periodic(arr: np.ndarray, m: int) -> bool:
    return len(arr) <= m or bool(np.array_equal(arr[m:], arr[:-m]))


def _repeated_heads(heads: list[np.ndarray], sizes: list[int]) -> bool:
    """Whether a (post, coder, pass) has two runs of rows (repeated decisions)."""
    post, coder, pass_ = (h.astype(np.int64) for h in heads)
    key = (post * sizes[1] + coder) * sizes[2] + pass_
    if sizes[0] * sizes[1] * sizes[2] <= 4 * len(key) + 1024:
        return bool(np.bincount(key).max() > 1)
    return bool(pd.Series(key).duplicated().any())


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


def _optional(table: pa.Table, n: int, codebook: Codebook | None
              ) -> tuple[pd.Series | None, pd.Series | None]:
    """``coded_at`` (missing, or aware datetimes) and ``codebook_hash`` (missing, or the
    codebook's), as the canonical columns; None where the row-by-row check must read them."""
    when = table.column(S.CODED_AT) if S.CODED_AT in table.column_names else None
    if when is None or when.null_count == n:
        coded_at = pd.Series(pd.NaT, index=pd.RangeIndex(n), dtype="datetime64[ns, UTC]")
    elif pa.types.is_timestamp(when.type) and when.type.tz is not None:
        coded_at = pc.cast(when, pa.timestamp("ns", "UTC")).combine_chunks().to_pandas(
        ).astype("datetime64[ns, UTC]")
    else:
        coded_at = None
    digest = table.column(S.CODEBOOK_HASH) if S.CODEBOOK_HASH in table.column_names else None
    if digest is None or digest.null_count == n:
        return coded_at, pd.Series(pd.array(_no_text(n), dtype="str"))
    if not _is_text(digest.type):
        return coded_at, None
    distinct = pc.unique(_decoded(digest)).drop_null()
    if not _clean(distinct) or (codebook is not None
                                and distinct.to_pylist() != [codebook.hash]):
        return coded_at, None
    return coded_at, _decoded(digest).combine_chunks().to_pandas().astype("str")


def _no_text(n: int) -> pa.Array:
    """``n`` missing texts. Its offsets and validity bits are zeros from ``numpy.zeros``,
    which the system hands out untouched (``pyarrow.nulls`` writes every byte: 160 MB for
    twenty million rows)."""
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(np.zeros(n + 1, dtype=np.int64)), pa.py_buffer(b""),
        pa.py_buffer(np.zeros((n + 7) // 8, dtype=np.uint8)), null_count=n)
