"""Reply latency (docs/responses.md): how long after a post its replies came.

>>> import pandas as pd, chatcode
>>> from chatcode.engagement.latency import latency, format_hours
>>> posts = pd.DataFrame({"post_id": ["1", "2", "3"], "group": "g1",
...     "timestamp": ["2023-05-02T08:00:00Z", "2023-05-02T09:30:00Z", "2023-05-02T15:27:00Z"],
...     "author": ["anna", "ben", "cleo"], "text": ["Hi", "Hello", "Hey"],
...     "parent_id": [None, "1", "1"]})
>>> latency(chatcode.Corpus(posts))[["group", "n", "mean_hours", "formatted"]].values.tolist()
[['all', 2, 4.475, '4 h 29 min']]
>>> format_hours(7.45)
'7 h 27 min'
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import BEFORE_PARENT, PARENT_POSITION, POSITION, Corpus
from chatcode.engagement.choices import QUANTILE_METHODS
from chatcode.engagement.responses import (
    COUNTED,
    HOUR_NS,
    Responders,
    counted_replies,
    timestamps_ns,
)
from chatcode.errors import ChatcodeWarning, TablesError

__all__ = ["QUANTILE_METHODS", "format_hours", "latency", "reply_delays"]


def format_hours(hours: float) -> str:
    """Decimal hours as hours and rounded minutes: ``7.45`` -> ``"7 h 27 min"``.

    Minutes are rounded half up, and 60 rounded minutes carry into the hours (``7.999`` ->
    ``"8 h 0 min"``). Days stay hours (``31.03`` -> ``"31 h 2 min"``). NaN gives ``"n/a"``.
    """
    if not math.isfinite(hours):
        return "n/a"
    # round to 1e-6 min first, so 1.025 h (61.49999999999999 min in binary) is 61.5 min
    minutes = math.floor(round(abs(hours) * 60, 6) + 0.5)
    sign = "-" if hours < 0 and minutes else ""
    return f"{sign}{minutes // 60} h {minutes % 60} min"


def reply_delays(
    corpus: Corpus, *, include_self: bool = False, responders: Responders = "all"
) -> pd.DataFrame:
    """The delay of every reply that counts as a response: one row per reply.

    Columns (``schema.REPLY_DELAY_COLUMNS``): ``post_id`` (the reply), ``parent_id``,
    ``group``, ``delay_hours`` (reply time minus parent time, in decimal hours).

    Notes
    -----
    The replies are those counted by :func:`chatcode.engagement.responses` with the same
    options (parent in the corpus and in the same group; by default no self-replies).
    A reply dated before its parent counts as a response but has no delay: it is left out
    here, with a ChatcodeWarning giving their number.
    """
    replies = counted_replies(corpus, include_self=include_self, responders=responders)
    replies = replies[replies[COUNTED]]
    before = replies[BEFORE_PARENT].to_numpy()
    if before.any():
        warnings.warn(ChatcodeWarning(
            f"{int(before.sum())} repl(y/ies) dated before their parent: counted as "
            "responses, left out of reply latency"), stacklevel=2)
    replies = replies[~before]
    ts = timestamps_ns(corpus.posts[S.TIMESTAMP])
    delay = ts[replies[POSITION].to_numpy()] - ts[replies[PARENT_POSITION].to_numpy()]
    return pd.DataFrame({
        S.POST_ID: replies[S.POST_ID].array,
        S.PARENT_ID: replies[S.PARENT_ID].array,
        S.GROUP: replies[S.GROUP].array,
        S.DELAY_HOURS: delay / HOUR_NS,
    })


def latency(
    corpus: Corpus,
    *,
    by: Literal["group"] | None = None,
    include_self: bool = False,
    responders: Responders = "all",
    quantile_method: str = "linear",
) -> pd.DataFrame:
    """Reply latency: n, mean, median and quartiles of the reply delays, in hours.

    Columns (``schema.LATENCY_COLUMNS``): ``group``, ``n``, ``mean_hours``,
    ``median_hours``, ``q1_hours``, ``q3_hours``, ``formatted`` (the mean as
    ``"7 h 27 min"``). The first row, group ``all``, is over the whole corpus; with
    ``by="group"`` one row per group of the corpus follows (sorted by name; a group without
    a counted reply has ``n`` 0 and NaN statistics).

    Parameters
    ----------
    corpus
        The corpus.
    by
        ``None`` (default: only the ``all`` row) or ``"group"``.
    include_self, responders
        Which replies count, as in :func:`chatcode.engagement.responses`.
    quantile_method
        How quartiles are interpolated: a ``numpy.percentile`` method (default ``linear``).

    Notes
    -----
    - The delays are those of :func:`reply_delays`: every counted reply r to a post p,
      ``r.timestamp - p.timestamp``; replies dated before their parent are left out.
    - Quartiles: by default numpy's ``linear`` method, Hyndman & Fan (1996) type 7, the
      default of R and Excel's ``QUARTILE.INC``. SPSS uses type 6 (``weibull``). The median
      is the same with every method.
    - The mean is formatted with :func:`format_hours` (minutes rounded half up).
    """
    if by not in (None, "group"):
        raise TablesError(f"cannot group latency by {by!r}", hint="use by='group' or none")
    if quantile_method not in QUANTILE_METHODS:
        raise TablesError(f"unknown quantile method {quantile_method!r}",
                          hint=f"use one of {', '.join(QUANTILE_METHODS)}")
    delays = reply_delays(corpus, include_self=include_self, responders=responders)
    hours = delays[S.DELAY_HOURS].to_numpy()
    rows = [_stats(S.ALL_GROUPS, hours, quantile_method)]
    if by == "group":
        per_group = dict(tuple(delays.groupby(S.GROUP, sort=False)[S.DELAY_HOURS]))
        for name in sorted(corpus.posts[S.GROUP].unique()):
            values = per_group[name].to_numpy() if name in per_group else hours[:0]
            rows.append(_stats(name, values, quantile_method))
    return pd.DataFrame(rows, columns=list(S.LATENCY_COLUMNS)).astype({
        S.GROUP: "str", S.N: np.int64, S.MEAN_HOURS: float, S.MEDIAN_HOURS: float,
        S.Q1_HOURS: float, S.Q3_HOURS: float, S.FORMATTED: "str"})


def _stats(group: str, hours: np.ndarray, method: str) -> dict[str, object]:
    if len(hours) == 0:
        q1 = median = q3 = mean = math.nan
    else:
        q1, median, q3 = np.percentile(hours, [25, 50, 75], method=method)
        mean = float(np.mean(hours))
    return {S.GROUP: group, S.N: len(hours), S.MEAN_HOURS: mean,
            S.MEDIAN_HOURS: float(median), S.Q1_HOURS: float(q1), S.Q3_HOURS: float(q3),
            S.FORMATTED: format_hours(mean)}
