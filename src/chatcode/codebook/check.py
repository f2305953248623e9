"""Validation of parsed codebook data (used by :func:`chatcode.codebook.load_codebook`).

``LineLoader`` is a safe YAML loader whose mappings and sequences remember their line, so
every problem is reported with its line. ``Checker`` walks the parsed data, builds the
dataclasses of :mod:`chatcode.codebook.model` and collects every problem instead of stopping at
the first one.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import yaml

from chatcode.codebook.model import (
    ID_PATTERN,
    TABLE_KINDS,
    Code,
    Codebook,
    Dimension,
    TableSpec,
    with_hash,
)
from chatcode.errors import CodebookError, Location, Problem, Problems

__all__ = ["CODE_KEYS", "DIMENSION_KEYS", "TABLE_KEYS", "TOP_KEYS", "Checker", "LineLoader"]


# --- YAML with line numbers ---------------------------------------------------------------

class _Map(dict):
    """A YAML mapping that remembers its line, the line of each key and repeated keys."""

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict = {}
        self.duplicates: list[tuple[object, int]] = []


class _Seq(list):
    """A YAML sequence that remembers its line and the line of each item."""

    def __init__(self, line: int | None = None, lines: list[int] | None = None) -> None:
        super().__init__()
        self.line = line
        self.lines = lines or []


class LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings and sequences carry line numbers (1-based)."""


def _construct_map(loader: LineLoader, node: yaml.MappingNode):
    data = _Map(node.start_mark.line + 1)
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = key if isinstance(key, (str, int, float, bool)) or key is None else str(key)
        line = key_node.start_mark.line + 1
        if key in data:
            data.duplicates.append((key, line))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = line


def _construct_seq(loader: LineLoader, node: yaml.SequenceNode):
    data = _Seq(node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value])
    yield data
    data.extend(loader.construct_object(n, deep=True) for n in node.value)


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


# --- validation ---------------------------------------------------------------------------

TOP_KEYS = ("name", "version", "description", "dimensions", "tables")
RESERVED_NONE = "none"  # the sheets' dropdown value for "coded, no code of this dimension"
DIMENSION_KEYS = ("id", "label", "definition", "multiple", "codes")
CODE_KEYS = ("id", "label", "definition", "include", "exclude", "examples", "keywords",
             "parent", "note", "extension", "duration_weeks")
TABLE_KEYS = ("id", "kind", "dimension", "title", "rows", "labels", "options")
NO_DIMENSION_KINDS = ("latency", "participation", "time_to_response")  # dimension optional
TABLE_ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
LANG_PATTERN = re.compile(r"^[a-z]{2,3}(-[a-z0-9]+)*$")
_HINTS = {
    "name": "add e.g. 'name: diabpeers'",
    "version": "add e.g. 'version: \"1\"' and raise it whenever the codes change",
    "label": "give a short name people read, e.g. 'Emotional support'",
    "definition": "say what the code means and when a post gets it",
    "multiple": "add 'multiple: true' (several codes per post) or 'multiple: false' "
                "(at most one code per post)",
    "codes": "list the codes of the dimension under 'codes:'",
    "dimensions": "list the dimensions under 'dimensions:'",
    "title": "give the table's title as published",
    "kind": f"use one of {', '.join(TABLE_KINDS)}",
}


def _line(node: object, key: object = None) -> int | None:
    if isinstance(node, _Map):
        return node.key_lines.get(key, node.line) if key is not None else node.line
    return getattr(node, "line", None)


def _suggest_id(raw: object) -> str:
    s = re.sub(r"[^a-z0-9_]+", "_", str(raw).strip().lower()).strip("_")
    return s if s and s[0].isalpha() else f"c_{s}"


class Checker:
    """Walks parsed codebook data, collecting every problem (with its line)."""

    def __init__(self, source: str | Path | None, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems

    def add(self, message: str, line: int | None, hint: str | None = None) -> None:
        self.problems.append(Problem(message, Location(self.source, line=line), hint))

    # generic pieces
    def mapping(self, value: object, what: str, allowed: tuple[str, ...],
                line: int | None) -> dict | None:
        if not isinstance(value, dict):
            self.add(f"{what} must be a mapping of keys to values, not {_kind(value)}", line,
                     f"write it as 'key: value' lines; its keys are {', '.join(allowed)}")
            return None
        for key, dup_line in getattr(value, "duplicates", []):
            self.add(f"{what} has the key {key!r} twice", dup_line, "keep one of them")
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                noun = what if what == "the codebook" else f"a {what.split(' ')[0]}"
                hint = (f"did you mean {close[0]!r}? " if close else "") + \
                    f"the keys of {noun} are {', '.join(allowed)}"
                self.add(f"unknown key {key!r} in {what}", _line(value, key), hint)
        return value

    def text(self, m: dict, key: str, what: str, *, required: bool = False) -> str:
        value = m.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                state = "no" if key not in m else "an empty"
                self.add(f"{what} has {state} {key}", _line(m, key), _HINTS.get(key))
            return ""
        if isinstance(value, (dict, list, bool)):
            self.add(f"the {key} of {what} must be text, not {_kind(value)}", _line(m, key))
            return ""
        return self.clean(str(value), m, key, what)

    def clean(self, text: str, m: dict, key: object, what: str) -> str:
        """Stripped text with line breaks as ``\\n``; control characters are a problem."""
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        if _CONTROL.search(text):
            self.add(f"the {key} of {what} contains a control character "
                     f"({_CONTROL.search(text).group()!r})", _line(m, key),
                     "remove it; it cannot be shown or exported")
        return text

    def texts(self, m: dict, key: str, what: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        items = [value] if isinstance(value, (str, int, float)) else value
        if not isinstance(items, list) or any(
                isinstance(v, (dict, list, bool)) or v is None or not str(v).strip()
                for v in items):
            self.add(f"the {key} of {what} must be a list of non-empty texts",
                     _line(m, key), f"write '{key}: [\"...\", \"...\"]' or one '- ...' a line")
            return ()
        return tuple(self.clean(str(v), m, key, what) for v in items)

    def flag(self, m: dict, key: str, what: str, *, required: bool = False) -> bool:
        value = m.get(key)
        if value is None and not required:
            return False
        if key not in m:
            self.add(f"{what} has no {key}", _line(m), _HINTS.get(key))
            return False
        if not isinstance(value, bool):
            shown = "nothing" if value is None else repr(value)
            self.add(f"{what}: {key} must be true or false, not {shown}", _line(m, key),
                     _HINTS.get(key, f"write '{key}: true' or '{key}: false'"))
            return False
        return value

    def ident(self, m: dict, what: str, pattern: re.Pattern = ID_PATTERN) -> str:
        raw = m.get("id")
        if raw is None or not str(raw).strip():
            self.add(f"{what} has no id", _line(m), "add 'id: ...' (lowercase letters, "
                     "digits and underscore)")
            return ""
        if isinstance(raw, (dict, list, bool)) or not pattern.match(str(raw)):
            start = "" if pattern is TABLE_ID_PATTERN else " and start with a letter"
            self.add(f"bad id {raw!r} of {what}", _line(m, "id"),
                     f"ids use lowercase letters, digits and underscore{start}, "
                     f"e.g. {_suggest_id(raw)!r}")
        return str(raw)

    def items(self, m: dict, key: str, what: str) -> list[tuple[object, int | None]]:
        value = m.get(key)
        if not isinstance(value, list) or not value:
            state = "no" if value is None else "an empty" if value == [] else "a malformed"
            self.add(f"{what} has {state} list of {key}", _line(m, key), _HINTS.get(key))
            return []
        lines = getattr(value, "lines", [])
        return [(v, lines[i] if i < len(lines) else _line(m, key)) for i, v in enumerate(value)]

    # the parts of a codebook
    def codebook(self, data: object) -> dict:
        if data is None:
            self.add("the codebook file is empty", None,
                     "start with name:, version: and dimensions: (see docs/codebook.md)")
            return {}
        m = self.mapping(data, "the codebook", TOP_KEYS, None)
        if m is None:
            return {}
        parts = {"name": self.text(m, "name", "the codebook", required=True),
                 "version": self.text(m, "version", "the codebook", required=True),
                 "description": self.text(m, "description", "the codebook")}
        dims = [self.dimension(v, line, i + 1)
                for i, (v, line) in enumerate(self.items(m, "dimensions", "the codebook"))]
        self.duplicates([(d.id, line) for d, line in dims if d], "dimension")
        parts["dimensions"] = tuple(d for d, _ in dims if d)
        tables = [] if m.get("tables") is None else [
            self.table(v, line, i + 1, parts["dimensions"])
            for i, (v, line) in enumerate(self.items(m, "tables", "the codebook"))]
        self.duplicates([(t.id, line) for t, line in tables if t], "table")
        parts["tables"] = tuple(t for t, _ in tables if t)
        return parts

    def duplicates(self, ids: list[tuple[str, int | None]], what: str, scope: str = "") -> None:
        first: dict[str, int | None] = {}
        for ident, line in ids:
            if ident and ident in first:
                where = f" (first on line {first[ident]})" if first[ident] else ""
                self.add(f"duplicate {what} id {ident!r}{scope}{where}", line,
                         f"give every {what} its own id")
            first.setdefault(ident, line)

    def dimension(self, value: object, line: int | None, n: int):
        raw = value.get("id") if isinstance(value, dict) else None
        what = f"dimension {raw!r}" if raw else f"dimension no. {n}"
        m = self.mapping(value, what, DIMENSION_KEYS, line)
        if m is None:
            return None, line
        did = self.ident(m, what)
        label = self.text(m, "label", what, required=True)
        multiple = self.flag(m, "multiple", what, required=True)
        codes = [self.code(v, cline, i + 1, did)
                 for i, (v, cline) in enumerate(self.items(m, "codes", what))]
        self.duplicates([(c.id, cl) for c, cl in codes if c], "code", f" in {what}")
        if multiple is False:
            for c, cl in codes:
                if c and c.id == RESERVED_NONE:
                    self.add(f"the code id 'none' is reserved in single-choice {what}", cl,
                             "coding sheets use 'none' for 'coded, no code'; rename the code "
                             "(e.g. 'no_topic')")
        built = tuple(c for c, _ in codes if c)
        self.parents([(c, cl) for c, cl in codes if c], what)
        dim = Dimension(id=did, label=label, multiple=multiple, codes=built,
                        definition=self.text(m, "definition", what))
        return dim, _line(m)

    def code(self, value: object, line: int | None, n: int, dim: str):
        raw = value.get("id") if isinstance(value, dict) else None
        what = f"code {raw!r} of dimension {dim!r}" if raw else f"code no. {n} of {dim!r}"
        m = self.mapping(value, what, CODE_KEYS, line)
        if m is None:
            return None, line
        code = Code(
            id=self.ident(m, what), label=self.text(m, "label", what, required=True),
            definition=self.text(m, "definition", what, required=True),
            include=self.texts(m, "include", what), exclude=self.texts(m, "exclude", what),
            examples=self.texts(m, "examples", what), keywords=self.keywords(m, what),
            parent=self.text(m, "parent", what) or None, note=self.text(m, "note", what),
            extension=self.flag(m, "extension", what),
            duration_weeks=self.text(m, "duration_weeks", what))
        return code, _line(m)

    def keywords(self, m: dict, what: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        value = m.get("keywords")
        if value is None:
            return ()
        if not isinstance(value, dict):
            self.add(f"the keywords of {what} must map languages to word lists",
                     _line(m, "keywords"), "write 'keywords: {de: [Tipp], en: [tip]}'")
            return ()
        out = []
        for lang in value:
            if not isinstance(lang, str) or not LANG_PATTERN.match(lang):
                self.add(f"bad language {lang!r} in the keywords of {what}",
                         _line(value, lang), "use a language code such as de or en")
                continue
            out.append((lang, self.texts(value, lang, f"{what} ({lang})")))
        return tuple(sorted(out))

    def parents(self, codes: list[tuple[Code, int | None]], what: str) -> None:
        ids = list(dict.fromkeys(c.id for c, _ in codes))
        first_line = {c.id: line for c, line in reversed(codes)}
        for c, line in codes:
            if c.parent is not None and c.parent not in ids:
                self.add(f"code {c.id!r} of {what} has the unknown parent {c.parent!r}",
                         line, f"a parent is another code of the same dimension: "
                         f"{', '.join(ids)}")
        parent_of = {c.id: c.parent for c, _ in reversed(codes) if c.parent in ids}
        reported: set[frozenset] = set()
        for start in ids:
            chain, cur = [], start
            while cur in parent_of and cur not in chain:
                chain.append(cur)
                cur = parent_of[cur]
            if cur in chain:
                cycle = chain[chain.index(cur):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    self.add(f"the parents in {what} form a cycle: "
                             f"{' -> '.join([*cycle, cur])}", first_line.get(cur),
                             "a code cannot be its own parent or ancestor; remove one parent")

    def table(self, value: object, line: int | None, n: int, dims: tuple[Dimension, ...]):
        raw = value.get("id") if isinstance(value, dict) else None
        what = f"table {str(raw)!r}" if raw is not None else f"table no. {n}"
        m = self.mapping(value, what, TABLE_KEYS, line)
        if m is None:
            return None, line
        kind = self.text(m, "kind", what, required=True)
        if kind and kind not in TABLE_KINDS:
            self.add(f"{what} has the unknown kind {kind!r}", _line(m, "kind"),
                     _HINTS["kind"])
        dim = self.table_dimension(m, what, kind, dims)
        rows = self.texts(m, "rows", what)
        labels = self.table_labels(m, what)
        if not m.get("dimension") and (rows or labels):
            self.add(f"{what} has rows or labels but no dimension", _line(m),
                     "add 'dimension: ID' (the dimension whose codes are the rows)")
        if dim is not None:
            self.known_codes(m, "rows", rows, dim, what)
            self.known_codes(m, "labels", tuple(k for k, _ in labels), dim, what)
        spec = TableSpec(id=self.ident(m, what, TABLE_ID_PATTERN), kind=kind,
                         dimension=self.text(m, "dimension", what) or None,
                         title=self.text(m, "title", what, required=True), rows=rows,
                         labels=labels, options=self.table_options(m, what))
        return spec, _line(m)

    def table_dimension(self, m: dict, what: str, kind: str,
                        dims: tuple[Dimension, ...]) -> Dimension | None:
        did = self.text(m, "dimension", what)
        known: dict[str, Dimension] = {}
        for d in dims:
            known.setdefault(d.id, d)
        if not did:
            if kind in TABLE_KINDS and kind not in NO_DIMENSION_KINDS:
                self.add(f"{what} has no dimension", _line(m),
                         f"a {kind} table needs 'dimension: ID' ({', '.join(known)})")
            return None
        if did not in known:
            self.add(f"{what} refers to the unknown dimension {did!r}", _line(m, "dimension"),
                     f"use one of {', '.join(known) or '(none)'}")
            return None
        return known[did]

    def known_codes(self, m: dict, key: str, ids: tuple[str, ...], dim: Dimension,
                    what: str) -> None:
        for code_id in ids:
            if code_id not in dim.code_ids:
                self.add(f"{what} lists the unknown code {code_id!r} in {key}", _line(m, key),
                         f"the codes of dimension {dim.id!r} are {', '.join(dim.code_ids)}")
        if len(set(ids)) < len(ids):
            self.add(f"{what} lists a code twice in {key}", _line(m, key),
                     "give every code one row")

    def table_labels(self, m: dict, what: str) -> tuple[tuple[str, str], ...]:
        value = m.get("labels")
        if value is None:
            return ()
        if not isinstance(value, dict) or any(
                isinstance(v, (dict, list)) or v is None for v in value.values()):
            self.add(f"the labels of {what} must map code ids to row labels",
                     _line(m, "labels"), "write 'labels: {emotional: Emotional support}'")
            return ()
        return tuple(sorted((str(k), str(v).strip()) for k, v in value.items()))

    def table_options(self, m: dict, what: str) -> tuple[tuple[str, object], ...]:
        value = m.get("options")
        if value is None:
            return ()
        scalar = (str, int, float, bool)
        ok = isinstance(value, dict) and all(
            isinstance(v, scalar) or (isinstance(v, list) and all(
                isinstance(x, scalar) for x in v)) for v in value.values())
        if not ok:
            self.add(f"the options of {what} must map names to values or lists of values",
                     _line(m, "options"), "write e.g. 'options: {test: mann_whitney}'")
            return ()
        return tuple(sorted((str(k), tuple(v) if isinstance(v, list) else v)
                            for k, v in value.items()))


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "nothing" if value is None else f"{value!r}"


# --- from parsed data to a Codebook ---------------------------------------------------

def codebook_from_dict(data: dict, *, source: str | Path | None = None) -> Codebook:
    """Validate parsed codebook data and build a :class:`Codebook`.

    ``data`` is what ``yaml.safe_load`` gives for a codebook file (line numbers are reported
    when it comes from :func:`parse_yaml`). Raises :class:`CodebookError` with every problem.
    """
    problems: list[Problem] = []
    parts = Checker(source, problems).codebook(data)
    if problems:
        n = len(problems)
        title = f"{source or 'codebook'}: the codebook has {n} problems" if n > 1 else None
        raise Problems.of(CodebookError, problems, title=title)
    cb = Codebook(**parts, path=Path(source) if source is not None else None)
    return with_hash(cb)


def parse_yaml(text: str, *, source: str | Path | None = None) -> object:
    """Parse YAML keeping the line of every mapping and key (see ``codebook_check``)."""
    try:
        return yaml.load(text, Loader=LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = f" (column {mark.column + 1})" if mark else ""
        what = exc.problem or exc.context or "syntax error"
        raise CodebookError(f"not valid YAML: {what}{col}", where=Location(source, line=line),
                            hint="check the indentation and quoting near this line") from exc
    except yaml.YAMLError as exc:
        raise CodebookError(f"not valid YAML: {exc}", where=Location(source)) from exc
