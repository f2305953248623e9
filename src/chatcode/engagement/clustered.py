"""Cluster-aware p-values for with/without comparisons (posts nested in authors or groups).

Posts of one author (or one group) are not independent, so ``--cluster author|group``
replaces the p-value of every test by one from a model whose standard errors allow for
correlation within clusters:

- ``mannwhitney``: a generalised estimating equation (GEE; Liang & Zeger 1986) of the
  midranks on the code, Gaussian, exchangeable working correlation, robust (sandwich) SE:
  the rank-transform approach (Conover & Iman 1981) with cluster-robust inference;
- ``welch`` / ``student``: the same GEE on the values themselves (difference in means);
- ``negbin``: the NB2 model with cluster-robust (sandwich) SEs.

The Wald statistic of the code is ``cluster_z``. With fewer than :data:`FEW_CLUSTERS`
clusters the sandwich SE is too small and the normal reference too optimistic, so p and the
rate ratio's CI use a t distribution with G - 1 degrees of freedom (Cameron, Gelbach &
Miller 2008; Cameron & Miller 2015, section VI) and the note says so; with fewer than 2
clusters there is no p-value. When the posts with (or without) the code come from fewer than
:data:`MIN_CLUSTERS_PER_ARM` clusters, the sandwich variance rests on those few clusters
and can be near 0 (MacKinnon & Webb 2017, "treated clusters"): the row keeps its p but gets
no stars and a note. The statistic (U, t, z) and the effect sizes stay those of
the named test; the rank-biserial r and Hedges' g CIs assume independent posts.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S


def _stats():
    """scipy.stats, imported on first use (it takes seconds to load)."""
    from scipy import stats

    return stats

__all__ = ["FEW_CLUSTERS", "MIN_CLUSTERS_PER_ARM", "cluster_p", "cluster_rows", "gee_wald"]

FEW_CLUSTERS = 20
MIN_CLUSTERS_PER_ARM = 5  # fewer clusters on one side: the sandwich variance is degenerate


def cluster_p(z: float, n_clusters: int) -> tuple[float, str]:
    """Two-sided p of a cluster-robust Wald statistic: t(G - 1) below
    :data:`FEW_CLUSTERS` clusters, else the normal distribution; and the method's name."""
    if n_clusters < FEW_CLUSTERS:
        return float(2 * _stats().t.sf(abs(z), n_clusters - 1)), f"cluster_t_{n_clusters - 1}df"
    return float(2 * _stats().norm.sf(abs(z))), "cluster_z"


def gee_wald(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """``(b, se)`` of the code in a Gaussian GEE of ``y`` on ``[1, x]`` with an exchangeable
    working correlation within ``groups`` and the robust (sandwich) covariance."""
    import statsmodels.api as sm

    order = np.argsort(groups, kind="stable")  # GEE wants each cluster's rows together
    design = np.column_stack([np.ones(len(y)), x.astype("float64")])[order]
    model = sm.GEE(y[order], design, groups=groups[order], family=sm.families.Gaussian(),
                   cov_struct=sm.cov_struct.Exchangeable())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(maxiter=100)
    return float(res.params[1]), float(res.bse[1])


def cluster_rows(test: str, y: np.ndarray, masks: list[np.ndarray], cluster: np.ndarray,
                 rows: list[dict[str, object]] | None) -> list[dict[str, object]]:
    """The rows of the named test with the cluster-aware p (see the module notes)."""
    from chatcode.engagement.comparisons import _negbin

    groups = pd.factorize(pd.Series(cluster))[0]
    g = int(groups.max()) + 1 if len(groups) else 0
    if test == "negbin":
        rows = [_negbin(y, m, groups) for m in masks]
    target = _stats().rankdata(y) if test == "mannwhitney" else y
    out = []
    for mask, row in zip(masks, rows, strict=True):
        row = {**row, S.N_CLUSTERS: g, S.CLUSTER_Z: math.nan}
        out.append(row)
        if not math.isfinite(row[S.P_VALUE]):
            continue
        if g < 2:
            row.update({S.P_VALUE: math.nan, S.NOTE: "fewer than 2 clusters: no p-value"})
            continue
        if test == "negbin":
            z = float(row[S.STATISTIC])
        else:
            try:
                b, se = gee_wald(target, mask, groups)
            except (np.linalg.LinAlgError, ValueError) as exc:
                row.update({S.P_VALUE: math.nan, S.NOTE: f"the cluster model failed ({exc})"})
                continue
            z = b / se if se > 0 else math.nan
        row[S.CLUSTER_Z] = z
        row[S.P_VALUE], row[S.P_METHOD] = cluster_p(z, g)
        if test == "negbin" and g < FEW_CLUSTERS:
            _t_interval(row, g)
        notes = []
        if g < FEW_CLUSTERS:
            notes.append(f"only {g} clusters: p from t with {g - 1} df (small-sample "
                         "correction); treat it as rough")
        k1 = len(np.unique(groups[mask]))
        k0 = len(np.unique(groups[~mask]))
        if min(k1, k0) < MIN_CLUSTERS_PER_ARM:
            side, k = ("with", k1) if k1 <= k0 else ("without", k0)
            notes.append(f"the posts {side} the code come from only {k} cluster(s): the "
                         "cluster-robust p is unreliable, no stars")
            row["_no_stars"] = True
        if notes:
            row[S.NOTE] = "; ".join([row[S.NOTE], *notes] if row[S.NOTE] else notes)
    return out


def _t_interval(row: dict[str, object], g: int) -> None:
    """The rate ratio's 95% CI on t(G - 1) instead of the normal distribution."""
    b = math.log(row[S.IRR])
    se = b / row[S.STATISTIC] if row[S.STATISTIC] else math.nan
    t = float(_stats().t.ppf(0.975, g - 1))
    low, high = math.exp(b - t * se), math.exp(b + t * se)
    row.update({S.IRR_CI_LOW: low, S.IRR_CI_HIGH: high, S.EFFECT_CI_LOW: low,
                S.EFFECT_CI_HIGH: high})
