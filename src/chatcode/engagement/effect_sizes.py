"""Effect sizes with 95% confidence intervals for with/without comparisons.

- :func:`rank_biserial` (with the Mann-Whitney test): ``r = 2 U / (n1 n0) - 1``, the
  simple difference formula of Kerby (2014): the share of (with, without) pairs in which
  the post with the code got more responses minus the share in which it got fewer (ties
  count 1/2 each way). It equals Cliff's delta and ``2 AUC - 1``. Its SE is twice the
  DeLong, DeLong & Clarke-Pearson (1988) SE of the AUC (placement values, exact with ties);
  the CI is built on Fisher's z scale, ``tanh(atanh(r) -+ z SE / (1 - r^2))``, so it stays
  inside [-1, 1].
- :func:`hedges_g` (with the t-tests): ``g = J d``, ``d = (mean1 - mean0) / s_pooled``,
  ``J = 1 - 3 / (4 (n1 + n0) - 9)``; ``Var(g) = J^2 ((n1 + n0) / (n1 n0) + d^2 / (2 (n1 +
  n0)))`` and the CI ``g -+ z SE`` (Hedges & Olkin 1985, ch. 5; Borenstein et al. 2009,
  ch. 4). The pooled SD is used with Welch's test too (the effect is on the SD scale of
  both groups).
- the rate ratio (with the negative binomial model) comes from the model itself.
- :func:`mean_cis`: the t-based CI of each mean, ``mean -+ t(n-1) SD / sqrt(n)``.

The functions are vectorised over codes: the values are shared, one boolean mask per code.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["Z95", "hedges_g", "mean_cis", "rank_biserial", "value_levels"]

Z95 = NormalDist().inv_cdf(0.975)


def _quantile(level: float) -> float:
    """The normal quantile of ``0.5 + level / 2``: ``scipy.special.ndtri``, which
    ``scipy.stats.norm.ppf`` calls (the same number), without loading ``scipy.stats``
    (about half a second)."""
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2))


def value_levels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(levels, index, counts)``: the distinct values, each value's level, their counts.

    Whole numbers in a range no wider than about the number of values (responses are
    counts) are counted in one linear pass (``np.bincount``) instead of sorting, which
    grows faster than the number of posts; the result is the same as ``np.unique``.
    """
    y = np.asarray(y)
    if y.ndim == 1 and len(y) and y.dtype.kind in "fiu":
        low, high = y.min(), y.max()
        if (np.isfinite(low) and np.isfinite(high) and high - low <= 2 * len(y) + 1024
                and (y.dtype.kind in "iu" or bool(np.all(y == np.floor(y))))):
            offset = (y - low).astype(np.intp)
            every = np.bincount(offset)
            present = np.flatnonzero(every)
            rank = np.zeros(len(every), dtype=np.intp)
            rank[present] = np.arange(len(present))
            levels = (present + low).astype(y.dtype)
            return levels, rank[offset], every[present]
    levels, index, counts = np.unique(y, return_inverse=True, return_counts=True)
    return levels, index, counts


def rank_biserial(index: np.ndarray, counts: np.ndarray, mask: np.ndarray,
                  level: float = 0.95) -> tuple[float, float, float, float]:
    """``(r, se, ci_low, ci_high)`` of the posts in ``mask`` against the others.

    ``index`` and ``counts`` are from :func:`value_levels` of the shared values. The
    placement value of a post with the code is the share of posts without it that got
    fewer responses (ties 1/2); the AUC is its mean and DeLong's variance is
    ``var(V10) / n1 + var(V01) / n0`` (sample variances, ``ddof=1``).
    """
    k = len(counts)
    c1 = np.bincount(index[mask], minlength=k).astype("float64")   # with, per level
    c0 = counts - c1                                                 # without, per level
    n1, n0 = c1.sum(), c0.sum()
    if n1 == 0 or n0 == 0:
        return (math.nan,) * 4
    below0 = np.cumsum(c0) - c0          # without-posts below each level
    below1 = np.cumsum(c1) - c1
    v10 = (below0 + c0 / 2) / n0          # placement of a with-post at each level
    v01 = (n1 - below1 - c1 + c1 / 2) / n1  # share of with-posts above a without-post
    auc = float((c1 * v10).sum() / n1)
    r = 2 * auc - 1
    var = 0.0
    for c, v, n in ((c1, v10, n1), (c0, v01, n0)):
        if n > 1:
            mean = (c * v).sum() / n
            var += float((c * (v - mean) ** 2).sum() / (n - 1)) / n
    se = 2 * math.sqrt(var)
    low, high = _fisher_ci(r, se, level)
    return r, se, low, high


def _fisher_ci(r: float, se: float, level: float) -> tuple[float, float]:
    if not math.isfinite(se):
        return math.nan, math.nan
    if abs(r) >= 1 or se == 0:
        return math.nan, math.nan  # complete separation: Fisher's z is infinite, no CI
    z = _quantile(level)
    centre, half = math.atanh(r), z * se / (1 - r * r)
    return math.tanh(centre - half), math.tanh(centre + half)


def hedges_g(n1: int, m1: float, s1: float, n0: int, m0: float, s0: float,
             level: float = 0.95) -> tuple[float, float, float, float]:
    """``(g, se, ci_low, ci_high)`` of group 1 against group 0 (see the module notes)."""
    if n1 < 2 or n0 < 2:
        return (math.nan,) * 4
    pooled = math.sqrt(((n1 - 1) * s1 ** 2 + (n0 - 1) * s0 ** 2) / (n1 + n0 - 2))
    if pooled == 0:
        return (math.nan,) * 4
    d = (m1 - m0) / pooled
    j = 1 - 3 / (4 * (n1 + n0) - 9)
    g = j * d
    se = j * math.sqrt((n1 + n0) / (n1 * n0) + d * d / (2 * (n1 + n0)))
    z = _quantile(level)
    return g, se, g - z * se, g + z * se


def mean_cis(n: np.ndarray, mean: np.ndarray, sd: np.ndarray,
             level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The t-based CIs of many means at once (NaN for fewer than 2 values)."""
    from scipy.special import stdtrit

    n = np.asarray(n, dtype="float64")
    ok = n >= 2
    t = np.full(n.shape, np.nan)
    t[ok] = stdtrit(n[ok] - 1, 0.5 + level / 2)  # scipy.stats.t.ppf calls it
    half = t * np.asarray(sd, dtype="float64") / np.sqrt(np.where(ok, n, np.nan))
    return np.asarray(mean) - half, np.asarray(mean) + half
