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
    columns = [c for c in (*S.CODES_COLUMNS, *OPTIONAL) if c in names]
    regular = _regular(path, columns, texts, codebook)
    if regular is not None:
        return regular
    table = pq.read_table(path, columns=columns, read_dictionary=texts)
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


class _Keys:
    """A text column read as Parquet dictionaries, row group by row group: an integer per
    row (the row's place among the distinct texts, in sorted order) and those texts.

    While reading, a row holds its dictionary's offset plus its index in it; the chunks of
    one row group share one dictionary (found by its buffers), and a small dictionary with
    the same texts as an earlier one (a coder, the dimensions) shares its offset, so the
    integers stay small. At the end the distinct dictionaries are ranked once
    (``pyarrow.compute.rank``, dense: a sort, no hash table) and the rows mapped to ranks.
    """

    def __init__(self, n: int) -> None:
        self.rows = np.empty(0, dtype=np.int8)
        self.n = n
        self.parts: list[pa.Array] = []  # the distinct dictionaries, in offset order
        self.kept: list[pa.Array] = []   # every dictionary seen: keeps its buffers' addresses
        self.offsets: dict[tuple, int] = {}  # a dictionary's buffers -> its offset
        self.small: dict[tuple, int] = {}    # a small dictionary's texts -> its offset
        self.size = 0

    def add(self, col: pa.ChunkedArray, start: int) -> bool:
        """The rows of ``col`` from row ``start``; False when it is not a dictionary column
        without missing values (the row-by-row check names those)."""
        if not pa.types.is_dictionary(col.type) or col.null_count:
            return False
        for chunk in col.chunks:
            offset = self._offset(chunk.dictionary)
            idx = chunk.indices.to_numpy(zero_copy_only=False)
            self._fit(offset + len(chunk.dictionary), start)
            np.add(idx, offset, out=self.rows[start:start + len(idx)], casting="unsafe")
            start += len(idx)
        return True

    def _offset(self, d: pa.Array) -> int:
        ident = (*(b.address if b is not None else 0 for b in d.buffers()), d.offset, len(d))
        if ident in self.offsets:
            return self.offsets[ident]
        self.kept.append(d)
        texts = tuple(d.to_pylist()) if len(d) <= 256 else None
        same = self.small.get(texts) if texts is not None else None
        if same is None:
            same = self.size
            self.parts.append(d)
            self.size += len(d)
            if texts is not None:
                self.small[texts] = same
        self.offsets[ident] = same
        return same

    def _fit(self, limit: int, written: int) -> None:
        """Room in ``rows`` for integers below ``limit`` (wider only when needed)."""
        if self.rows.size and limit - 1 <= np.iinfo(self.rows.dtype).max:
            return
        dtype = _width(limit)
        if self.rows.size and np.dtype(dtype).itemsize <= self.rows.dtype.itemsize:
            return
        wider = np.empty(self.n, dtype=dtype)
        wider[:written] = self.rows[:written]
        self.rows = wider

    def finish(self) -> tuple[np.ndarray, pd.Index] | None:
        """The integer of every row and the sorted distinct texts; None when a text is
        missing, empty or has spaces around it (the row-by-row check names those)."""
        values = pa.concat_arrays(self.parts) if self.parts else pa.array([], pa.string())
        if values.null_count:
            return None
        # dense ranks in byte order, which for UTF-8 is the order of code points (Python's)
        rank = pc.rank(values, sort_keys="ascending", tiebreaker="dense").to_numpy()
        size = int(rank.max()) if len(rank) else 0
        code = (rank - 1).astype(_width(size))
        one = np.empty(size, dtype=np.int64)
        one[code] = np.arange(len(code))  # a row of each distinct text
        labels = values.take(pa.array(one))
        if size and not _clean(labels):
            return None
        rows = self.rows
        if not (code.dtype == rows.dtype and np.array_equal(code, np.arange(len(code)))):
            out = rows if code.dtype == rows.dtype else np.empty(self.n, dtype=code.dtype)
            step = 1 << 20
            block = np.empty(min(step, self.n), dtype=code.dtype)
            for lo in range(0, self.n, step):  # a block at a time: no second array of n
                part = rows[lo:lo + step]
                np.take(code, part, out=block[:len(part)], mode="clip")  # (in range)
                out[lo:lo + len(part)] = block[:len(part)]
            rows = out
        return rows, pd.Index(pd.array(labels, dtype="str"))


def _width(limit: int) -> type:
    """The narrowest signed integer type holding 0 .. limit - 1."""
    return np.int8 if limit <= 2**7 else np.int16 if limit <= 2**15 else np.int32


def _clean(arr: pa.Array) -> bool:
    """No empty id, none with spaces around it (as ``schema.as_id`` keeps it)."""
    return (pc.all(pc.equal(pc.utf8_trim_whitespace(arr), arr)).as_py() is not False
            and pc.all(pc.not_equal(arr, "")).as_py() is not False)


def _regular(path: Path, columns: list[str], texts: list[str], codebook: Codebook | None
             ) -> pd.DataFrame | None:
    """The canonical table when it is regular and passes every check of ``validate_codes``;
    None when it must be checked row by row.

    Read a row group at a time into the arrays of the result (the values, an integer per
    key cell), so that no column of the whole table is held twice: a row group's Arrow
    buffers are freed before the next is read, and their memory is used again.
    """
    import pyarrow.parquet as pq

    if S.SUGGESTION in columns or any(c not in texts for c in KEY):
        return None
    try:
        with pq.ParquetFile(path, read_dictionary=texts) as file:
            n = file.metadata.num_rows
            if n == 0 or not pa.types.is_integer(file.schema_arrow.field(S.VALUE).type):
                return None
            read = _read_groups(file, n, columns)
    except (pa.ArrowException, OSError):  # read again as a whole, which says what is wrong
        return None
    if read is None:
        return None
    values, keys, optional = read
    if (values.view(np.uint64) > 1).any():  # a value other than 0 and 1
        return None
    encoded = {}
    for c in KEY:
        enc = keys[c].finish()
        if enc is None:
            return None
        encoded[c] = enc
    if not _checked(encoded, values, codebook):
        return None
    coded_at, digest = _optional(optional, n, codebook)
    if coded_at is None or digest is None:
        return None
    out = {c: pd.Categorical.from_codes(encoded[c][0], dtype=_categories(encoded[c][1]),
                                        validate=False) for c in KEY}
    out[S.VALUE] = values
    out[S.CODED_AT] = coded_at
    out[S.CODEBOOK_HASH] = digest
    return pd.DataFrame(out, copy=False)


def _read_groups(file, n: int, columns: list[str]
                 ) -> tuple[np.ndarray, dict[str, _Keys], pa.Table] | None:
    """The values (int64), the key columns and the optional columns, a row group at a
    time; None at a missing value or a column not read as a dictionary."""
    values = np.empty(n, dtype=np.int64)
    keys = {c: _Keys(n) for c in KEY}
    extra: dict[str, list] = {c: [] for c in columns if c in OPTIONAL}
    types = {c: file.schema_arrow.field(c).type for c in extra}
    start = 0
    for i in range(file.num_row_groups):
        part = file.read_row_group(i, columns=columns)
        if start + part.num_rows > n or part.column(S.VALUE).null_count:
            return None
        at = start
        for chunk in part.column(S.VALUE).chunks:
            values[at:at + len(chunk)] = chunk.to_numpy()
            at += len(chunk)
        if not all(keys[c].add(part.column(c), start) for c in KEY):
            return None
        for c, chunks in extra.items():
            chunks.extend(part.column(c).chunks)
            types[c] = part.column(c).type
        start += part.num_rows
    if start != n:
        return None
    optional = pa.table({c: pa.chunked_array(chunks, type=types[c])
                         for c, chunks in extra.items()})
    return values, keys, optional


def _checked(encoded: dict, values: np.ndarray, codebook: Codebook | None) -> bool:
    """The layout chatcode writes (the rows of each post, coder and pass together, the same
    dimensions and codes in the same order for every post), no repeated decision, and the
    codebook's dimensions and codes."""
    n = len(values)
    post, coder, pass_, dim, code = (encoded[c][0] for c in KEY)
    head = np.empty(n, dtype=bool)
    head[0] = True
    np.not_equal(post[1:], post[:-1], out=head[1:])
    for c, arr in ((S.CODER, coder), (S.PASS, pass_)):
        if len(encoded[c][1]) > 1:  # one coder (one pass): every row the same
            head[1:] |= arr[1:] != arr[:-1]
    starts = np.flatnonzero(head)
    m = n // len(starts)
    if m * len(starts) != n or not np.all(np.diff(starts) == m):
        return False
    dims, names = encoded[S.DIMENSION][1], encoded[S.CODE][1]
    pairs = list(zip(dims[dim[:m]], names[code[:m]], strict=True))
    if not (_periodic(dim, m) and _periodic(code, m) and len(set(pairs)) == m):
        return False
    if _repeated_heads([post[starts], coder[starts], pass_[starts]],
                       [len(encoded[c][1]) for c in (S.POST_ID, S.CODER, S.PASS)]):
        return False
    return _fits_codebook(pairs, values.reshape(-1, m), codebook)


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
        if not dims[d].multiple and _several(values, columns):
            return False
    return True


def _several(values: np.ndarray, columns: list[int]) -> bool:
    """Whether a row has a 1 in more than one of ``columns`` (values are 0 or 1)."""
    first, last = min(columns), max(columns)
    if last - first + 1 == len(columns):  # together (as written): a view, no copy
        return bool((values[:, first:last + 1].sum(axis=1) > 1).any())
    return bool((values[:, columns].sum(axis=1) > 1).any())


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
