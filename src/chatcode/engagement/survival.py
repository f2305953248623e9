"""Time to first response as survival data (Kaplan-Meier, log-rank, Cox).

The mean reply delay leaves out every post that never got an answer. Here each post is
followed from its time until its first response (the first counted reply, or the first
counted reaction with a timestamp, as ``first_response_hours`` of
:func:`chatcode.engagement.responses`); a post without one is **censored** at the end of
its group's export (the last post or reaction of the group), since an answer may have come
after the export ended.

- :func:`time_to_response`: one row per post: ``post_id, group, author, role, hours,
  responded`` (``hours`` is the time to the first response, or to the export's end).
- :func:`survival_summary`: per group (``all`` first) or per with/without group of a code:
  ``n, responded, censored``, the Kaplan-Meier median time with its 95% CI
  (``statsmodels.duration.SurvfuncRight``, Brookmeyer-Crowley interval on the cloglog
  scale) and the share answered within 1 and 24 hours.
- :func:`compare_survival`: per code, with vs without: both medians, the log-rank test
  (``statsmodels.duration.survdiff``) and the hazard ratio of a Cox model with its 95% CI
  (``PHReg``, Breslow ties); HR > 1 means posts with the code are answered sooner.
- :func:`cox_model`: a Cox proportional-hazards model from a formula, e.g.
  ``"hours ~ playful + C(role)"`` over :func:`time_to_response` joined with codes.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.engagement.responses import HOUR_NS, timestamps_ns
from chatcode.errors import TablesError

__all__ = ["HOURS", "RESPONDED", "compare_survival", "cox_model", "survival_summary",
           "time_to_response"]

HOURS = "hours"
RESPONDED = "responded"


def time_to_response(corpus: Corpus, *, responses: pd.DataFrame | None = None,
                     include_self: bool = False, responders: str = "all") -> pd.DataFrame:
    """One row per post of ``corpus`` (see the module notes). ``responses`` may be the
    result of :func:`chatcode.engagement.responses` for this corpus."""
    from chatcode.engagement.responses import responses as count

    posts = corpus.posts
    if responses is None:
        responses = count(corpus, include_self=include_self, responders=responders)
    first = responses[S.FIRST_RESPONSE_HOURS].to_numpy(dtype="float64")
    ts = timestamps_ns(posts[S.TIMESTAMP])
    group = posts[S.GROUP].to_numpy()
    end = pd.Series(ts).groupby(group).max()
    reactions = corpus.reactions
    if len(reactions) and reactions[S.TIMESTAMP].notna().any():
        rts = timestamps_ns(reactions[S.TIMESTAMP])
        ok = reactions[S.TIMESTAMP].notna().to_numpy()
        _, target = corpus.id_positions
        known = ok & (target >= 0)
        later = pd.Series(rts[known]).groupby(group[target[known]]).max()
        end = pd.concat([end, later], axis=1).max(axis=1)
    until_end = (end.reindex(group).to_numpy() - ts) / HOUR_NS
    responded = np.isfinite(first)
    return pd.DataFrame({S.POST_ID: posts[S.POST_ID].to_numpy(), S.GROUP: group,
                         S.AUTHOR: posts[S.AUTHOR].to_numpy(),
                         S.ROLE: posts[S.ROLE].to_numpy(),
                         HOURS: np.where(responded, first, np.maximum(until_end, 0.0)),
                         RESPONDED: responded})


def _km(hours: np.ndarray, responded: np.ndarray) -> dict[str, float]:
    from statsmodels.duration.survfunc import SurvfuncRight

    n = len(hours)
    row = {"n": n, "responded": int(responded.sum()), "censored": int(n - responded.sum()),
           "median_hours": math.nan, "median_ci_low": math.nan, "median_ci_high": math.nan,
           "pct_within_1h": math.nan, "pct_within_24h": math.nan}
    if n == 0:
        return row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = SurvfuncRight(hours, responded.astype(int))
        row["median_hours"] = _finite(sf.quantile(0.5))
        if responded.any():
            low, high = sf.quantile_ci(0.5)
            row["median_ci_low"], row["median_ci_high"] = _finite(low), _finite(high)
    times, surv = sf.surv_times, sf.surv_prob
    for hours_limit, key in ((1, "pct_within_1h"), (24, "pct_within_24h")):
        before = times <= hours_limit
        row[key] = 100 * (1 - (surv[before][-1] if before.any() else 1.0))
    return row


def _finite(value: object) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def survival_summary(data: pd.DataFrame, *, by: str | None = S.GROUP) -> pd.DataFrame:
    """Kaplan-Meier summaries of :func:`time_to_response` rows: ``all`` and, with ``by``,
    one row per level; the log-rank test across the levels is in ``attrs``."""
    hours = data[HOURS].to_numpy(dtype="float64")
    event = data[RESPONDED].to_numpy(dtype=bool)
    rows = [{S.GROUP: S.ALL_GROUPS, **_km(hours, event)}]
    out_attrs: dict[str, object] = {}
    if by is not None:
        levels = data[by].astype(str).to_numpy()
        for level in sorted(set(levels)):
            m = levels == level
            rows.append({S.GROUP: level, **_km(hours[m], event[m])})
        if len(set(levels)) > 1 and event.any():
            out_attrs["logrank"] = _logrank(hours, event, levels)
    out = pd.DataFrame(rows).rename(columns={S.GROUP: by or S.GROUP})
    out.attrs.update(out_attrs)
    return out


def _logrank(hours: np.ndarray, event: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    from statsmodels.duration.survfunc import survdiff

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chi2, p = survdiff(hours, event.astype(int), groups)
    return {"chi2": float(chi2), "df": len(set(groups)) - 1, "p_value": float(p)}


def compare_survival(data: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Per code (one 0/1 column of ``indicators`` per code, rows as ``data``): with vs
    without, Kaplan-Meier medians, log-rank test and the Cox hazard ratio."""
    from statsmodels.duration.hazard_regression import PHReg

    hours = data[HOURS].to_numpy(dtype="float64")
    event = data[RESPONDED].to_numpy(dtype=bool)
    rows = []
    for code in indicators.columns:
        mask = np.asarray(indicators[code]).astype(float) == 1
        w, wo = _km(hours[mask], event[mask]), _km(hours[~mask], event[~mask])
        row = {S.CODE: str(code), "n_with": w["n"], "responded_with": w["responded"],
               "median_with": w["median_hours"], "median_with_ci_low": w["median_ci_low"],
               "median_with_ci_high": w["median_ci_high"], "n_without": wo["n"],
               "responded_without": wo["responded"], "median_without": wo["median_hours"],
               "median_without_ci_low": wo["median_ci_low"],
               "median_without_ci_high": wo["median_ci_high"], "logrank_chi2": math.nan,
               S.P_VALUE: math.nan, "hazard_ratio": math.nan, "hr_ci_low": math.nan,
               "hr_ci_high": math.nan, S.NOTE: ""}
        if mask.all() or not mask.any() or not event.any():
            row[S.NOTE] = "no comparison: a group is empty or nobody got a response"
        else:
            lr = _logrank(hours, event, mask.astype(int))
            row["logrank_chi2"], row[S.P_VALUE] = lr["chi2"], lr["p_value"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = PHReg(hours, mask.astype(float)[:, None], status=event.astype(int),
                            ties="breslow").fit()
            b, se = float(res.params[0]), float(res.bse[0])
            if not (math.isfinite(b) and math.isfinite(se)):
                row[S.NOTE] = "no hazard ratio: the Cox model does not converge"
                rows.append(row)
                continue
            row.update({"hazard_ratio": math.exp(b), "hr_ci_low": math.exp(b - 1.959964 * se),
                        "hr_ci_high": math.exp(b + 1.959964 * se)})
        rows.append(row)
    return pd.DataFrame(rows)


def cox_model(data: pd.DataFrame, formula: str) -> pd.DataFrame:
    """A Cox model (Breslow ties) of ``formula`` (``"hours ~ ..."``) with ``responded`` as
    the event: ``term, estimate, se, hazard_ratio, hr_ci_low, hr_ci_high, p_value``."""
    from patsy import PatsyError
    from statsmodels.duration.hazard_regression import PHReg

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = PHReg.from_formula(formula, data, status=data[RESPONDED].astype(int),
                                     ties="breslow").fit()
    except (PatsyError, ValueError, KeyError) as exc:
        raise TablesError(f"cannot fit the Cox model {formula!r}: {exc}",
                          hint="write it as 'hours ~ covariates' over time_to_response "
                          "rows") from None
    names = res.model.exog_names
    b, se = np.asarray(res.params), np.asarray(res.bse)
    return pd.DataFrame({"term": names, "estimate": b, "se": se, "hazard_ratio": np.exp(b),
                         "hr_ci_low": np.exp(b - 1.959964 * se),
                         "hr_ci_high": np.exp(b + 1.959964 * se),
                         S.P_VALUE: np.asarray(res.pvalues)})
