"""Posts a reader leaves out (joins, deletions, repeats), and what hung on them.

A reader that leaves a post out records it here with its kind ("channel_join", "deleted",
...) and the reactions it had. The notes then say, with counts, how many posts of each kind
were left out, how many reactions went with them, and how many kept replies name a left-out
post as their parent, so nothing disappears without a word:

    left out 3 messages: 2 channel_join, 1 repeated
    1 reaction on a left-out channel_join message dropped
    1 reply to a left-out channel_join message kept as a post; its parent is not in ...
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from chatcode.corpus import schema as S

__all__ = ["LeftOut"]


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


class LeftOut:
    """Counts of left-out posts by kind, their reactions, and their ids (to find replies)."""

    def __init__(self, noun: str = "message") -> None:
        self.noun = noun
        self.posts: Counter[str] = Counter()
        self.reactions: Counter[str] = Counter()
        self.kind_of: dict[str, str] = {}

    def add(self, kind: str, *, post_id: str | None = None, reactions: int = 0) -> None:
        """One post of ``kind`` left out; ``reactions`` it had are dropped with it."""
        self.posts[kind] += 1
        if reactions:
            self.reactions[kind] += reactions
        if post_id is not None:
            self.kind_of.setdefault(post_id, kind)

    def __bool__(self) -> bool:
        return bool(self.posts)

    def orphan_replies(self, posts: pd.DataFrame) -> Counter[str]:
        """Kept posts whose parent is a left-out post, by the parent's kind."""
        if not self.kind_of or posts.empty:
            return Counter()
        parents = posts[S.PARENT_ID].dropna().astype("str")
        return Counter(self.kind_of[p] for p in parents if p in self.kind_of)

    def notes(self, posts: pd.DataFrame) -> list[str]:
        if not self.posts:
            return []
        what = ", ".join(f"{n} {k}" for k, n in sorted(self.posts.items()))
        out = [f"left out {plural(sum(self.posts.values()), self.noun)}: {what}"]
        for kind, n in sorted(self.reactions.items()):
            out.append(f"1 reaction on a left-out {kind} {self.noun} dropped" if n == 1 else
                       f"{n} reactions on left-out {kind} {self.noun}s dropped")
        for kind, n in sorted(self.orphan_replies(posts).items()):
            out.append(f"1 reply to a left-out {kind} {self.noun} kept as a post; its parent "
                       "is not in the corpus, so it is not counted as a response" if n == 1 else
                       f"{n} replies to left-out {kind} {self.noun}s kept as posts; their "
                       "parent is not in the corpus, so they are not counted as responses")
        return out
