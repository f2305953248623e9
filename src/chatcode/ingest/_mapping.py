"""The mapping file of a hand-made Excel/CSV export: reading and checking it.

See ``chatcode.ingest.mapped`` (the reader) and docs/ingest.md (every key, with examples).
Every problem of the file is collected, each with its line, and raised once.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from chatcode.corpus import schema as S
from chatcode.corpus.timestamps import resolve_timezone
from chatcode.errors import ChatcodeError, IngestError, Location, Problem, Problems

__all__ = ["DEFAULT_EMOJI", "Mapping", "ReactionsSpec", "load_mapping", "parse_mapping",
           "problems_title"]

TOP_KEYS = ("sheet", "columns", "timestamp_format", "timezone", "epoch", "reactions")
REACTION_KEYS = ("sheet", "file", "columns", "column", "default_emoji", "timestamp_format",
                 "epoch")
EPOCH_UNITS = ("s", "ms")
DEFAULT_EMOJI = "reaction"
EXAMPLE = "e.g. 'columns: {Zeitpunkt: timestamp, Benutzer: author, Text: text}'"


def problems_title(path: Path, problems: list[Problem]) -> str | None:
    """The head line of several problems of one mapping file (None for a single one)."""
    if len(problems) == 1:
        return None
    return f"the mapping file {path} has {len(problems)} problem(s)"


@dataclass(frozen=True)
class ReactionsSpec:
    """Where the reactions of a mapped export are: a sheet or file (with ``columns``), or a
    ``column`` of the posts table with counts per post."""

    sheet: str | None = None
    file: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)
    column: str | None = None
    default_emoji: str = DEFAULT_EMOJI
    timestamp_format: str | None = None
    epoch: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file; ``lines`` holds the line of every key (``"columns/Text"``)."""

    path: Path
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    timestamp_format: str | None = None
    timezone: str | None = None
    epoch: str | None = None
    reactions: ReactionsSpec | None = None
    lines: dict[str, int] = field(default_factory=dict)

    def at(self, key: str) -> Location:
        """Where ``key`` is in the mapping file (its line, when known)."""
        return Location(self.path, line=self.lines.get(key))


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file on its own; raise one IngestError listing every problem.

    The columns are checked against the export only when it is read (:func:`read`).
    """
    mapping, problems = parse_mapping(Path(path))
    if problems or mapping is None:
        raise Problems.of(IngestError, problems, title=problems_title(Path(path), problems))
    return mapping


def parse_mapping(path: Path) -> tuple[Mapping | None, list[Problem]]:
    """The mapping (None when the file cannot be read as YAML) and its problems."""
    r = _YamlReader(path)
    root = r.compose()
    if root is None:
        return None, r.problems
    top = r.items(root, "", TOP_KEYS)
    if "columns" not in top:
        r.problem("the mapping file has no 'columns:'", None,
                  "list the export columns and the canonical field each holds, " + EXAMPLE)
    columns = r.columns(top["columns"], "columns", S.POST_COLUMNS) if "columns" in top else {}
    mapping = Mapping(
        path, columns, r.scalar(top.get("sheet"), "sheet"),
        r.time_format(top.get("timestamp_format"), "timestamp_format"),
        r.timezone(top.get("timezone")), r.epoch(top.get("epoch"), "epoch"),
        r.reactions(top["reactions"]) if "reactions" in top else None, r.lines)
    return mapping, r.problems


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _YamlReader:
    """Walks the YAML node tree of a mapping file, collecting problems and the line of every
    key. Every value is read as text (YAML's BaseLoader: ``no`` or ``0123`` stay as written)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}

    def problem(self, message: str, line: int | None, hint: str | None = None) -> None:
        self.problems.append(Problem(message, Location(self.path, line=line), hint))

    def compose(self) -> yaml.Node | None:
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            self.problem("mapping file not found", None, "check the path given to --mapping")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(f"cannot read the mapping file ({exc})", None, "save it as UTF-8 text")
            return None
        try:
            root = yaml.compose(text, Loader=yaml.BaseLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            what = getattr(exc, "problem", None) or str(exc)
            at = f" at column {mark.column + 1}" if mark else ""
            self.problem(f"the mapping file is not valid YAML{at}: {what}",
                         mark.line + 1 if mark else None,
                         "indent with spaces, and quote values holding ':', '#' or '%', e.g. "
                         'timestamp_format: "%d.%m.%Y %H:%M"')
            return None
        if root is None:
            self.problem("the mapping file is empty", None,
                         "list the export columns under columns:, " + EXAMPLE)
        return root

    def items(self, node: yaml.Node, key: str, allowed: tuple[str, ...] | None
              ) -> dict[str, yaml.Node]:
        """The entries of a mapping node; problems for repeated and (with ``allowed``)
        unknown keys."""
        shown = key.replace("/", ": ")
        if not isinstance(node, yaml.MappingNode):
            self.problem(f"{shown or 'the mapping file'} must hold 'key: value' lines",
                         _line(node), EXAMPLE)
            return {}
        out: dict[str, yaml.Node] = {}
        under = f" under {shown}:" if key else ""
        for knode, vnode in node.value:
            name = str(knode.value).strip()
            line = _line(knode)
            if name in out:
                self.problem(f"{name!r} appears twice{under}", line, "keep one of the lines")
                continue
            if allowed is not None and name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                self.problem(f"unknown key {name!r}{under}", line,
                             (f"did you mean {close[0]!r}? " if close else "")
                             + f"the keys are {', '.join(allowed)}")
                continue
            out[name] = vnode
            self.lines[f"{key}/{name}" if key else name] = line
        return out

    def scalar(self, node: yaml.Node | None, key: str) -> str | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.problem(f"{key.replace('/', ': ')} must be a single value", _line(node))
            return None
        return str(node.value).strip() or None

    def columns(self, node: yaml.Node, key: str, fields: tuple[str, ...]) -> dict[str, str]:
        """``export column -> canonical field``, each field at most once."""
        out: dict[str, str] = {}
        by_field: dict[str, str] = {}
        for export, vnode in self.items(node, key, None).items():
            line = self.lines[f"{key}/{export}"]
            target = self.scalar(vnode, f"{key}/{export}")
            if target is None:
                self.problem(f"no canonical field given for the column {export!r}", line,
                             f"write '{export}: FIELD' with FIELD one of {', '.join(fields)}")
            elif target not in fields:
                close = difflib.get_close_matches(target, fields, n=1)
                self.problem(f"unknown canonical field {target!r} for the column {export!r}",
                             line, (f"did you mean {close[0]!r}? " if close else "")
                             + f"use one of {', '.join(fields)}")
            elif target in by_field:
                self.problem(f"the columns {by_field[target]!r} and {export!r} are both mapped "
                             f"to {target!r}", line, "map each canonical field from one column")
            else:
                by_field[target] = export
                out[export] = target
        return out

    def time_format(self, node: yaml.Node | None, key: str) -> str | None:
        fmt = self.scalar(node, key)
        if fmt is None:
            return None
        sample = pd.Timestamp("2023-07-01 10:05:00", tz="UTC").to_pydatetime()  # %z works
        try:
            ok = "%" in fmt and pd.to_datetime(sample.strftime(fmt), format=fmt) is not None
        except ValueError:
            ok = False
        if not ok:
            self.problem(f"{key.replace('/', ': ')} {fmt!r} is not a usable strftime format",
                         self.lines.get(key), 'write it like "%d.%m.%Y %H:%M" (day.month.year '
                         "hour:minute); see docs/ingest.md")
        return fmt if ok else None

    def timezone(self, node: yaml.Node | None) -> str | None:
        name = self.scalar(node, "timezone")
        if name is None:
            return None
        try:
            return resolve_timezone(name)
        except ChatcodeError as exc:
            self.problem(exc.problem.message, self.lines.get("timezone"), exc.problem.hint)
            return None

    def epoch(self, node: yaml.Node | None, key: str) -> str | None:
        unit = self.scalar(node, key)
        if unit is not None and unit not in EPOCH_UNITS:
            self.problem(f"{key.replace('/', ': ')} must be s or ms, not {unit!r}",
                         self.lines.get(key), "s: seconds since 1970 (UTC), ms: milliseconds")
            return None
        return unit

    def reactions(self, node: yaml.Node) -> ReactionsSpec | None:
        items = self.items(node, "reactions", REACTION_KEYS)
        line = self.lines.get("reactions")
        sheet = self.scalar(items.get("sheet"), "reactions/sheet")
        file = self.scalar(items.get("file"), "reactions/file")
        column = self.scalar(items.get("column"), "reactions/column")
        emoji = self.scalar(items.get("default_emoji"), "reactions/default_emoji")
        columns = (self.columns(items["columns"], "reactions/columns", S.REACTION_COLUMNS)
                   if "columns" in items else {})
        if column and (sheet or file or "columns" in items):
            self.problem("reactions: give either column: (counts per post) or sheet:/file: "
                         "with columns: (one row per reaction), not both", line)
        elif not (column or sheet or file):
            self.problem("reactions: says neither where the reactions are", line,
                         "give sheet: NAME or file: NAME.csv (with columns:), or column: NAME")
        if emoji and not column:
            self.problem("reactions: default_emoji: is used only with column:",
                         self.lines.get("reactions/default_emoji"))
        path = self.path.parent / file if file else None
        if path is not None and not path.exists():
            self.problem(f"the reactions file {path} does not exist",
                         self.lines.get("reactions/file"),
                         "file: is relative to the folder of the mapping file")
        return ReactionsSpec(sheet, path, columns, column, emoji or DEFAULT_EMOJI,
                             self.time_format(items.get("timestamp_format"),
                                              "reactions/timestamp_format"),
                             self.epoch(items.get("epoch"), "reactions/epoch"))
