"""With/without comparisons: do posts with a code get more responses than posts without it?

For one code, the posts coded 1 ("with") are compared with the posts coded 0 ("without"):
n, mean and SD of each group, a test of the difference, its p-value and significance stars
(Tables 7 and 10 of the DiabPeerS paper). Statistics only; the table layouts are in
:mod:`chatcode.tables.layouts`.

>>> import pandas as pd
>>> row = with_without(pd.Series([0, 1, 3, 0, 2, 5]), pd.Series([0, 0, 1, 0, 1, 1]))
>>> row["n_with"], row["mean_with"], row["n_without"], row["mean_without"]
(3, 3.3333333333333335, 3, 0.3333333333333333)

Notes
-----
- SD is the sample SD (``ddof=1``, as SPSS); it is NaN for a group of one post.
- ``mannwhitney`` (default; responses are skewed counts with many zeros): two-sided, normal
  approximation with the tie correction, for every sample size (no exact test).
  ``continuity=False`` (default) applies no continuity correction, as SPSS's NPAR TESTS
  M-W does; ``continuity=True`` applies it, as R's ``wilcox.test`` and scipy's default do.
  ``statistic`` is U of the posts with the code (the number of (with, without) pairs in
  which the post with the code got more responses, ties counting 1/2); ``z`` is signed,
  positive when posts with the code rank higher.
- ``welch`` / ``student``: two-sided t-test with unequal / pooled variances (scipy);
  ``statistic`` is t of (with - without), ``df`` its degrees of freedom.
- ``negbin``: negative binomial regression (NB2, maximum likelihood, statsmodels) of the
  responses on the code; ``statistic`` is the Wald z of the code, ``irr`` the
  incidence-rate ratio (mean with / mean without) with its 95% CI, ``alpha`` the dispersion.
  ``cluster`` (e.g. the author or group of each post) gives cluster-robust SEs.
- ``adjust``: Holm or Benjamini-Hochberg adjustment over the codes of one table
  (statsmodels ``multipletests``); the stars then follow the adjusted p-values.
- Stars: ``*`` p < .1, ``**`` p < .05, ``***`` p < .01 (as in the paper); none when p is
  missing. When a test cannot be computed (no post with the code, all values equal, a
  model that does not converge) ``statistic`` and ``p_value`` are NaN and ``note`` says why.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.engagement import effect_sizes as E
from chatcode.engagement.choices import ADJUST_METHODS, TESTS
from chatcode.engagement.small_samples import SMALL, permutation_p
from chatcode.errors import TablesError

__all__ = [
    "ADJUST_METHODS",
    "TESTS",
    "adjust",
    "compare_codes",
    "describe",
    "mean_ci",
    "normalize_adjust",
    "normalize_test",
    "stars",
    "test_label",
    "with_without",
]

Test = Literal["mannwhitney", "welch", "student", "negbin"]
STARS = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
_TEST_ALIASES = {"mann_whitney": "mannwhitney", "mann-whitney": "mannwhitney",
                 "mwu": "mannwhitney", "u": "mannwhitney", "welch_t": "welch",
                 "student_t": "student", "t": "student", "ttest": "student",
                 "negative_binomial": "negbin", "nb": "negbin", "nb2": "negbin"}
_ADJUST_ALIASES = {"bh": "fdr_bh", "fdr": "fdr_bh", "benjamini_hochberg": "fdr_bh",
                   "benjamini-hochberg": "fdr_bh", "by": "fdr_by",
                   "benjamini_yekutieli": "fdr_by", "benjamini-yekutieli": "fdr_by"}
_ADJUST_NAMES = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg (FDR)",
                 "bonferroni": "Bonferroni", "fdr_by": "Benjamini-Yekutieli (FDR)"}
_MEASURE = {"mannwhitney": "rank_biserial", "welch": "hedges_g", "student": "hedges_g",
            "negbin": "rate_ratio"}
_EXTRA = {"mannwhitney": (S.Z,), "welch": (S.DF,), "student": (S.DF,),
          "negbin": (S.IRR, S.IRR_CI_LOW, S.IRR_CI_HIGH, S.ALPHA)}


def normalize_test(name: str) -> str:
    """The canonical name of a test (``mann_whitney`` -> ``mannwhitney``); TablesError else."""
    key = str(name).strip().lower()
    key = _TEST_ALIASES.get(key, key)
    if key not in TESTS:
        raise TablesError(f"unknown test {name!r}",
                          hint=f"use one of {', '.join(TESTS)}")
    return key


def normalize_adjust(name: str | None) -> str | None:
    """The canonical name of a p-value adjustment (``None``/``none`` for no adjustment)."""
    if name is None or str(name).strip().lower() in ("", "none", "no"):
        return None
    key = str(name).strip().lower()
    key = _ADJUST_ALIASES.get(key, key)
    if key not in ADJUST_METHODS:
        raise TablesError(f"unknown p-value adjustment {name!r}",
                          hint=f"use none or one of {', '.join(ADJUST_METHODS)}")
    return key


def stars(p: float | None) -> str:
    """``***`` for p < .01, ``**`` for p < .05, ``*`` for p < .1, else (or NaN) ``""``."""
    if p is None or not np.isfinite(p):
        return ""
    for limit, mark in STARS:
        if p < limit:
            return mark
    return ""


def test_label(test: str = "mannwhitney", *, continuity: bool = False,
               cluster: str | None = None, adjust: str | None = None) -> str:
    """The test in words, as printed under every table (names the corrections applied)."""
    test = normalize_test(test)
    if test == "mannwhitney":
        text = (f"Mann-Whitney U test (two-sided; exact permutation p when a group has fewer "
                f"than {SMALL} posts, else normal approximation with tie correction, "
                + ("with" if continuity else "no") + " continuity correction)")
    elif test == "welch":
        text = "Welch's t-test (two-sided, unequal variances)"
    elif test == "student":
        text = "Student's t-test (two-sided, pooled variance)"
    else:
        text = ("negative binomial regression (NB2, maximum likelihood; Wald z of the code; "
                "incidence-rate ratio with 95% CI"
                + (f"; cluster-robust SEs by {cluster}" if cluster else "") + ")")
    if cluster and test != "negbin":
        model = "the midranks" if test == "mannwhitney" else "the values"
        text += (f"; p-values cluster-aware by {cluster}: GEE of {model} on the code "
                 "(exchangeable, robust SEs), t with G - 1 df below 20 clusters")
    elif cluster:
        text += "; t with G - 1 df below 20 clusters"
    adjust = normalize_adjust(adjust)
    if adjust:
        text += "; p-values adjusted by " + _ADJUST_NAMES[adjust]
    return text


def describe(values: Sequence[float] | np.ndarray | pd.Series) -> tuple[int, float, float]:
    """``(n, mean, sd)`` of the non-missing values; SD with ``ddof=1`` (NaN when n < 2)."""
    v = np.asarray(values, dtype="float64")
    return _summary(v[~np.isnan(v)])


def mean_ci(values: Sequence[float] | np.ndarray | pd.Series,
            level: float = 0.95) -> tuple[float, float]:
    """The t-based confidence interval of the mean (``mean -+ t * SD / sqrt(n)``)."""
    from scipy.special import stdtrit  # t quantile, as scipy.stats.t.ppf (faster to import)

    n, mean, sd = describe(values)
    if n < 2:
        return math.nan, math.nan
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * sd / math.sqrt(n)
    return mean - half, mean + half


def adjust(pvalues: Sequence[float] | np.ndarray, *, method: str = "holm") -> np.ndarray:
    """Adjusted p-values (Holm or Benjamini-Hochberg); NaN stays NaN and is not counted."""
    from statsmodels.stats.multitest import multipletests

    method = normalize_adjust(method) or "holm"
    p = np.asarray(pvalues, dtype="float64")
    out = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method=method)[1]
    return out


_adjust_p = adjust


def with_without(
    values: pd.Series | np.ndarray,
    has_code: pd.Series | np.ndarray,
    *,
    test: Test = "mannwhitney",
    continuity: bool = False,
    cluster: pd.Series | np.ndarray | None = None,
    exact: bool | None = None,
) -> dict[str, object]:
    """Compare ``values`` (e.g. responses per post) of posts with and without a code.

    ``has_code`` is 1/True for posts with the code and 0/False for posts without it (same
    length and order as ``values``). Returns one row as a dict: ``n_with, mean_with,
    sd_with, n_without, mean_without, sd_without, statistic, p_value, stars, test, note``
    and the test's extra fields (``z``; ``df``; ``irr, irr_ci_low, irr_ci_high, alpha``).
    See the module Notes for the conventions.
    """
    frame = pd.DataFrame({S.CODE: np.asarray(has_code)})
    row = compare_codes(values, frame, test=test, continuity=continuity,
                        cluster=cluster, exact=exact).drop(columns=S.CODE).iloc[0].to_dict()
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()}


def compare_codes(
    values: pd.Series | np.ndarray,
    indicators: pd.DataFrame,
    *,
    test: Test = "mannwhitney",
    continuity: bool = False,
    cluster: pd.Series | np.ndarray | None = None,
    adjust: str | None = None,
    exact: bool | None = None,
) -> pd.DataFrame:
    """:func:`with_without` for every column of ``indicators`` (one 0/1 column per code).

    Returns one row per code (column ``code``, in the order of the columns), plus the
    columns of :func:`with_without`; ``p_adjusted`` too when ``adjust`` is given.
    ``exact`` (Mann-Whitney): None chooses the permutation p when a group has fewer than
    ``SMALL`` (30) posts, True always, False never (the normal approximation).
    """
    test = normalize_test(test)
    method = normalize_adjust(adjust)
    y = np.asarray(values, dtype="float64")
    if np.isnan(y).any():
        raise TablesError("the values to compare have missing entries",
                          hint="give a value (e.g. 0 responses) for every post")
    if cluster is not None and len(np.asarray(cluster)) != len(y):
        raise TablesError(f"the cluster labels have {len(np.asarray(cluster))} entries for "
                          f"{len(y)} posts", hint="give one cluster (author or group) per post")
    masks = {c: _mask(indicators[c], c) for c in indicators.columns}
    rows = [_describe_pair(y, m) for m in masks.values()]
    results = _run(test, y, list(masks.values()), continuity=continuity, cluster=cluster,
                   exact=exact)
    out = pd.DataFrame([{**r, **res} for r, res in zip(rows, results, strict=True)])
    out.insert(0, S.CODE, pd.array(list(masks), dtype="str"))
    extras = (*_EXTRA[test], *((S.N_CLUSTERS, S.CLUSTER_Z) if cluster is not None else ()))
    for col in (S.STATISTIC, S.P_VALUE, *extras, *S.EFFECT_COLUMNS[1:-1]):
        out[col] = out[col].astype("float64") if col in out else np.nan
    _add_mean_cis(out)
    out[S.EFFECT_MEASURE] = _MEASURE[test]
    if method:
        out[S.P_ADJUSTED] = _adjust_p(out[S.P_VALUE].to_numpy(), method=method)
    key = S.P_ADJUSTED if method else S.P_VALUE
    out[S.STARS] = pd.array([stars(p) for p in out[key]], dtype="str")
    if "_no_stars" in out:  # a test whose assumptions fail is reported without stars
        out.loc[out["_no_stars"].fillna(False).astype(bool), S.STARS] = ""
        out = out.drop(columns="_no_stars")
    out[S.TEST] = test_label(test, continuity=continuity,
                             cluster=_cluster_name(cluster), adjust=method)
    out[S.NOTE] = out[S.NOTE].astype("str")
    out[S.P_METHOD] = (out[S.P_METHOD].astype(object).where(out[S.P_METHOD].notna(), "")
                       .astype("str") if S.P_METHOD in out else "")
    order = [S.CODE, *S.COMPARE_COLUMNS, *([S.P_ADJUSTED] if method else []), *extras,
             *S.EFFECT_COLUMNS, S.TEST, S.NOTE]
    return out[order]


def _add_mean_cis(out: pd.DataFrame) -> None:
    for n, mean, sd, low, high in ((S.N_WITH, S.MEAN_WITH, S.SD_WITH, S.MEAN_WITH_CI_LOW,
                                    S.MEAN_WITH_CI_HIGH),
                                   (S.N_WITHOUT, S.MEAN_WITHOUT, S.SD_WITHOUT,
                                    S.MEAN_WITHOUT_CI_LOW, S.MEAN_WITHOUT_CI_HIGH)):
        out[low], out[high] = E.mean_cis(out[n].to_numpy(), out[mean].to_numpy(),
                                         out[sd].to_numpy())


def _cluster_name(cluster: object) -> str | None:
    if cluster is None:
        return None
    return str(getattr(cluster, "name", None) or "cluster")


def _mask(column: pd.Series | np.ndarray, name: object) -> np.ndarray:
    raw = np.asarray(column)
    if raw.dtype.kind in "iu":  # integers (the code matrix): 0 and 1 are those below 2
        v, bad = raw, raw.view(f"u{raw.dtype.itemsize}") > 1
    else:
        v = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype="float64")
        bad = ~np.isin(v, (0.0, 1.0))
    if bad.any():
        raise TablesError(f"the code {name!r} has values other than 0 and 1 "
                          f"({int(bad.sum())} of {len(v)})",
                          hint="a code is 1 (the post has it) or 0 (it has not)")
    return v == 1


def _describe_pair(y: np.ndarray, mask: np.ndarray) -> dict[str, object]:
    """``describe`` of the posts with and without the code; ``y`` (float64) has no missing
    value (compare_codes checks), so the values are summarised as they are, without the
    copy ``describe`` makes to leave missing values out (the same numbers)."""
    n1, m1, s1 = _summary(y[mask])
    n0, m0, s0 = _summary(y[~mask])
    return {S.N_WITH: n1, S.MEAN_WITH: m1, S.SD_WITH: s1,
            S.N_WITHOUT: n0, S.MEAN_WITHOUT: m0, S.SD_WITHOUT: s0}


def _summary(v: np.ndarray) -> tuple[int, float, float]:
    """``(n, mean, sd)`` of float64 values without missing ones (what ``describe`` gives
    once it has left the missing values out)."""
    n = len(v)
    return n, float(v.mean()) if n else math.nan, float(v.std(ddof=1)) if n > 1 else math.nan


def _run(test: str, y: np.ndarray, masks: list[np.ndarray], *, continuity: bool,
         cluster: object, exact: bool | None) -> list[dict[str, object]]:
    if test == "mannwhitney":
        out = _mannwhitney(y, masks, continuity=continuity, exact=exact)
    elif test in ("welch", "student"):
        out = [_ttest(y, m, equal_var=test == "student") for m in masks]
    else:
        out = None
    if cluster is None:
        return out if out is not None else [_negbin(y, m, None) for m in masks]
    from chatcode.engagement.clustered import cluster_rows

    return cluster_rows(test, y, masks, np.asarray(cluster), out)


def _empty(note: str) -> dict[str, object]:
    return {S.STATISTIC: math.nan, S.P_VALUE: math.nan, S.NOTE: note}


def _size_note(n1: int, n0: int) -> str:
    if n1 == 0:
        return "no post has the code"
    if n0 == 0:
        return "every post has the code"
    return ""


def _effect(values: tuple[float, float, float, float]) -> dict[str, float]:
    return dict(zip((S.EFFECT_SIZE, S.EFFECT_SE, S.EFFECT_CI_LOW, S.EFFECT_CI_HIGH), values,
                    strict=True))


def _mannwhitney(y: np.ndarray, masks: list[np.ndarray], *, continuity: bool,
                 exact: bool | None = None) -> list[dict[str, object]]:
    """U, z, p and the rank-biserial r for many codes over the same posts: the ranks and
    the distinct values are computed once.

    The same formulas as ``scipy.stats.mannwhitneyu(method="asymptotic")``: U of the first
    sample, variance ``n1 n0 / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1)))``. When a group
    has fewer than ``SMALL`` posts, the p-value is the permutation p
    (:mod:`chatcode.engagement.small_samples`).
    ``scipy.special.ndtr`` gives the normal tail without loading ``scipy.stats``.
    """
    from scipy.special import ndtr

    n = len(y)
    _, index, counts = E.value_levels(y)
    ties = float((counts.astype("float64") ** 3 - counts).sum())
    ends = np.cumsum(counts).astype("float64")
    ranks = (ends - (counts - 1) / 2)[index]  # average ranks of ties, as scipy.stats.rankdata
    out = []
    for mask in masks:
        n1 = int(mask.sum())
        n0 = n - n1
        note = _size_note(n1, n0)
        if note:
            out.append({**_empty(note), S.Z: math.nan})
            continue
        u = float(ranks[mask].sum()) - n1 * (n1 + 1) / 2
        mu = n1 * n0 / 2
        var = n1 * n0 / 12 * ((n + 1) - ties / (n * (n - 1)))
        if var <= 0:
            out.append({**_empty("all values are equal"), S.Z: math.nan})
            continue
        diff = u - mu
        if continuity:
            diff = math.copysign(max(abs(diff) - 0.5, 0.0), diff)
        z = diff / math.sqrt(var)
        if exact or (exact is None and min(n1, n0) < SMALL):
            p, method = permutation_p(counts, np.bincount(index[mask], minlength=len(counts)))
        else:
            p, method = min(1.0, 2 * float(ndtr(-abs(z)))), "asymptotic"
        out.append({S.STATISTIC: u, S.P_VALUE: p, S.Z: z, S.NOTE: "", S.P_METHOD: method,
                    **_effect(E.rank_biserial(index, counts, mask))})
    return out


def _ttest(y: np.ndarray, mask: np.ndarray, *, equal_var: bool) -> dict[str, object]:
    from scipy import stats

    a, b = y[mask], y[~mask]
    note = _size_note(len(a), len(b))
    if not note and (len(a) < 2 or len(b) < 2):
        note = "a group has fewer than 2 posts"
    if not note and a.var() == 0 and b.var() == 0:
        note = "no variation within the groups"
    if note:
        return {**_empty(note), S.DF: math.nan}
    with warnings.catch_warnings():  # a group without variation: said in the note below
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.ttest_ind(a, b, equal_var=equal_var)
    g = E.hedges_g(len(a), float(a.mean()), float(a.std(ddof=1)), len(b), float(b.mean()),
                   float(b.std(ddof=1)))
    row = {S.STATISTIC: float(res.statistic), S.P_VALUE: float(res.pvalue),
           S.DF: float(res.df), S.NOTE: "", S.P_METHOD: "t", **_effect(g)}
    flat = [name for name, v in (("with", a), ("without", b)) if v.var() == 0]
    if flat:
        row[S.NOTE] = (f"the posts {flat[0]} the code all have the value "
                       f"{(a if flat[0] == 'with' else b)[0]:g} (no variation): the t-test "
                       "is not valid, no stars; use the Mann-Whitney test")
        row["_no_stars"] = True
    return row


def _negbin(y: np.ndarray, mask: np.ndarray, groups: np.ndarray | None) -> dict[str, object]:
    """NB2 by maximum likelihood: Newton's method to a tolerance of 1e-10 (so p is right to
    1e-6), falling back to BFGS (and saying so in the note) when Newton fails."""
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    empty = dict.fromkeys(_EXTRA["negbin"], math.nan)
    n1 = int(mask.sum())
    note = _size_note(n1, len(y) - n1)
    if not note and (np.any(y < 0) or np.any(y % 1 != 0)):
        note = "the negative binomial model needs whole counts >= 0"
    if not note and (y[mask].sum() == 0 or y[~mask].sum() == 0):
        note = "a group has no responses at all: the rate ratio is 0 or infinite"
    if note:
        return {**_empty(note), **empty}
    x = np.column_stack([np.ones(len(y)), mask.astype("float64")])
    m0 = y[~mask].mean()
    start = np.array([math.log(m0), math.log(y[mask].mean() / m0), 1.0])
    kwargs = ({"cov_type": "cluster", "cov_kwds": {"groups": groups}}
              if groups is not None else {})
    model = NegativeBinomial(y, x, loglike_method="nb2")
    fell_back = False
    res = None
    for method, options in (("newton", {"tol": 1e-10, "maxiter": 100}),
                            ("bfgs", {"maxiter": 400, "gtol": 1e-10})):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = model.fit(start_params=start, method=method, disp=0, **options,
                                **kwargs)
            except (np.linalg.LinAlgError, ValueError) as exc:
                res, failure = None, f"the negative binomial model failed ({exc})"
        bad = [w for w in caught if issubclass(w.category, (ConvergenceWarning,
                                                            HessianInversionWarning))]
        if res is not None and not bad and res.mle_retvals.get("converged", True) \
                and np.all(np.isfinite(res.bse)):
            break
        if res is not None:
            failure = ("the negative binomial model did not converge (the responses may "
                       "show no overdispersion; use another test)")
        res, fell_back = None, True
    if res is None:
        return {**_empty(failure), **empty}
    b, se = float(res.params[1]), float(res.bse[1])
    low, high = (float(v) for v in np.asarray(res.conf_int())[1])
    return {S.STATISTIC: b / se, S.P_VALUE: float(res.pvalues[1]), S.IRR: math.exp(b),
            S.IRR_CI_LOW: math.exp(low), S.IRR_CI_HIGH: math.exp(high),
            S.ALPHA: float(res.params[2]), S.P_METHOD: "wald_z",
            S.NOTE: "fitted by BFGS: Newton's method did not converge" if fell_back else "",
            S.EFFECT_SIZE: math.exp(b), S.EFFECT_SE: math.exp(b) * se,
            S.EFFECT_CI_LOW: math.exp(low), S.EFFECT_CI_HIGH: math.exp(high)}
