"""WhatsApp posts after classification: iOS albums folded into one post, empty iOS
messages counted as an attachment, rows left out, and the language of a file's own system
lines (for the error on ambiguous dates)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chatcode.ingest import _whatsapp_phrases as P
from chatcode.ingest import _whatsapp_text as T

__all__ = ["EMPTY_MEDIA", "albums", "empty_messages", "keep_rows", "language_hint"]


def albums(parts: dict, seconds: np.ndarray) -> tuple[np.ndarray, int]:
    """Rows to keep, after folding each iOS album into its header: a ``Name:`` line with no
    text (the album's header) followed by that author's media messages within a minute
    becomes one post with all their attachments and captions. Changes ``parts`` in place."""
    n = len(seconds)
    keep = np.ones(n, dtype=bool)
    n_media = parts["n_media"]
    quiet = ~(parts["system"].to_numpy(zero_copy_only=False)
              | parts["deleted"].to_numpy(zero_copy_only=False)
              | parts["waiting"].to_numpy(zero_copy_only=False))
    empty = pc.equal(pc.utf8_length(parts["text"]), 0).to_numpy(zero_copy_only=False)
    heads = np.flatnonzero(quiet & empty & (n_media == 0))
    heads = heads[heads + 1 < n]
    heads = heads[n_media[heads + 1] > 0]
    if not len(heads):
        return keep, 0
    text = parts["text"].to_numpy(zero_copy_only=False).astype(object)
    author = parts["author"].to_numpy(zero_copy_only=False).astype(object)
    heads = heads[author[heads + 1] == author[heads]]
    if not len(heads):
        return keep, 0
    media = parts["media"].to_pylist()
    for h in heads.tolist():
        j = h + 1
        while (j < n and keep[j] and quiet[j] and author[j] == author[h] and n_media[j] > 0
               and seconds[j] - seconds[h] <= 60):
            j += 1
        run = range(h + 1, j)
        n_media[h] = sum(int(n_media[i]) for i in run)
        media[h] = "\n".join(media[i] for i in run if media[i])
        text[h] = "\n".join(text[i] for i in run if text[i])
        keep[h + 1:j] = False
    parts["media"] = pa.array(media, type=parts["media"].type)
    parts["text"] = pa.array(text.tolist(), type=parts["text"].type)
    return keep, len(heads)


EMPTY_MEDIA = "(empty message: view-once or unexported media)"


def empty_messages(parts: dict, keep: np.ndarray) -> int:
    """A bare ``Name:`` line that heads no album (what a view-once photo leaves in an iOS
    export) counts as one attachment, so no post is empty. Changes ``parts`` in place."""
    bare = parts["bare"].to_numpy(zero_copy_only=False) & keep & (parts["n_media"] == 0)
    if not bare.any():
        return 0
    empty = bare & pc.equal(pc.utf8_length(parts["text"]), 0).to_numpy(zero_copy_only=False)
    if empty.any():
        parts["n_media"][empty] = 1
        parts["media"] = pc.if_else(pa.array(empty), pa.scalar(EMPTY_MEDIA, pa.large_string()),
                                    parts["media"])
    return int(empty.sum())


def keep_rows(parts: dict, keep: np.ndarray) -> dict:
    if keep.all():
        return parts
    mask = pa.array(keep)
    return {k: (v[keep] if isinstance(v, np.ndarray) else
                pc.filter(v, mask) if isinstance(v, pa.Array) else v)
            for k, v in parts.items()}


def language_hint(parts: dict, phrases: P.Phrases, limit: int = 5000) -> str:
    """Which language the file's own system lines, placeholders and markers are in, and the
    date order that language's phones write ("" when none is recognised)."""
    flagged = np.flatnonzero(parts["system"].to_numpy(zero_copy_only=False)
                             | (parts["n_media"] > 0)
                             | parts["edited"].to_numpy(zero_copy_only=False))[:limit]
    texts = [t for t in pc.take(parts["text"], pa.array(flagged)).to_pylist() if t]
    texts += [m for m in pc.take(parts["media"], pa.array(flagged)).to_pylist() if m]
    counts = {}
    for code, pattern in phrases.per_language.items():
        hits = sum(1 for t in texts for line in t.split("\n")
                   if pattern.match(T.strip_text_marks(line)))
        if hits:
            counts[code] = hits
    if not counts:
        return ""
    best = max(counts, key=lambda c: (counts[c], c == "en"))
    lang = phrases.languages[best]
    dates = f": {lang.dates}" if lang.dates else ""
    return (f"the file's system lines are in {lang.name or best} ({best}, {counts[best]} "
            f"line(s)){dates}")
