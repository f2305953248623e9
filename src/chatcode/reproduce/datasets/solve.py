"""Solve for responses per post consistent with published means, SDs and stars.

Given which posts carry which codes, :func:`solve_responses` finds integer responses 0..12
per post such that every published cell (n, mean, SD of "with" and "without" a code) rounds,
half up, to the printed value, the Mann-Whitney p-values fall in the printed star bands, and
the topic means keep a published order. Seeded local search over the r values, with each
tracked set of posts kept as a 13-bin histogram, so a move costs O(number of sets).

Notes
-----
- Rounding is half up at the printed precision (as SPSS displays): ``"1.10"`` is any value in
  [1.095, 1.105). Decimal arithmetic, so 0.605 rounds to 0.61.
- A cell's sums are S = sum(r) and Q = sum(r^2); mean = S / n, SD (ddof=1) =
  sqrt((Q - S^2 / n) / (n - 1)). "Without" cells are the corpus total minus the "with" sums.
- The Mann-Whitney statistic is the one of :mod:`chatcode.engagement.comparisons` (two-sided, normal
  approximation, tie correction, no continuity correction), computed from histograms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

__all__ = ["Cell", "Problem", "Published", "build_problem", "decimals", "feasible_sums",
           "mannwhitney_z", "matches", "published_rows", "round_half_up", "sd_of",
           "solve_responses", "start_values", "total_candidates"]

HI = 12  # largest responses of one post
Z_WEIGHT = 200.0  # cost of one unit of z outside its band
BINS = HI + 1


def round_half_up(x: float, digits: int) -> Decimal:
    """``x`` rounded half up to ``digits`` decimals (``round_half_up(0.605, 2)`` is 0.61)."""
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def decimals(printed: str) -> int:
    """The number of decimals of a printed value: ``"1.10"`` -> 2."""
    return len(printed.split(".", 1)[1]) if "." in printed else 0


def sd_of(n: int, s: float, q: float) -> float:
    """Sample SD (ddof=1) from n, sum and sum of squares."""
    return math.sqrt(max(0.0, (q - s * s / n) / (n - 1))) if n > 1 else math.nan


def matches(n: int, s: int, q: int, mean: str, sd: str | None) -> bool:
    """Do n, S, Q give ``mean`` (and ``sd``) at the printed precision?"""
    if n < 1 or round_half_up(s / n, decimals(mean)) != Decimal(mean):
        return False
    return sd is None or (n > 1 and round_half_up(sd_of(n, s, q), decimals(sd)) == Decimal(sd))


def feasible_sums(n: int, mean: str, sd: str, *, hi: int = HI) -> list[tuple[int, int]]:
    """Every (S, Q) of n integers in 0..hi whose mean and SD print as ``mean`` and ``sd``."""
    m, s = float(mean), float(sd)
    half_m, half_s = 0.5 * 10.0 ** -decimals(mean), 0.5 * 10.0 ** -decimals(sd)
    out = []
    for total in range(max(0, math.floor((m - half_m) * n)), math.ceil((m + half_m) * n) + 1):
        if total > hi * n or not matches(n, total, total * total // max(n, 1), mean, None):
            continue
        lo = max(0.0, s - half_s) ** 2 * (n - 1) + total * total / n
        up = (s + half_s) ** 2 * (n - 1) + total * total / n
        for q in range(math.floor(lo), math.ceil(up) + 1):
            if (q - total) % 2 == 0 and q >= total and matches(n, total, q, mean, sd):
                out.append((total, q))
    return out


def mannwhitney_z(hist_with: np.ndarray, hist_all: np.ndarray) -> float:
    """z of the Mann-Whitney U of the posts in ``hist_with`` against the rest of ``hist_all``.

    Histograms of integer values 0..12; midranks, tie correction, no continuity correction
    (as ``chatcode.engagement.comparisons``). NaN when a side is empty or every value is equal."""
    n = float(hist_all.sum())
    n1 = float(hist_with.sum())
    n0 = n - n1
    if n1 == 0 or n0 == 0:
        return math.nan
    below = np.cumsum(hist_all) - hist_all
    midrank = below + (hist_all + 1) / 2.0
    u = float((hist_with * midrank).sum()) - n1 * (n1 + 1) / 2
    ties = float((hist_all ** 3 - hist_all).sum())
    var = n1 * n0 / 12 * ((n + 1) - ties / (n * (n - 1)))
    return (u - n1 * n0 / 2) / math.sqrt(var) if var > 0 else math.nan


@dataclass
class Cell:
    """A constraint on one set of posts: its (S, Q) must be one of ``allowed``; with
    ``z_band`` its Mann-Whitney |z| must lie in [low, high)."""

    name: str
    mask: np.ndarray
    allowed: np.ndarray | None = None       # shape (k, 2): allowed (S, Q); Q < 0 = any Q
    z_band: tuple[float, float] | None = None


@dataclass
class Problem:
    """What to solve: the cells, the corpus total (S, Q), the fixed posts and an order of
    means (``lower`` must have a mean below each of ``higher``, by ``margin``)."""

    n: int
    cells: list[Cell]
    total: tuple[int, int]
    fixed: Mapping[int, int] = field(default_factory=dict)
    lower: np.ndarray | None = None
    higher: tuple[np.ndarray, ...] = ()
    margin: float = 0.05


class _State:
    """Sums, squares and histograms of every tracked set, updated move by move; the cost
    is kept per part (the total, each cell, the order of means) and updated for the parts
    a move touches."""

    def __init__(self, problem: Problem, r: np.ndarray) -> None:
        self.p = problem
        self.r = [int(v) for v in r]
        sets = [c.mask for c in problem.cells]
        if problem.lower is not None:
            sets += [problem.lower, *problem.higher]
        self.n_cells = len(problem.cells)
        member = np.stack(sets, axis=1) if sets else np.zeros((problem.n, 0), dtype=bool)
        self.of = [tuple(int(k) for k in np.flatnonzero(row)) for row in member]
        self.size = [int(m.sum()) for m in sets]
        self.s = [0] * len(sets)
        self.q = [0] * len(sets)
        self.hist = [[0] * BINS for _ in sets]
        self.all = [0] * BINS
        self.tot = [0, 0]
        for i, v in enumerate(self.r):
            self._add(i, v, 1)
        self.allowed = [None if c.allowed is None else [(int(a), int(b)) for a, b in c.allowed]
                        for c in problem.cells]
        self.zcells = [k for k, c in enumerate(problem.cells) if c.z_band is not None]
        self.parts = [self._cell(k) for k in range(self.n_cells)]
        self.fixed_parts = self._total() + self._order()

    def _add(self, i: int, v: int, sign: int) -> None:
        for k in self.of[i]:
            self.s[k] += sign * v
            self.q[k] += sign * v * v
            self.hist[k][v] += sign
        self.all[v] += sign
        self.tot[0] += sign * v
        self.tot[1] += sign * v * v

    def _total(self) -> float:
        return abs(self.tot[0] - self.p.total[0]) * 4 + abs(self.tot[1] - self.p.total[1])

    def _order(self) -> float:
        if self.p.lower is None:
            return 0.0
        base = self.n_cells
        means = [self.s[k] / self.size[k] for k in range(base, len(self.size))]
        return sum(100 * max(0.0, means[0] + self.p.margin - m) for m in means[1:])

    def _cell(self, k: int) -> float:
        cost = 0.0
        s, q = self.s[k], self.q[k]
        if self.allowed[k] is not None:
            cost += min(abs(s - a) * 4 + (0 if b < 0 else abs(q - b)) for a, b in self.allowed[k])
        band = self.p.cells[k].z_band
        if band is not None:
            z = abs(_z(self.hist[k], self.all))
            cost += Z_WEIGHT * (max(0.0, band[0] - z) + max(0.0, z - band[1]))
        return cost

    def cost(self) -> float:
        return sum(self.parts) + self.fixed_parts

    def move(self, changes: list[tuple[int, int]]) -> float:
        """Apply ``[(post, new value), ...]``; returns the new cost."""
        touched = set(self.zcells)
        for i, new in changes:
            self._add(i, self.r[i], -1)
            self._add(i, new, 1)
            self.r[i] = new
            touched.update(k for k in self.of[i] if k < self.n_cells)
        for k in touched:
            self.parts[k] = self._cell(k)
        self.fixed_parts = self._total() + self._order()
        return self.cost()


def _z(hist: list[int], all_: list[int]) -> float:
    n = sum(all_)
    n1 = sum(hist)
    n0 = n - n1
    if n1 == 0 or n0 == 0:
        return math.nan
    below, rank_sum, ties = 0, 0.0, 0
    for h, a in zip(hist, all_, strict=True):
        rank_sum += h * (below + (a + 1) / 2.0)
        below += a
        ties += a ** 3 - a
    var = n1 * n0 / 12 * ((n + 1) - ties / (n * (n - 1)))
    return (rank_sum - n1 * (n1 + 1) / 2 - n1 * n0 / 2) / math.sqrt(var) if var > 0 else 0.0


def start_values(problem: Problem, rng: np.random.Generator, *,
                 zeros: float = 0.71) -> np.ndarray:
    """A starting point: each post drawn with the mean and variance of the smallest cell it
    belongs to (the corpus total for posts in no cell), as a share ``zeros`` of zeros (less
    where the mean and variance do not allow it) and 1 + a negative binomial, capped at 12."""
    n = problem.n
    mean = np.full(n, problem.total[0] / n)
    var = np.full(n, (problem.total[1] - problem.total[0] ** 2 / n) / (n - 1))
    size = np.full(n, n + 1)
    for cell in problem.cells:
        if cell.allowed is None or not len(cell.allowed) or cell.allowed[0, 1] < 0:
            continue
        k = int(cell.mask.sum())
        s, q = cell.allowed[len(cell.allowed) // 2]
        pick = cell.mask & (size > k)
        mean[pick], var[pick], size[pick] = s / k, (q - s * s / k) / max(k - 1, 1), k
    out = np.zeros(n, dtype=np.int64)
    for m, v in sorted(set(zip(mean.tolist(), var.tolist(), strict=True))):
        rows = np.flatnonzero((mean == m) & (var == v))
        if m <= 0:
            continue
        for f0 in np.linspace(zeros, 0.0, 30):
            m1 = m / (1 - f0) - 1                      # mean of the non-zero part, minus 1
            v1 = (v + m * m) / (1 - f0) - (1 + m1) ** 2  # its variance
            if m1 > 0 and v1 > m1 * 1.05:
                break
        p = m1 / v1
        draws = 1 + rng.negative_binomial(m1 * p / (1 - p), p, len(rows))
        out[rows] = np.where(rng.random(len(rows)) < f0, 0, np.minimum(draws, HI))
    return out


def _quad(state: _State, pool: list[int], i: int,
          rng: np.random.Generator) -> list[tuple[int, int]]:
    """Two transfers of one response between posts of the same sets that together keep
    every sum and every sum of squares (they only reshape the histograms), or []."""
    if len(pool) < 4:
        return []
    r = state.r
    a, b, c, d = (int(x) for x in rng.choice(pool, size=4, replace=False))
    a = i if i not in (b, c, d) else a
    if r[a] >= HI or r[b] <= 0 or r[c] >= HI:
        return []
    # i +1, b -1 changes Q by 2(r_a - r_b) + 2; c +1, d -1 must change it by the opposite
    want = r[c] + r[a] - r[b] + 2
    if not 1 <= want <= HI:
        return []
    for _ in range(30):
        if r[d] == want and d not in (a, b, c):
            return [(a, r[a] + 1), (b, r[b] - 1), (c, r[c] + 1), (d, r[d] - 1)]
        d = int(pool[int(rng.integers(len(pool)))])
    return []


def solve_responses(problem: Problem, start: np.ndarray, *, seed: int,
                    max_steps: int = 1_000_000) -> np.ndarray:
    """Responses per post that meet every cell of ``problem`` (cost 0), from ``start``.

    Seeded simulated annealing. A move changes one free post by one; or moves one response
    from a post to another (of exactly the same sets, which keeps every sum, or of any
    sets); or makes two such transfers within one set of posts that keep every sum and sum
    of squares and only reshape the histograms (which moves Mann-Whitney z). A move that
    raises the cost by d is kept with probability exp(-d / T), T falling from 2 to 0.05.
    The cost: 4 per unit of S and 1 per unit of Q away from the nearest allowed pair,
    ``Z_WEIGHT`` per unit of |z| outside its band, 100 per unit of a mean out of order.
    Raises RuntimeError when no solution is found within ``max_steps``, or when a value
    left 0..12."""
    rng = np.random.default_rng(seed)
    r = np.clip(np.asarray(start, dtype=np.int64).copy(), 0, HI)
    for i, v in problem.fixed.items():
        r[i] = v
    free = np.setdiff1d(np.arange(problem.n), np.fromiter(problem.fixed, dtype=np.int64))
    state = _State(problem, r)
    twins: dict[tuple[int, ...], list[int]] = {}
    for i in free:
        twins.setdefault(state.of[int(i)], []).append(int(i))
    cost = state.cost()
    temps = np.geomspace(2.0, 0.05, max_steps)
    picks = rng.integers(0, len(free), size=max_steps)
    coins = rng.random(size=(max_steps, 3))
    for step in range(max_steps):
        if cost <= 0:
            break
        i = int(free[picks[step]])
        old = state.r[i]
        if coins[step, 0] < 0.3:
            new = old + (1 if coins[step, 1] < 0.5 else -1)
            if not 0 <= new <= HI:
                continue
            changes = [(i, new)]
        elif coins[step, 0] < 0.6:
            changes = _quad(state, twins[state.of[i]], i, rng)
            if not changes:
                continue
        else:
            pool = twins[state.of[i]] if coins[step, 0] < 0.8 else free
            j = int(pool[int(coins[step, 1] * len(pool))])
            if j == i or old >= HI or state.r[j] <= 0:
                continue
            changes = [(i, old + 1), (j, state.r[j] - 1)]
        undo = [(k, state.r[k]) for k, _ in changes]
        c = state.move(changes)
        if c <= cost or coins[step, 2] < math.exp((cost - c) / temps[step]):
            cost = c
        else:
            state.move(undo)
    if cost > 0 or min(state.r) < 0 or max(state.r) > HI:
        raise RuntimeError(f"no solution found in {max_steps} steps (cost {cost:.3f}); "
                           "try another seed")
    return np.array(state.r, dtype=np.int64)


# --- from published figures to a Problem ----------------------------------------------------
STAR_BANDS = {"": (0.0, 1.64), "*": (1.67, 1.93), "**": (2.02, 2.45), "***": (2.65, 6.0)}


@dataclass(frozen=True)
class Published:
    """One published with/without row: n (when printed), with and without mean/SD, stars."""

    code: str
    mean_with: str
    mean_without: str
    sd_with: str | None = None
    sd_without: str | None = None
    stars: str | None = None


def published_rows(published: Mapping) -> list[Published]:
    """The with/without rows of a ``published.yaml`` mapping."""
    rows = []
    for table in published["tables"]:
        if table.get("kind") != "with_without":
            continue
        for row in table["rows"]:
            w, wo = row["with"], row["without"]
            rows.append(Published(row["code"], str(w["mean"]), str(wo["mean"]),
                                  w.get("sd"), wo.get("sd"),
                                  w.get("stars") if table.get("stars_printed") else None))
    return rows


def _allowed(row: Published, n_with: int, n: int, total: tuple[int, int]) -> np.ndarray:
    """(S, Q) of the posts with the code that make both cells of ``row`` print right."""
    out = []
    if row.sd_with is None:
        for s in range(0, HI * n_with + 1):
            if matches(n_with, s, 0, row.mean_with, None) and matches(
                    n - n_with, total[0] - s, 0, row.mean_without, None):
                out.append((s, -1))
        return np.array(out, dtype=float).reshape(-1, 2)
    for s, q in feasible_sums(n_with, row.mean_with, row.sd_with):
        if matches(n - n_with, total[0] - s, total[1] - q, row.mean_without, row.sd_without):
            out.append((s, q))
    return np.array(out, dtype=float).reshape(-1, 2)


def total_candidates(rows: list[Published], masks: Mapping[str, np.ndarray],
                     fixed: Mapping[int, int]) -> list[tuple[int, int]]:
    """Corpus totals (S, Q) allowed by the rows whose posts all have fixed responses."""
    n = len(next(iter(masks.values())))
    pinned = [r for r in rows if r.code in masks and set(np.flatnonzero(masks[r.code]))
              <= set(fixed) and r.sd_without is not None]
    if not pinned:
        raise ValueError("no row with fixed responses pins the corpus total")
    out = None
    for row in pinned:
        idx = np.flatnonzero(masks[row.code])
        s_c = sum(fixed[int(i)] for i in idx)
        q_c = sum(fixed[int(i)] ** 2 for i in idx)
        got = {(s + s_c, q + q_c) for s, q in feasible_sums(n - len(idx), row.mean_without,
                                                             row.sd_without)}
        out = got if out is None else out & got
    return sorted(out)


def build_problem(rows: list[Published], masks: Mapping[str, np.ndarray],
                  fixed: Mapping[int, int], *, lower: np.ndarray | None = None,
                  higher: tuple[np.ndarray, ...] = ()) -> Problem:
    """The :class:`Problem` for published ``rows`` over posts with the code ``masks``.

    The corpus total is the middle one of the totals for which every row can be met."""
    n = len(next(iter(masks.values())))
    good = []
    for total in total_candidates(rows, masks, fixed):
        cells = [Cell(r.code, masks[r.code], _allowed(r, int(masks[r.code].sum()), n, total),
                      STAR_BANDS.get(r.stars) if r.stars is not None else None)
                 for r in rows]
        if all(len(c.allowed) for c in cells):
            good.append((total, cells))
    if not good:
        raise ValueError("no corpus total meets every published row with these code sizes")
    total, cells = good[len(good) // 2]
    return Problem(n, cells, total, dict(fixed), lower, higher)
