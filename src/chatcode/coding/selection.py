"""Which posts a coder codes: all of them, the first PCT% of a group, or a seeded sample.

A :class:`Selection` is a small value object; :func:`select_posts` applies it to a posts
table. ``Selection.describe()`` is the text recorded in coding sheets and coding stores, so
anyone can tell later which posts a coding pass covered.

Notes
-----
- Posts are taken in time order (``timestamp``; posts with the same time keep the order of
  the corpus), and the result is returned in time order.
- The number of posts is ``ceil(pct / 100 * n)``: 10% of 255 posts is 26 posts.
- ``all``: every post (of ``group`` when given).
- ``first``: the pretest; the first PCT% of the posts of one group.
- ``sample``: a simple random sample without replacement, drawn with
  ``numpy.random.default_rng(seed)``; the same corpus, percentage and seed always give the
  same posts. With ``stratify`` PCT% is drawn from each group (groups in sorted order, one
  generator), so every group is represented in proportion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.errors import CodingError

__all__ = ["Selection", "select_posts"]

KINDS = ("all", "first", "sample")


@dataclass(frozen=True)
class Selection:
    """Which posts to code (see the module Notes for the conventions).

    >>> Selection("first", pct=10, group="g1").describe()
    'first 10% of group g1'
    >>> Selection("sample", pct=20, seed=7, stratify=True).describe(n=52)
    '20% random sample (seed 7), stratified by group (52 posts)'
    """

    kind: Literal["all", "first", "sample"] = "all"
    pct: float | None = None
    group: str | None = None
    seed: int | None = None
    stratify: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CodingError(f"unknown selection {self.kind!r}",
                              hint=f"use one of {', '.join(KINDS)}")
        if self.kind == "all":
            self._check_all()
            return
        flag = f"--{self.kind}"
        pct = self.pct
        if pct is None or isinstance(pct, bool) or not isinstance(pct, (int, float)) or (
                not math.isfinite(pct)) or not 0 < pct <= 100:
            raise CodingError(
                f"{flag} needs a percentage in (0, 100], got {self.pct!r}",
                hint=f"give e.g. {flag} 10 for 10% of the posts")
        if self.kind == "first" and (self.seed is not None or self.stratify):
            raise CodingError("--first takes the first posts in time order; it has no seed "
                              "and no stratification",
                              hint="leave out --seed/--stratify, or use --sample")
        if self.kind == "sample" and self.seed is None:
            raise CodingError("--sample needs --seed",
                              hint="give --seed N (any whole number) so the sample can be "
                              "drawn again")

    def _check_all(self) -> None:
        if self.pct is not None or self.seed is not None or self.stratify:
            raise CodingError("a percentage, seed or stratification needs --first or --sample",
                              hint="use --first PCT --group G or --sample PCT --seed N")

    def describe(self, n: int | None = None) -> str:
        """A one-line description, e.g. ``first 10% of group g1 (26 posts)``.

        ``n`` (the number of posts selected) is added in brackets when given.
        """
        if self.kind == "all":
            text = "all posts" + (f" of group {self.group}" if self.group else "")
        elif self.kind == "first":
            text = f"first {_pct(self.pct)}% of " + (
                f"group {self.group}" if self.group else "the posts")
        else:
            of = f" of group {self.group}" if self.group else ""
            text = f"{_pct(self.pct)}% random sample{of} (seed {self.seed})"
            if self.stratify:
                text += ", stratified by group"
        return text if n is None else f"{text} ({n} post{'s' if n != 1 else ''})"


def _pct(value: float | None) -> str:
    return f"{value:g}"


def _count(pct: float, n: int) -> int:
    # round away binary noise first: 10% of 30 posts is 3 posts, not ceil(3.0000000000000004)
    return min(n, math.ceil(round(pct / 100 * n, 9)))


def _time_order(posts: pd.DataFrame) -> np.ndarray:
    """Positions of ``posts``' rows in time order (ties keep the order of the table)."""
    return np.argsort(posts[S.TIMESTAMP].to_numpy(), kind="stable")


def _check_group(posts: pd.DataFrame, selection: Selection) -> None:
    groups = sorted(posts[S.GROUP].dropna().unique().tolist())
    listing = ", ".join(groups) or "(none)"
    if selection.group is not None and selection.group not in groups:
        raise CodingError(f"the corpus has no group {selection.group!r}",
                          hint=f"its groups are {listing}")
    if selection.kind == "first" and selection.group is None and len(groups) > 1:
        raise CodingError(
            f"--first needs --group: the corpus has {len(groups)} groups",
            hint=f"name the group whose first posts to take, one of {listing}")


def select_posts(posts: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """The posts ``selection`` picks from a canonical posts table, in time order.

    Raises :class:`~chatcode.errors.CodingError` for an unknown group (listing the groups)
    and for ``first`` without a group when the corpus has several groups. The caller's
    DataFrame is not changed; the result has a fresh index.

    Notes
    -----
    ``ceil(pct / 100 * n)`` posts are taken (of the group, of each group with
    ``stratify``, else of all posts); a sample is drawn with
    ``numpy.random.default_rng(seed)`` from the posts in time order, so it is the same for
    the same corpus, percentage and seed.
    """
    _check_group(posts, selection)
    order = _time_order(posts)
    groups = posts[S.GROUP].to_numpy()[order]
    if selection.group is not None:
        order = order[groups == selection.group]
        groups = groups[groups == selection.group]
    if selection.kind == "first":
        order = order[: _count(selection.pct, len(order))]
    elif selection.kind == "sample":
        rng = np.random.default_rng(selection.seed)
        strata = sorted(set(groups.tolist())) if selection.stratify else [None]
        keep = np.zeros(len(order), dtype=bool)
        for g in strata:
            where = np.flatnonzero(groups == g) if g is not None else np.arange(len(order))
            k = _count(selection.pct, len(where))
            keep[where[rng.choice(len(where), size=k, replace=False)]] = True
        order = order[keep]
    return posts.iloc[order].reset_index(drop=True)
