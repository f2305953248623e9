"""The canonical form itself: a workbook (sheets ``posts``/``reactions``), a CSV folder, a
Parquet folder, or a posts CSV with the canonical column names (docs/schema.md)."""

from __future__ import annotations

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import corpus_from_workbook, read_corpus
from chatcode.ingest.base import Options, Parsed, Source

NAME = "canonical"
DESCRIPTION = "chatcode's own corpus (workbook with sheets posts/reactions, CSV or Parquet folder)"


def sniff(source: Source) -> bool:
    if source.kind == "dir":
        return (source.path / "posts.csv").exists() or (source.path / "posts.parquet").exists()
    if source.kind == "xlsx" and S.POSTS_SHEET in source.sheets:
        cols = source.sheet(S.POSTS_SHEET).data.columns
        return all(c in cols for c in S.REQUIRED_POST_COLUMNS)
    return all(c in source.columns for c in S.REQUIRED_POST_COLUMNS)


def read(source: Source, options: Options) -> Parsed:
    if source.kind == "xlsx":  # the sheets detection read already are not read again
        return Parsed(corpus_from_workbook(source.workbook, timezone=options.timezone,
                                           group=options.group))
    corpus = read_corpus(source.path, timezone=options.timezone, group=options.group)
    return Parsed(corpus)
