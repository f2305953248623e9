"""Column-wise shortcuts in the corpus stage give what the general code gives.

``validate_posts`` skips stripping and blank checks on Arrow text columns that a byte-level
check shows need none (``_arrow.plain_text``); ``epoch_nanos`` computes instants from
calendar fields; ``role_counts`` counts from codes; reply cycles stop early on flat threads.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcode.corpus import schema as S
from chatcode.corpus._arrow import plain_text, within
from chatcode.corpus.corpus import _on_cycles, post_positions
from chatcode.corpus.roles import role_counts
from chatcode.corpus.timestamps import epoch_nanos
from chatcode.errors import SchemaError

TEXT = st.one_of(st.none(), st.text(st.sampled_from(list("ab ~!\t\n\u00a0\u2003é")),
                                    max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, max_size=6))
def test_plain_text_means_strip_changes_nothing_and_nothing_is_blank(values):
    series = pd.Series(values, dtype="str")
    if plain_text(series):
        stripped = series.str.strip()
        assert stripped.equals(series)
        assert not series.eq("").any()
    assert not plain_text(pd.Series(values, dtype=object))  # only Arrow text is looked at


def test_within_needs_every_value_in_the_set():
    assert within(pd.Series(["bot", "system"], dtype="str"), S.ROLES)
    assert not within(pd.Series(["bot", "Bot"], dtype="str"), S.ROLES)
    assert not within(pd.Series(["bot", None], dtype="str"), S.ROLES)
    assert not within(pd.Series(["bot"], dtype=object), S.ROLES)


ID = st.sampled_from(["p1", "p2", " p3", "p4 ", "", "  ", "p1", "x\u00a0", None])
NAME = st.sampled_from(["anna", " ben", "cleo ", "", None, "Dörte"])
ROLE = st.sampled_from(["participant", " Moderator", "BOT", "", None, "team", "chief"])


def outcome(frame: pd.DataFrame) -> pd.DataFrame | str:
    try:
        return S.validate_posts(frame, group="g", timezone="UTC")
    except SchemaError as exc:
        return str(exc)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ID, ID, NAME, ROLE, NAME, st.integers(-2, 3)), min_size=1,
                max_size=6))
def test_validation_of_arrow_text_equals_validation_of_python_objects(rows):
    """The same cells as Arrow text (fast checks apply) and as Python objects (they do
    not) give the same table or the same error message; attachments as an integer column
    (no text pass) and as Python objects too."""
    columns = {
        S.POST_ID: [r[0] for r in rows], S.PARENT_ID: [r[1] for r in rows],
        S.AUTHOR: [r[2] for r in rows], S.ROLE: [r[3] for r in rows],
        S.GROUP: [r[4] for r in rows],
        S.TIMESTAMP: ["2023-05-02T08:00:00+00:00"] * len(rows), S.TEXT: ["hi"] * len(rows),
    }
    attachments = [r[5] for r in rows]
    arrow = outcome(pd.DataFrame({k: pd.Series(v, dtype="str") for k, v in columns.items()}
                                 | {S.ATTACHMENTS: np.array(attachments, dtype=np.int64)}))
    python = outcome(pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()}
                                  | {S.ATTACHMENTS: pd.Series(attachments, dtype=object)}))
    if isinstance(arrow, str) or isinstance(python, str):
        assert arrow == python
    else:
        pd.testing.assert_frame_equal(arrow, python)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(ID, NAME, NAME), min_size=1, max_size=6))
def test_reactions_of_arrow_text_equal_reactions_of_python_objects(rows):
    """validate_reactions: authors and emoji as Arrow text (no strip when a byte-level
    check shows none is needed) and as Python objects give the same table or error."""
    columns = {S.POST_ID: [r[0] for r in rows], S.AUTHOR: [r[1] for r in rows],
               S.EMOJI: [r[2] for r in rows]}

    def reactions(dtype: str | type) -> pd.DataFrame | str:
        try:
            return S.validate_reactions(pd.DataFrame({k: pd.Series(v, dtype=dtype)
                                                      for k, v in columns.items()}))
        except SchemaError as exc:
            return str(exc)

    arrow, python = reactions("str"), reactions(object)
    if isinstance(arrow, str) or isinstance(python, str):
        assert arrow == python
    else:
        pd.testing.assert_frame_equal(arrow, python)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1678, 1, 2), max_value=dt.datetime(2261, 12, 30)),
       st.integers(-86399, 86399))
def test_epoch_nanos_equal_pandas(when, offset):
    """Checked against pandas' own conversion of the same calendar fields."""
    fields = [np.array([v], dtype=np.int64) for v in (
        when.year, when.month, when.day, when.hour, when.minute, when.second,
        when.microsecond * 1000)]
    nanos = epoch_nanos(*fields, np.array([offset], dtype=np.int64))
    expected = pd.Timestamp(when, tz=dt.timezone(dt.timedelta(seconds=offset)))
    assert nanos is not None and int(nanos[0]) == expected.value


def test_epoch_nanos_refuse_fields_out_of_range():
    ok = dict(year=2023, month=2, day=28, hour=23, minute=59, second=59, nanos=0, offset=0)
    assert epoch_nanos(*(np.array([v]) for v in ok.values())) is not None
    for field, value in [("day", 29), ("month", 13), ("hour", 24), ("second", 60),
                         ("year", 2300), ("offset", 86400), ("nanos", 10**9)]:
        bad = {**ok, field: value}
        assert epoch_nanos(*(np.array([v]) for v in bad.values())) is None, field
    leap = {**ok, "year": 2024, "day": 29}
    assert epoch_nanos(*(np.array([v]) for v in leap.values())) is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["participant", "bot", "moderator", None]),
                          st.sampled_from(["anna", "ben", "cleo", None])), max_size=10))
def test_role_counts_equal_a_groupby(rows):
    posts = pd.DataFrame({S.ROLE: pd.Series([r for r, _ in rows], dtype="str"),
                          S.AUTHOR: pd.Series([a for _, a in rows], dtype="str")})
    expected = {str(r): {"authors": int(d[S.AUTHOR].nunique()), "posts": len(d)}
                for r, d in posts.groupby(S.ROLE, observed=True)}
    assert role_counts(posts) == expected
    assert list(role_counts(posts)) == list(expected)


def cycles_by_walking(n: int, rows: np.ndarray, parent: np.ndarray) -> list[bool]:
    """A post is on a cycle when following parent links from it comes back to it."""
    up = {int(r): int(p) for r, p in zip(rows, parent, strict=True) if p >= 0}
    on = []
    for post in range(n):
        node, seen = up.get(post), set()
        while node is not None and node != post and node not in seen:
            seen.add(node)
            node = up.get(node)
        on.append(node == post)
    return on


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-1, 7), min_size=1, max_size=8))
def test_posts_on_cycles_are_those_a_walk_comes_back_to(parents):
    n = len(parents)
    rows, parent = np.arange(n), np.array([p if p < n else -1 for p in parents])
    assert _on_cycles(n, rows, parent).tolist() == cycles_by_walking(n, rows, parent)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "", None]), max_size=6),
       st.lists(st.sampled_from(["a", "b", "c", "x", "", None]), max_size=6))
def test_post_positions_are_the_first_row_of_each_id(post_ids, wanted):
    posts = pd.DataFrame({S.POST_ID: pd.Series(post_ids, dtype="str")})
    first: dict[str, int] = {}
    for row, pid in enumerate(post_ids):
        if pid is not None:
            first.setdefault(pid, row)
    (found,) = post_positions(posts, pd.Series(wanted, dtype="str"))
    assert found.tolist() == [first.get(w, -1) if w is not None else -1 for w in wanted]
