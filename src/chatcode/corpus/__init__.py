"""The canonical corpus: one table of posts and one of reactions, whatever the chat platform.

Here live the column names and their validation (:mod:`~chatcode.corpus.schema`), reading and
writing a corpus as a workbook, CSV folder or Parquet file, timestamps, roles and pseudonyms.
"""

from chatcode.corpus import schema
from chatcode.corpus.corpus import (
    Corpus,
    post_positions,
    read_corpus,
    reply_links,
    structure_warnings,
    write_corpus,
)
from chatcode.corpus.pseudonymize import PseudonymKey, pseudonymize, read_key
from chatcode.corpus.roles import apply_roles, read_roles, role_counts
from chatcode.corpus.timestamps import parse_timestamps, resolve_timezone, to_iso

__all__ = [
    "Corpus",
    "PseudonymKey",
    "apply_roles",
    "parse_timestamps",
    "post_positions",
    "pseudonymize",
    "read_corpus",
    "read_key",
    "read_roles",
    "reply_links",
    "resolve_timezone",
    "role_counts",
    "schema",
    "structure_warnings",
    "to_iso",
    "write_corpus",
]
