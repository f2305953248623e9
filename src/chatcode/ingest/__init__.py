"""Ingest chat exports into one canonical corpus: ``chatcode.ingest(paths, ...)``.

Each supported export format is one module of this package (see ``base.py`` for what a
reader provides). ``format="auto"`` asks every reader, in the order of ``READERS``, whether
the file looks like its format, and logs which one it detected.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import pandas as pd

from chatcode._io.tabular import decode, read_table
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, structure_warnings
from chatcode.corpus.pseudonymize import check_scrub_kinds, protect, read_key
from chatcode.corpus.roles import apply_roles, read_roles, role_counts
from chatcode.corpus.timestamps import resolve_timezone
from chatcode.errors import ChatcodeWarning, IngestError, Location
from chatcode.ingest import canonical
from chatcode.ingest.base import Options, Parsed, Source

__all__ = ["FORMATS", "detect_format", "ingest", "ingest_report"]

log = logging.getLogger("chatcode")

# The order matters for auto-detection: specific formats before generic ones.
READERS: list[ModuleType] = [canonical]


def _register_optional() -> None:
    """Readers live in their own modules; each is registered here once."""
    import importlib

    for name in ("mattermost_plugin", "mattermost_compliance", "mattermost_jsonl", "whatsapp",
                 "telegram", "slack", "discord", "matrix", "messenger", "signal_export", "mapped"):
        try:
            module = importlib.import_module(f"chatcode.ingest.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"chatcode.ingest.{name}":
                raise
            continue
        READERS.insert(0, module) if name != "mapped" else READERS.append(module)


_register_optional()
FORMATS: dict[str, str] = {m.NAME: m.DESCRIPTION for m in READERS}


def detect_format(path: str | Path) -> str:
    """The name of the format ``path`` is in (raises IngestError when none fits)."""
    source = Source(path)
    return _detect(source).NAME


def _reader(name: str) -> ModuleType:
    for m in READERS:
        if m.NAME == name:
            return m
    raise IngestError(f"unknown format {name!r}",
                      hint=f"use auto or one of {', '.join(m.NAME for m in READERS)}")


def _detect(source: Source) -> ModuleType:
    if source.kind == "empty":
        raise IngestError("the file is empty", where=source.where,
                          hint="export the chat again; the file holds no data")
    if source.kind == "ole":
        read_table(source.path)  # raises the clear .xls / encrypted-workbook error
    for m in READERS:
        if getattr(m, "AUTO", True) and m.sniff(source):
            return m
    if source.kind == "text":
        decode(source.path.read_bytes(), source.path)  # raises for binary / undecodable files
        if not source.columns and not source.head.lstrip().startswith(("{", "[")):
            source.table  # noqa: B018  (a table that cannot be read: raise its real error)
    if sum(c in source.columns for c in S.REQUIRED_POST_COLUMNS) >= 2:
        # nearly the canonical form: name the missing columns and the closest ones found
        S.require_columns(source.table.data, S.REQUIRED_POST_COLUMNS, where=source.where,
                          what="posts table")
    head = source.head.split("\n", 1)[0][:120] if source.kind == "text" else ""
    cols = ", ".join(repr(c) for c in source.columns[:12])
    seen = f"its columns are {cols}" if cols else f"its first line is {head!r}"
    raise IngestError(
        f"cannot tell which export format this is ({seen})",
        where=source.where,
        hint="give --format (see chatcode ingest --help for the formats), or a mapping "
        "file with --mapping MAP.yaml for a hand-made Excel/CSV export",
    )


def ingest(
    exports: str | Path | Sequence[str | Path],
    *,
    format: str = "auto",
    group: str | None = None,
    timezone: str | None = None,
    roles: str | Path | dict[str, list[str]] | None = None,
    mapping: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    infer_replies: float | None = None,
    dayfirst: bool | None = None,
    pseudonymize: str | Path | None = None,
    scrub: Sequence[str] = (),
    phrases: Sequence[str | Path] = (),
) -> Corpus:
    """Read one or more chat exports into one canonical :class:`~chatcode.Corpus`.

    Parameters
    ----------
    exports
        Export files (or corpus folders); several files make one corpus (e.g. one per group).
    format
        ``auto`` (default: detected from the content and logged) or a name in ``FORMATS``.
    group
        The group of posts whose export does not name one (default: the file's name).
    timezone
        IANA zone for naive timestamps (default: this machine's zone, logged).
        Epoch milliseconds are UTC.
    roles
        A roles file (or dict) ``{role: [user names or ids]}``; others stay participants.
    mapping
        A YAML mapping file for Excel/CSV exports with other column names (format ``table``).
    infer_replies
        Minutes: for exports without reply links (WhatsApp), a message by another author
        within this window is taken as a reply to the previous post, marked as inferred.
    dayfirst
        For exports with ambiguous dates (WhatsApp): ``True`` day first, ``False`` month
        first, ``None`` (default) inferred from the whole file.
    pseudonymize
        A key file (YAML): authors, user ids, e-mails, @-mentions and names in texts become
        stable pseudonyms (M01 moderators, P01 participants, T01 team, B01 bots); the key is
        reused and extended, and is the only place the originals are kept
        (see ``chatcode.corpus.pseudonymize``).
    scrub
        Any of ``phone``, ``email``, ``url``: replaced in texts by ``[phone]``, ``[email]``,
        ``[url]``.

    Notes
    -----
    Warnings (``ChatcodeWarning``) report, with counts, replies whose parent is missing or
    in another group, replies dated before their parent, and reactions on unknown posts.
    """
    corpus, _ = ingest_report(exports, format=format, group=group, timezone=timezone,
                              roles=roles, mapping=mapping, progress=progress,
                              infer_replies=infer_replies, dayfirst=dayfirst,
                              pseudonymize=pseudonymize, scrub=scrub, phrases=phrases)
    return corpus


def ingest_report(
    exports: str | Path | Sequence[str | Path],
    *,
    format: str = "auto",
    group: str | None = None,
    timezone: str | None = None,
    roles: str | Path | dict[str, list[str]] | None = None,
    mapping: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    infer_replies: float | None = None,
    dayfirst: bool | None = None,
    pseudonymize: str | Path | None = None,
    scrub: Sequence[str] = (),
    phrases: Sequence[str | Path] = (),
) -> tuple[Corpus, list[str]]:
    """Like :func:`ingest`, and also return the report lines (format detected, counts).

    The same lines are logged at INFO level on the ``chatcode`` logger."""
    paths = [Path(exports)] if isinstance(exports, (str, Path)) else [Path(p) for p in exports]
    if not paths:
        raise IngestError("no export given", hint="name at least one export file")
    report: list[str] = []
    scrub = check_scrub_kinds(scrub)  # fail before the work: bad kinds, a broken key file
    key = read_key(pseudonymize) if pseudonymize is not None else None

    def note(line: str) -> None:
        report.append(line)
        log.info(line)

    tz_given = timezone is not None
    tz = resolve_timezone(timezone)
    note(f"naive timestamps are read in {tz}" + ("" if tz_given else
         " (this machine's zone; set --timezone to change it)"))
    if mapping is not None and format == "auto":
        format = "table"
    elif mapping is not None and format != "table":
        raise IngestError(
            f"a mapping file is only used with the format 'table', not {format!r}",
            hint="leave out --format (or give --format table) when you give --mapping")
    options = Options(group=group, timezone=tz,
                      mapping=Path(mapping) if mapping is not None else None,
                      progress=progress, infer_replies=infer_replies, dayfirst=dayfirst,
                      phrases=tuple(Path(p) for p in phrases))
    parts: list[tuple[Path, Parsed]] = []
    for path in paths:
        source = Source(path)
        if not path.exists():
            raise IngestError("no such file or folder", where=Location(path),
                              hint="check the path")
        reader = _detect(source) if format == "auto" else _reader(format)
        if format == "auto":
            note(f"{path}: detected format {reader.NAME}")
        parsed = reader.read(source, options)
        for line in parsed.notes:
            note(f"{path}: {line}")
        note(f"{path}: {len(parsed.corpus.posts)} posts, {len(parsed.corpus.reactions)} "
             f"reactions in {parsed.corpus.posts[S.GROUP].nunique()} group(s)")
        if parsed.corpus.posts.empty:
            warnings.warn(ChatcodeWarning(
                f"{path}: the export holds no posts (e.g. only a header row, or every row "
                "left out as above); check that it is the whole export"), stacklevel=2)
        parts.append((path, parsed))
    corpus = _merge(parts)
    if roles is not None:
        role_map = roles if isinstance(roles, dict) else read_roles(roles)
        source_name = roles if not isinstance(roles, dict) else "roles"
        corpus = Corpus.trusted(apply_roles(corpus.posts, role_map, source=source_name),
                                corpus.reactions)
    for role, c in role_counts(corpus.posts).items():
        note(f"role {role}: {c['authors']} author(s), {c['posts']} posts")
    corpus, lines = protect(corpus, key_path=pseudonymize, key=key, scrub=scrub)
    for line in lines:
        note(line)
    for line in structure_warnings(corpus):
        warnings.warn(ChatcodeWarning(line), stacklevel=2)
    return corpus, report


def _merge(parts: list[tuple[Path, Parsed]]) -> Corpus:
    if len(parts) == 1:
        return parts[0][1].corpus
    posts = pd.concat([p.corpus.posts for _, p in parts], ignore_index=True)
    reactions = pd.concat([p.corpus.reactions for _, p in parts], ignore_index=True)
    files = pd.Series([str(path) for path, p in parts for _ in range(len(p.corpus.posts))])
    dup = posts[S.POST_ID].duplicated(keep=False)
    if dup.any():
        ids = posts.loc[dup, S.POST_ID]
        first = ids.iloc[0]
        where = sorted(set(files[posts[S.POST_ID].eq(first)]))
        raise IngestError(
            f"{ids.nunique()} post id(s) appear in more than one export, e.g. {first!r} in "
            f"{' and '.join(where)}",
            hint="give each export once; if two groups reuse ids, ingest them separately",
        )
    for col in posts.columns:  # src_ columns missing in some files stay empty
        if col.startswith(S.SRC_PREFIX):
            posts[col] = posts[col].astype("str")
    return Corpus.trusted(posts, reactions)
