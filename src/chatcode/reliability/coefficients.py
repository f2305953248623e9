"""The agreement coefficients, vectorised over many variables at once (numpy only).

Ratings are an integer array ``ratings[v, r, u]``: the category (``0 .. C-1``) rater ``r``
gave unit ``u`` on variable ``v``. A binary code is a variable with the categories 0
(absent) and 1 (present); a single-choice dimension is one nominal variable. ``valid[v, u]``
says which units count for a variable (every rater rated it). All sums run over the valid
units only, so each variable can have its own ``n``.

Every coefficient is computed from a few sums over units (:func:`sufficient_statistics`):
``n``, the rater-by-category counts ``M[v, r, c]`` and the agreeing rater pairs per category
``A[v, c] = sum_u n_uc (n_uc - 1)``. With unit weights these sums give a bootstrap replicate
without touching the ratings again (:func:`bootstrap_kappa`).

Formulas and references (the docs/agreement.md page has them in full):

- percent agreement: the mean over units of the share of agreeing rater pairs (for two
  raters: the share of units rated alike);
- kappa: Cohen (1960) for two raters; Conger (1980) for more (the mean pairwise chance
  agreement of the raters' own marginals; equal to Cohen's kappa for two raters);
- Fleiss' kappa: Fleiss (1971), chance agreement from the pooled marginals;
- asymptotic SE of Cohen's kappa: Fleiss, Cohen & Everitt (1969), the non-null variance;
- PABAK: Byrt, Bishop & Carlin (1993), ``(C * p_o - 1) / (C - 1)``;
- AC1: Gwet (2008), chance agreement ``sum_c pi_c (1 - pi_c) / (C - 1)``;
- alpha: Krippendorff (2011), nominal metric, from the coincidence matrix (missing data
  allowed: units rated by fewer than two raters are not pairable and left out);
- specific agreement: Cicchetti & Feinstein (1990) / Uebersax (1982),
  ``sum_u n_uc (n_uc - 1) / sum_u n_uc (m_u - 1)``; for two raters and a binary code
  ``2a / (2a + b + c)`` (positive) and ``2d / (2d + b + c)`` (negative);
- prevalence and bias indices: Byrt, Bishop & Carlin (1993), ``(a - d) / n`` and
  ``(b - c) / n`` for two raters (``a``: both 1, ``d``: both 0, ``b``: only rater 1 said 1).

A coefficient that divides by zero (no units, or every rating in one category for kappa and
alpha) is NaN, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "LANDIS_KOCH",
    "Sufficient",
    "alpha_complete",
    "alpha_nominal",
    "binary_indices",
    "bootstrap_kappa",
    "code_notes",
    "coefficients",
    "cohen_kappa_se",
    "contingency_tables",
    "degenerate",
    "exact_zero",
    "interpret",
    "percentile_ci",
    "rare",
    "sufficient_statistics",
]

#: Landis & Koch (1977) benchmarks: (upper bound, label); below 0 is "poor".
ZERO_NOISE = 1e-12
LANDIS_KOCH = ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"),
               (1.0, "almost perfect"))


@dataclass(frozen=True)
class Sufficient:
    """Sums over units: ``n[v]``, ``M[v, r, c]`` (ratings per rater and category) and
    ``A[v, c]`` (agreeing ordered rater pairs per category)."""

    n: np.ndarray
    M: np.ndarray
    A: np.ndarray

    @property
    def n_raters(self) -> int:
        return self.M.shape[1]

    @property
    def n_categories(self) -> int:
        return self.M.shape[2]


def _one_hot(ratings: np.ndarray, valid: np.ndarray, n_categories: int) -> np.ndarray:
    """Bool ``(V, R, U, C)``: rater r put unit u in category c (valid units only)."""
    hot = ratings[..., None] == np.arange(n_categories, dtype=ratings.dtype)
    hot &= valid[:, None, :, None]
    return hot


def sufficient_statistics(ratings: np.ndarray, valid: np.ndarray,
                          n_categories: int) -> Sufficient:
    """The sums every coefficient needs (see the module docstring)."""
    hot = _one_hot(ratings, valid, n_categories)
    per_unit = hot.sum(axis=1, dtype=np.int32)            # (V, U, C): n_uc
    A = (per_unit * (per_unit - 1)).sum(axis=1, dtype=np.int64)   # (V, C)
    M = hot.sum(axis=2, dtype=np.int64)                    # (V, R, C)
    n = valid.sum(axis=1, dtype=np.int64)
    return Sufficient(n, M, A)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, float), np.asarray(den, float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _chance_corrected(observed: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """``(p_o - p_e) / (1 - p_e)``; NaN when ``p_e`` is 1 (no variation) or undefined."""
    den = 1.0 - chance
    den = np.where(np.isclose(den, 0.0, atol=1e-12), 0.0, den)
    return exact_zero(_ratio(observed - chance, den))


def exact_zero(values: np.ndarray) -> np.ndarray:
    """Float noise around 0 (``|x| < 1e-12``, e.g. a kappa of -1.1e-14 when observed and
    chance agreement are equal) becomes exactly 0, so it is not read as "poor"."""
    values = np.asarray(values, dtype="float64")
    return np.where(np.abs(values) < ZERO_NOISE, 0.0, values)


def kappa_from(s: Sufficient) -> np.ndarray:
    """Cohen's kappa (two raters) or Conger's kappa (more); NaN without variation.

    Works on sums with any leading shape (``n[..., V]``, ``M[..., V, R, C]``), so a whole
    batch of bootstrap replicates is one call.
    """
    R = s.M.shape[-2]
    n = np.asarray(s.n, float)
    p_o = _ratio(s.A.sum(axis=-1), n * R * (R - 1))
    p = _ratio(s.M, n[..., None, None])                  # (..., V, R, C)
    chance = ((p.sum(axis=-2) ** 2 - (p ** 2).sum(axis=-2)).sum(axis=-1)) / (R * (R - 1))
    return _chance_corrected(p_o, chance)


def coefficients(s: Sufficient) -> dict[str, np.ndarray]:
    """Every coefficient that follows from the sums, one array entry per variable.

    Keys: ``n``, ``percent_agreement``, ``kappa`` (Cohen/Conger), ``fleiss_kappa``,
    ``pabak``, ``ac1``, ``prevalence`` (share of ratings per category, ``(V, C)``),
    ``specific_agreement`` (per category, ``(V, C)``).
    """
    R, C = s.n_raters, s.n_categories
    n = s.n.astype(float)
    p_o = _ratio(s.A.sum(axis=1), n * R * (R - 1))
    pi = _ratio(s.M.sum(axis=1), (n * R)[:, None])        # (V, C) pooled category shares
    fleiss = _chance_corrected(p_o, (pi ** 2).sum(axis=1))
    ac1 = _chance_corrected(p_o, (pi * (1 - pi)).sum(axis=1) / (C - 1))
    pabak = exact_zero((C * p_o - 1) / (C - 1))
    specific = _ratio(s.A, s.M.sum(axis=1) * (R - 1))
    return {"n": s.n, "percent_agreement": p_o, "kappa": kappa_from(s),
            "fleiss_kappa": fleiss, "pabak": pabak, "ac1": ac1, "prevalence": pi,
            "specific_agreement": specific}


def alpha_complete(s: Sufficient) -> np.ndarray:
    """Krippendorff's alpha (nominal) when every rater rated every counted unit.

    With ``m_u = R`` for all units the coincidence sums reduce to ``n·· = nR``,
    ``sum_{c != k} o_ck = (nR(R - 1) - sum_c A_c) / (R - 1)`` and
    ``sum_{c != k} n_c n_k = n··^2 - sum_c n_c^2``; the same value as :func:`alpha_nominal`.
    """
    R = s.n_raters
    total = (s.n * R).astype(float)
    d_o = (s.n * R * (R - 1) - s.A.sum(axis=1)) / (R - 1)
    n_c = s.M.sum(axis=1).astype(float)
    d_e = total ** 2 - (n_c ** 2).sum(axis=1)
    return exact_zero(1.0 - (total - 1) * _ratio(d_o, d_e))


def contingency_tables(ratings: np.ndarray, valid: np.ndarray, n_categories: int) -> np.ndarray:
    """``T[v, i, j]``: valid units rater 0 put in category i and rater 1 in category j."""
    V, R, U = ratings.shape
    if R != 2:
        raise ValueError("contingency tables need exactly two raters")
    C = n_categories
    cell = ratings[:, 0, :].astype(np.int64) * C + ratings[:, 1, :]
    flat = (np.arange(V)[:, None] * C * C + cell)[valid]
    return np.bincount(flat, minlength=V * C * C).reshape(V, C, C)


def cohen_kappa_se(tables: np.ndarray) -> np.ndarray:
    """Asymptotic SE of Cohen's kappa (Fleiss, Cohen & Everitt 1969, non-null variance).

    ``tables`` is ``(V, C, C)`` counts (rater 1 in rows). The same variance as
    ``statsmodels.stats.inter_rater.cohens_kappa(...).std_kappa`` and SAS PROC FREQ's ASE.
    NaN where kappa is undefined.
    """
    t = np.asarray(tables, float)
    n = t.sum(axis=(1, 2))
    p = t / np.where(n == 0, 1, n)[:, None, None]
    rows, cols = p.sum(axis=2), p.sum(axis=1)             # rater 1, rater 2 marginals
    diag = np.diagonal(p, axis1=1, axis2=2)
    p_o, p_e = diag.sum(axis=1), (rows * cols).sum(axis=1)
    kappa = _chance_corrected(p_o, p_e)
    one_k = 1 - kappa
    term_a = (diag * (1 - (rows + cols) * one_k[:, None]) ** 2).sum(axis=1)
    off = p * (cols[:, :, None] + rows[:, None, :]) ** 2  # p_ij (p_.i + p_j.)^2
    off_sum = off.sum(axis=(1, 2)) - np.diagonal(off, axis1=1, axis2=2).sum(axis=1)
    term_c = (kappa - p_e * one_k) ** 2
    var = _ratio(term_a + one_k ** 2 * off_sum - term_c, (1 - p_e) ** 2 * n)
    return np.sqrt(np.clip(var, 0.0, None))


def alpha_nominal(ratings: np.ndarray, rated: np.ndarray,
                  n_categories: int) -> tuple[np.ndarray, np.ndarray]:
    """Krippendorff's alpha (nominal) per variable, and the number of pairable units.

    ``rated[v, r, u]`` marks the ratings that exist (missing data allowed). Units with fewer
    than two ratings are not pairable and do not count (Krippendorff 2011).
    """
    hot = ratings[..., None] == np.arange(n_categories, dtype=ratings.dtype)
    hot &= rated[..., None]
    per_unit = hot.sum(axis=1, dtype=np.int32)            # (V, U, C)
    m = per_unit.sum(axis=2)                              # ratings per unit
    pairable = m >= 2
    same = (per_unit * per_unit).sum(axis=2)
    disagree = _ratio(m ** 2 - same, m - 1)               # sum_{c != k} o_ck of the unit
    d_o = np.where(pairable, disagree, 0.0).sum(axis=1)
    n_c = np.where(pairable[..., None], per_unit, 0).sum(axis=1, dtype=np.int64)
    total = n_c.sum(axis=1).astype(float)
    d_e = total ** 2 - (n_c.astype(float) ** 2).sum(axis=1)
    alpha = 1.0 - (total - 1) * _ratio(d_o, d_e)
    return alpha, pairable.sum(axis=1)


def bootstrap_kappa(ratings: np.ndarray, valid: np.ndarray, n_categories: int, *,
                    n_boot: int, rng: np.random.Generator, chunk: int = 64) -> np.ndarray:
    """Kappa (Cohen/Conger) of ``n_boot`` bootstrap resamples of the units, ``(B, V)``.

    Units are drawn with replacement (``rng.integers``), ``chunk`` replicates at a time;
    each replicate's sums are one matrix product of its unit weights with the ratings.
    """
    V, R, U = ratings.shape
    C = n_categories
    hot = _one_hot(ratings, valid, C)
    per_unit = hot.sum(axis=1, dtype=np.int64)
    pairs = per_unit * (per_unit - 1)
    x = np.ascontiguousarray(np.concatenate([
        valid.astype(np.float64), hot.transpose(0, 1, 3, 2).reshape(V * R * C, U),
        pairs.transpose(0, 2, 1).reshape(V * C, U)]).T)   # (U, features)
    out = np.empty((n_boot, V))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        draws = rng.integers(0, U, size=(b, U))
        weights = np.bincount((np.arange(b)[:, None] * U + draws).ravel(),
                              minlength=b * U).reshape(b, U).astype(np.float64)
        sums = weights @ x
        out[start:start + b] = kappa_from(Sufficient(
            sums[:, :V], sums[:, V:V + V * R * C].reshape(b, V, R, C),
            sums[:, V + V * R * C:].reshape(b, V, C)))
    return out


def percentile_ci(boot: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of bootstrap replicates ``(B, V)`` for the normal quantile ``z``
    (e.g. 1.96: 2.5th and 97.5th percentiles); NaN replicates are skipped."""
    from scipy.special import ndtr  # imported here: scipy is slow to load

    tail = 100 * float(ndtr(-z))
    ok = ~np.isnan(boot).all(axis=0)
    low = np.full(boot.shape[1], np.nan)
    high = np.full(boot.shape[1], np.nan)
    if ok.any():
        low[ok] = np.nanpercentile(boot[:, ok], tail, axis=0)
        high[ok] = np.nanpercentile(boot[:, ok], 100 - tail, axis=0)
    return low, high


def binary_indices(s: Sufficient, c: dict, tables: np.ndarray | None) -> dict:
    """Specific agreements, prevalence and the prevalence and bias indices of binary
    variables (category 1 = present); the bias index needs the two-rater ``tables``."""
    out = {"positive_agreement": c["specific_agreement"][:, 1],
           "negative_agreement": c["specific_agreement"][:, 0],
           "prevalence": c["prevalence"][:, 1],
           "prevalence_index": c["prevalence"][:, 1] - c["prevalence"][:, 0]}
    if tables is not None:
        n = tables.sum(axis=(1, 2)).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["bias_index"] = np.where(n > 0, (tables[:, 1, 0] - tables[:, 0, 1]) / n,
                                         np.nan)
    else:
        out["bias_index"] = np.full(len(s.n), np.nan)
    return out


def rare(s: Sufficient, *, share: float, min_posts: int) -> np.ndarray:
    """Binary variables where kappa is unstable: the rarer category is under ``share`` of
    all ratings, or some rater gave it to fewer than ``min_posts`` units."""
    pos = s.M[:, :, 1]                                    # (V, R) posts coded 1 per rater
    neg = s.n[:, None] - pos
    fewest = np.minimum(pos, neg).min(axis=1)
    total = s.M.sum(axis=1)                               # (V, C)
    with np.errstate(invalid="ignore", divide="ignore"):
        minority = total.min(axis=1) / total.sum(axis=1)
    return (s.n > 0) & ((minority < share) | (fewest < min_posts))


def code_notes(s: Sufficient, rare: np.ndarray) -> list[str]:
    """A note per binary variable: no units, never used, used for every unit, or rare."""
    notes = []
    for v in range(len(s.n)):
        ones, n = s.M[v, :, 1], s.n[v]
        if n == 0:
            notes.append("no post coded by all coders")
        elif ones.sum() == 0:
            notes.append("code never used")
        elif (ones == n).all():
            notes.append("code used for every post")
        elif rare[v]:
            used = "/".join(str(int(x)) for x in ones)
            notes.append(f"rare (used for {used} of {n} posts): kappa unstable, read AC1/PABAK")
        else:
            notes.append("")
    return notes


def degenerate(s: Sufficient) -> np.ndarray:
    """Two raters, one of whom put every unit in one category: kappa is 0 by definition
    (observed and chance agreement are both that rater's share of the other's ratings)."""
    constant = (s.M == s.n[:, None, None]).any(axis=2) & (s.n[:, None] > 0)   # (V, R)
    return (s.n_raters == 2) & constant.any(axis=1) & ~(
        constant.all(axis=1) & (s.M[:, 0, :] == s.M[:, 1, :]).all(axis=1))


def interpret(kappa: np.ndarray, degenerate: np.ndarray | None = None) -> list[str]:
    """Landis & Koch (1977) labels: <0 poor, to .20 slight, .40 fair, .60 moderate,
    .80 substantial, above almost perfect; ``undefined`` for NaN; ``not interpretable``
    where ``degenerate`` (kappa 0 by definition, see :func:`degenerate`)."""
    labels = []
    flags = (np.zeros(np.size(kappa), dtype=bool) if degenerate is None
             else np.asarray(degenerate, dtype=bool).ravel())
    for k, flag in zip(np.asarray(kappa, float).ravel(), flags, strict=True):
        if flag:
            labels.append("not interpretable")
        elif np.isnan(k):
            labels.append("undefined")
        elif k < 0:
            labels.append("poor")
        else:
            labels.append(next(label for bound, label in LANDIS_KOCH
                               if k <= bound + 1e-12 or bound == 1.0))
    return labels
