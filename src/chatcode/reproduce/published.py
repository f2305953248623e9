"""Published tables: load a ``published.yaml`` and check that its figures are consistent.

A ``published.yaml`` lists every figure a paper prints about its chat data (see
``data/samples/diabpeers/published.yaml``): with/without tables of mean (SD) responses,
significance stars, counts, percentages, durations. :func:`check_published` asks, for integer
responses, which group sizes and sums can give each printed cell, whether the cells of one
population agree with each other, and which significance tests can give the printed stars.

>>> report = check_published("published.yaml", n_total=2584)  # doctest: +SKIP
>>> report.joint[["code", "sizes"]]                           # doctest: +SKIP

Notes
-----
- Rounding: a printed ``0.54`` stands for every value that rounds to it at its printed
  decimals, half up (``rounding="half_up"``, as SPSS and Excel display) or half to even
  (``"half_even"``, as Python's ``round`` and R's ``round``). Every test is exact integer
  arithmetic on the sum S and sum of squares Q of the responses, no floating point.
- GRIM (Brown & Heathers 2017): a mean m is possible with n posts when some integer S gives
  S/n that rounds to m. GRIMMER-style SD check (Anaya 2016): the sample SD (ddof=1)
  ``sqrt((Q - S²/n)/(n-1))`` must round to the printed SD for an integer Q with Q ≡ S
  (mod 2) (x² ≡ x mod 2) between the smallest Q (values as equal as possible) and the largest
  (values at 0 and ``max_value``). For n ≤ 6 the value multisets are enumerated exactly.
- Joint check: the rows of a with/without table split one population of N posts, so
  with + without gives the same overall (S, Q) in every row. Rows whose size is pinned
  (by the cell itself or by a printed percentage) give the candidate overall sums; every row
  is then checked against them.
- t-tests are computed from the printed summary statistics
  (``scipy.stats.ttest_ind_from_stats``); a rank test (Mann-Whitney) depends on the whole
  distribution and cannot be judged from means and SDs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from chatcode.errors import ChatcodeError, Location, Problem, Problems

__all__ = ["Cell", "PublishedCheck", "PublishedError", "load_published",
           "rounds_to"]

Rounding = Literal["half_up", "half_even"]
ROUNDINGS = ("half_up", "half_even")
SMALL_N = 6          # cells up to this size are enumerated value by value
PIN_MAX_SIZES = 12   # a row with at most this many feasible sizes pins the overall sums
KINDS = ("mean", "sd", "stars", "count", "pct", "duration", "kappa_min", "design",
         "qualitative")


class PublishedError(ChatcodeError):
    """A published.yaml file is invalid or cannot be read."""


# --- printed numbers and rounding -------------------------------------------------------------

@dataclass(frozen=True)
class Printed:
    """A printed number as integer units of its last decimal: "0.54" -> units 54, decimals 2."""

    text: str
    units: int
    decimals: int

    @classmethod
    def parse(cls, text: object, where: Location) -> Printed:
        try:
            value = Decimal(str(text).strip())
        except InvalidOperation:
            raise PublishedError(f"cannot read {text!r} as a number", where=where,
                                 hint='write it as printed, as a string, e.g. "0.54"') from None
        decimals = max(0, -value.as_tuple().exponent)
        return cls(str(text).strip(), int(value.scaleb(decimals)), decimals)

    @property
    def value(self) -> float:
        return self.units / 10**self.decimals


def _bounds_inclusive(units: int, rounding: str) -> tuple[bool, bool]:
    """Whether the lower / upper rounding bound itself rounds to ``units``."""
    if rounding == "half_up":
        return True, False
    even = units % 2 == 0
    return even, even


def rounds_to(value: float, printed: str, *, rounding: Rounding = "half_up") -> bool:
    """Whether ``value`` rounds to the ``printed`` number at its printed decimals."""
    p = Printed.parse(printed, Location())
    mode = "ROUND_HALF_UP" if rounding == "half_up" else "ROUND_HALF_EVEN"
    q = Decimal(1).scaleb(-p.decimals)
    got = Decimal(repr(float(value))).quantize(q, rounding=mode)
    return int(got.scaleb(p.decimals)) == p.units


def _div_floor(a, b):
    return a // b


def _div_ceil(a, b):
    return -((-a) // b)


# --- one cell: mean (and SD) of n integer values -----------------------------------------------

@dataclass(frozen=True)
class Cell:
    """A printed mean (and SD) of integer responses in [0, max_value] (None: unbounded)."""

    mean: Printed
    sd: Printed | None
    max_value: int | None
    rounding: str = "half_up"

    def s_range(self, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest S whose S/n rounds to the mean (may be empty: lo > hi)."""
        m, d = self.mean.units, self.mean.decimals
        lo_in, hi_in = _bounds_inclusive(m, self.rounding)
        lo_num, hi_num, den = n * (2 * m - 1), n * (2 * m + 1), 2 * 10**d
        lo = _div_ceil(lo_num, den) if lo_in else _div_floor(lo_num, den) + 1
        hi = _div_floor(hi_num, den) if hi_in else _div_ceil(hi_num, den) - 1
        lo = np.maximum(lo, 0)
        if self.max_value is not None:
            hi = np.minimum(hi, n * self.max_value)
        return lo, hi

    def q_bounds(self, n: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Range of Q with the right parity that the value range and the printed SD allow."""
        a, b = s // n, s % n
        qmin = (n - b) * a * a + b * (a + 1) ** 2
        if self.max_value is None:
            qmax = s * s
        else:
            k, r = s // max(self.max_value, 1), s % max(self.max_value, 1)
            qmax = k * self.max_value**2 + r * r
        lo, hi = qmin, qmax
        if self.sd is not None:
            k, d = self.sd.units, self.sd.decimals
            lo_in, hi_in = _bounds_inclusive(k, self.rounding)
            big, ss = 4 * 10 ** (2 * d), s * s
            low_num = n * (n - 1) * (2 * k - 1) ** 2 + big * ss
            up_num = n * (n - 1) * (2 * k + 1) ** 2 + big * ss
            if k > 0:
                sd_lo = _div_ceil(low_num, big * n) if lo_in else _div_floor(low_num, big * n) + 1
                lo = np.maximum(lo, sd_lo)
            sd_hi = _div_floor(up_num, big * n) if hi_in else _div_ceil(up_num, big * n) - 1
            hi = np.minimum(hi, sd_hi) if k >= 0 else lo - 2  # an SD is never negative
        lo = lo + ((lo - s) % 2)  # Q ≡ S (mod 2)
        hi = hi - ((hi - s) % 2)
        return lo, hi

    def ok(self, n: np.ndarray, s: np.ndarray, q: np.ndarray) -> np.ndarray:
        """Whether n values with sum s and sum of squares q can give this cell (n > SMALL_N)."""
        n, s, q = np.broadcast_arrays(*(np.asarray(x, dtype=np.int64) for x in (n, s, q)))
        good = n >= (2 if self.sd is not None else 1)
        safe = np.where(good, n, 2)
        s_lo, s_hi = self.s_range(safe)
        good &= (s >= s_lo) & (s <= s_hi)
        q_lo, q_hi = self.q_bounds(safe, np.where(s >= 0, s, 0))
        return good & (q >= q_lo) & (q <= q_hi)

    def _pairs(self, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (n, S) of ``sizes`` (> SMALL_N) whose S/n rounds to the mean."""
        lo, hi = self.s_range(sizes)
        count = np.maximum(hi - lo + 1, 0)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        return np.repeat(sizes, count), np.repeat(lo, count) + offset

    def candidates(self, sizes: np.ndarray) -> pd.DataFrame:
        """Every (n, S, Q) of the given sizes that gives this cell (columns n, s, q).

        Without a printed SD, Q is not constrained and given as -1 (one row per S).
        """
        sizes = np.asarray(sizes, dtype=np.int64)
        parts = [self._enumerated(int(n)) for n in sizes[sizes <= SMALL_N]]
        big = sizes[sizes > SMALL_N]
        if len(big):
            n, s = self._pairs(big)
            if self.sd is None:
                parts.append(pd.DataFrame({"n": n, "s": s, "q": np.full(len(n), -1)}))
            else:
                q_lo, q_hi = self.q_bounds(n, s)
                k = np.maximum((q_hi - q_lo) // 2 + 1, 0)
                q = np.repeat(q_lo, k) + 2 * (np.arange(k.sum()) -
                                              np.repeat(np.cumsum(k) - k, k))
                parts.append(pd.DataFrame({"n": np.repeat(n, k), "s": np.repeat(s, k),
                                           "q": q}))
        if not parts:
            return pd.DataFrame({"n": [], "s": [], "q": []}, dtype=np.int64)
        return pd.concat(parts, ignore_index=True).astype(np.int64)

    def feasible(self, sizes: np.ndarray) -> np.ndarray:
        """The sizes among ``sizes`` for which the cell is possible (sorted)."""
        sizes = np.asarray(sizes, dtype=np.int64)
        small = [n for n in sizes[sizes <= SMALL_N] if _multisets(self, int(n))]
        big = sizes[sizes > SMALL_N]
        n, s = self._pairs(big)
        if self.sd is not None and len(n):
            q_lo, q_hi = self.q_bounds(n, s)
            n = n[q_lo <= q_hi]
        return np.unique(np.concatenate([np.array(small, dtype=np.int64), n]))

    def multisets(self, n: int) -> list[tuple[int, ...]]:
        """Every multiset of n values (n <= SMALL_N) that gives this cell."""
        return list(_multisets(self, n))

    def _enumerated(self, n: int) -> pd.DataFrame:
        rows = sorted({(sum(v), sum(x * x for x in v)) for v in _multisets(self, n)})
        return pd.DataFrame({"n": [n] * len(rows), "s": [r[0] for r in rows],
                             "q": [r[1] for r in rows]}, dtype=np.int64)


@cache
def _multisets(cell: Cell, n: int) -> tuple[tuple[int, ...], ...]:
    if n < (2 if cell.sd is not None else 1):
        return ()
    lo, hi = cell.s_range(np.int64(n))
    top = int(hi) if cell.max_value is None else min(int(hi), cell.max_value)
    out = []
    for values in itertools.combinations_with_replacement(range(top + 1), n):
        s = sum(values)
        if not lo <= s <= hi:
            continue
        q = sum(v * v for v in values)
        if cell.sd is None or _sd_rounds(cell, n, s, q):
            out.append(values)
    return tuple(out)


def _sd_rounds(cell: Cell, n: int, s: int, q: int) -> bool:
    k, d = cell.sd.units, cell.sd.decimals
    lo_in, hi_in = _bounds_inclusive(k, cell.rounding)
    v = 4 * 10 ** (2 * d) * (n * q - s * s)
    low, up = n * (n - 1) * (2 * k - 1) ** 2, n * (n - 1) * (2 * k + 1) ** 2
    if k < 0:
        return False
    above = k == 0 or (v >= low if lo_in else v > low)
    return above and (v <= up if hi_in else v < up)


def feasible_sizes(cell: Cell, sizes: np.ndarray) -> np.ndarray:
    """The sizes among ``sizes`` for which the cell is possible."""
    return cell.feasible(sizes)


# --- loading published.yaml --------------------------------------------------------------------

def load_published(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Read and validate a published.yaml (or an already-loaded dict); returns the dict.

    Checks that every table row has ``code`` and ``with``/``without`` cells whose numbers
    are written as printed (strings such as ``"0.54"``), and that every figure has ``id``,
    ``kind`` and ``value``. Raises :class:`PublishedError` listing every problem.
    """
    path = None
    if isinstance(source, Mapping):
        data = dict(source)
    else:
        import yaml

        path = Path(source)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PublishedError(f"cannot read the published figures: {exc}",
                                 where=Location(path),
                                 hint="give a YAML file like data/samples/diabpeers/"
                                 "published.yaml") from None
    if not isinstance(data, dict):
        raise PublishedError("not a published.yaml: expected a mapping with tables: and "
                             "figures:", where=Location(path),
                             hint="see data/samples/diabpeers/published.yaml")
    problems = _table_problems(data, path) + _figure_problems(data, path)
    if problems:
        raise Problems.of(PublishedError, problems,
                          title=f"{path or 'published figures'}: {len(problems)} problem(s)"
                          if len(problems) > 1 else None)
    return data


def _table_problems(data: dict, path: Path | None) -> list[Problem]:
    problems = []
    for t, table in enumerate(data.get("tables") or []):
        for r, row in enumerate(table.get("rows") or [] if isinstance(table, dict) else []):
            where = Location(path, sheet=f"tables[{t}] (id {table.get('id')})", row=r + 1)
            if not isinstance(row, dict) or "code" not in row:
                problems.append(Problem("a table row without code", where,
                                        "give every row code: and with:/without: cells"))
                continue
            for side in ("with", "without"):
                cell = row.get(side) or {}
                for key in ("mean", "sd", "n", "pct_of_all_posts"):
                    if key in cell and not isinstance(cell[key], str):
                        problems.append(Problem(
                            f"{side}.{key} of {row['code']!r} is {cell[key]!r}, not a string",
                            where, f'quote it as printed, e.g. {key}: "{cell[key]}"'))
            if "mean" not in (row.get("with") or {}):
                problems.append(Problem(f"row {row['code']!r} has no with.mean", where,
                                        "give the printed mean of the posts with the code"))
    return problems


def _figure_problems(data: dict, path: Path | None) -> list[Problem]:
    problems = []
    for i, fig in enumerate(data.get("figures") or []):
        where = Location(path, sheet="figures", row=i + 1)
        missing = [k for k in ("id", "kind") if not isinstance(fig, dict) or k not in fig]
        if missing:
            problems.append(Problem(f"a figure without {', '.join(missing)}", where,
                                    "give every figure id:, kind: and value:"))
        elif fig["kind"] not in KINDS:
            problems.append(Problem(f"figure {fig['id']!r} has the unknown kind "
                                    f"{fig['kind']!r}", where,
                                    f"use one of {', '.join(KINDS)}"))
        elif fig["kind"] != "qualitative" and not isinstance(fig.get("value"), str):
            problems.append(Problem(f"figure {fig['id']!r} has no value written as printed",
                                    where, 'give value: as a string, e.g. value: "55"'))
    return problems


# --- the check ---------------------------------------------------------------------------------

@dataclass
class PublishedCheck:
    """The result of :func:`check_published`: one DataFrame per section, and problems.

    ``cells``: per printed mean/SD cell, the sizes n (1..N) for which it is possible alone.
    ``joint``: per with/without row, the sizes consistent with the whole table and the
    printed percentages, and the value multisets of tiny cells. ``tests``: per row, which
    significance tests can give the printed stars. ``percentages``: the counts each printed
    percentage allows. ``notes``: population, rounding and time figures. ``problems``:
    printed cells no integer data can give (empty: consistent).
    """

    population: dict[str, Any]
    cells: pd.DataFrame
    joint: pd.DataFrame
    tests: pd.DataFrame
    percentages: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rounding: str = "half_up"
    max_value: int | None = None

    @property
    def consistent(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"consistent": self.consistent, "rounding": self.rounding,
                "max_value": self.max_value, "population": self.population,
                "cells": _records(self.cells), "joint": _records(self.joint),
                "tests": _records(self.tests),
                "percentages": _records(self.percentages), "notes": self.notes,
                "problems": self.problems}


def time_notes(data: Mapping[str, Any]) -> list[str]:
    """Notes on duration figures: "7 h 27 min" is 7.45 h, and "7.27 hours" is 7 h 16 min."""
    notes = []
    for fig in data.get("figures") or []:
        if fig.get("kind") != "duration":
            continue
        text = " ".join(str(fig.get(k, "")) for k in ("value", "where", "note", "text"))
        for h, m in re.findall(r"(\d+)\s*h(?:ours?)?\s*(?:and\s*)?(\d+)\s*min", text):
            hours = int(h) + int(m) / 60
            notes.append(f"{fig['id']}: {h} h {m} min = {hours:.2f} h (decimal hours)")
        for dec in re.findall(r"(\d+\.\d+)\s*hours", text):
            minutes = round(float(dec) * 60)
            notes.append(f"{fig['id']}: \"{dec} hours\" read as decimal hours is "
                         f"{minutes // 60} h {minutes % 60} min; read as h.mm it is "
                         f"{dec.split('.')[0]} h {dec.split('.')[1]} min")
        if "hours" in fig:
            notes.append(f"{fig['id']}: the figures imply {fig['value']} = {fig['hours']} "
                         "decimal hours; a printed \"h.mm hours\" is hours and minutes, "
                         "not decimal hours")
    return notes


def size_text(sizes: np.ndarray | list[int], limit: int = 12) -> str:
    """Sizes as ranges: [3] -> "3", [5, 6] -> "5-6", [1, 2, 4] -> "1-2, 4"."""
    sizes = sorted(int(s) for s in sizes)
    if not sizes:
        return "none"
    runs, start = [], sizes[0]
    for a, b in itertools.pairwise(sizes + [None]):
        if b != a + 1:
            runs.append(f"{start}" if start == a else f"{start}-{a}")
            start = b
    text = ", ".join(runs[:limit])
    return text + (f", ... ({len(runs) - limit} more ranges)" if len(runs) > limit else "")



# --- the checks, section by section -------------------------------------------------------------


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()}
            for rec in df.to_dict("records")]
