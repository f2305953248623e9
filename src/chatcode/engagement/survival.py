"""Time to first response as survival data: posts that never got an answer are censored at
the end of the export instead of being left out of the mean reply delay.

:func:`time_to_response` gives one row per post: ``duration_hours`` (to its first counted
response, or to the end of the export) and ``event`` (1 answered, 0 censored).
:func:`survival_summary` gives Kaplan–Meier estimates per group of posts (median time to
first response with its 95% CI, the share still unanswered after 1, 6 and 24 hours) and a
log-rank test between the groups; :func:`survival_table` does this per code (with vs
without), the table kind ``time_to_response``; :func:`cox_model` fits a Cox model.

Notes
-----
- The first response is the first counted reply or the first counted reaction with a time,
  exactly as ``first_response_hours`` of :func:`chatcode.engagement.responses` (same
  ``include_self`` and ``responders`` options).
- The end of the export, per chat group, is the latest time in that group (posts and
  reactions), unless ``end`` is given. A post without a response is censored there.
- The median is the first time the Kaplan–Meier curve falls below one half (statsmodels'
  convention; where the curve is exactly 0.5 over an interval, R's ``survfit`` prints the
  interval's midpoint instead). It is "not reached" (NaN) when more than half of the posts
  were never answered within the export.
- Kaplan–Meier, its median with the log–log ("cloglog") 95% CI of Brookmeyer & Crowley
  (1982), and the log-rank test come from statsmodels (``SurvfuncRight``, ``survdiff``); the
  Cox model is statsmodels' ``PHReg`` (Breslow ties).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.engagement.responses import HOUR_NS, Responders, responses, timestamps_ns
from chatcode.errors import TablesError

__all__ = ["SURVIVAL_AT", "cox_model", "km_curve", "survival_summary", "survival_table",
           "time_to_response"]

SURVIVAL_AT = (1.0, 6.0, 24.0)  # hours at which the share still unanswered is reported
DURATION, EVENT = "duration_hours", "event"


def time_to_response(corpus: Corpus, *, include_self: bool = False,
                     responders: Responders = "all",
                     end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per post: ``post_id, group, author, role, duration_hours, event``."""
    posts = corpus.posts
    first = responses(corpus, include_self=include_self,
                      responders=responders)[S.FIRST_RESPONSE_HOURS].to_numpy(dtype=float)
    ts = timestamps_ns(posts[S.TIMESTAMP])
    if end is not None:
        stop = np.full(len(posts), pd.Timestamp(end).as_unit("ns").value, dtype=np.int64)
    else:
        last = pd.Series(ts, index=posts[S.GROUP].to_numpy()).groupby(level=0).max()
        reactions = corpus.reactions
        timed = reactions[S.TIMESTAMP].notna().to_numpy() if len(reactions) else None
        if timed is not None and timed.any():
            group_of = posts.set_index(S.POST_ID)[S.GROUP]
            r_group = group_of.reindex(reactions[S.POST_ID].to_numpy()).to_numpy()
            r_ts = timestamps_ns(reactions[S.TIMESTAMP])
            ok = timed & pd.notna(r_group)
            r_last = pd.Series(r_ts[ok], index=r_group[ok]).groupby(level=0).max()
            last = pd.concat([last, r_last]).groupby(level=0).max()
        stop = last.reindex(posts[S.GROUP].to_numpy()).to_numpy(dtype=np.int64)
    censor = (stop - ts) / HOUR_NS
    event = np.isfinite(first)
    duration = np.where(event, first, censor)
    if (duration < 0).any():
        raise TablesError(f"{int((duration < 0).sum())} post(s) are dated after the end of "
                          "the export", hint="give an end after the last post, or none")
    return pd.DataFrame({S.POST_ID: posts[S.POST_ID].array, S.GROUP: posts[S.GROUP].array,
                         S.AUTHOR: posts[S.AUTHOR].array, S.ROLE: posts[S.ROLE].array,
                         DURATION: duration, EVENT: event.astype(np.int8)})


def _fit(duration: np.ndarray, event: np.ndarray):
    from statsmodels.duration.survfunc import SurvfuncRight

    return SurvfuncRight(duration, event)


def _km_row(duration: np.ndarray, event: np.ndarray) -> dict[str, float]:
    row: dict[str, float] = {"n": len(duration), "events": int(event.sum()),
                             "censored": int(len(event) - event.sum())}
    nan = float("nan")
    if not len(duration) or not event.any():
        return row | {"median_hours": nan, "median_ci_low": nan, "median_ci_high": nan} | {
            f"unanswered_{h:g}h": (1.0 if len(duration) else nan) for h in SURVIVAL_AT}
    sf = _fit(duration, event)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        median = sf.quantile(0.5)
        low, high = sf.quantile_ci(0.5)
    row |= {"median_hours": _num(median), "median_ci_low": _num(low),
            "median_ci_high": _num(high)}
    for h in SURVIVAL_AT:
        before = sf.surv_times <= h
        row[f"unanswered_{h:g}h"] = float(sf.surv_prob[before][-1]) if before.any() else 1.0
    return row


def _num(value) -> float:
    return float(value) if value is not None and np.isfinite(value) else float("nan")


def survival_summary(data: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Kaplan–Meier per value of ``by`` (all posts when None), with a log-rank test.

    ``data`` has ``duration_hours`` and ``event`` (:func:`time_to_response`). Columns: ``by``
    (or ``group`` = ``all``), ``n``, ``events``, ``censored``, ``median_hours``,
    ``median_ci_low``, ``median_ci_high``, ``unanswered_1h``/``6h``/``24h``, and on every row
    the log-rank ``chi2``, ``df`` and ``p`` across the groups (NaN for one group).
    """
    key = by or S.GROUP
    if by is None:
        data = data.assign(**{S.GROUP: "all"})
    rows = []
    for value, part in data.groupby(key, sort=True):
        rows.append({key: value} | _km_row(part[DURATION].to_numpy(float),
                                           part[EVENT].to_numpy(int)))
    out = pd.DataFrame(rows)
    chi2, df, p = _logrank(data, key)
    return out.assign(chi2=chi2, df=df, p=p)


def _logrank(data: pd.DataFrame, key: str) -> tuple[float, float, float]:
    from statsmodels.duration.survfunc import survdiff

    labels = data[key].astype(str).to_numpy()
    k = len(set(labels))
    if k < 2 or not data[EVENT].any():
        return float("nan"), float("nan"), float("nan")
    chi2, p = survdiff(data[DURATION].to_numpy(float), data[EVENT].to_numpy(int), labels)
    return float(chi2), float(k - 1), float(p)


def km_curve(duration: Sequence[float], event: Sequence[int]) -> pd.DataFrame:
    """The Kaplan–Meier step function: ``hours`` and ``unanswered`` (starts at 0 h, 1.0)."""
    duration, event = np.asarray(duration, float), np.asarray(event, int)
    if not event.any():
        return pd.DataFrame({"hours": [0.0], "unanswered": [1.0]})
    sf = _fit(duration, event)
    return pd.DataFrame({"hours": np.r_[0.0, sf.surv_times],
                         "unanswered": np.r_[1.0, sf.surv_prob]})


def survival_table(coded, dimension: str, *, data: pd.DataFrame | None = None,
                   end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Time to first response with vs without each code of ``dimension`` (one row per code).

    ``coded`` is :class:`~chatcode.engagement.coded.CodedPosts`. Columns: ``dimension``,
    ``code``, then ``n``, ``events``, ``median_hours``, ``median_ci_low``, ``median_ci_high``
    for ``with_`` and ``without_`` posts, and the log-rank ``chi2`` and ``p``.
    """
    if data is None:
        data = time_to_response(coded.corpus, include_self=coded.include_self,
                                responders=coded.responders, end=end)
    units, codes = coded.codes_of(dimension)
    sub = data.set_index(S.POST_ID).loc[units[S.POST_ID].to_numpy()]
    rows = []
    for code in codes.columns:
        has = codes[code].to_numpy() == 1
        part = sub.assign(_has=np.where(has, "with", "without"))
        row = {"dimension": dimension, "code": code}
        for label, mask in (("with", has), ("without", ~has)):
            km = _km_row(sub[DURATION].to_numpy(float)[mask], sub[EVENT].to_numpy(int)[mask])
            row |= {f"{label}_{k}": km[k] for k in ("n", "events", "median_hours",
                                                      "median_ci_low", "median_ci_high")}
        chi2, _, p = _logrank(part, "_has")
        rows.append(row | {"chi2": chi2, "p": p})
    return pd.DataFrame(rows)


def cox_model(data: pd.DataFrame, formula: str, *, ties: str = "breslow"):
    """A Cox proportional-hazards model of time to first response (statsmodels ``PHReg``).

    ``data`` is :func:`time_to_response` joined to any covariates (e.g. the 0/1 code columns
    and ``role``); ``formula`` names the covariates in patsy syntax, e.g.
    ``"C(role) + informational"``. Returns the fitted results (``.summary()``,
    ``.params`` are log hazard ratios, ``numpy.exp`` gives hazard ratios).
    """
    from statsmodels.duration.hazard_regression import PHReg

    model = PHReg.from_formula(f"{DURATION} ~ {formula}", data, status=data[EVENT].to_numpy(),
                               ties=ties)
    return model.fit()
