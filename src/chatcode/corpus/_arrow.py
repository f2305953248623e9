"""Checks on Arrow-backed text columns (pandas ``str``) that let validation skip work.

A large table read from CSV (or an all-text sheet) holds its text in Arrow arrays. These
functions look at the bytes of such a column, column-wise, so that ``schema.validate_posts``
can tell in one pass that stripping would change nothing or that no value is empty, and
leave the column as it is; any other column gets ``None`` or ``False`` and takes the
general path, which gives the same result.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["arrow_text", "count_distinct", "plain_text", "within"]

_VISIBLE_FROM, _VISIBLE_SPAN = np.uint8(0x21), np.uint8(0x7E - 0x21 + 1)  # "!" .. "~"


def arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array behind a pandas ``str`` column (no copy), else None."""
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    arrow = pa.array(values.array)
    if isinstance(arrow, pa.Array):
        arrow = pa.chunked_array([arrow])
    if not (pa.types.is_large_string(arrow.type) or pa.types.is_string(arrow.type)):
        return None
    return arrow


def plain_text(values: pd.Series) -> bool:
    """True when ``values`` is an Arrow-backed text column in which every value present is
    non-empty and begins and ends with a visible ASCII character ("!" to "~"): stripping
    white space changes no value, and no value is blank. Reads the first and last byte of
    each value from the Arrow buffers; missing values are allowed."""
    arrow = arrow_text(values)
    if arrow is None:
        return False
    for chunk in arrow.chunks:
        if len(chunk) == chunk.null_count:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[
            chunk.offset:chunk.offset + len(chunk) + 1]
        starts, ends = offsets[:-1], offsets[1:]
        if chunk.null_count:
            present = chunk.is_valid().to_numpy(zero_copy_only=False)
            starts, ends = starts[present], ends[present]
        if (ends <= starts).any():
            return False
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
        edges = np.concatenate([data[starts], data[ends - 1]])
        if ((edges - _VISIBLE_FROM) >= _VISIBLE_SPAN).any():  # (uint8: below "!" wraps)
            return False
    return True


def within(values: pd.Series, allowed: Sequence[str]) -> bool:
    """True when ``values`` is an Arrow-backed text column with no missing value and every
    value one of ``allowed`` (exactly: no white space, same case)."""
    arrow = arrow_text(values)
    if arrow is None or arrow.null_count:
        return False
    allowed = pa.array(list(allowed), type=arrow.type)
    return bool(pc.all(pc.is_in(arrow, value_set=allowed)).as_py())


def count_distinct(values: pd.Series) -> int:
    """The number of distinct values present (missing values not counted), in one hash
    pass: ``pyarrow.compute.unique`` on the Arrow array of a ``str`` column (no integer
    code per row is made), else ``pandas.factorize``."""
    arrow = arrow_text(values)
    if arrow is None:
        return len(pd.factorize(values)[1])
    distinct = pc.unique(arrow)
    return len(distinct) - distinct.null_count
