"""Reply latency on the hand-made fixture corpus (tests/fixtures/responses/README.md).

Counted replies and their delays, by hand (default options):
  G1: p2->p1 1.5 h, p4->p1 9.45 h (08:00 -> 17:27), p7->p5 1 h, p14->p2 2.5 h
  G2: p11->p10 2.25 h (12:15+02:00 is 10:15 UTC), p12->p10 31 h (one day and 7 hours)
Left out: p3 and p13 (self-replies), p6 (dated before p5: counted, but no delay),
p8 (parent missing) and p9 (parent in the other group).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, read_corpus
from chatcode.engagement.latency import format_hours, latency, reply_delays
from chatcode.errors import ChatcodeWarning, TablesError

CORPUS = Path(__file__).parents[1] / "fixtures" / "responses" / "corpus"
BEFORE = re.escape("1 repl(y/ies) dated before their parent: counted as responses, left out "
                   "of reply latency")
G1 = [1.0, 1.5, 2.5, 9.45]
G2 = [2.25, 31.0]


def run(fn, **options):
    with pytest.warns(ChatcodeWarning) as record:
        out = fn(read_corpus(CORPUS), **options)
    assert any(re.match(BEFORE, str(w.message)) for w in record)
    return out


def test_reply_delays_by_hand():
    d = run(reply_delays).set_index(S.POST_ID)
    assert list(d.reset_index().columns) == list(S.REPLY_DELAY_COLUMNS)
    assert d[S.DELAY_HOURS].to_dict() == pytest.approx(
        {"p2": 1.5, "p4": 9.45, "p7": 1.0, "p11": 2.25, "p12": 31.0, "p14": 2.5})
    assert d.loc["p14", S.PARENT_ID] == "p2" and d.loc["p12", S.GROUP] == "G2"


def test_latency_by_group_by_hand():
    """Quartiles are Hyndman & Fan (1996) type 7: Q(p) = x[j] + g (x[j+1] - x[j]) with
    (n-1)p = j + g (0-based j). By hand:
      all, sorted 1, 1.5, 2.25, 2.5, 9.45, 31 (n 6): mean 47.7 / 6 = 7.95 (7 h 57 min);
        median (2.25 + 2.5) / 2 = 2.375; Q1: 5 * .25 = 1.25 -> 1.5 + .25 * .75 = 1.6875;
        Q3: 5 * .75 = 3.75 -> 2.5 + .75 * 6.95 = 7.7125.
      G1, sorted 1, 1.5, 2.5, 9.45 (n 4): mean 14.45 / 4 = 3.6125 (3 h 36.75 -> 37 min);
        median 2.0; Q1: .75 -> 1 + .75 * .5 = 1.375; Q3: 2.25 -> 2.5 + .25 * 6.95 = 4.2375.
      G2, 2.25 and 31 (n 2): mean 16.625 (16 h 37.5 -> 38 min, half up); Q1: .25 ->
        2.25 + .25 * 28.75 = 9.4375; Q3: 2.25 + .75 * 28.75 = 23.8125.
    """
    table = run(latency, by="group")
    assert list(table.columns) == list(S.LATENCY_COLUMNS)
    assert table[S.GROUP].tolist() == ["all", "G1", "G2"]
    assert table[S.N].tolist() == [6, 4, 2]
    assert table[S.FORMATTED].tolist() == ["7 h 57 min", "3 h 37 min", "16 h 38 min"]
    got = table[[S.MEAN_HOURS, S.MEDIAN_HOURS, S.Q1_HOURS, S.Q3_HOURS]].to_numpy()
    want = [[7.95, 2.375, 1.6875, 7.7125],
            [3.6125, 2.0, 1.375, 4.2375],
            [16.625, 16.625, 9.4375, 23.8125]]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # the same convention as numpy.percentile's default, checked independently
    for row, values in zip(got, (G1 + G2, G1, G2), strict=True):
        np.testing.assert_allclose(row[2:], np.percentile(values, [25, 75]), rtol=1e-12)


def test_default_has_only_the_all_row():
    table = run(latency)
    assert table[S.GROUP].tolist() == ["all"] and table[S.N].tolist() == [6]


def test_options_change_which_replies_count():
    """include_self adds p3 (2 h) and p13 (1 h): 1, 1, 1.5, 2, 2.25, 2.5, 9.45, 31 -> mean
    50.7 / 8 = 6.3375 (6 h 20 min), median (2 + 2.25) / 2 = 2.125.
    participants drops p7 (moderator) and p12 (team): 1.5, 2.25, 2.5, 9.45 -> mean
    15.7 / 4 = 3.925 (3 h 55.5 -> 56 min), median 2.375."""
    both = run(latency, include_self=True).iloc[0]
    assert (both[S.N], both[S.FORMATTED]) == (8, "6 h 20 min")
    assert (both[S.MEAN_HOURS], both[S.MEDIAN_HOURS]) == pytest.approx((6.3375, 2.125))
    part = run(latency, responders="participants").iloc[0]
    assert (part[S.N], part[S.FORMATTED]) == (4, "3 h 56 min")
    assert (part[S.MEAN_HOURS], part[S.MEDIAN_HOURS]) == pytest.approx((3.925, 2.375))


def test_quartile_method_matches_published_values():
    """R documentation of quantile(): for x = 1..10, type 7 gives Q1 3.25 and Q3 7.75; type 6
    (SPSS, numpy "weibull") gives 2.75 and 8.25 (Hyndman & Fan 1996, Table 1 definitions)."""
    base = pd.Timestamp("2023-01-01", tz="UTC")
    posts = pd.DataFrame({
        "post_id": ["root"] + [f"r{i}" for i in range(1, 11)], "group": "g",
        "timestamp": [base] + [base + pd.Timedelta(hours=i) for i in range(1, 11)],
        "author": ["mod"] + [f"u{i}" for i in range(1, 11)], "text": "",
        "parent_id": [None] + ["root"] * 10})
    corpus = Corpus(posts)
    t7 = latency(corpus).iloc[0]
    assert (t7[S.Q1_HOURS], t7[S.MEDIAN_HOURS], t7[S.Q3_HOURS]) == (3.25, 5.5, 7.75)
    t6 = latency(corpus, quantile_method="weibull").iloc[0]
    assert (t6[S.Q1_HOURS], t6[S.MEDIAN_HOURS], t6[S.Q3_HOURS]) == (2.75, 5.5, 8.25)


def test_a_group_without_replies_has_n_0_and_no_statistics():
    posts = pd.DataFrame({
        "post_id": ["a", "b", "c"], "group": ["g1", "g1", "g2"],
        "timestamp": ["2023-05-01T08:00:00Z", "2023-05-01T08:05:00Z", "2023-05-01T09:00:00Z"],
        "author": ["x", "y", "z"], "text": "", "parent_id": [None, "a", None]})
    table = latency(Corpus(posts), by="group").set_index(S.GROUP)
    assert table.loc["g2", S.N] == 0 and math.isnan(table.loc["g2", S.MEAN_HOURS])
    assert table.loc["g2", S.FORMATTED] == "n/a"
    assert table.loc["all", S.FORMATTED] == "0 h 5 min"


@pytest.mark.parametrize(("hours", "text"), [
    (7.45, "7 h 27 min"),  # DiabPeerS: "7h and 27min", printed there as "7.27 hours"
    (7.999, "8 h 0 min"),  # 479.94 min rounds to 480: the hour carries
    (59.6 / 60, "1 h 0 min"),
    (5 / 60, "0 h 5 min"),
    (31 + 2 / 60, "31 h 2 min"),  # days stay hours
    (3.925, "3 h 56 min"),  # 235.5 min: half up
    (1.025, "1 h 2 min"),  # 61.5 min, half up although 1.025 * 60 is 61.49999999999999
    (0.0, "0 h 0 min"),
    (-1.5, "-1 h 30 min"),
    (math.nan, "n/a"),
])
def test_format_hours(hours, text):
    assert format_hours(hours) == text


@pytest.mark.parametrize(("options", "message"), [
    ({"by": "author"}, "cannot group latency by 'author'; use by='group' or none"),
    ({"quantile_method": "spss"}, "unknown quantile method 'spss'; use one of linear, "),
    ({"responders": "everyone"}, "unknown responders 'everyone'"),
])
def test_bad_options_are_explained(options, message):
    with pytest.raises(TablesError, match=re.escape(message)):
        latency(read_corpus(CORPUS), **options)
