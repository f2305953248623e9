"""Permutation p-values of the Mann-Whitney test for small groups.

When a group has fewer than :data:`SMALL` posts the normal approximation of U is poor (a
group of one post can get p = .19, below the smallest p its permutations allow). Then the
p-value is the permutation p of the rank sum: the share of all ways to pick the smaller
group's size out of the pooled posts whose rank sum is at least as extreme, two-sided as
``scipy.stats.permutation_test`` (``2 * min(P(T <= t), P(T >= t))``, at most 1). Ties keep
their midranks, so the permutation distribution is that of U with ties.

- **exact** (:func:`exact_p`): the permutation distribution is enumerated over the distinct
  values: picking ``a_j`` of the ``t_j`` posts with value j has ``C(t_j, a_j)`` ways; a
  dynamic programme over the values adds them up in exact integer arithmetic. Used while
  the programme has at most :data:`MAX_STATES` states (always for counts with few distinct
  values).
- **Monte Carlo** (:func:`monte_carlo_p`): otherwise :data:`RESAMPLES` random permutations
  from a generator seeded with :data:`SEED` (the same p on every run and for every order of
  the codes), ``p = (k + 1) / (R + 1)`` per tail as ``scipy.stats.permutation_test``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MAX_STATES", "RESAMPLES", "SEED", "SMALL", "exact_p", "monte_carlo_p",
           "permutation_p"]

SMALL = 30
MAX_STATES = 200_000
RESAMPLES = 100_000
SEED = 15_2024


def _two_sided(lower: float, upper: float) -> float:
    return min(1.0, 2 * min(lower, upper))


def exact_p(counts: np.ndarray, counts_small: np.ndarray) -> float | None:
    """The exact two-sided permutation p of the rank sum of the smaller group, or None
    when enumerating would take more than :data:`MAX_STATES` states.

    ``counts[j]``: posts with the j-th smallest value; ``counts_small[j]``: those of the
    smaller group.
    """
    counts = np.asarray(counts, dtype=np.int64)
    m = int(np.sum(counts_small))
    doubled = 2 * (np.cumsum(counts) - counts) + counts + 1      # 2 x midrank per value
    observed = int((np.asarray(counts_small) * doubled).sum())
    states: list[dict[int, int]] = [{0: 1}] + [{} for _ in range(m)]
    total = 0
    for t, w in zip(counts.tolist(), doubled.tolist(), strict=True):
        nxt: list[dict[int, int]] = [dict(s) for s in states]
        for k in range(m):
            if not states[k]:
                continue
            for a in range(1, min(t, m - k) + 1):
                ways, add, target = math.comb(t, a), a * w, nxt[k + a]
                for s, c in states[k].items():
                    key = s + add
                    target[key] = target.get(key, 0) + c * ways
        states = nxt
        total = sum(len(s) for s in states)
        if total > MAX_STATES:
            return None
    dist = states[m]
    all_ways = math.comb(int(counts.sum()), m)
    lower = sum(c for s, c in dist.items() if s <= observed)
    upper = sum(c for s, c in dist.items() if s >= observed)
    return _two_sided(lower / all_ways, upper / all_ways)


def monte_carlo_p(counts: np.ndarray, counts_small: np.ndarray, *,
                  resamples: int = RESAMPLES, seed: int = SEED) -> float:
    """The Monte Carlo permutation p (see the module notes)."""
    counts = np.asarray(counts, dtype=np.int64)
    m = int(np.sum(counts_small))
    doubled = 2 * (np.cumsum(counts) - counts) + counts + 1
    observed = int((np.asarray(counts_small) * doubled).sum())
    rng = np.random.default_rng(seed)
    if len(counts) <= 1000:
        picks = rng.multivariate_hypergeometric(counts, m, size=resamples)
        sums = picks @ doubled
    else:
        midranks = np.repeat(doubled, counts)
        sums = _random_subset_sums(midranks, m, resamples, rng)
    lower = (np.count_nonzero(sums <= observed) + 1) / (resamples + 1)
    upper = (np.count_nonzero(sums >= observed) + 1) / (resamples + 1)
    return _two_sided(lower, upper)


def _random_subset_sums(values: np.ndarray, m: int, resamples: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Sums of ``m`` values drawn without replacement, ``resamples`` times (draws with a
    repeated position are drawn again)."""
    n = len(values)
    idx = rng.integers(0, n, size=(resamples, m))
    while True:
        srt = np.sort(idx, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]).any(axis=1)
        if not dup.any():
            break
        idx[dup] = rng.integers(0, n, size=(int(dup.sum()), m))
    return values[idx].sum(axis=1)


def permutation_p(counts: np.ndarray, counts_with: np.ndarray) -> tuple[float, str]:
    """``(p, method)``: the exact p when it can be enumerated, else the Monte Carlo p;
    ``method`` is ``exact`` or ``monte_carlo``."""
    counts = np.asarray(counts, dtype=np.int64)
    counts_with = np.asarray(counts_with, dtype=np.int64)
    small = counts_with if counts_with.sum() <= (counts - counts_with).sum() \
        else counts - counts_with
    p = exact_p(counts, small)
    if p is not None:
        return p, "exact"
    return monte_carlo_p(counts, small), "monte_carlo"
