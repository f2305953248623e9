"""Consistency checks of published tables (:func:`check_published`): per-row cells, group sizes
consistent with one population, joint with/without consistency, percentages, and which tests
can give the printed stars. See :mod:`chatcode.reproduce.published` for the conventions."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chatcode.errors import Location
from chatcode.reproduce.published import (
    PIN_MAX_SIZES,
    ROUNDINGS,
    SMALL_N,
    Cell,
    Printed,
    PublishedCheck,
    PublishedError,
    Rounding,
    feasible_sizes,
    load_published,
    size_text,
    time_notes,
)


@dataclass(frozen=True)
class _Row:
    table: str
    code: str
    dimension: str | None
    with_: Cell
    without: Cell | None
    stars: str | None
    stars_printed: bool
    n_printed: int | None


def _cell(spec: Mapping | None, max_value, rounding, where: Location) -> Cell | None:
    if not spec or "mean" not in spec:
        return None
    sd = Printed.parse(spec["sd"], where) if spec.get("sd") is not None else None
    return Cell(Printed.parse(spec["mean"], where), sd, max_value, rounding)


def _rows(data: Mapping, max_value, rounding) -> list[_Row]:
    rows = []
    for table in data.get("tables") or []:
        for i, r in enumerate(table.get("rows") or []):
            where = Location(sheet=f"table {table.get('id')}", row=i + 1)
            w, wo = r.get("with") or {}, r.get("without") or {}
            rows.append(_Row(str(table.get("id")), r["code"], table.get("dimension"),
                             _cell(w, max_value, rounding, where),
                             _cell(wo, max_value, rounding, where),
                             w.get("stars"), bool(table.get("stars_printed")),
                             int(w["n"]) if w.get("n") is not None else None))
    return rows


def _pct_counts(pct: Printed, bases: list[int], rounding: str) -> list[int]:
    """Counts k (for some base) with 100·k/base rounding to the printed percentage."""
    # 100·k/base rounds to the percentage  <=>  k/base rounds to it as a proportion
    cell = Cell(Printed(pct.text, pct.units, pct.decimals + 2), None, None, rounding)
    out: set[int] = set()
    for base in bases:
        lo, hi = cell.s_range(np.int64(base))
        out.update(range(int(lo), int(hi) + 1))
    return sorted(out)


def _population(data: Mapping, n_total, rounding) -> tuple[list[int], str]:
    if n_total:
        return [int(n_total)], f"N = {int(n_total)} posts (given)"
    for table in data.get("tables") or []:
        for r in table.get("rows") or []:
            w = r.get("with") or {}
            if w.get("n") is not None and w.get("pct_of_all_posts") is not None:
                n, pct = int(w["n"]), Printed.parse(w["pct_of_all_posts"], Location())
                hi_bound = math.floor(100 * n / max(pct.value - 0.5 / 10**pct.decimals, 1e-9))
                bases = range(n, hi_bound + 2)
                ok = [b for b in bases if n in _pct_counts(pct, [b], rounding)]
                if ok:
                    return ok, (f"N = {size_text(ok)} posts, derived from {r['code']} "
                                f"{n} = {pct.text}% of all posts")
    return [], "N unknown: give --n-total or population: {posts: N}"


def _size_constraints(data: Mapping, rows: list[_Row], n_all: int,
                      rounding: str) -> tuple[dict[str, set[int]], pd.DataFrame]:
    """Sizes each code can have by the printed percentages, and the percentages frame."""
    figs = [f for f in data.get("figures") or [] if f.get("kind") == "pct"]
    support: dict[str, list[int]] = {}
    records, sizes = [], {}
    for fig in sorted(figs, key=lambda f: f.get("code") != "any"):
        pct = Printed.parse(fig["value"], Location(sheet="figures"))
        base = [n_all] if fig.get("pct_of") == "all_posts" else support.get(
            fig.get("dimension"), [])
        counts = _pct_counts(pct, base, rounding) if base else []
        if fig.get("code") == "any":
            support[fig.get("dimension")] = counts
        else:
            sizes[fig.get("code")] = set(counts)
        records.append({"id": fig["id"], "value": pct.text, "pct_of": fig.get("pct_of"),
                        "counts": size_text(counts) if base else "base unknown",
                        "feasible": bool(counts) or not base})
    for r in rows:
        if r.n_printed is not None:
            sizes[r.code] = sizes.get(r.code, {r.n_printed}) & {r.n_printed}
    return sizes, pd.DataFrame(records, columns=["id", "value", "pct_of", "counts",
                                                 "feasible"])


def _cells_frame(rows: list[_Row], n_max: int) -> tuple[pd.DataFrame, list[str], dict]:
    records, problems, found = [], [], {}
    sizes = np.arange(1, n_max + 1, dtype=np.int64)
    for r in rows:
        for side, cell in (("with", r.with_), ("without", r.without)):
            if cell is None:
                continue
            ns = found[r, side] = feasible_sizes(cell, sizes)
            records.append({"table": r.table, "code": r.code, "side": side,
                            "mean": cell.mean.text, "sd": cell.sd.text if cell.sd else "",
                            "n_feasible": len(ns), "sizes": size_text(ns, 6)})
            if not len(ns):
                problems.append(f"table {r.table}, {r.code}, {side}: mean {cell.mean.text}"
                                + (f" (SD {cell.sd.text})" if cell.sd else "")
                                + f" is impossible for integer data with n <= {n_max}")
    return pd.DataFrame(records), problems, found


def _row_prior(r: _Row, n_all: int, limits: dict[str, set[int]], alone: dict) -> np.ndarray:
    """Sizes of the with cell that the cells alone and the percentages allow."""
    ns = alone[r, "with"]
    ns = ns[ns < n_all]
    if r.code in limits:
        ns = ns[np.isin(ns, np.array(sorted(limits[r.code]), dtype=np.int64))]
    return ns[np.isin(n_all - ns, alone[r, "without"])]


def _overall(r: _Row, n_all: int, ns: np.ndarray) -> set[tuple[int, int]]:
    w = r.with_.candidates(ns)
    wo = r.without.candidates(n_all - ns)
    wo = wo.assign(n=n_all - wo["n"])
    both = w.merge(wo, on="n", suffixes=("_w", "_o"))
    return set(zip((both["s_w"] + both["s_o"]).tolist(), (both["q_w"] + both["q_o"]).tolist(),
                   strict=True))


def _fits(r: _Row, n_all: int, ns: np.ndarray, totals: np.ndarray
          ) -> tuple[np.ndarray, set[tuple[int, int]]]:
    """The sizes of ``ns`` (and the overall sums) with which the row fits the totals."""
    if r.without is None or not len(ns) or not len(totals):
        return ns, {tuple(t) for t in totals.tolist()}
    lo_w, hi_w = r.with_.s_range(ns)
    lo_o, hi_o = r.without.s_range(n_all - ns)
    keep = (lo_w + lo_o <= totals[:, 0].max()) & (hi_w + hi_o >= totals[:, 0].min())
    w = r.with_.candidates(ns[keep])
    if not len(w):
        return ns[:0], set()
    n = np.repeat(w["n"].to_numpy(), len(totals))
    sw, qw = (np.repeat(w[c].to_numpy(), len(totals)) for c in ("s", "q"))
    st, qt = np.tile(totals[:, 0], len(w)), np.tile(totals[:, 1], len(w))
    if r.with_.sd is None or r.without.sd is None:
        lo, hi = r.without.s_range(n_all - n)
        good = (st - sw >= lo) & (st - sw <= hi)
    else:
        good = r.without.ok(n_all - n, st - sw, qt - qw)
    return np.unique(n[good]), set(zip(st[good].tolist(), qt[good].tolist(), strict=True))


def _joint_for(rows: list[_Row], n_all: int, limits: dict, alone: dict
               ) -> tuple[dict, set] | None:
    """Feasible sizes per row for one N, or None when no row pins the overall sums."""
    priors = {r: _row_prior(r, n_all, limits, alone) for r in rows if r.without is not None}
    pins = [r for r, ns in priors.items() if 0 < len(ns) <= PIN_MAX_SIZES and r.with_.sd
            and r.without.sd]
    if not pins:
        return None
    totals = set.intersection(*(_overall(r, n_all, priors[r]) for r in pins))
    sizes: dict[_Row, np.ndarray] = {}
    for _ in range(4):  # until the overall sums no longer shrink
        arr = np.array(sorted(totals), dtype=np.int64).reshape(-1, 2)
        fits = {r: _fits(r, n_all, ns, arr) for r, ns in priors.items()}
        sizes = {r: f[0] for r, f in fits.items()}
        full = [f[1] for r, f in fits.items() if r.with_.sd and r.without.sd]
        new = set.intersection(totals, *full) if full else totals
        if new == totals:
            break
        totals = new
    return sizes, totals


def _joint_frame(rows: list[_Row], n_values: list[int], limits: dict, alone: dict
                 ) -> tuple[pd.DataFrame, list[str], dict, list[int]]:
    union: dict[_Row, set[int]] = {}
    n_ok, totals_all = [], set()
    for n_all in n_values:
        got = _joint_for(rows, n_all, limits, alone)
        if got is None:
            return pd.DataFrame(), ["no row pins the overall sums: joint check skipped"], {}, []
        sizes, totals = got
        if totals and all(len(v) for v in sizes.values()):
            n_ok.append(n_all)
            totals_all |= totals
            for r, v in sizes.items():
                union.setdefault(r, set()).update(int(x) for x in v)
    records, problems = [], []
    for r in rows:
        if r.without is None:
            continue
        ns = sorted(union.get(r, ()))
        tiny = [",".join(map(str, m)) for n in ns if n <= SMALL_N for m in r.with_.multisets(n)]
        records.append({"table": r.table, "code": r.code, "sizes": size_text(ns),
                        "n_feasible": len(ns),
                        "values": "; ".join(tiny) if ns and max(ns) <= SMALL_N else ""})
        if not ns:
            problems.append(f"table {r.table}, {r.code}: no size fits the with and without "
                            "cells together with the other rows of one population")
    notes = []
    if totals_all:
        s = [t[0] for t in totals_all]
        notes.append(f"overall sums consistent with every row: {len(totals_all)} (S, Q) "
                     f"pair(s), S = {size_text(sorted(set(s)), 4)} responses")
    return pd.DataFrame(records), problems + notes, {r: sorted(v) for r, v in union.items()}, n_ok


def _tests_frame(rows: list[_Row], sizes: dict, n_values: list[int]) -> pd.DataFrame:
    from chatcode.engagement.comparisons import stars as star_of

    records = []
    for r in rows:
        if not r.stars_printed or r.without is None or r.with_.sd is None:
            continue
        ns = sizes.get(r, [])
        rec = {"table": r.table, "code": r.code, "printed": r.stars or ""}
        for name, equal in (("welch", False), ("student", True)):
            ps = _t_pvalues(r, ns, n_values, equal)
            ps = [p for p in ps if np.isfinite(p)]
            marks = sorted({star_of(p) for p in ps}, key=len)
            rec[f"{name}_p"] = (f"{min(ps):.3g}-{max(ps):.3g}" if ps else "n/a")
            rec[f"{name}_stars"] = " or ".join(stars_text(m) for m in marks) if ps else "n/a"
            rec[f"{name}_can"] = bool(ps) and (r.stars or "") in marks
        rec["mannwhitney"] = ("not determined by the summary statistics (depends on the "
                              "distribution)")
        records.append(rec)
    return pd.DataFrame(records)


def stars_text(stars: str | None) -> str:
    """Stars as printed in a message: ``***``, or ``no stars``."""
    return stars or "no stars"


def _corners(p: Printed) -> np.ndarray:
    half = 0.4999 / 10**p.decimals  # the values that round to the printed number
    return np.array([max(p.value - half, 0.0), p.value, p.value + half])


def _t_pvalues(r: _Row, ns: list[int], n_values: list[int], equal: bool) -> list[float]:
    """t-test p-values over the feasible sizes and the rounding intervals of the cells."""
    from scipy.stats import ttest_ind_from_stats

    pairs = [(n, n_all - n) for n_all in n_values for n in ns if 1 < n < n_all - 1]
    if not pairs:
        return []
    grid = np.array(list(itertools.product(
        _corners(r.with_.mean), _corners(r.with_.sd), _corners(r.without.mean),
        _corners(r.without.sd), range(len(pairs)))))
    n1, n0 = np.array(pairs)[grid[:, 4].astype(int)].T
    with np.errstate(divide="ignore", invalid="ignore"):
        p = ttest_ind_from_stats(grid[:, 0], grid[:, 1], n1, grid[:, 2], grid[:, 3], n0,
                                 equal_var=equal).pvalue
    return [float(x) for x in np.atleast_1d(p)]


def _test_notes(tests: pd.DataFrame) -> list[str]:
    notes = []
    for table, part in tests.groupby("table", sort=False) if len(tests) else ():
        for name in ("welch", "student"):
            bad = part[~part[f"{name}_can"].astype(bool)]
            if len(bad):
                rows = "; ".join(f"{r.code}: printed {stars_text(r.printed)}, {name} t gives "
                                 f"p = {getattr(r, name + '_p')} ({getattr(r, name + '_stars')})"
                                 for r in bad.itertuples())
                notes.append(f"table {table}: the printed stars are not produced by a "
                             f"{name} t-test ({rows})")
            else:
                notes.append(f"table {table}: a {name} t-test can produce the printed stars")
        notes.append(f"table {table}: a rank test (Mann-Whitney) is not determined by means "
                     "and SDs; only a data set (e.g. a reconstruction) shows whether it gives "
                     "the printed stars")
    return notes


def run_checks(data: Mapping, *, n_total: int | None, max_value: int | None,
               rounding: str) -> PublishedCheck:
    """Every section of :func:`check_published` on a validated published dict."""
    rows = [r for r in _rows(data, max_value, rounding) if r.with_ is not None]
    n_values, pop_text = _population(data, n_total, rounding)
    n_max = max(n_values) if n_values else 5000
    cells, problems, alone = _cells_frame(rows, n_max)
    joint, tests = pd.DataFrame(), pd.DataFrame()
    pct_frames, notes, n_ok, sizes, per_n = [], [], [], {}, {}
    for n_all in n_values:
        limits, pct = _size_constraints(data, rows, n_all, rounding)
        pct_frames.append(pct.assign(n_total=n_all))
        frame, extra, got, ok = _joint_frame(rows, [n_all], limits, alone)
        n_ok += ok
        joint = pd.concat([joint, frame.assign(n_total=n_all)]) if len(frame) else joint
        for r, v in got.items():
            sizes.setdefault(r, set()).update(v)
            per_n.setdefault(r, {})[n_all] = set(v)
        notes += [f"N = {n_all}: {e}" for e in extra if not e.startswith("table")]
    joint = _merge_joint(joint)
    sizes = {r: sorted(v) for r, v in sizes.items()}
    missing = [f"table {r.table}, {r.code}: no size fits the with and without cells together "
               "with the other rows of one population" for r in rows
               if r.without is not None and n_ok and not sizes.get(r)]
    if n_values and not n_ok and len(joint):
        missing.append("no N fits every row of the tables jointly")
    tests = _tests_frame(rows, sizes, n_ok or n_values)
    percentages = pd.concat(pct_frames, ignore_index=True) if pct_frames else pd.DataFrame()
    problems += missing
    if len(percentages):
        problems += [f"{p.id}: {p.value}% is impossible" for p in percentages.itertuples()
                     if not p.feasible]
    population = {"n_total": size_text(n_values), "n_consistent": size_text(n_ok),
                  "text": pop_text}
    notes = [pop_text, *_dedupe(notes), *_size_notes(per_n), *_test_notes(tests),
             *_dedupe(time_notes(data))]
    return PublishedCheck(population, cells, joint, tests,
                          _merge_pct(percentages), notes, _dedupe(problems), rounding,
                          max_value)


def _size_notes(per_n: dict) -> list[str]:
    """For a range of N: the sizes of a row that only some N allow."""
    notes = []
    for r, by_n in per_n.items():
        if len(by_n) < 2:
            continue
        every = set.intersection(*by_n.values())
        for size in sorted(set.union(*by_n.values()) - every):
            ns = [n for n, v in by_n.items() if size in v]
            notes.append(f"table {r.table}, {r.code}: size {size} fits only with N = "
                         f"{size_text(ns, 4)}")
    return notes


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _merge_joint(joint: pd.DataFrame) -> pd.DataFrame:
    if not len(joint):
        return joint
    out = []
    for (table, code), part in joint.groupby(["table", "code"], sort=False):
        ns = sorted({int(x) for s in part["sizes"] for x in _expand(s)})
        vals = _dedupe([v for v in part["values"] if v])
        out.append({"table": table, "code": code, "sizes": size_text(ns),
                    "n_feasible": len(ns), "values": "; ".join(vals)})
    return pd.DataFrame(out)


def _expand(text: str) -> list[int]:
    if text == "none":
        return []
    out = []
    for part in text.split(", "):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def _merge_pct(pct: pd.DataFrame) -> pd.DataFrame:
    if not len(pct):
        return pct
    out = []
    for fid, part in pct.groupby("id", sort=False):
        counts = sorted({x for s in part["counts"] if s not in ("none", "base unknown")
                         for x in _expand(s)})
        out.append({"id": fid, "value": part["value"].iat[0], "pct_of": part["pct_of"].iat[0],
                    "counts": size_text(counts) if counts else part["counts"].iat[0],
                    "feasible": bool(part["feasible"].any())})
    return pd.DataFrame(out)


def check_published(
    source: str | Path | Mapping[str, Any],
    *,
    n_total: int | None = None,
    max_value: int | None = None,
    rounding: Rounding = "half_up",
) -> PublishedCheck:
    """Consistency checks of the published tables in ``source`` (a published.yaml or dict).

    ``n_total``: the number of posts (default: ``population: {posts: N}`` in the file, else
    derived from a printed count with its percentage of all posts). ``max_value``: the
    largest possible response count (default: ``population: {max_value: ...}``, else
    unbounded). See the module Notes for the conventions.
    """
    if rounding not in ROUNDINGS:
        raise PublishedError(f"unknown rounding {rounding!r}", hint="use half_up or half_even")
    data = load_published(source)
    pop = data.get("population") or {}
    if max_value is None and pop.get("max_value") is not None:
        max_value = int(pop["max_value"])
    if max_value is not None and max_value < 1:
        raise PublishedError(f"max_value must be at least 1, not {max_value}",
                             hint="e.g. --max-value 12")
    return run_checks(data, n_total=n_total or pop.get("posts"), max_value=max_value,
                      rounding=rounding)
