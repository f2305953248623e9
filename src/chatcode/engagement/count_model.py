"""A negative-binomial GEE of responses per post with covariates (Python API).

Posts are nested in authors (and authors in groups), and responses depend on more than one
code: the role of the author, the group, the week of the programme, the size of the
audience. :func:`count_model` fits a generalised estimating equation (Liang & Zeger 1986)
with a log link, the negative-binomial variance ``mu + alpha mu^2``, an exchangeable
working correlation within clusters and robust (sandwich) standard errors, from a formula::

    frame = model_frame(coded, dimension="nudge")     # one row per post coded in nudge
    count_model(frame, "responses ~ playful + reminder + C(role) + C(group) + week",
                cluster="author", exposure="members")

The formula is a patsy/statsmodels formula: ``C(x)`` makes a categorical covariate (first
level as reference), ``Q("code-id")`` quotes a code id that is not a Python name.
``exposure`` names a positive column (e.g. members of the group that week); its log is an
offset, so the coefficients are rate ratios per unit of exposure. ``alpha`` (the NB2
dispersion) is estimated by maximum likelihood (statsmodels ``NegativeBinomial``, same
formula and offset, independent posts) unless given, then held fixed in the GEE.

Result: one row per term: ``term, estimate, se, statistic, p_value, rate_ratio,
rr_ci_low, rr_ci_high``; ``frame.attrs`` holds ``n, n_clusters, alpha, reference`` (``t``
with G - 1 df below 20 clusters, else ``normal``) and ``note``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.engagement.clustered import FEW_CLUSTERS
from chatcode.errors import TablesError


def _stats():
    """scipy.stats, imported on first use (it takes seconds to load)."""
    from scipy import stats

    return stats

__all__ = ["WEEK", "count_model", "model_frame"]

WEEK = "week"
DAY_NS = 86_400_000_000_000


def model_frame(coded: object, *, dimension: str | None = None) -> pd.DataFrame:
    """One row per coded post: ``post_id, group, author, role, responses, week`` and a 0/1
    column per code of ``dimension`` (every dimension when None; posts not coded in a
    dimension have NaN there). ``week`` counts from the day of each group's first post in
    the corpus (week 1), as :func:`chatcode.engagement.participation.participation`."""
    posts = coded.corpus.posts
    ns = posts[S.TIMESTAMP].to_numpy(dtype="datetime64[ns]").view("int64")
    first = pd.Series(ns).groupby(posts[S.GROUP].to_numpy()).min() // DAY_NS
    units = coded.units
    uns = units[S.TIMESTAMP].to_numpy(dtype="datetime64[ns]").view("int64")
    start = first.reindex(units[S.GROUP].to_numpy()).to_numpy()
    out = pd.DataFrame({S.POST_ID: units[S.POST_ID], S.GROUP: units[S.GROUP],
                        S.AUTHOR: units[S.AUTHOR], S.ROLE: units[S.ROLE],
                        S.RESPONSES: units[S.RESPONSES].to_numpy(dtype="int64"),
                        WEEK: (uns - start * DAY_NS) // (7 * DAY_NS) + 1})
    dims = [coded.codebook.dimension(dimension)] if dimension else coded.codebook.dimensions
    for dim in dims:
        block = coded.values[:, coded._columns[dim.id]].astype("float64")
        block[block < 0] = np.nan
        for j, code in enumerate(dim.code_ids):
            out[code] = block[:, j]
    if dimension:
        out = out[out[list(dims[0].code_ids)].notna().all(axis=1)].reset_index(drop=True)
    return out


def count_model(frame: pd.DataFrame, formula: str, *, cluster: str = S.AUTHOR,
                exposure: str | None = None, alpha: float | None = None,
                level: float = 0.95) -> pd.DataFrame:
    """Fit the negative-binomial GEE of ``formula`` (see the module notes)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from patsy import PatsyError

    for col in [cluster] + ([exposure] if exposure else []):
        if col not in frame.columns:
            raise TablesError(f"the model frame has no column {col!r}",
                              hint=f"its columns are {', '.join(map(str, frame.columns))}")
    data = frame.sort_values(cluster, kind="stable").reset_index(drop=True)
    offset = None
    if exposure:
        e = pd.to_numeric(data[exposure], errors="coerce").to_numpy(dtype="float64")
        if not (np.isfinite(e) & (e > 0)).all():
            raise TablesError(f"the exposure {exposure!r} must be a positive number for "
                              "every post", hint="drop the posts without exposure first")
        offset = np.log(e)
    groups = pd.factorize(data[cluster])[0]
    g = int(groups.max()) + 1 if len(groups) else 0
    if g < 2:
        raise TablesError(f"the model needs at least 2 clusters ({cluster!r} has {g})",
                          hint="cluster by a column with several values")
    note = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if alpha is None:
                mle = smf.negativebinomial(formula, data, offset=offset).fit(
                    method="newton", maxiter=100, tol=1e-10, disp=0)
                if not mle.mle_retvals.get("converged", True):
                    note.append("the dispersion fit did not converge")
                alpha = float(mle.params["alpha"])
            model = smf.gee(formula, groups=groups, data=data, offset=offset,
                            family=sm.families.NegativeBinomial(alpha=alpha),
                            cov_struct=sm.cov_struct.Exchangeable())
            res = model.fit(maxiter=200)
    except (PatsyError, ValueError, np.linalg.LinAlgError) as exc:
        raise TablesError(f"cannot fit the count model {formula!r}: {exc}",
                          hint="check the formula's column names") from None
    z = res.params / res.bse
    if g < FEW_CLUSTERS:
        q = _stats().t.ppf(0.5 + level / 2, g - 1)
        p = 2 * _stats().t.sf(np.abs(z), g - 1)
        reference = f"t with {g - 1} df"
        note.append(f"only {g} clusters: p and CIs from t with {g - 1} df "
                    "(small-sample correction)")
    else:
        q = _stats().norm.ppf(0.5 + level / 2)
        p = 2 * _stats().norm.sf(np.abs(z))
        reference = "normal"
    out = pd.DataFrame({"term": pd.array(list(res.params.index), dtype="str"),
                        "estimate": res.params.to_numpy(), "se": res.bse.to_numpy(),
                        "statistic": z.to_numpy(), "p_value": np.asarray(p),
                        "rate_ratio": np.exp(res.params.to_numpy()),
                        "rr_ci_low": np.exp(res.params.to_numpy() - q * res.bse.to_numpy()),
                        "rr_ci_high": np.exp(res.params.to_numpy() + q * res.bse.to_numpy())})
    out.attrs.update({"n": int(res.nobs), "n_clusters": g, "alpha": alpha,
                      "reference": reference, "note": "; ".join(note),
                      "correlation": float(np.asarray(res.cov_struct.dep_params).ravel()[0])
                      if np.size(res.cov_struct.dep_params) else math.nan})
    return out
