"""Analytic standard errors and confidence intervals of the agreement coefficients, after
Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed., chapters 5-6 (the linearised,
"design-based" variances the irrCAC package computes), for complete units and nominal
categories (identity weights), over an infinite population of units (no finite population
correction).

With ``n`` units, ``R`` raters, ``n_uc`` the raters who put unit u in category c and
``p_a|u = sum_c n_uc (n_uc - 1) / (R (R - 1))`` (the unit's agreement), each coefficient
``k = (p_a - p_e) / (1 - p_e)`` gets unit values

    k*_u = (p_a|u - p_e) / (1 - p_e) - 2 (1 - k) (p_e|u - p_e) / (1 - p_e)

and ``Var(k) = sum_u (k*_u - k)^2 / (n (n - 1))``, where ``p_e|u`` is the unit's share of
the chance agreement:

- Fleiss' kappa: ``p_e = sum_c pi_c^2``, ``p_e|u = sum_c (n_uc / R) pi_c``;
- AC1: ``p_e = sum_c pi_c (1 - pi_c) / (C - 1)``, ``p_e|u = sum_c (n_uc / R) (1 - pi_c) /
  (C - 1)``;
- PABAK (Brennan-Prediger): ``p_e = 1 / C`` is fixed, so the second term is 0;
- Conger's kappa: ``p_e`` from the raters' own marginals ``p_gc``; ``p_e|u = sum_g sum_{h !=
  g} p_{h, c(g,u)} / (R (R - 1))`` (Gwet 2014, eq. 5.23 with complete data);
- Krippendorff's alpha: the Fleiss unit values centred on ``(p_a - p_e) / (1 - p_e)``
  (Gwet 2014, section 6.4), so for complete units its SE equals Fleiss' SE.

The CI is ``k -+ t(n - 1) SE`` with the upper limit capped at 1, as irrCAC; a coefficient
that is undefined (NaN) has no SE.
"""

from __future__ import annotations

import numpy as np


def _stats():
    """scipy.stats, imported on first use (it takes seconds to load)."""
    from scipy import stats

    return stats

__all__ = ["gwet_se", "t_interval"]


def _mean_over_units(x: np.ndarray, valid: np.ndarray, n: np.ndarray) -> np.ndarray:
    total = np.where(valid, x, 0.0).sum(axis=-1)
    return np.divide(total, n, out=np.full(total.shape, np.nan), where=n > 0)


def _variance(unit: np.ndarray, centre: np.ndarray, valid: np.ndarray,
              n: np.ndarray) -> np.ndarray:
    """``sum_u (unit_u - centre)^2 / (n (n - 1))`` over the valid units; NaN for n < 2."""
    dev = np.where(valid, (unit - centre[:, None]) ** 2, 0.0).sum(axis=1)
    den = n * (n - 1.0)
    with np.errstate(invalid="ignore"):
        return np.divide(dev, den, out=np.full(dev.shape, np.nan), where=den > 0)


def _unit_values(pa_u: np.ndarray, pe_u: np.ndarray | None, pe: np.ndarray,
                 coef: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        one = (1 - pe)[:, None]
        out = (pa_u - pe[:, None]) / one
        if pe_u is not None:
            out = out - 2 * (1 - coef)[:, None] * (pe_u - pe[:, None]) / one
    return out


def gwet_se(ratings: np.ndarray, valid: np.ndarray, n_categories: int,
            coefficients: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The SEs of ``ac1``, ``pabak``, ``fleiss_kappa``, ``conger_kappa`` and ``alpha`` per
    variable. ``ratings[v, r, u]`` and ``valid[v, u]`` as in
    :mod:`chatcode.reliability.coefficients`; ``coefficients`` holds the values
    (``ac1, pabak, fleiss_kappa, kappa`` (Conger), ``alpha``)."""
    V, R, U = ratings.shape
    C = n_categories
    hot = (ratings[..., None] == np.arange(C, dtype=ratings.dtype)) & valid[:, None, :, None]
    nuc = hot.sum(axis=1, dtype=np.int64).astype("float64")    # (V, U, C)
    n = valid.sum(axis=1).astype("float64")
    pa_u = (nuc * (nuc - 1)).sum(axis=2) / (R * (R - 1))
    pa = _mean_over_units(pa_u, valid, n)
    share = nuc / R
    pi = _mean_over_units(share.transpose(0, 2, 1), valid[:, None, :], n[:, None])  # (V, C)
    out = {}
    pe = (pi ** 2).sum(axis=1)
    pe_u = (share * pi[:, None, :]).sum(axis=2)
    fleiss_u = _unit_values(pa_u, pe_u, pe, coefficients["fleiss_kappa"])
    out["fleiss_kappa"] = _variance(fleiss_u, coefficients["fleiss_kappa"], valid, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha_prime = (pa - pe) / (1 - pe)
    alpha_u = _unit_values(pa_u, pe_u, pe, alpha_prime)
    out["alpha"] = _variance(alpha_u, alpha_prime, valid, n)
    pe_ac1 = (pi * (1 - pi)).sum(axis=1) / (C - 1)
    pe_u_ac1 = (share * (1 - pi)[:, None, :]).sum(axis=2) / (C - 1)
    out["ac1"] = _variance(_unit_values(pa_u, pe_u_ac1, pe_ac1, coefficients["ac1"]),
                           coefficients["ac1"], valid, n)
    pe_bp = np.full(V, 1.0 / C)
    out["pabak"] = _variance(_unit_values(pa_u, None, pe_bp, coefficients["pabak"]),
                             coefficients["pabak"], valid, n)
    out["conger_kappa"] = _conger_variance(hot, pa_u, valid, n, coefficients["kappa"])
    return {k: np.sqrt(np.clip(v, 0.0, None)) for k, v in out.items()}


def _conger_variance(hot: np.ndarray, pa_u: np.ndarray, valid: np.ndarray, n: np.ndarray,
                     kappa: np.ndarray) -> np.ndarray:
    R = hot.shape[1]
    counts = hot.sum(axis=2, dtype=np.int64).astype("float64")     # (V, R, C)
    p = np.divide(counts, n[:, None, None], out=np.zeros_like(counts),
                  where=n[:, None, None] > 0)
    total = p.sum(axis=1)                                            # (V, C)
    pe = ((total ** 2 - (p ** 2).sum(axis=1)).sum(axis=1)) / (R * (R - 1))
    others = total[:, None, :] - p                                   # sum over h != g
    lam = (hot * others[:, :, None, :]).sum(axis=3)                  # (V, R, U)
    pe_u = lam.sum(axis=1) / (R * (R - 1))
    return _variance(_unit_values(pa_u, pe_u, pe, kappa), kappa, valid, n)


def t_interval(value: np.ndarray, se: np.ndarray, n: np.ndarray,
               level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """``value -+ t(n - 1) se``, the upper limit capped at 1 and the lower at -1."""
    n = np.asarray(n, dtype="float64")
    q = np.full(n.shape, np.nan)
    ok = n >= 2
    q[ok] = _stats().t.ppf(0.5 + level / 2, n[ok] - 1)
    low = np.clip(value - q * se, -1.0, None)
    high = np.minimum(value + q * se, 1.0)
    return low, high
