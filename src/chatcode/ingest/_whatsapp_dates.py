"""Dates of a WhatsApp export: the layout of every header, day/month order inferred from the
whole file, and naive timestamps.

Notes
-----
- A first field of three or four digits is a year (``yyyy/mm/dd``). Otherwise the last field
  is the year (two digits: 20yy) and the order of day and month is inferred from the whole
  file: a first field above 12 proves day first, a second field above 12 proves month first.
  Both in one file means two exports were pasted together (an error naming two lines);
  neither means the order cannot be told (an error quoting two dates, unless ``dayfirst``
  is given; the error also names the language of the file's own system lines and the date
  order phones in that language write, from the phrase tables).
- Every header of a file must have the same layout: Android (``date, time - ``) or iOS
  (``[date, time]``), 12 h or 24 h clock, year first or last. A file that mixes them is an
  error naming one line of each.
- 12 h times: ``12 AM`` is 00, ``12 PM`` is 12; ``00:08 AM`` (seen in Spanish exports) is 00:08;
  ``23:59 PM`` (hand-edited files) is 23:59; an hour above 12 with AM is an error.
- Arabic, Persian and Urdu phones write headers with Arabic-Indic (``٠``-``٩``) or Eastern
  Arabic-Indic (``۰``-``۹``) digits, the Arabic comma ``،`` after the date, ``ص``/``م`` (or
  ``ق.ظ.``/``ب.ظ.``) for AM/PM and right-to-left marks (U+200F, U+200E, U+061C) between the
  fields; Hebrew phones put RLMs around ASCII fields. ``ascii_headers`` rewrites such headers
  (only the header, never the message) to the ASCII form before parsing; a file without these
  characters is returned as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest._whatsapp_text import HEADER

__all__ = ["Headers", "ascii_headers", "timestamps"]

_SPLIT_HINT = ("the file seems to hold two exports pasted together (or was edited by hand); "
               "export the chat again, or split the file and ingest each part")


_RTL_DIGITS = "\u0660-\u0669\u06f0-\u06f9"
_NEEDS_CHARS = ([chr(c) for c in range(0x0660, 0x066A)]
                + [chr(c) for c in range(0x06F0, 0x06FA)] + ["\u200f", "\u061c", "\u060c"])
_MK = "[\u200e\u200f\u061c\ufeff]*"
_DG = f"[0-9{_RTL_DIGITS}]"
_SPC = "[ \u00a0\u202f]"
_RTL_AMPM = "ص|م|ق\\.ظ\\.?|ب\\.ظ\\.?"
# a header in any digits, with marks anywhere between its fields; group "x" is AM/PM
_RTL_HEAD = re.compile(
    rf"^{_MK}\[?{_MK}{_DG}{{1,4}}{_MK}[./-]{_MK}{_DG}{{1,2}}{_MK}[./-]{_MK}{_DG}{{1,4}}{_MK}"
    rf"[,\u060c]?{_MK}(?: klo)?{_SPC}{_MK}{_DG}{{1,2}}{_MK}[:.]{_MK}{_DG}{{2}}"
    rf"(?:{_MK}[:.]{_MK}{_DG}{{2}})?{_MK}(?:{_SPC}?{_MK}(?P<x>[AaPp]\.?{_SPC}?[Mm]\.?|{_RTL_AMPM}))?"
    rf"{_MK}(?:\]|\.?{_SPC}{_MK}-)", re.MULTILINE)
_TO_ASCII = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)},
                           **{chr(0x06F0 + i): str(i) for i in range(10)},
                           "\u060c": ",", "\u200e": None, "\u200f": None, "\u061c": None,
                           "\ufeff": None})


def _ascii_head(m: re.Match) -> str:
    head, x = m.group(0), m.group("x")
    if x and not x[0].isascii():  # ص / ق.ظ. is AM, م / ب.ظ. is PM
        a, b = m.start("x") - m.start(), m.end("x") - m.start()
        head = head[:a] + ("AM" if x[0] in "صق" else "PM") + head[b:]
    return head.translate(_TO_ASCII)


def ascii_headers(text: str) -> str:
    """``text`` with every message header in ASCII digits, without bidi marks, with ``,``
    for ``،`` and AM/PM for ``ص``/``م``; the messages themselves are left as written. A text
    with none of those characters is returned unchanged, after one fast search per character
    (none at all for an ASCII or Latin-1 text, which cannot hold them)."""
    if not any(c in text for c in _NEEDS_CHARS):
        return text
    return _RTL_HEAD.sub(_ascii_head, text)


@dataclass
class Headers:
    """The parsed header fields of every message (arrays of one length)."""

    lines: np.ndarray   # 1-based line number of each header
    heads: pa.Array     # the headers as written (only the few quoted become Python)
    open: np.ndarray    # True for the iOS layout "[...]"
    d1: np.ndarray
    d2: np.ndarray
    d3: np.ndarray
    hh: np.ndarray
    mm: np.ndarray
    ss: np.ndarray
    ampm: np.ndarray    # 0 for a 24 h clock, 1 for AM, 2 for PM
    year_width: np.ndarray  # digits of the first field (3 or 4: year first)


def _quote(h: Headers, i: int) -> str:
    stamp = pc.extract_regex(h.heads.slice(i, 1), HEADER).field("stamp")[0].as_py()
    return f"line {int(h.lines[i])} ({stamp!r})"


def _check_layout(h: Headers, label: Path) -> None:
    kinds = [
        (h.open, "the Android layout 'date, time - name: text'",
         "the iOS layout '[date, time] name: text'"),
        (h.ampm > 0, "a 24-hour clock", "a 12-hour clock (AM/PM)"),
        (h.year_width >= 3, "dates with the year last", "dates with the year first"),
    ]
    problems = []
    for flags, no, yes in kinds:
        if flags.any() and not flags.all():
            a, b = int(np.argmin(flags)), int(np.argmax(flags))
            problems.append(Problem(
                f"the file mixes two layouts: {_quote(h, a)} has {no}, {_quote(h, b)} has {yes}",
                Location(label), _SPLIT_HINT))
    if problems:
        raise Problems.of(IngestError, problems)


def day_first(h: Headers, label: Path, given: bool | None,
              hint: Callable[[], str] | None = None) -> tuple[bool, str]:
    """Whether the first date field is the day, and how that was decided (for the notes)."""
    short = h.year_width < 3
    if not short.any():
        return True, "year first (yyyy/mm/dd)"
    day = np.flatnonzero(short & (h.d1 > 12))
    month = np.flatnonzero(short & (h.d2 > 12))
    if given is not None:
        how = "--dayfirst" if given else "--monthfirst"
        return given, f"{'day' if given else 'month'} first (given with {how})"
    if len(day) and len(month):
        raise IngestError(
            f"the file mixes day-first and month-first dates: {_quote(h, int(day[0]))} can "
            f"only be day first, {_quote(h, int(month[0]))} only month first",
            where=Location(label), hint=_SPLIT_HINT)
    if len(day):
        return True, f"day first (inferred from {_quote(h, int(day[0]))})"
    if len(month):
        return False, f"month first (inferred from {_quote(h, int(month[0]))})"
    shown = sorted({int(i) for i in (0, len(short) - 1)})
    examples = " and ".join(_quote(h, i) for i in shown)
    language = hint() if hint is not None else ""
    raise IngestError(
        f"cannot tell whether the dates are day/month or month/day: every date fits both "
        f"(e.g. {examples})" + (f"; {language}" if language else ""),
        where=Location(label),
        hint="give --dayfirst or --monthfirst (Python: dayfirst=True or False); the phone's "
        "language settings at export decide it (e.g. en-GB and de: day first, en-US: month "
        "first)")


def _hours(h: Headers, label: Path) -> tuple[np.ndarray, list[Problem]]:
    hour = h.hh.copy()
    twelve = h.ampm > 0
    bad = (h.ampm == 1) & (hour > 12)  # 13:05 PM (hand-edited files) is read as 13:05
    hour = np.where(twelve & (hour <= 12), hour % 12 + np.where(h.ampm == 2, 12, 0), hour)
    problems = []
    if bad.any():
        i = int(np.argmax(bad))
        problems.append(Problem(
            f"{int(bad.sum())} time(s) above 12 with AM, first on {_quote(h, i)}",
            Location(label), "fix the time by hand or export the chat again"))
    return hour, problems


def timestamps(h: Headers, label: Path, given: bool | None,
               hint: Callable[[], str] | None = None) -> tuple[pd.Series, str]:
    """The naive local time of every message, and the note on the date order.

    Raises one IngestError listing every date that cannot be read (e.g. 31.02.)."""
    _check_layout(h, label)
    dayfirst, how = day_first(h, label, given, hint)
    year_first = h.year_width >= 3
    year = np.where(year_first, h.d1, h.d3)
    year = np.where(year < 100, year + 2000, year)
    month = np.where(year_first, h.d2, np.where(dayfirst, h.d2, h.d1))
    day = np.where(year_first, h.d3, np.where(dayfirst, h.d1, h.d2))
    hour, problems = _hours(h, label)
    frame = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                          "minute": h.mm, "second": h.ss})
    ts = pd.to_datetime(frame, errors="coerce")
    bad = ts.isna().to_numpy()
    if bad.any():
        shown = ", ".join(_quote(h, int(i)) for i in np.flatnonzero(bad)[:5])
        more = int(bad.sum()) - 5
        order = "year/month/day" if year_first.all() else (
            "day/month/year" if dayfirst else "month/day/year")
        problems.append(Problem(
            f"cannot read {int(bad.sum())} date(s) as {order}: {shown}"
            + (f" and {more} more" if more > 0 else ""), Location(label),
            "check --dayfirst/--monthfirst, or fix the dates by hand"))
    if problems:
        raise Problems.of(IngestError, problems)
    return ts, how
