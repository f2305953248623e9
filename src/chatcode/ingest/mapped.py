"""Any Excel/CSV export with other column names, read through a YAML mapping file.

``chatcode ingest EXPORT --mapping map.yaml`` (or ``ingest(..., mapping=PATH)``) selects
this reader; it is never auto-detected. The mapping file names, for every export column
that holds a canonical field, the field it holds::

    sheet: Posts                  # optional: the sheet of a workbook (default: the first)
    columns:                      # export column -> canonical field
      Nachricht-ID: post_id       # optional: without it ids are "row-2", "row-3", ...
      Zeitpunkt: timestamp
      Benutzer: author
      Text: text
      Antwort auf: parent_id
    timestamp_format: "%d.%m.%Y %H:%M"   # optional strftime format (default: ISO 8601)
    timezone: Europe/Berlin              # optional; overrides --timezone for this export
    epoch: ms                            # optional: numeric timestamps are epoch s|ms (UTC)
    reactions:                           # optional: a sheet or a file with one row per
      sheet: Reactions                   # reaction (columns map to post_id, author,
      columns: {Nachricht: post_id, Emoji: emoji}   # emoji, timestamp) ...
      # ... or a column of the posts table with counts per post:
      # column: Reaktionen               # "thumbsup: 2, heart: 1" or a plain count "3"
      # default_emoji: reaction          # the emoji name of a plain count

Notes
-----
- Export columns that are not mapped are kept with the ``src_`` prefix.
- Column names match exactly, else ignoring case and surrounding spaces.
- An ``attachments`` column of file names ("a.jpg, b.pdf") is counted (names kept in
  ``src_<column>``); numbers are taken as they are.
- Reactions of a per-post column have no author and no time.
- Every problem of the mapping file (and of its columns against the export) is reported at
  once, with the line of the mapping file; problems in the data name the export's columns.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd

from chatcode._io.tabular import Table, read_table
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus
from chatcode.errors import ChatcodeError, IngestError, Location, Problem, Problems, SchemaError
from chatcode.ingest._mapping import (
    DEFAULT_EMOJI,
    Mapping,
    ReactionsSpec,
    load_mapping,
    parse_mapping,
    problems_title,
)
from chatcode.ingest.base import Options, Parsed, Source, default_group

__all__ = ["AUTO", "DESCRIPTION", "NAME", "Mapping", "ReactionsSpec", "load_mapping",
           "parse_reaction_cell", "read", "sniff"]

NAME = "table"
DESCRIPTION = ("any Excel/CSV export with other column names, read through a mapping file "
               "(--mapping MAP.yaml; see docs/ingest.md)")
AUTO = False  # only chosen with --mapping or --format table

REACTIONS_HINT = "write the reactions of a post as 'thumbsup: 2, heart: 1' or a plain count '3'"
_ITEM = re.compile(r"^(?P<name>.*?)(?:\s*:\s*|\s+)(?P<n>\d+)$")
_NUMBER = re.compile(r"\d*[.,]\d+")


def sniff(source: Source) -> bool:
    """Never: a hand-made export is read only when a mapping file is given."""
    return False


def read(source: Source, options: Options) -> Parsed:
    """Read ``source`` through the mapping file ``options.mapping``."""
    if options.mapping is None:
        raise IngestError("the format 'table' needs a mapping file", where=source.where,
                          hint="give --mapping MAP.yaml (see docs/ingest.md)")
    if source.kind == "dir":
        raise IngestError("the format 'table' reads one .xlsx or .csv file, not a folder",
                          where=source.where, hint="name the export file itself")
    mapping, problems = parse_mapping(Path(options.mapping))
    if mapping is None:
        raise _mapping_error(Path(options.mapping), problems)
    table = _read_or_report(lambda: read_table(source.path, sheet=mapping.sheet), problems,
                            mapping)
    problems += _check_posts_columns(mapping, table, required=not problems)
    rtable = _reactions_table(source, mapping, problems)
    if problems:
        raise _mapping_error(mapping.path, problems)
    tz = mapping.timezone or options.timezone
    notes = [f"read {table.where} through the mapping file {mapping.path}"]
    if mapping.timezone:
        notes.append(f"naive timestamps read in {tz} (timezone: in the mapping file)")
    df, renamed, rcells = _posts_frame(table, mapping, notes)
    data_problems: list[Problem] = []
    reactions = None
    if rcells is not None:
        reactions = _reactions_from_column(rcells, df, table, mapping, data_problems, notes)
    posts = _validated(S.validate_posts, df, renamed, data_problems, where=table.where,
                       group=default_group(source, options), timezone=tz,
                       timestamp_format=mapping.timestamp_format,
                       timestamp_unit=mapping.epoch)
    if rtable is not None:
        reactions = _reactions_from_table(rtable, mapping, tz, data_problems)
    if data_problems:
        raise Problems.of(SchemaError, data_problems,
                          title=f"{table.where}: the export has {len(data_problems)} "
                          "problem(s)"
                          if len(data_problems) > 1 else None)
    if rtable is not None and mapping.reactions is not None and mapping.reactions.file:
        reactions = _only_this_export(reactions, posts, mapping.reactions.file, notes)
    if options.progress is not None:
        options.progress(len(posts), len(posts))
    return Parsed(Corpus.trusted(posts, reactions), notes)


def _mapping_error(path: Path, problems: list[Problem]) -> ChatcodeError:
    return Problems.of(IngestError, problems, title=problems_title(path, problems))


def _read_or_report(read_it, problems: list[Problem], mapping: Mapping) -> Table:
    """Read a table; if that fails while the mapping has problems, report those first."""
    try:
        return read_it()
    except ChatcodeError as exc:
        if problems:
            raise _mapping_error(mapping.path, problems) from exc
        raise


# --- columns of the export against the mapping ---------------------------------------------
def _found(table: Table) -> list[str]:
    return [str(c) for c in table.data.columns if c != S.ROW]


def _resolve(name: str, found: list[str]) -> str | None:
    """``name`` as a column of the export: exact, else ignoring case and spaces (if unique)."""
    if name in found:
        return name
    key = name.strip().casefold()
    hits = [c for c in found if c.strip().casefold() == key]
    return hits[0] if len(hits) == 1 else None


def _not_found(name: str, table: Table, where: Location, what: str) -> Problem:
    found = _found(table)
    close = S.closest_columns(name, found)
    listing = ", ".join(repr(c) for c in found) or "(none)"
    hint = (f"closest: {', '.join(repr(c) for c in close)}; " if close else "") + (
        f"its columns are {listing}; fix the {what} in the mapping file")
    return Problem(f"the export {table.where} has no column {name!r}", where, hint)


def _check_posts_columns(mapping: Mapping, table: Table, *, required: bool) -> list[Problem]:
    """Mapped columns missing in the export; with ``required``, required fields not mapped
    (skipped when the mapping file has problems of its own, which may be the cause)."""
    problems = []
    found = _found(table)
    for export in mapping.columns:
        if _resolve(export, found) is None:
            problems.append(_not_found(export, table, mapping.at(f"columns/{export}"),
                                       "column name"))
    targets = set(mapping.columns.values())
    needed = [f for f in S.REQUIRED_POST_COLUMNS if f != S.POST_ID]
    for target in needed if required else []:
        if target not in targets and target not in found:
            close = S.closest_columns(target, found)
            listing = ", ".join(repr(c) for c in found)
            problems.append(Problem(
                f"no column is mapped to {target!r}", mapping.at("columns"),
                f"add a line 'EXPORT COLUMN: {target}' under columns:; the export has the "
                f"columns {listing}" + (f"; closest: {', '.join(map(repr, close))}"
                                        if close else "")))
    spec = mapping.reactions
    if spec is not None and spec.column and _resolve(spec.column, found) is None:
        problems.append(_not_found(spec.column, table, mapping.at("reactions/column"),
                                   "reactions column"))
    return problems


def _reactions_table(source: Source, mapping: Mapping, problems: list[Problem]) -> Table | None:
    spec = mapping.reactions
    if spec is None or not (spec.sheet or spec.file):
        return None
    path = spec.file or source.path
    rtable = _read_or_report(lambda: read_table(path, sheet=spec.sheet), problems, mapping)
    found = _found(rtable)
    for export in spec.columns:
        if _resolve(export, found) is None:
            problems.append(_not_found(export, rtable, mapping.at(f"reactions/columns/{export}"),
                                       "reactions column name"))
    targets = set(spec.columns.values())
    for target in S.REQUIRED_REACTION_COLUMNS:
        if target not in targets and target not in found:
            problems.append(Problem(
                f"no column of the reactions table is mapped to {target!r}",
                mapping.at("reactions"),
                f"add 'EXPORT COLUMN: {target}' under reactions: columns:; the reactions "
                f"table has the columns {', '.join(map(repr, found))}"))
    return rtable


# --- building the tables --------------------------------------------------------------------
def _renames(columns: dict[str, str], table: Table, notes: list[str]) -> dict[str, str]:
    """Export column -> new name: the mapped ones, and ``src_`` for unmapped columns that
    carry the name of a canonical field another column is mapped to."""
    found = _found(table)
    rename = {_resolve(export, found): field for export, field in columns.items()}
    for col in found:
        if col not in rename and col in rename.values():
            rename[col] = S.SRC_PREFIX + col
            notes.append(f"the export's own column {col!r} is kept as {S.SRC_PREFIX}{col} "
                         f"(the mapping maps another column to {col!r})")
    return rename


def _posts_frame(table: Table, mapping: Mapping, notes: list[str]):
    """The posts table with canonical names (not yet validated), the canonical -> export
    names (for error messages), and the per-post reaction cells (or None)."""
    rename = _renames(mapping.columns, table, notes)
    data = table.data
    rcells = None
    spec = mapping.reactions
    if spec is not None and spec.column:
        rcol = _resolve(spec.column, _found(table))
        rcells = data[rcol]
        data = data.drop(columns=[rcol])
    df = data.rename(columns=rename)
    if S.POST_ID not in df.columns:
        df[S.POST_ID] = "row-" + df[S.ROW].astype("str")
        notes.append(f"the mapping names no post_id column: post ids are derived from the row "
                     f"numbers (row-2 ... row-{len(df) + 1}); map an id column to ingest several "
                     "such exports into one corpus")
    if S.ATTACHMENTS in df.columns:
        # mapped onto attachments, or the export's own column of that canonical name
        export = next((e for e, f in rename.items() if f == S.ATTACHMENTS), S.ATTACHMENTS)
        df = _count_attachments(df, export, notes)
    kept = [c for c in _found(table) if c not in rename and c != (spec.column if spec else None)]
    notes.append(f"{len(mapping.columns)} column(s) mapped; {len(kept)} other column(s) kept "
                 f"with the {S.SRC_PREFIX} prefix" + (f": {', '.join(kept)}" if kept else ""))
    renamed = {field: export for export, field in rename.items()}
    return df, renamed, rcells


def _count_attachments(df: pd.DataFrame, export: str, notes: list[str]) -> pd.DataFrame:
    """File names ("a.jpg, b.pdf") become their number; numbers stay as they are."""
    text = S.cell_text(df[S.ATTACHMENTS])
    number = pd.to_numeric(text, errors="coerce")
    names = text.notna() & text.str.strip().ne("") & number.isna()
    if not names.any():
        return df
    counts = text[names].str.split(r"[,;\n]", regex=True).map(
        lambda parts: sum(1 for p in parts if p.strip()))
    out = df.copy()
    out[S.ATTACHMENTS] = df[S.ATTACHMENTS].astype(object).where(~names, counts)
    out[S.SRC_PREFIX + export] = text
    notes.append(f"counted the file names in column {export!r} as attachments in "
                 f"{int(names.sum())} row(s); the names are kept in {S.SRC_PREFIX}{export}")
    return out


def parse_reaction_cell(value: object, *, default_emoji: str = DEFAULT_EMOJI
                        ) -> list[tuple[str, int]]:
    """The reactions written in one cell: ``[(emoji, count), ...]``.

    ``"thumbsup: 2, heart: 1"``, ``"👍 2; ❤️"`` (a name alone counts 1), ``":+1: 2"``
    (surrounding colons are dropped), or a plain count ``3`` / ``"3"`` of ``default_emoji``.
    An empty cell has none. Raises ValueError for anything else.

    Notes
    -----
    Only digits are a count; ``+1`` and ``-1`` are emoji names (Mattermost's thumbs up and
    down). Names hold no spaces or colons; a decimal such as ``2.5`` is an error.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if value < 0 or not float(value).is_integer():
            raise ValueError(value)
        return [(default_emoji, int(value))] if value else []
    out = []
    for item in re.split(r"[,;\n]", str(value)):
        item = item.strip()
        if not item:
            continue
        if item.isdigit():
            out.append((default_emoji, int(item)))
            continue
        m = _ITEM.match(item)
        name, n = (m["name"], int(m["n"])) if m and m["name"].strip(": ") else (item, 1)
        name = name.strip().strip(":").strip()
        if not name or ":" in name or re.search(r"\s", name) or _NUMBER.fullmatch(name):
            raise ValueError(item)
        out.append((name, n))
    return [(name, n) for name, n in out if n > 0]


def _reactions_from_column(cells: pd.Series, df: pd.DataFrame, table: Table, mapping: Mapping,
                           problems: list[Problem], notes: list[str]) -> pd.DataFrame | None:
    spec: ReactionsSpec = mapping.reactions  # type: ignore[assignment]
    ids = S.as_id(df[S.POST_ID])
    post_ids, emojis, rows, bad = [], [], [], []
    for post_id, row, value in zip(ids, df[S.ROW], cells, strict=True):
        try:
            items = parse_reaction_cell(value, default_emoji=spec.default_emoji)
        except ValueError:
            bad.append((int(row), value))
            continue
        for name, n in items:
            post_ids += [post_id] * n
            emojis += [name] * n
            rows += [int(row)] * n
    export = _resolve(spec.column, _found(table))
    if bad:
        shown = ", ".join(f"{r} ({v!r})" for r, v in bad[:8])
        more = f" and {len(bad) - 8} more" if len(bad) > 8 else ""
        problems.append(Problem(f"cannot read the reactions in rows {shown}{more}",
                                Location(table.file, table.sheet, None, export),
                                REACTIONS_HINT))
        return None
    notes.append(f"{len(emojis)} reaction(s) from column {export!r} (without author or time)")
    frame = pd.DataFrame({S.POST_ID: pd.Series(post_ids, dtype="str"),
                          S.EMOJI: pd.Series(emojis, dtype="str"), S.ROW: rows})
    return _validated(S.validate_reactions, frame, {S.EMOJI: export}, problems,
                      where=table.where)


def _reactions_from_table(rtable: Table, mapping: Mapping, tz: str,
                          problems: list[Problem]) -> pd.DataFrame | None:
    spec: ReactionsSpec = mapping.reactions  # type: ignore[assignment]
    found = _found(rtable)
    rename = {_resolve(export, found): field for export, field in spec.columns.items()}
    for col in found:
        if col not in rename and col in rename.values():
            rename[col] = S.SRC_PREFIX + col
    df = rtable.data.rename(columns=rename)
    return _validated(S.validate_reactions, df, {f: e for e, f in rename.items()}, problems,
                      where=rtable.where, timezone=tz,
                      timestamp_format=spec.timestamp_format or mapping.timestamp_format,
                      timestamp_unit=spec.epoch or mapping.epoch)


def _only_this_export(reactions: pd.DataFrame, posts: pd.DataFrame, file: Path,
                      notes: list[str]) -> pd.DataFrame:
    """A reactions file may serve several exports: keep the reactions on this one's posts."""
    mine = reactions[S.POST_ID].isin(posts[S.POST_ID])
    if not mine.all():
        notes.append(f"left out {int((~mine).sum())} reaction(s) of {file} on posts that are "
                     "not in this export")
    return reactions[mine].reset_index(drop=True)


def _validated(validate, df: pd.DataFrame, renamed: dict[str, str], problems: list[Problem],
               **kwargs) -> pd.DataFrame | None:
    """Run a schema validation; its problems name the export's columns, not canonical ones."""
    try:
        return validate(df, **kwargs)
    except SchemaError as exc:
        found = getattr(exc, "problems", None) or [exc.problem]
        for p in found:
            column = renamed.get(p.where.column, p.where.column)
            problems.append(dataclasses.replace(p, where=dataclasses.replace(p.where,
                                                                               column=column)))
        return None
