"""What every export reader shares: the source being read, the options, and the result.

A reader is a module in ``chatcode.ingest`` with

- ``NAME`` (the ``--format`` value) and ``DESCRIPTION`` (one line for ``--help``),
- ``sniff(source: Source) -> bool``: does this file look like my format? (cheap, no errors),
- ``read(source: Source, options: Options) -> Parsed``: the canonical tables.

Readers call ``schema.validate_posts`` / ``validate_reactions`` on what they build, so the
canonical form is checked in one place, and report what they left out in ``Parsed.notes``
(e.g. "left out 12 join/leave rows") so no row disappears silently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chatcode._io.tabular import Table, decode, kind_of, read_table, sheet_names
from chatcode.corpus.corpus import Corpus
from chatcode.errors import Location

__all__ = ["Options", "Parsed", "Source"]


@dataclass(frozen=True)
class Options:
    """Ingest options every reader may use."""

    group: str | None = None
    timezone: str = "UTC"
    mapping: Path | None = None
    progress: Callable[[int, int], None] | None = None  # (done, total) in bytes or rows
    infer_replies: float | None = None  # minutes: formats without reply links may infer them
    dayfirst: bool | None = None        # formats with ambiguous dates: None = infer from the file
    phrases: tuple[Path, ...] = ()      # WhatsApp: extra phrase tables (YAML) for its wording


@dataclass
class Parsed:
    """A reader's result: the canonical corpus of one export and what it reported."""

    corpus: Corpus
    notes: list[str] = field(default_factory=list)


class Source:
    """One export file, with cached views readers use to sniff and read it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @functools.cached_property
    def kind(self) -> str:
        """``xlsx``, ``ole``, ``empty``, ``text`` (see ``tabular.kind_of``) or ``dir``."""
        return "dir" if self.path.is_dir() else kind_of(self.path)

    @property
    def where(self) -> Location:
        return Location(self.path)

    @functools.cached_property
    def head(self) -> str:
        """The first 64 KiB of a text file, decoded ('' for workbooks and folders)."""
        if self.kind != "text":
            return ""
        with open(self.path, "rb") as fh:
            raw = fh.read(65536)
        try:
            return decode(raw, self.path)[0]
        except Exception:  # a cut in the middle of a multibyte char, or binary data
            return raw.decode("utf-8", errors="replace")

    @functools.cached_property
    def sheets(self) -> list[str]:
        return sheet_names(self.path) if self.kind == "xlsx" else []

    @functools.cached_property
    def table(self) -> Table:
        """The first sheet of a workbook, or the CSV file, as a raw table."""
        return read_table(self.path)

    def sheet(self, name: str) -> Table:
        return read_table(self.path, sheet=name)

    @functools.cached_property
    def columns(self) -> list[str]:
        """The header of the CSV file or of the first sheet ([] when not tabular)."""
        if self.kind == "xlsx":
            return [str(c) for c in self.table.data.columns if c != "_row"]
        if self.kind == "text":
            first = self.head.split("\n", 1)[0]
            if first.lstrip().startswith(("{", "[")):
                return []
            try:
                return [str(c) for c in self.table.data.columns if c != "_row"]
            except Exception:
                return []
        return []


def default_group(source: Source, options: Options) -> str:
    """The group of posts whose export does not name one: ``--group`` or the file's name."""
    return options.group or source.path.stem

