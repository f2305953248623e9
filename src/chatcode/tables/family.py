"""One family of tests across tables: adjust the p-values of every with/without table
together (``--adjust-family all``) instead of table by table.

The p-values of all rows of all with/without tables that have one are adjusted at once
(statsmodels ``multipletests``: Holm, Benjamini-Hochberg, Bonferroni or
Benjamini-Yekutieli); ``p_adjusted`` and the stars follow, a row whose test is not valid
keeps no stars, and every table's test text says how many tests the family has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from chatcode.corpus import schema as S
from chatcode.engagement.comparisons import _ADJUST_NAMES, adjust, normalize_adjust, stars
from chatcode.tables.layouts import Table

__all__ = ["adjust_across"]


def adjust_across(tables: Sequence[Table], *, method: str = "holm") -> list[Table]:
    """The tables with the p-values of all with/without tables adjusted as one family."""
    method = normalize_adjust(method) or "holm"
    members = [i for i, t in enumerate(tables) if t.kind == "with_without" and len(t.data)]
    if not members:
        return list(tables)
    pooled = np.concatenate([tables[i].data[S.P_VALUE].to_numpy(dtype="float64")
                             for i in members])
    adjusted = adjust(pooled, method=method)
    k = int(np.isfinite(pooled).sum())
    ids = ", ".join(tables[i].id for i in members)
    words = (f"p-values adjusted by {_ADJUST_NAMES[method]} over all {k} tests of the "
             f"with/without tables {ids}")
    out, start = list(tables), 0
    for i in members:
        t = tables[i]
        data = t.data.copy()
        stop = start + len(data)
        data[S.P_ADJUSTED] = adjusted[start:stop]
        start = stop
        keep = ~data[S.NOTE].astype(str).str.contains("no stars", regex=False)
        data[S.STARS] = [stars(p) if ok else "" for p, ok in zip(
            data[S.P_ADJUSTED], keep, strict=True)]
        base = str(data[S.TEST].iat[0]).split("; p-values adjusted by")[0]
        data[S.TEST] = f"{base}; {words}"
        cols = [c for c in data.columns if c != S.P_ADJUSTED]
        at = cols.index(S.STARS) + 1
        data = data[cols[:at] + [S.P_ADJUSTED] + cols[at:]]
        out[i] = replace(t, data=data, test=str(data[S.TEST].iat[0]))
    return out
