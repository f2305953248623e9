"""Reading timestamps from exports into timezone-aware UTC datetimes.

Notes
-----
- Values with an offset (``2023-05-02T08:00:00+02:00``, ``...Z``) keep their instant.
- Naive values are read in ``timezone`` (an IANA name such as ``Europe/Berlin``). A naive time
  that occurs twice at the end of daylight saving time is read as the first (summer-time)
  occurrence; a time that does not exist (the skipped hour in spring) is shifted forward.
- Epoch numbers are UTC (``unit="ms"`` for Mattermost's ``create_at``).
- The canonical in-memory form is ``datetime64[ns, UTC]``; writers print ISO 8601 with offset.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from chatcode.errors import ChatcodeError

__all__ = ["epoch_nanos", "local_timezone", "parse_timestamps", "resolve_timezone",
           "to_iso"]

_OFFSET = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")
UNIT = "ns"


def local_timezone() -> str:
    """The IANA name of this machine's time zone (``UTC`` when it cannot be told).

    The ``TZ`` environment variable, when it names an IANA zone, comes first."""
    env = __import__("os").environ.get("TZ", "").lstrip(":")
    if env:
        try:
            ZoneInfo(env)
            return env
        except (ZoneInfoNotFoundError, ValueError):
            pass
    tz = dt.datetime.now().astimezone().tzinfo
    key = getattr(tz, "key", None)
    if key:
        return key
    try:
        link = __import__("os").path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    except OSError:  # pragma: no cover - platform dependent
        pass
    name = dt.datetime.now().astimezone().tzname()
    return "UTC" if name in (None, "UTC", "GMT") else str(name)


def resolve_timezone(name: str | None) -> str:
    """Check an IANA time zone name; ``None`` means this machine's zone."""
    if name is None:
        return local_timezone()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ChatcodeError(
            f"unknown time zone {name!r}",
            hint="give an IANA name such as Europe/Berlin, America/New_York or UTC",
        ) from exc
    return name


def parse_timestamps(
    values: pd.Series,
    *,
    timezone: str = "UTC",
    fmt: str | None = None,
    unit: str | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Parse ``values`` into UTC datetimes.

    Returns ``(parsed, bad)``: ``parsed`` is ``datetime64[ns, UTC]`` (NaT where empty or
    unreadable), ``bad`` is a boolean mask of non-empty values that could not be read.
    ``fmt`` is a ``strftime`` format for naive strings; without it ISO 8601 is expected.
    ``unit`` (``"s"`` or ``"ms"``) reads numbers as epoch seconds/milliseconds (UTC).
    """
    index = values.index
    out = pd.Series(pd.NaT, index=index, dtype=f"datetime64[{UNIT}, UTC]")
    if len(values) == 0:
        return out, pd.Series(False, index=index, dtype=bool)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.as_unit(UNIT), values.isna() & False
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _localize(values, timezone), values.isna() & False

    empty = values.isna() | values.astype("str").str.strip().eq("")
    if isinstance(values.dtype, pd.StringDtype):  # text (CSV, JSON): no per-cell type checks
        is_dt = is_num = pd.Series(False, index=index)
    else:
        is_dt = values.map(lambda v: isinstance(v, (dt.datetime, pd.Timestamp)),
                           na_action="ignore")
        is_dt = is_dt.eq(True)  # (an all-empty column maps to float NaN: no fillna warning)
        is_num = values.map(
            lambda v: isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, bool), na_action="ignore",
        ).eq(True) & ~empty
    text = values.where(~(is_dt | is_num | empty)).astype("str").str.strip()
    is_text = ~(is_dt | is_num | empty)

    if is_dt.any():
        sub = pd.to_datetime(values[is_dt].astype(object).tolist(), utc=False)
        sub = pd.Series(sub, index=values.index[is_dt])
        if isinstance(sub.dtype, pd.DatetimeTZDtype):
            out[is_dt] = _in_range(sub.dt.tz_convert("UTC"))
        else:
            out[is_dt] = _localize(_in_range(sub, aware=False), timezone)
    if is_num.any():
        nums = pd.to_numeric(values[is_num].astype(object), errors="coerce")
        if unit is not None:
            out[is_num] = _epoch(nums, unit)
        else:  # epoch milliseconds (11+ digits) are read without being asked (docs/ingest.md)
            ms = nums.abs().ge(EPOCH_MS_FROM)
            out[ms[ms].index] = _epoch(nums[ms], "ms")
    if unit is not None:
        digits = is_text & text.str.fullmatch(r"-?\d+(?:\.\d+)?").fillna(False)
    else:
        digits = is_text & text.str.fullmatch(r"-?\d{11,}").fillna(False)
    if digits.any():
        nums = pd.to_numeric(text[digits], errors="coerce")
        out[digits] = _epoch(nums, unit or "ms")
        is_text = is_text & ~digits
    if is_text.any():
        aware = is_text & text.str.contains(_OFFSET, regex=True).fillna(False)
        naive = is_text & ~aware
        if aware.any():
            parsed = pd.to_datetime(
                text[aware], format=fmt or "ISO8601", utc=True, errors="coerce"
            )
            out[aware] = _in_range(parsed)
        if naive.any():
            parsed = pd.to_datetime(text[naive], format=fmt or "ISO8601", errors="coerce")
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):
                out[naive] = _in_range(parsed.dt.tz_convert("UTC"))
            else:
                out[naive] = _localize(_in_range(parsed, aware=False), timezone)
    bad = out.isna() & ~empty
    return out, bad


#: a number at least this large is read as epoch milliseconds (11 digits: from March 1973)
EPOCH_MS_FROM = 10**10
#: the dates chatcode can store (nanosecond timestamps); others are row errors
DATE_RANGE = "1677-09-22 to 2262-04-11"


def _epoch(nums: pd.Series, unit: str) -> pd.Series:
    """Epoch numbers as UTC datetimes; NaT where out of range (a row error)."""
    nums = pd.to_numeric(nums, errors="coerce").astype("float64")
    limit = {"s": 9.2e9, "ms": 9.2e12, "us": 9.2e15, "ns": 9.2e18}.get(unit, 9.2e9)
    nums = nums.where(nums.abs() < limit)
    try:
        parsed = pd.to_datetime(nums, unit=unit, utc=True, errors="coerce")
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        parsed = pd.Series(pd.NaT, index=nums.index, dtype=f"datetime64[{UNIT}, UTC]")
    return _in_range(parsed)


def _in_range(parsed: pd.Series, *, aware: bool = True) -> pd.Series:
    """``parsed`` in nanoseconds; values outside :data:`DATE_RANGE` (year 2999, year 1) become
    NaT, so the caller reports them as rows it cannot read, never a crash."""
    parsed = pd.Series(parsed)
    try:
        return parsed.dt.as_unit(UNIT)
    except (OverflowError, pd.errors.OutOfBoundsDatetime):
        lo, hi = pd.Timestamp.min.ceil("s"), pd.Timestamp.max.floor("s")
        if aware:
            lo, hi = lo.tz_localize("UTC"), hi.tz_localize("UTC")
            parsed = parsed.dt.tz_convert("UTC")
        inside = parsed.between(lo + pd.Timedelta(days=1), hi - pd.Timedelta(days=1))
        return parsed.where(inside).dt.as_unit(UNIT)


def _localize(naive: pd.Series, timezone: str) -> pd.Series:
    naive = pd.Series(naive)
    if timezone == "UTC":
        return naive.dt.tz_localize("UTC").dt.as_unit(UNIT)
    localized = naive.dt.tz_localize(
        timezone,
        ambiguous=np.ones(len(naive), dtype=bool),
        nonexistent="shift_forward",
    )
    return localized.dt.tz_convert("UTC").dt.as_unit(UNIT)


#: the years :func:`epoch_nanos` reads (inside :data:`DATE_RANGE`, whatever the offset)
FIELD_YEARS = (1678, 2261)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def epoch_nanos(
    year: np.ndarray, month: np.ndarray, day: np.ndarray, hour: np.ndarray,
    minute: np.ndarray, second: np.ndarray, nanos: np.ndarray, offset: np.ndarray,
) -> np.ndarray | None:
    """Nanoseconds since 1970-01-01 UTC of calendar fields (``int64`` arrays) read at
    ``offset`` seconds east of UTC, computed column-wise; ``None`` when any value is out of
    range (month 13, February 30, hour 24, second 60, an offset of a day or more, a year
    outside :data:`FIELD_YEARS`), so the caller reads such values the general way and names
    their rows.

    Notes
    -----
    Days from the civil date by Howard Hinnant's ``days_from_civil`` (proleptic Gregorian
    calendar, http://howardhinnant.github.io/date_algorithms.html#days_from_civil).
    """
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 0, 12)] + (leap & (month == 2))
    ok = ((year >= FIELD_YEARS[0]) & (year <= FIELD_YEARS[1]) & (month >= 1) & (month <= 12)
          & (day >= 1) & (day <= month_days) & (hour >= 0) & (hour <= 23) & (minute >= 0)
          & (minute <= 59) & (second >= 0) & (second <= 59) & (nanos >= 0)
          & (nanos < 1_000_000_000) & (np.abs(offset) < 86400))
    if not ok.all():
        return None
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
    return seconds * 1_000_000_000 + nanos


def to_iso(values: pd.Series) -> pd.Series:
    """ISO 8601 text with offset (``2023-05-02T08:00:00+00:00``); empty string for NaT."""
    values = pd.Series(values)
    text = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f%z")
    # drop zero microseconds and write the offset as +00:00
    text = text.str.replace(r"\.000000(?=[+-])", "", regex=True)
    text = text.str.replace(r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
    return text.fillna("")
