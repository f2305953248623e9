"""DiscordChatExporter CSV: ``AuthorID,Author,Date,Content,Attachments,Reactions``.

Notes
-----
The exporter writes ``Date`` with .NET's general date/time pattern ("g") of the exporting
machine's culture, or with the ``--dateformat`` given (older versions: ``dd-MMM-yy hh:mm
tt`` by default), always without an offset (CsvMessageWriter.cs, ExportContext.FormatDate).
Accepted: ISO 8601 (``2023-05-02 08:00``), numeric dates with ``/``, ``.`` or ``-`` and a
12 h or 24 h clock (``5/20/2018 4:09 PM``, ``20.05.2018 16:09``, ``20/05/2018 16:09``),
and ``20-May-18 04:09 PM``. Day/month order of numeric dates: a first number above 12
means day first, a second number above 12 month first; dates with dots are day first; else
``--dayfirst/--monthfirst`` must decide.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import IngestError, Location, Problem, Problems
from chatcode.ingest import _json as J
from chatcode.ingest._mattermost import require_headers
from chatcode.ingest.base import Options, Parsed, Source, default_group

AUTHOR_ID, AUTHOR, DATE, CONTENT, ATTACHMENTS, REACTIONS = HEADER = (
    "AuthorID", "Author", "Date", "Content", "Attachments", "Reactions")

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                  r"(?:Z|[+-]\d{2}:?\d{2})?")
_NUMERIC = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2}),?\s+(\d{1,2}):(\d{2})"
                      r"(?::(\d{2}))?\s*([AaPp])?\.?\s?(?:[Mm]\.?)?")
_NAMED = re.compile(r"(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ](\d{4}|\d{2}),?\s+(\d{1,2}):(\d{2})"
                    r"(?::(\d{2}))?\s*([AaPp])?\.?\s?(?:[Mm]\.?)?")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_REACTION = re.compile(r"\s*(.+?) \((\d+)\)\s*(?:,|$)")
_DATE_HINT = ("expected a date as DiscordChatExporter writes it, e.g. 5/20/2018 4:09 PM, "
              "20.05.2018 16:09 or 2018-05-20 16:09")


def read_csv(source: Source, options: Options) -> Parsed:
    table = source.table
    data = table.data
    require_headers(list(data.columns), HEADER, where=table.where,
                    export="DiscordChatExporter CSV")
    text = {c: data[c].astype("str").fillna("") for c in HEADER}
    rows_seen = data[S.ROW].tolist() if S.ROW in data.columns else list(range(2, len(data) + 2))
    times, notes = _times(text[DATE].tolist(), rows_seen, options, table.where)
    group = default_group(source, options)
    ids = J.derived_ids([(group, a, t.tz_convert("UTC").isoformat(), c) for a, t, c in zip(
        text[AUTHOR_ID], times, text[CONTENT], strict=True)], prefix="dce-")
    posts, reactions = [], []
    for i, pid in enumerate(ids):
        attached = [a for a in text[ATTACHMENTS].iloc[i].split(",") if a.strip()]
        posts.append({S.POST_ID: pid, S.GROUP: group, S.TIMESTAMP: times[i],
                      S.AUTHOR: text[AUTHOR].iloc[i], S.TEXT: text[CONTENT].iloc[i],
                      S.ATTACHMENTS: len(attached),
                      S.SRC_PREFIX + "author_id": text[AUTHOR_ID].iloc[i]})
        for emoji, count in _REACTION.findall(text[REACTIONS].iloc[i]):
            reactions += J.reaction_rows(pid, emoji, [], count)
    frame = J.posts_table(posts, table.where)
    rtable = J.reactions_table(reactions, table.where)
    notes.insert(0, f"read {J.plural(len(frame), 'message')} and "
                 f"{J.plural(len(rtable), 'reaction')} (the CSV export has no ids, replies or "
                 "reactors: ids derived from the content)")
    return Parsed(Corpus.trusted(frame, rtable), notes)


def _parts(value: str) -> tuple[str, tuple[Any, ...]] | None:
    value = value.strip()
    if _ISO.fullmatch(value):
        return "iso", (value,)
    if m := _NUMERIC.fullmatch(value):
        return "numeric", m.groups()
    if (m := _NAMED.fullmatch(value)) and m.group(2)[:3].lower() in _MONTHS:
        return "named", m.groups()
    return None


def _dayfirst(parsed: list[tuple[str, tuple[Any, ...]] | None], options: Options,
              where: Location) -> tuple[bool, str | None]:
    numeric = [p[1] for p in parsed if p and p[0] == "numeric"]
    day = any(int(g[0]) > 12 for g in numeric)
    month = any(int(g[2]) > 12 for g in numeric)
    if options.dayfirst is not None:
        return options.dayfirst, None
    if day and month:
        raise IngestError("the dates mix day-first and month-first order", where=Location(
            where.file, column=DATE), hint="export the channel again with one date format")
    if day or month or not numeric:
        return day, None
    if all(g[1] == "." for g in numeric):
        return True, "dates with dots read day first (dd.mm.yyyy)"
    raise IngestError(
        f"cannot tell whether the dates are day first or month first (every date, e.g. "
        f"{'/'.join(numeric[0][:1] + numeric[0][2:4])}, fits both)",
        where=Location(where.file, column=DATE),
        hint="give --dayfirst (20/05/2018) or --monthfirst (05/20/2018)")


def _naive(kind: str, g: tuple[Any, ...], dayfirst: bool) -> pd.Timestamp:
    if kind == "iso":
        return pd.Timestamp(g[0])
    if kind == "numeric":
        d, _, m, y, hh, mm, ss, ampm = g
        if not dayfirst:
            d, m = m, d
        month = int(m)
    else:
        d, name, y, hh, mm, ss, ampm = g
        month = _MONTHS[name[:3].lower()]
    year = int(y) + (2000 if len(y) == 2 else 0)
    hour = int(hh)
    if ampm:
        hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
    return pd.Timestamp(year, month, int(d), hour, int(mm), int(ss or 0))


def _times(values: list[str], rows: list[int], options: Options, where: Location
           ) -> tuple[list[pd.Timestamp | None], list[str]]:
    parsed = [_parts(v) for v in values]
    dayfirst, note = _dayfirst(parsed, options, where)
    out: list[pd.Timestamp | None] = []
    bad: list[str] = []
    for value, p, row in zip(values, parsed, rows, strict=True):
        try:
            ts = _naive(*p, dayfirst) if p else None
        except ValueError:
            ts = None
        if ts is None:
            bad.append(f"{row} ({value!r})")
        elif ts.tzinfo is None:
            ts = ts.tz_localize(options.timezone, ambiguous=True,
                                nonexistent="shift_forward")
        out.append(ts)
    if bad:
        shown = ", ".join(bad[:8]) + (f" and {len(bad) - 8} more" if len(bad) > 8 else "")
        raise Problems.of(IngestError, [Problem(
            f"cannot read {len(bad)} date(s) in rows {shown}",
            Location(where.file, column=DATE), _DATE_HINT)])
    return out, [note] if note else []
