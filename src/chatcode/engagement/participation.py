"""Participation over time: posts and responses per week of the programme, group and role.

The DiabPeerS paper reports that engagement fell over the intervention; this table shows
it week by week: how many posts each group's moderators and participants wrote, how many
authors were active, and how many responses those posts received.

>>> import pandas as pd, chatcode
>>> posts = pd.DataFrame({"post_id": ["1", "2", "3"], "group": "g1",
...     "timestamp": ["2023-05-01T08:00:00Z", "2023-05-01T09:00:00Z", "2023-05-09T10:00:00Z"],
...     "author": ["anna", "ben", "anna"], "text": ["Hi", "Hello", "Week 2"],
...     "parent_id": [None, "1", None]})
>>> weekly = participation(chatcode.Corpus(posts), by=("group",))
>>> weekly[["group", "week", "posts", "responses"]].values.tolist()
[['g1', 1, 2, 1], ['g1', 2, 1, 0]]

Notes
-----
- ``week`` counts from each group's start: week 1 begins at midnight (UTC) of the day of
  the group's first post, so groups that started on different dates line up by programme
  week. ``week_start`` is the week's first day (ISO date); it is left out when ``by`` has
  no ``group``.
- A post's responses (:func:`chatcode.engagement.responses`, with the same options) count
  in the week the post was written, not in the week the responses came.
- Every week from 1 to a group's last week has a row, also weeks without posts (0 posts,
  ``mean_responses`` NaN), so falling participation shows as zeros rather than gaps.
- ``by`` chooses the breakdown: ``("group", "role")`` (default), ``("group",)``,
  ``("role",)`` or ``()`` (weeks of all groups together).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import TablesError

__all__ = ["participation"]

WEEK, WEEK_START, POSTS, AUTHORS = S.WEEK, S.WEEK_START, S.POSTS, S.AUTHORS
_BY = (S.GROUP, S.ROLE)
DAY_NS = 86_400_000_000_000


def participation(
    corpus: Corpus,
    *,
    by: Sequence[str] = (S.GROUP, S.ROLE),
    responses: pd.DataFrame | None = None,
    include_self: bool = False,
    responders: str = "all",
) -> pd.DataFrame:
    """Posts, active authors and responses per programme week (see the module Notes).

    Returns one row per (group, role, week) with the columns ``group, role, week,
    week_start, posts, authors, responses, mean_responses`` (``group``/``role`` only when in
    ``by``). ``responses`` may be given (the result of
    :func:`chatcode.engagement.responses` for this corpus) to avoid computing it again;
    otherwise it is computed with ``include_self`` and ``responders``.
    """
    by = tuple(by)
    unknown = [b for b in by if b not in _BY]
    if unknown:
        raise TablesError(f"cannot break participation down by {', '.join(unknown)}",
                          hint="use group, role, both or neither")
    posts = corpus.posts
    if responses is None:
        from chatcode.engagement.responses import responses as count

        responses = count(corpus, include_self=include_self, responders=responders)
    resp = _aligned_responses(posts, responses)
    ns = posts[S.TIMESTAMP].to_numpy(dtype="datetime64[ns]").view("int64")
    group_code, groups = pd.factorize(posts[S.GROUP], sort=True)
    start_day = _group_start_days(ns, group_code, len(groups))
    week = (ns - start_day[group_code] * DAY_NS) // (7 * DAY_NS) + 1
    role_code, roles = pd.factorize(posts[S.ROLE])
    frame = pd.DataFrame({"_group": group_code, "_role": role_code,
                          WEEK: week.astype("int64"),
                          S.AUTHOR: pd.factorize(posts[S.AUTHOR])[0], S.RESPONSES: resp})
    keys = [{S.GROUP: "_group", S.ROLE: "_role"}[b] for b in by] + [WEEK]
    counts = frame.groupby(keys, sort=True).agg(**{
        POSTS: (S.AUTHOR, "size"), AUTHORS: (S.AUTHOR, "nunique"),
        S.RESPONSES: (S.RESPONSES, "sum")}).reset_index()
    if S.GROUP in by:
        counts[S.GROUP] = pd.array(np.asarray(groups)[counts["_group"]], dtype="str")
    if S.ROLE in by:
        counts[S.ROLE] = pd.array(np.asarray(roles)[counts["_role"]], dtype="str")
    counts = counts.drop(columns=["_group", "_role"], errors="ignore")
    grid = _full_grid(frame, by, groups, start_day, roles)
    out = grid.merge(counts, on=[*by, WEEK], how="left")
    for col in (POSTS, AUTHORS, S.RESPONSES):
        out[col] = out[col].fillna(0).astype("int64")
    out[S.MEAN_RESPONSES] = out[S.RESPONSES] / out[POSTS].where(out[POSTS] > 0)
    cols = [c for c in S.PARTICIPATION_COLUMNS if c in out.columns]
    return out[cols].reset_index(drop=True)


def _aligned_responses(posts: pd.DataFrame, responses: pd.DataFrame) -> np.ndarray:
    if len(responses) == len(posts) and responses[S.POST_ID].reset_index(drop=True).equals(
            posts[S.POST_ID].reset_index(drop=True)):
        return responses[S.RESPONSES].to_numpy(dtype="int64")
    by_id = responses.set_index(S.POST_ID)[S.RESPONSES]
    got = by_id.reindex(posts[S.POST_ID])
    if got.isna().any():
        raise TablesError("the responses table does not cover every post of the corpus",
                          hint="compute it with chatcode.engagement.responses(corpus)")
    return got.to_numpy(dtype="int64")


def _group_start_days(ns: np.ndarray, group_code: np.ndarray, n_groups: int) -> np.ndarray:
    """The day (days since the epoch, UTC) of each group's first post."""
    first = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, group_code, ns)
    return first // DAY_NS


def _full_grid(frame: pd.DataFrame, by: tuple[str, ...], groups: pd.Index,
               start_day: np.ndarray, present: pd.Index) -> pd.DataFrame:
    """Every week 1..last of every group, crossed with the roles present, as rows."""
    last = frame.groupby("_group")[WEEK].max()
    roles = [r for r in S.ROLES if r in set(present)]
    parts = []
    for g, n_weeks in last.items():
        weeks = np.arange(1, int(n_weeks) + 1)
        start = pd.to_datetime((start_day[g] + 7 * (weeks - 1)) * DAY_NS, utc=True)
        part = pd.DataFrame({S.GROUP: groups[g], WEEK: weeks,
                             WEEK_START: start.strftime("%Y-%m-%d")})
        parts.append(part)
    grid = pd.concat(parts, ignore_index=True)
    if S.GROUP not in by:  # weeks of all groups together: the week's start differs by group
        grid = grid[[WEEK]].drop_duplicates()
    if S.ROLE in by:
        grid = grid.merge(pd.DataFrame({S.ROLE: pd.array(roles, dtype="str")}), how="cross")
    keys = [*by, WEEK]
    return grid.sort_values(keys, kind="stable").reset_index(drop=True)
