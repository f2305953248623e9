"""Which posts a coding pass covers: all, the first PCT% of a group, a seeded sample."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from chatcode.coding.selection import Selection, select_posts
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import CodingError


def corpus_posts(n_a: int = 25, n_b: int = 12) -> pd.DataFrame:
    """Group a: posts a00.. one per hour, listed newest first (so file order != time order);
    group b: posts b00.. every 90 minutes, interleaved in time with group a."""
    start = pd.Timestamp("2023-05-02T08:00:00Z")
    a = [(f"a{i:02d}", "a", start + pd.Timedelta(hours=i)) for i in reversed(range(n_a))]
    b = [(f"b{i:02d}", "b", start + pd.Timedelta(minutes=90 * i + 1)) for i in range(n_b)]
    rows = a + b
    return Corpus(pd.DataFrame({
        "post_id": [r[0] for r in rows], "group": [r[1] for r in rows],
        "timestamp": [r[2].isoformat() for r in rows], "author": "x", "text": "t"})).posts


def test_all_posts_in_time_order_and_the_input_is_unchanged():
    posts = corpus_posts()
    before = posts.copy()
    got = select_posts(posts, Selection())
    assert len(got) == len(posts)
    assert got[S.TIMESTAMP].is_monotonic_increasing
    # by hand: a00 at 08:00, b00 at 08:01, a01 at 09:00, b01 at 09:31, a02 at 10:00
    assert got[S.POST_ID].tolist()[:5] == ["a00", "b00", "a01", "b01", "a02"]
    pd.testing.assert_frame_equal(posts, before)


def test_all_posts_of_one_group():
    got = select_posts(corpus_posts(), Selection(group="b"))
    assert got[S.POST_ID].tolist() == [f"b{i:02d}" for i in range(12)]
    assert Selection(group="b").describe(n=12) == "all posts of group b (12 posts)"


@pytest.mark.parametrize(("pct", "expected"), [
    (10, ["a00", "a01", "a02"]),   # 10% of 25 = 2.5 -> 3 posts (ceil)
    (4, ["a00"]),                  # 4% of 25 = 1.0 -> 1 post, not 2
    (12, ["a00", "a01", "a02"]),   # 12% of 25 = 3.0 -> 3 posts
    (0.1, ["a00"]),                # any positive share takes at least one post
])
def test_first_pct_of_a_group_by_time(pct, expected):
    got = select_posts(corpus_posts(), Selection("first", pct=pct, group="a"))
    assert got[S.POST_ID].tolist() == expected


def test_first_pct_of_the_only_group_needs_no_group():
    posts = corpus_posts(n_b=0)
    got = select_posts(posts, Selection("first", pct=100))
    assert got[S.POST_ID].tolist() == [f"a{i:02d}" for i in range(25)]


@pytest.mark.parametrize(("pct", "n", "k"), [(10, 30, 3), (7, 100, 7), (10, 37, 4)])
def test_the_count_is_not_thrown_off_by_binary_fractions(pct, n, k):
    # 0.1 * 30 == 3.0000000000000004 and 0.07 * 100 == 7.000000000000001 in floating point
    posts = corpus_posts(n_a=n, n_b=0)
    assert len(select_posts(posts, Selection("first", pct=pct))) == k
    assert len(select_posts(posts, Selection("sample", pct=pct, seed=1))) == k


def test_sample_is_seeded_sized_and_in_time_order():
    posts = corpus_posts()
    one = select_posts(posts, Selection("sample", pct=20, seed=42))
    again = select_posts(posts, Selection("sample", pct=20, seed=42))
    other = select_posts(posts, Selection("sample", pct=20, seed=43))
    assert len(one) == math.ceil(0.2 * 37) == 8
    assert one[S.POST_ID].tolist() == again[S.POST_ID].tolist()
    assert one[S.POST_ID].tolist() != other[S.POST_ID].tolist()
    assert one[S.TIMESTAMP].is_monotonic_increasing
    assert one[S.POST_ID].is_unique


def test_sample_follows_the_documented_generator():
    """The Notes promise: numpy.random.default_rng(seed).choice over the posts in time order,
    so a sample can be redrawn without chatcode from the seed recorded in the sheet."""
    posts = corpus_posts()
    ordered = posts.sort_values(S.TIMESTAMP, kind="stable")[S.POST_ID].to_numpy()
    picked = np.random.default_rng(5).choice(len(ordered), size=8, replace=False)
    expected = set(ordered[picked])
    got = select_posts(posts, Selection("sample", pct=20, seed=5))
    assert set(got[S.POST_ID]) == expected


def test_sample_of_one_group():
    got = select_posts(corpus_posts(), Selection("sample", pct=50, seed=3, group="b"))
    assert len(got) == 6
    assert set(got[S.GROUP]) == {"b"}


def test_stratified_sample_takes_the_share_of_each_group():
    posts = corpus_posts()
    got = select_posts(posts, Selection("sample", pct=10, seed=9, stratify=True))
    # ceil(2.5) = 3 of group a, ceil(1.2) = 2 of group b
    assert got[S.GROUP].value_counts().to_dict() == {"a": 3, "b": 2}
    assert got[S.TIMESTAMP].is_monotonic_increasing


@pytest.mark.parametrize(("selection", "text"), [
    (Selection(), "all posts (37 posts)"),
    (Selection("first", pct=10, group="a"), "first 10% of group a (37 posts)"),
    (Selection("sample", pct=12.5, seed=7), "12.5% random sample (seed 7) (37 posts)"),
    (Selection("sample", pct=20, seed=7, stratify=True),
     "20% random sample (seed 7), stratified by group (37 posts)"),
])
def test_describe(selection, text):
    assert selection.describe(n=37) == text


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "first", "pct": 0, "group": "a"},
     "--first needs a percentage in (0, 100], got 0"),
    ({"kind": "first", "pct": 100.5, "group": "a"},
     "--first needs a percentage in (0, 100], got 100.5"),
    ({"kind": "sample", "pct": -5, "seed": 1}, "--sample needs a percentage in (0, 100], got -5"),
    ({"kind": "sample", "pct": float("nan"), "seed": 1},
     "--sample needs a percentage in (0, 100], got nan"),
    ({"kind": "sample", "pct": None, "seed": 1},
     "--sample needs a percentage in (0, 100], got None"),
    ({"kind": "sample", "pct": 10}, "--sample needs --seed"),
    ({"kind": "first", "pct": 10, "group": "a", "seed": 3},
     "--first takes the first posts in time order; it has no seed"),
    ({"kind": "all", "pct": 10}, "a percentage, seed or stratification needs --first or "
     "--sample"),
    ({"kind": "every"}, "unknown selection 'every'"),
])
def test_invalid_selections(kwargs, message):
    with pytest.raises(CodingError, match=re.escape(message)):
        Selection(**kwargs)


def test_first_without_group_when_there_are_several():
    with pytest.raises(CodingError, match=re.escape(
            "--first needs --group: the corpus has 2 groups; name the group whose first posts "
            "to take, one of a, b")):
        select_posts(corpus_posts(), Selection("first", pct=10))


@pytest.mark.parametrize("selection", [Selection("first", pct=10, group="c"),
                                       Selection("sample", pct=10, seed=1, group="c")])
def test_unknown_group_lists_the_groups(selection):
    with pytest.raises(CodingError, match=re.escape(
            "the corpus has no group 'c'; its groups are a, b")):
        select_posts(corpus_posts(), selection)
