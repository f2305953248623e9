"""The codebook: load and validate a codebook file into frozen dataclasses.

A codebook is a YAML file (or a REFI-QDA ``.qdc`` file, see :mod:`chatcode.codebook.export`)
with the study's *dimensions* (support, topic, ...), their *codes* (with definition,
inclusion and exclusion rules, anchor examples and keywords per language) and the study's
published *tables*. ``load_codebook`` checks everything and reports every problem of the
file at once, each with its line. The format is described in docs/codebook.md.

>>> cb = load_codebook("codebooks/diabpeers.yaml")          # doctest: +SKIP
>>> cb.dimension("support").code_ids                         # doctest: +SKIP
('informational', 'emotional', 'technical', 'medical')
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from chatcode.errors import CodebookError, Location

__all__ = [
    "TABLE_KINDS",
    "Code",
    "Codebook",
    "Dimension",
    "TableSpec",
    "codebook_to_dict",
    "content_hash",
]

TABLE_KINDS = ("with_without", "support_characteristics", "topics", "frequencies", "latency",
               "participation", "time_to_response")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")  # ids of dimensions and codes


@dataclass(frozen=True)
class Code:
    """One code of a dimension: a 0/1 variable per post.

    ``keywords`` is ``((lang, (word, ...)), ...)`` sorted by language. ``parent`` is the id
    of a parent code in the same dimension (a subcode). ``note`` is free text (e.g. where the
    code comes from), ``extension`` marks a code added beyond the published study, and
    ``duration_weeks`` is the programme time of a topic (e.g. ``"2-3"``).
    """

    id: str
    label: str
    definition: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    keywords: tuple[tuple[str, tuple[str, ...]], ...] = ()
    parent: str | None = None
    note: str = ""
    extension: bool = False
    duration_weeks: str = ""

    def keywords_for(self, lang: str) -> tuple[str, ...]:
        """The keywords of one language (empty when there are none)."""
        return dict(self.keywords).get(lang, ())


@dataclass(frozen=True)
class Dimension:
    """A group of codes. ``multiple``: several codes per post; else at most one per post."""

    id: str
    label: str
    multiple: bool
    codes: tuple[Code, ...]
    definition: str = ""

    def code(self, code_id: str) -> Code:
        """The code with this id; :class:`CodebookError` if the dimension has none."""
        for c in self.codes:
            if c.id == code_id:
                return c
        raise CodebookError(f"dimension {self.id!r} has no code {code_id!r}",
                            hint=f"use one of {', '.join(self.code_ids)}")

    @property
    def code_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.codes)


@dataclass(frozen=True)
class TableSpec:
    """A published table of the study: which kind of table over which dimension.

    ``rows`` are code ids in row order (empty: the dimension's order); ``labels`` maps code
    ids to row labels (sorted by code id); ``options`` are ``(name, value)`` pairs sorted by
    name, values scalars or tuples of scalars.
    """

    id: str
    kind: str
    dimension: str | None
    title: str
    rows: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, object], ...] = ()

    def label(self, code_id: str, default: str | None = None) -> str:
        """The row label of a code: the override, else ``default``, else the id."""
        return dict(self.labels).get(code_id, default if default is not None else code_id)

    def option(self, name: str, default: object = None) -> object:
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class Codebook:
    """A whole codebook. ``hash`` identifies its content (not the file's bytes or comments)."""

    name: str
    version: str
    dimensions: tuple[Dimension, ...]
    tables: tuple[TableSpec, ...] = ()
    description: str = ""
    hash: str = ""
    path: Path | None = field(default=None, compare=False)

    def dimension(self, dimension_id: str) -> Dimension:
        """The dimension with this id; :class:`CodebookError` if there is none."""
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise CodebookError(f"the codebook {self.name!r} has no dimension {dimension_id!r}",
                            where=Location(self.path) if self.path else None,
                            hint=f"use one of {', '.join(d.id for d in self.dimensions)}")

    def table(self, table_id: str) -> TableSpec:
        """The table with this id; :class:`CodebookError` if there is none."""
        for t in self.tables:
            if t.id == str(table_id):
                return t
        ids = ", ".join(t.id for t in self.tables) or "(none)"
        raise CodebookError(f"the codebook {self.name!r} declares no table {table_id!r}",
                            where=Location(self.path) if self.path else None,
                            hint=f"the tables declared are {ids}")

    @property
    def n_codes(self) -> int:
        return sum(len(d.codes) for d in self.dimensions)


# --- canonical content and hash -----------------------------------------------------------

def codebook_to_dict(cb: Codebook) -> dict:
    """The content of a codebook as plain data (the YAML layout); default values are left out.

    ``codebook_from_dict(codebook_to_dict(cb))`` equals ``cb``.
    """
    out: dict = {"name": cb.name, "version": cb.version}
    if cb.description:
        out["description"] = cb.description
    out["dimensions"] = [_dimension_dict(d) for d in cb.dimensions]
    if cb.tables:
        out["tables"] = [_table_dict(t) for t in cb.tables]
    return out


def _dimension_dict(d: Dimension) -> dict:
    out: dict = {"id": d.id, "label": d.label}
    if d.definition:
        out["definition"] = d.definition
    out["multiple"] = d.multiple
    out["codes"] = [_code_dict(c) for c in d.codes]
    return out


def _code_dict(c: Code) -> dict:
    out: dict = {"id": c.id, "label": c.label, "definition": c.definition}
    for key in ("include", "exclude", "examples"):
        if getattr(c, key):
            out[key] = list(getattr(c, key))
    if c.keywords:
        out["keywords"] = {lang: list(words) for lang, words in c.keywords}
    for key in ("parent", "note", "extension", "duration_weeks"):
        if getattr(c, key):
            out[key] = getattr(c, key)
    return out


def _table_dict(t: TableSpec) -> dict:
    out: dict = {"id": t.id, "kind": t.kind}
    if t.dimension is not None:
        out["dimension"] = t.dimension
    out["title"] = t.title
    if t.rows:
        out["rows"] = list(t.rows)
    if t.labels:
        out["labels"] = dict(t.labels)
    if t.options:
        out["options"] = {k: list(v) if isinstance(v, tuple) else v for k, v in t.options}
    return out


def content_hash(cb: Codebook) -> str:
    """sha256 (first 16 hex digits) of the canonical JSON of the codebook's content."""
    text = json.dumps(codebook_to_dict(cb), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def with_hash(cb: Codebook) -> Codebook:
    return replace(cb, hash=content_hash(cb))

