"""What the JSON-based readers (Telegram, Slack, Discord) share: reading JSON with errors
that name the byte offset, keeping export fields as ``src_`` columns, derived ids, and
building the canonical tables.

Notes
-----
- A JSON file that cannot be parsed (e.g. cut off while copying) raises one IngestError
  naming the line, column and byte offset (counted in the file's bytes, BOM included).
- Export fields that are not turned into canonical columns are kept as ``src_`` columns in
  snake case; lists and objects are kept as JSON text (sorted keys).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from chatcode._io.tabular import decode
from chatcode.corpus import schema as S
from chatcode.errors import IngestError, Location

__all__ = ["derived_ids", "extras", "load_json", "posts_table", "reactions_table", "snake"]

_BOM = "\ufeff"


def snake(name: str) -> str:
    """``"timestampEdited"`` -> ``"timestamp_edited"``; ``"Is Bot"`` -> ``"is_bot"``."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name))
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def load_json(raw: bytes, label: Path, *, export: str) -> Any:
    """Parse ``raw`` as JSON; a broken file raises IngestError with line, column, byte offset."""
    text, encoding = decode(raw, label)
    body = text[1:] if text.startswith(_BOM) else text
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        skipped = len(text) - len(body)
        prefix = text[: exc.pos + skipped]
        offset = len(prefix.encode(encoding if encoding != "utf-8-sig" else "utf-8"))
        cut = exc.pos >= len(body.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "ends too early" if cut else "is not valid JSON"
        raise IngestError(
            f"the JSON {what} at byte offset {offset} (column {exc.colno}: {exc.msg})",
            where=Location(label, line=exc.lineno),
            hint=f"the file seems cut off or damaged; export the {export} again or copy the "
            "whole file") from exc


def cell(value: Any) -> Any:
    """A JSON value as one table cell: lists and objects become JSON text."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def extras(obj: dict[str, Any], consumed: Iterable[str], prefix: str = "") -> dict[str, Any]:
    """The fields of ``obj`` not in ``consumed``, as ``src_`` columns (snake case)."""
    skip = set(consumed)
    return {S.SRC_PREFIX + prefix + snake(k): cell(v) for k, v in obj.items() if k not in skip}


def derived_ids(keys: Sequence[Sequence[Any]], *, prefix: str = "") -> list[str]:
    """Stable ids from content: 16 hex digits of a SHA-1 of each key; a key that occurs
    again gets ``-2``, ``-3``, ... in the order of the keys (the rows are identical, so the
    order does not change what is counted)."""
    seen: Counter[str] = Counter()
    out = []
    for key in keys:
        digest = hashlib.sha1(json.dumps(list(key), ensure_ascii=False, default=str)
                              .encode("utf-8")).hexdigest()[:16]
        seen[digest] += 1
        n = seen[digest]
        out.append(prefix + digest + (f"-{n}" if n > 1 else ""))
    return out


def posts_table(rows: list[dict[str, Any]], where: Location) -> pd.DataFrame:
    """The canonical posts table of ``rows`` (dicts with canonical and ``src_`` keys),
    sorted by time (stable: rows with the same time keep the export's order)."""
    columns = list(S.POST_COLUMNS)
    extra = sorted({k for r in rows for k in r} - set(columns))
    frame = pd.DataFrame(rows, columns=columns + extra)
    frame[S.TIMESTAMP] = pd.to_datetime(frame[S.TIMESTAMP], utc=True)
    frame = frame.sort_values(S.TIMESTAMP, kind="stable")
    return S.validate_posts(frame, where=where)


def reactions_table(rows: list[dict[str, Any]], where: Location) -> pd.DataFrame:
    """The canonical reactions table of ``rows`` (empty table when there are none)."""
    if not rows:
        return S.empty_reactions()
    frame = pd.DataFrame(rows, columns=list(S.REACTION_COLUMNS))
    frame[S.TIMESTAMP] = pd.to_datetime(frame[S.TIMESTAMP], utc=True)
    return S.validate_reactions(frame, where=where)


def reaction_rows(post_id: str, emoji: str, authors: list[tuple[str | None, Any]],
                  count: Any) -> list[dict[str, Any]]:
    """One row per listed reactor ``(author, timestamp)``, plus ``count - len(authors)``
    rows without author or time (reactions counted by the export but not listed)."""
    rows = [{S.POST_ID: post_id, S.AUTHOR: a, S.EMOJI: emoji, S.TIMESTAMP: t}
            for a, t in authors]
    try:
        unlisted = int(count) - len(authors)
    except (TypeError, ValueError):
        unlisted = 0
    rows += [{S.POST_ID: post_id, S.AUTHOR: None, S.EMOJI: emoji, S.TIMESTAMP: None}
             for _ in range(max(unlisted, 0))]
    return rows


def plural(n: int, one: str, many: str | None = None) -> str:
    """``plural(1, "row")`` -> ``"1 row"``; ``plural(2, "reply", "replies")`` -> ``"2 replies"``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def json_object_head(head: str) -> str:
    """The start of a JSON document when it is an object (BOM and spaces skipped), else ''."""
    text = head.lstrip(_BOM + " \t\r\n")
    return text if text.startswith("{") else ""
