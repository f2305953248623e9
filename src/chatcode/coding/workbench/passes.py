"""The server's side of the coding stores: one thread per store, and what a page shows.

Each pass's :class:`~chatcode.coding.store.CodingStore` is opened and used on a thread of its
own (:class:`StoreWorker`), so decisions of one coder are committed in the order they came,
while several coders commit side by side. A decision is answered only after its
transaction committed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pandas as pd

from chatcode.coding.project import Assignment, Project
from chatcode.coding.store import CodingStore
from chatcode.coding.tui import CODE_KEYS, thread_context
from chatcode.corpus import schema as S

__all__ = ["CorpusView", "StoreWorker", "StoreWorkers"]

T = TypeVar("T")


class StoreWorker:
    """Runs every operation on one coding store on one thread, in order."""

    def __init__(self, project: Project, assignment: Assignment) -> None:
        self.assignment = assignment
        self._project = project
        self._pool = ThreadPoolExecutor(max_workers=1,
                                        thread_name_prefix=f"store-{assignment.id}")
        self._store: CodingStore | None = None

    def _call(self, fn: Callable[[CodingStore], T]) -> T:
        if self._store is None:
            self._store = self._project.open_store(self.assignment)
        return fn(self._store)

    async def run(self, fn: Callable[[CodingStore], T]) -> T:
        """``fn(store)`` on the store's thread; returns once it finished (committed)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._call, fn)

    def close(self) -> None:
        def _close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None
        self._pool.submit(_close).result()
        self._pool.shutdown(wait=True)


class StoreWorkers:
    """The workers of a project's passes, made when first needed."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._workers: dict[int, StoreWorker] = {}
        self._lock = threading.Lock()

    def get(self, assignment: Assignment) -> StoreWorker:
        with self._lock:
            if assignment.id not in self._workers:
                self._workers[assignment.id] = StoreWorker(self.project, assignment)
            return self._workers[assignment.id]

    def close(self) -> None:
        with self._lock:
            for worker in self._workers.values():
                worker.close()
            self._workers.clear()


def _when(ts: Any) -> str:
    return ts.strftime("%Y-%m-%d %H:%M UTC") if pd.notna(ts) else ""


class CorpusView:
    """The corpus as the coder page shows it: a post, its thread, the responses it got."""

    def __init__(self, posts: pd.DataFrame, reactions: pd.DataFrame) -> None:
        self.posts = posts.set_index(S.POST_ID, drop=False)
        replies = posts[posts[S.PARENT_ID].notna()]
        self.replies: dict[str, list[str]] = {}
        for pid, parent in zip(replies[S.POST_ID], replies[S.PARENT_ID], strict=True):
            self.replies.setdefault(str(parent), []).append(str(pid))
        self.reactions: dict[str, list[tuple[str, str]]] = {}
        for pid, author, emoji in zip(reactions[S.POST_ID], reactions[S.AUTHOR],
                                      reactions[S.EMOJI], strict=True):
            self.reactions.setdefault(str(pid), []).append(
                ("" if pd.isna(author) else str(author), str(emoji)))

    def card(self, pid: str) -> dict[str, Any]:
        row = self.posts.loc[pid]
        return {"id": pid, "author": str(row[S.AUTHOR]), "role": str(row[S.ROLE]),
                "group": str(row[S.GROUP]), "time": _when(row[S.TIMESTAMP]),
                "text": str(row[S.TEXT]), "attachments": int(row[S.ATTACHMENTS])}

    def thread(self, pid: str) -> dict[str, Any]:
        """The post, its parent and earlier replies, and the replies and reactions it got."""
        context, left_out = thread_context(self.posts, pid)
        parent = self.posts.loc[pid, S.PARENT_ID]
        got = sorted(self.replies.get(pid, []),
                     key=lambda r: self.posts.loc[r, S.TIMESTAMP])
        emoji: dict[str, list[str]] = {}
        for author, e in self.reactions.get(pid, []):
            emoji.setdefault(e, []).append(author)
        return {"post": self.card(pid),
                "context": [self.card(str(p)) for p in context.index],
                "left_out": left_out,
                "missing_parent": None if pd.isna(parent) or parent in self.posts.index
                else str(parent),
                "replies": [self.card(r) for r in got],
                "reactions": [{"emoji": e, "n": len(a), "by": ", ".join(a)}
                              for e, a in emoji.items()]}


def dimension_view(codebook: Any) -> list[dict[str, Any]]:
    """The codebook as the page shows it, each code with its key."""
    out = []
    for d in codebook.dimensions:
        codes = [{"id": c.id, "label": c.label, "key": CODE_KEYS[i] if i < len(CODE_KEYS)
                  else "", "definition": c.definition, "include": list(c.include),
                  "exclude": list(c.exclude), "examples": list(c.examples),
                  "sub": bool(c.parent)} for i, c in enumerate(d.codes)]
        out.append({"id": d.id, "label": d.label, "multiple": bool(d.multiple),
                    "definition": d.definition, "codes": codes})
    return out
