"""A table as a journal prints it, with numbers kept as numbers.

:func:`journal_columns` turns a :class:`~chatcode.tables.layouts.Table` into columns that
carry a spanning header (``With`` / ``Without``), a header, the raw values and a number
format. The journal workbook writes the values as numbers with Excel number formats; the
Word document and the HTML page format them as text with :func:`cell_text`. Stars have a
column of their own.

Formats: ``"text"``, ``"int"``, ``"0.0"``, ``"0.00"``, ``"0.000"`` (fixed decimals), ``"p"``
(``.034``, ``<.001``, APA) and ``"stat"`` (an integer when the value is whole, as a
Mann-Whitney U usually is, one decimal for a half, else 2 decimals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.tables.layouts import Table

__all__ = ["EXCEL_FORMATS", "JournalColumn", "cell_text", "journal_columns", "stat_symbol"]

NA = "n/a"
EXCEL_FORMATS = {"int": "0", "0.0": "0.0", "0.00": "0.00", "0.000": "0.000",
                 "p": '[<0.001]"<.001";.000', "stat": "General", "text": "@"}
_STAT_NAME = {"Mann": "U", "Welch": "t", "Stude": "t", "negat": "z"}


@dataclass(frozen=True)
class JournalColumn:
    """One column: ``group`` spans the columns that share it (None: no spanning header)."""

    name: str
    values: tuple[object, ...]
    fmt: str = "text"
    group: str | None = None


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float | np.floating) and not math.isfinite(float(value))


def cell_text(value: object, fmt: str) -> str:
    """A value as printed: ``0.54``, ``<.001``, ``481496``; ``n/a`` when missing."""
    if fmt == "text":
        return "" if _missing(value) else str(value)
    if _missing(value):
        return NA
    v = float(value)
    if fmt == "int":
        return f"{int(round(v))}"
    if fmt == "p":
        return "<.001" if v < 0.001 else f"{v:.3f}".replace("0.", ".", 1)
    if fmt == "stat":  # U is whole or half-whole; t and z have 2 decimals
        if v.is_integer():
            return f"{int(v)}"
        return f"{v:.1f}" if (2 * v).is_integer() else f"{v:.2f}"
    return f"{v:.{len(fmt) - 2}f}"


def stat_symbol(table: Table) -> str:
    """``U``, ``t`` or ``z``: the statistic of the table's test ("Statistic" if unknown)."""
    return next((v for k, v in _STAT_NAME.items() if (table.test or "").startswith(k)),
                "Statistic")


def _col(name: str, values: object, fmt: str = "text", group: str | None = None
         ) -> JournalColumn:
    return JournalColumn(name, tuple(pd.Series(values).tolist()), fmt, group)


def journal_columns(table: Table) -> list[JournalColumn]:
    """The columns of ``table`` as a journal prints them (see the module docstring)."""
    build = _BUILDERS.get(table.kind, _generic)
    return build(table)


def _with_without(table: Table) -> list[JournalColumn]:
    d = table.data
    cols = [_col(table.dimension_label or "Code", d[S.LABEL]),
            _col("n", d[S.N_WITH], "int", "With"), _col("%", d[S.PCT_WITH], "0.0", "With"),
            _col("M", d[S.MEAN_WITH], "0.00", "With"), _col("SD", d[S.SD_WITH], "0.000", "With"),
            _col("n", d[S.N_WITHOUT], "int", "Without"),
            _col("M", d[S.MEAN_WITHOUT], "0.00", "Without"),
            _col("SD", d[S.SD_WITHOUT], "0.000", "Without"),
            _col(stat_symbol(table), d[S.STATISTIC], "stat"), _col("p", d[S.P_VALUE], "p")]
    if S.P_ADJUSTED in d:
        cols.append(_col("p adj.", d[S.P_ADJUSTED], "p"))
    cols.append(_col("Sig.", d[S.STARS]))
    if S.IRR in d:
        cols += [_col("IRR", d[S.IRR], "0.00", "IRR (95% CI)"),
                 _col("low", d[S.IRR_CI_LOW], "0.00", "IRR (95% CI)"),
                 _col("high", d[S.IRR_CI_HIGH], "0.00", "IRR (95% CI)")]
    return cols


def _support(table: Table) -> list[JournalColumn]:
    d = table.data
    cols = [_col(table.dimension_label or "Code", d[S.LABEL]), _col("n", d[S.N], "int"),
            _col("% of peer-support posts", d[S.PCT_OF_SUPPORT_POSTS], "0.0"),
            _col("% of all posts", d[S.PCT_OF_ALL_POSTS], "0.0")]
    roles = [("Moderators", S.N_MODERATOR, S.PCT_MODERATOR),
             ("Participants", S.N_PARTICIPANT, S.PCT_PARTICIPANT)]
    if d[S.N_OTHER].sum():
        roles.append(("Others", S.N_OTHER, S.PCT_OTHER))
    for name, n, pct in roles:
        cols += [_col("n", d[n], "int", name), _col("%", d[pct], "0.0", name)]
    return cols


def _topics(table: Table) -> list[JournalColumn]:
    d = table.data
    return [_col(table.dimension_label or "Code", d[S.LABEL]), _col("n", d[S.N], "int"),
            _col("%", d[S.PCT], "0.0"), _col("M", d[S.MEAN], "0.00", "Responses"),
            _col("SD", d[S.SD], "0.000", "Responses")]


def _frequencies(table: Table) -> list[JournalColumn]:
    d = table.data
    col = np.where(d[S.BY].eq("all"), "All posts", d[S.LEVEL])
    long = d.assign(column=col)
    order = list(dict.fromkeys(long["column"]))
    keys = [S.DIMENSION, S.CODE, S.LABEL]
    wide_n = long.pivot_table(index=keys, columns="column", values=S.N, aggfunc="first",
                              sort=False)[order]
    wide_p = long.pivot_table(index=keys, columns="column", values=S.PCT, aggfunc="first",
                              sort=False)[order]
    index = wide_n.index.to_frame(index=False)
    cols = [_col("Dimension", index[S.DIMENSION]), _col("Code", index[S.LABEL])]
    for level in order:
        cols += [_col("n", wide_n[level].to_numpy(), "int", str(level)),
                 _col("%", wide_p[level].to_numpy(), "0.0", str(level))]
    return cols


def _latency(table: Table) -> list[JournalColumn]:
    d = table.data
    return [_col("Group", d[S.GROUP]), _col("n", d[S.N], "int"),
            _col("Mean", d[S.MEAN_HOURS], "0.00", "Hours"),
            _col("Median", d[S.MEDIAN_HOURS], "0.00", "Hours"),
            _col("Q1", d[S.Q1_HOURS], "0.00", "Hours"), _col("Q3", d[S.Q3_HOURS], "0.00", "Hours"),
            _col("Mean (h min)", d[S.FORMATTED])]


def _generic(table: Table) -> list[JournalColumn]:
    """Any other table: its columns as they are, numbers with 2 decimals, counts whole."""
    out = []
    for name in table.data.columns:
        s = table.data[name]
        if pd.api.types.is_bool_dtype(s):
            fmt = "text"
        elif pd.api.types.is_integer_dtype(s):
            fmt = "int"
        elif pd.api.types.is_float_dtype(s):
            fmt = "0.00"
        else:
            fmt = "text"
            s = s.astype("str") if pd.api.types.is_datetime64_any_dtype(s) else s
        out.append(_col(str(name).replace("_", " ").capitalize(), s, fmt))
    return out


_BUILDERS = {"with_without": _with_without, "support_characteristics": _support,
             "topics": _topics, "frequencies": _frequencies, "latency": _latency}
