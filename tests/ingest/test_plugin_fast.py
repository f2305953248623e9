"""The plugin reader's fast paths give what its general paths give.

Go times in the plugin's layout are read by byte position (``go_nanos``); any other value
goes the general way (rewritten to ISO 8601, then parsed by pandas, which names bad rows).
The sort is skipped or replaced by a reversal when the file is in order already.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chatcode
from chatcode.corpus import schema as S
from chatcode.corpus.timestamps import parse_timestamps
from chatcode.errors import SchemaError
from chatcode.ingest import _mattermost as M
from chatcode.ingest.mattermost_plugin import bottom_up_order, go_nanos, go_times_as_iso


def general_times(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The general path: Go times rewritten to ISO 8601, then read by parse_timestamps."""
    return parse_timestamps(go_times_as_iso(values), timezone="UTC")


@st.composite
def go_time(draw) -> str:
    """Go's time.Time.String() layout (https://pkg.go.dev/time#Time.String), with fields
    that may be out of range (month 13, February 30, hour 24, year 2300)."""
    year = draw(st.sampled_from([1677, 1678, 1970, 2000, 2023, 2024, 2100, 2261, 2300]))
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    h, m, s = draw(st.integers(0, 24)), draw(st.integers(0, 60)), draw(st.integers(0, 60))
    frac = draw(st.text("0123456789", max_size=10))
    sign, oh, om = draw(st.sampled_from("+-")), draw(st.integers(0, 25)), draw(st.integers(0, 60))
    zone = draw(st.sampled_from(["", " UTC", " CEST", " -03", " +0530", " ABCDEFGH",
                                 # not Go's layout: the fast path must send these elsewhere
                                 " ABCDEFGHI", " C$T", " ", "  UTC", " UTC ", "UTC"]))
    mono = draw(st.sampled_from(["", " m=+0.000123", " m=-12.5", " m=", " m=+x"]))
    sep = draw(st.sampled_from([" ", " ", "T"]))
    return (f"{year:04d}-{month:02d}-{day:02d}{sep}{h:02d}:{m:02d}:{s:02d}"
            + (f".{frac}" if frac else "") + f" {sign}{oh:02d}{om:02d}{zone}{mono}")


@settings(max_examples=300, deadline=None)
@given(st.lists(go_time(), min_size=1, max_size=5))
def test_go_times_read_by_position_equal_the_general_path(values):
    series = pd.Series(values, dtype="str")
    fast = go_nanos(series)
    parsed, bad = general_times(series)
    if fast is None:
        return  # read the general way: nothing to compare
    assert not bad.any()
    assert fast.tolist() == parsed.array.asi8.tolist()


def test_go_times_in_range_take_the_fast_path():
    values = pd.Series(["2023-05-02 10:15:00.25 +0200 CEST", "2024-02-29 23:59:59 -0130",
                        "2023-05-02 08:00:00.123456789 -0300 -03 m=+0.1"], dtype="str")
    fast = go_nanos(values)
    assert fast is not None
    assert fast.tolist() == general_times(values)[0].array.asi8.tolist()


@pytest.mark.parametrize("value", ["2023-02-30 08:00:00 +0000 UTC", "2023-05-02 24:00:00 +0000 UTC",
                                   " 2023-05-02 08:00:00 +0000 UTC", None, "yesterday"])
def test_other_values_go_the_general_way(value):
    assert go_nanos(pd.Series(["2023-05-02 08:00:00 +0000 UTC", value], dtype="str")) is None


def test_a_go_time_that_is_no_date_is_a_row_error_not_a_traceback(tmp_path):
    path = tmp_path / "plugin.csv"
    path.write_text("Post Creation Time,User Name,Post Id,Parent Post Id,Post Message\n"
                    "2023-05-02 08:00:00 +0000 UTC,anna,p1,,hi\n"
                    "2023-02-30 08:00:00 +0000 UTC,ben,p2,,hello\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=re.escape(
            "cannot read 1 timestamp(s) in rows 3 ('2023-02-30T08:00:00+00:00')")):
        chatcode.ingest(path, timezone="UTC")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=12), st.sampled_from(["as is", "up", "down"]))
def test_bottom_up_order_sorts_as_the_stable_bottom_up_sort(times, arrange):
    times = np.array(sorted(times) if arrange == "up" else
                     sorted(times, reverse=True) if arrange == "down" else times,
                     dtype=np.int64)
    expected = np.lexsort((-np.arange(len(times)), times))
    order = bottom_up_order(times)
    assert (np.arange(len(times)) if order is None else order).tolist() == expected.tolist()


TYPES = st.sampled_from(["", " Bot ", "bot", "BOT", "system", " System", "user", "botx",
                         "system_join_channel", "SYSTEM_add", " system_x ", "message", None])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TYPES, TYPES), max_size=8))
def test_roles_from_types_follow_the_stripped_lower_case_types(pairs):
    user = pd.Series([u for u, _ in pairs], dtype="str")
    post = pd.Series([p for _, p in pairs], dtype="str")
    expected = []
    for u, p in pairs:
        u, p = (u or "").strip().lower(), (p or "").strip().lower()
        expected.append(S.SYSTEM if p.startswith("system_") or u == "system" else
                        S.BOT if u == "bot" else S.DEFAULT_ROLE)
    roles = M.roles_from_types(user, post)
    assert roles.tolist() == expected
    assert roles.dtype == "str"
