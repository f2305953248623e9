"""Responses per post (docs/responses.md): replies, reactions and reactions to replies.

>>> import pandas as pd, chatcode
>>> from chatcode.engagement.responses import responses
>>> posts = pd.DataFrame({"post_id": ["1", "2"], "group": "g1",
...     "timestamp": ["2023-05-02T08:00:00Z", "2023-05-02T09:30:00Z"],
...     "author": ["anna", "ben"], "text": ["How are you?", "Fine!"], "parent_id": [None, "1"]})
>>> reactions = pd.DataFrame({"post_id": ["1", "2"], "author": ["cleo", "anna"],
...     "emoji": ["thumbsup", "heart"]})
>>> table = responses(chatcode.Corpus(posts, reactions))
>>> table[["post_id", "replies", "reactions", "reply_reactions", "responses"]].values.tolist()
[['1', 1, 1, 0, 2], ['2', 0, 1, 0, 1]]
>>> table["first_response_hours"].tolist()
[1.5, nan]

Everything is computed with vectorised numpy/pandas operations (no Python loop over posts),
so a corpus of a million posts takes well under a second (``benchmarks/bench_responses.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import (
    LINK,
    LINK_CYCLE,
    LINK_MISSING,
    LINK_OK,
    LINK_OTHER_GROUP,
    LINK_SELF,
    PARENT_POSITION,
    POSITION,
    Corpus,
    reply_links,
)
from chatcode.engagement.choices import COMPONENTS, RESPONDERS
from chatcode.errors import ChatcodeWarning, TablesError

__all__ = ["COMPONENTS", "RESPONDERS", "counted_replies", "responses"]

Responders = Literal["all", "participants"]
COUNTED = "counted"  # column of counted_replies(): the reply counts as a response
HOUR_NS = 3_600_000_000_000


def _check_responders(responders: str) -> None:
    """Raise a TablesError when ``responders`` is not one of :data:`RESPONDERS`."""
    if responders not in RESPONDERS:
        raise TablesError(f"unknown responders {responders!r}",
                          hint=f"use one of {', '.join(RESPONDERS)}")


def _check_count(count: Iterable[str]) -> tuple[str, ...]:
    if isinstance(count, str):
        count = (count,)
    count = tuple(count)
    unknown = [c for c in count if c not in COMPONENTS]
    if unknown or not count:
        raise TablesError(
            f"cannot count {', '.join(map(repr, unknown)) or 'nothing'} as responses",
            hint=f"count is one or more of {', '.join(COMPONENTS)}")
    return count


def timestamps_ns(values: pd.Series) -> np.ndarray:
    """Datetimes as int64 nanoseconds since the epoch (UTC); NaT becomes the int64 minimum."""
    return values.to_numpy(dtype="datetime64[ns]").view(np.int64)


@dataclass(frozen=True)
class _Authors:
    """Authors as integer codes shared by posts and reactions (-1: reaction without author),
    and whether each reactor counts as a participant."""

    post: np.ndarray
    reaction: np.ndarray
    reactor_is_participant: np.ndarray

    @classmethod
    def of(cls, corpus: Corpus) -> _Authors:
        posts, reactions = corpus.posts, corpus.reactions
        n = len(posts)
        both = pd.concat([posts[S.AUTHOR].reset_index(drop=True),
                          reactions[S.AUTHOR].astype("str").reset_index(drop=True)],
                         ignore_index=True)
        codes, uniques = pd.factorize(both)
        post, reaction = codes[:n], codes[n:]
        not_participant = np.zeros(len(uniques) + 1, dtype=bool)
        not_participant[post[posts[S.ROLE].ne(S.PARTICIPANT).to_numpy()]] = True
        not_participant[-1] = True  # no author: role unknown
        return cls(post, reaction, ~not_participant[reaction])


def _counted_mask(posts: pd.DataFrame, child: np.ndarray, parent: np.ndarray,
                  authors: np.ndarray, *, include_self: bool, responders: str) -> np.ndarray:
    """Which replies (rows ``child`` of ``posts`` answering rows ``parent``) count;
    ``authors`` holds an author code per post."""
    keep = np.ones(len(child), dtype=bool)
    if not include_self:
        keep &= authors[child] != authors[parent]
    if responders == "participants":
        keep &= posts[S.ROLE].eq(S.PARTICIPANT).to_numpy()[child]
    return keep


def counted_replies(
    corpus: Corpus, *, include_self: bool = False, responders: Responders = "all"
) -> pd.DataFrame:
    """The replies whose parent is in the corpus and in the same group, and whether they count.

    The rows of :func:`chatcode.corpus.reply_links` with link ``ok``, plus the boolean
    column ``counted``: the reply counts as a response to its parent under the options
    (see :func:`responses`). Replies dated before their parent keep ``counted`` true;
    ``before_parent`` tells them apart. Replies whose parent is missing or in another group
    are left out, with a ChatcodeWarning giving their number.
    """
    _check_responders(responders)
    authors = pd.factorize(corpus.posts[S.AUTHOR])[0]
    links = reply_links(corpus.posts, parent_positions=corpus.id_positions[0])
    return _counted_links(corpus.posts, links, authors,
                          include_self=include_self, responders=responders)


def _counted_links(posts: pd.DataFrame, links: pd.DataFrame, authors: np.ndarray, *,
                   include_self: bool, responders: str) -> pd.DataFrame:
    state = links[LINK]
    lost = [f"{k} {what}" for k, what in (
        (int(state.eq(LINK_MISSING).sum()), "repl(y/ies) whose parent is not in the corpus"),
        (int(state.eq(LINK_OTHER_GROUP).sum()), "repl(y/ies) whose parent is in another group"),
        (int(state.eq(LINK_SELF).sum()), "post(s) naming themselves as their parent"),
        (int(state.eq(LINK_CYCLE).sum()), "post(s) on cycles of reply links (A replies to B, "
         "B to A)"),
    ) if k]
    if lost:
        _warn_not_counted(lost)
    ok = links[state.eq(LINK_OK)].reset_index(drop=True)
    counted = _counted_mask(posts, ok[POSITION].to_numpy(), ok[PARENT_POSITION].to_numpy(),
                            authors, include_self=include_self, responders=responders)
    return ok.assign(**{COUNTED: counted})


def _warn_not_counted(parts: list[str]) -> None:
    warnings.warn(ChatcodeWarning(
        "not counted as responses: " + "; ".join(parts)
        + " (they stay in the corpus; check that the export is complete)"), stacklevel=3)


def responses(
    corpus: Corpus,
    *,
    include_self: bool = False,
    responders: Responders = "all",
    count: Iterable[str] = COMPONENTS,
) -> pd.DataFrame:
    """The responses each post received: one row per post of ``corpus``, in corpus order.

    Columns (``schema.RESPONSES_COLUMNS``): ``post_id``, ``group``, ``replies``,
    ``reactions``, ``reply_reactions``, ``responses`` (int) and ``first_response_hours``
    (float, NaN when the post had no timed response).

    Parameters
    ----------
    corpus
        The corpus (posts and reactions).
    include_self
        Also count responses by the post's own author (default: they do not count).
    responders
        ``all`` (default) or ``participants``: only responses by authors with the role
        ``participant`` count.
    count
        Which of ``replies``, ``reactions``, ``reply_reactions`` make up ``responses``
        (default: all three). The three columns are always reported.

    Notes
    -----
    - ``replies`` of a post p: the posts whose ``parent_id`` is p, when p is in the corpus
      and in the same group as the reply. A reply whose parent is missing or in another
      group is still a post (a row of its own) but no response; a ChatcodeWarning gives
      their number. A reply dated before its parent is counted (it has no delay).
    - ``reactions``: the reactions on p. ``reply_reactions``: the reactions on any reply of
      p (also a reply by p's author, or one that does not count itself).
    - A self-response is a reply by p's author, or a reaction by p's author on p or on a
      reply of p; authors are compared as exact text. A reaction by a replier on their own
      reply is a response to p (it is not by p's author).
    - Roles: a reply's role is its post's role. A reactor's role is taken from their posts;
      they count as a participant only when all their posts are by a participant, or when
      they have no post at all (the default role). A reaction without an author counts
      under ``responders="all"`` (it is nobody's self-response), but not under
      ``"participants"`` (its role is unknown).
    - ``first_response_hours``: hours from p to its first counted reply or its first
      counted reaction with a timestamp (reactions on p itself, not on its replies), among
      the components in ``count``. Responses dated before p are left out of it.
    - Reactions on posts that are not in the corpus are not counted (warned with counts).
    """
    components = _check_count(count)
    _check_responders(responders)
    posts, reactions = corpus.posts, corpus.reactions
    n = len(posts)
    parents, target = corpus.id_positions
    authors = _Authors.of(corpus)
    replies = _counted_links(posts, reply_links(posts, parent_positions=parents), authors.post,
                             include_self=include_self, responders=responders)
    if (target < 0).any():
        _warn_not_counted([f"{int((target < 0).sum())} reaction(s) on posts not in the corpus"])
    child = replies[POSITION].to_numpy()
    parent = replies[PARENT_POSITION].to_numpy()
    counted = replies[COUNTED].to_numpy()
    owner = np.full(n + 1, -1, dtype=np.int64)  # the parent of each ok reply; last: none
    owner[child] = parent
    reply_owner = owner[target]
    on_post = (target >= 0) & _reaction_counts(authors, target, include_self=include_self,
                                                responders=responders)
    on_reply = (reply_owner >= 0) & _reaction_counts(
        authors, reply_owner, include_self=include_self, responders=responders)
    table = pd.DataFrame({
        S.POST_ID: posts[S.POST_ID].reset_index(drop=True),
        S.GROUP: posts[S.GROUP].reset_index(drop=True),
        S.REPLIES: np.bincount(parent[counted], minlength=n),
        S.REACTIONS: np.bincount(target[on_post], minlength=n),
        S.REPLY_REACTIONS: np.bincount(reply_owner[on_reply], minlength=n),
    })
    table[S.RESPONSES] = table[list(components)].sum(axis=1).astype(np.int64)
    ts = timestamps_ns(posts[S.TIMESTAMP])
    firsts = []
    if S.REPLIES in components:
        firsts.append((parent[counted], ts[child[counted]]))
    if S.REACTIONS in components:
        timed = on_post & reactions[S.TIMESTAMP].notna().to_numpy()
        firsts.append((target[timed], timestamps_ns(reactions[S.TIMESTAMP])[timed]))
    table[S.FIRST_RESPONSE_HOURS] = _first_delay_hours(ts, firsts)
    return table[list(S.RESPONSES_COLUMNS)]


def _reaction_counts(authors: _Authors, owner: np.ndarray, *, include_self: bool,
                     responders: str) -> np.ndarray:
    """Which reactions count as a response to the posts at rows ``owner`` (-1: none)."""
    keep = np.ones(len(owner), dtype=bool)
    if not include_self:
        post_author = np.append(authors.post, -2)  # -2: no post, never equal to a reactor
        keep &= authors.reaction != post_author[owner]
    if responders == "participants":
        keep &= authors.reactor_is_participant
    return keep


def _first_delay_hours(ts: np.ndarray, events: list[tuple[np.ndarray, np.ndarray]]
                       ) -> np.ndarray:
    """Hours from each post to its earliest event at or after it (NaN when none)."""
    never = np.iinfo(np.int64).max
    first = np.full(len(ts), never, dtype=np.int64)
    for post, when in events:
        later = when >= ts[post]
        np.minimum.at(first, post[later], when[later])
    hours = (first - ts) / HOUR_NS
    return np.where(first == never, np.nan, hours)
