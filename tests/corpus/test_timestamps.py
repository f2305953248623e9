"""Timestamp reading: offsets keep their instant, naive times are read in the given zone."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from chatcode.corpus.timestamps import parse_timestamps, resolve_timezone, to_iso
from chatcode.errors import ChatcodeError


def test_offsets_naive_and_excel_datetimes_in_one_column():
    values = pd.Series(["2023-05-02T08:00:00+02:00", "2023-05-02 08:00:00", "2023-05-02T08:00Z",
                        dt.datetime(2023, 5, 2, 8, 0), None, ""], dtype=object)
    parsed, bad = parse_timestamps(values, timezone="Europe/Berlin")
    assert not bad.any()
    assert parsed.iloc[0] == pd.Timestamp("2023-05-02T06:00:00Z")
    assert parsed.iloc[1] == pd.Timestamp("2023-05-02T06:00:00Z")  # CEST = UTC+2
    assert parsed.iloc[2] == pd.Timestamp("2023-05-02T08:00:00Z")
    assert parsed.iloc[3] == pd.Timestamp("2023-05-02T06:00:00Z")
    assert parsed.iloc[4:].isna().all()


def test_winter_time_and_the_ambiguous_autumn_hour():
    values = pd.Series(["2023-01-10 12:00:00", "2023-10-29 02:30:00", "2023-03-26 02:30:00"])
    parsed, bad = parse_timestamps(values, timezone="Europe/Berlin")
    assert not bad.any()
    assert parsed.iloc[0] == pd.Timestamp("2023-01-10T11:00:00Z")  # CET = UTC+1
    # 02:30 happens twice on 29 Oct 2023: the first (summer time, UTC+2) is taken
    assert parsed.iloc[1] == pd.Timestamp("2023-10-29T00:30:00Z")
    # 02:30 does not exist on 26 Mar 2023: shifted forward to 03:00 CEST
    assert parsed.iloc[2] == pd.Timestamp("2023-03-26T01:00:00Z")


def test_epoch_milliseconds_are_utc_whatever_the_zone():
    parsed, bad = parse_timestamps(pd.Series([1683014400000, "1683014400000"], dtype=object),
                                   timezone="Asia/Tokyo", unit="ms")
    assert not bad.any()
    assert (parsed == pd.Timestamp("2023-05-02T08:00:00Z")).all()


def test_unreadable_values_are_flagged_not_guessed():
    parsed, bad = parse_timestamps(pd.Series(["31.02.2023 25:10", "yesterday", "2023-05-02"]))
    assert bad.tolist() == [True, True, False]


def test_explicit_format():
    parsed, bad = parse_timestamps(pd.Series(["02.05.2023 08:00"]), timezone="UTC",
                                   fmt="%d.%m.%Y %H:%M")
    assert parsed.iloc[0] == pd.Timestamp("2023-05-02T08:00:00Z") and not bad.any()


def test_iso_text_round_trip_keeps_the_instant():
    s = pd.Series(pd.to_datetime(["2023-05-02T08:00:00.5Z", "2023-05-02T08:00:00Z"],
                                 format="ISO8601"))
    text = to_iso(s)
    assert text.tolist() == ["2023-05-02T08:00:00.500000+00:00", "2023-05-02T08:00:00+00:00"]
    back, _ = parse_timestamps(text)
    assert (back == s.dt.tz_convert("UTC")).all()


def test_unknown_zone_is_a_clear_error():
    with pytest.raises(ChatcodeError, match="unknown time zone 'Mars/Olympus'"):
        resolve_timezone("Mars/Olympus")
