"""From responses per post to real rows: reply threads, authors, times, reactions and texts.

Mattermost threads are flat: a reply's parent is the thread root, a reply has no replies,
and its responses are the reactions on it. So a root p with responses r(p) gets replies q
with ``#replies + sum r(q) <= r(p)``, and the rest of r(p) are reactions on p. Responders
are never the post's author (self-responses do not count by default), nor, on a reply, the
author of its root. The responses the pipeline counts (``chatcode.responses``) are then
exactly r.

Reply delays are skewed (many within the hour, some after a day) and scaled so that their
mean is 7 h 27 min (7.45 h), in whole seconds; a reply is never before its parent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chatcode.reproduce.datasets.design import GROUPS, KINDS, MOD, PART, START, people
from chatcode.reproduce.datasets.texts import text_for

__all__ = ["EMOJI", "LATENCY_SECONDS", "assign_threads", "make_protocol"]

EMOJI = ("+1", "heart", "clap", "smile", "muscle", "star", "tada", "pray")
LATENCY_SECONDS = 7 * 3600 + 27 * 60  # the published mean delay, 7 h 27 min
GROUP_START_WEEKS = (0, 1, 2)  # the groups start one week after another
MAX_REPLY_RESPONSES = 4  # a reply gets at most this many reactions
_BY_NAME = {k.name: k for k in KINDS}


def assign_threads(posts: pd.DataFrame, r: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The parent (row index, -1 for a root) of every post.

    Posts of kinds that may reply take, in order of fewest responses, a parent in the same
    group with room for them (``1 + r(reply)``), preferring the parent kinds their kind
    names; the parent has the same topic unless the reply's topic is ``other``. A
    moderator replies only to participants (one moderator per group)."""
    n = len(posts)
    parent = np.full(n, -1)
    room = r.astype(np.int64).copy()
    is_parent = np.zeros(n, dtype=bool)
    kinds = posts["kind"].to_numpy()
    groups = posts["group"].to_numpy()
    topics = posts["topic"].to_numpy()
    roles = posts["role"].to_numpy()
    reply_ok = np.array([_BY_NAME[k].reply for k in kinds])
    order = np.lexsort((rng.random(n), r))
    for q in order:
        if not reply_ok[q] or is_parent[q] or r[q] > MAX_REPLY_RESPONSES:
            continue
        ok = ((groups == groups[q]) & (parent < 0) & (room >= 1 + r[q])
              & (np.arange(n) != q))
        if topics[q] != "other":
            ok &= topics == topics[q]
        if roles[q] == MOD:
            ok &= roles == PART
        preferred = ok & np.isin(kinds, _BY_NAME[kinds[q]].parents)
        pool = np.flatnonzero(preferred if preferred.any() else ok)
        if not len(pool):
            continue
        p = int(pool[np.argmax(room[pool] + rng.random(len(pool)))])
        parent[q] = p
        is_parent[p] = True
        room[p] -= 1 + r[q]
    return parent


def _delays(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` reply delays in whole seconds with mean exactly LATENCY_SECONDS (rounded)."""
    kind = rng.random(n)
    d = np.where(kind < 0.45, rng.exponential(0.5, n),
                 np.where(kind < 0.85, rng.uniform(1, 12, n), rng.uniform(18, 40, n)))
    seconds = np.maximum(np.round(d * 3600 * LATENCY_SECONDS / (d.mean() * 3600)), 60)
    seconds = seconds.astype(np.int64)
    seconds[int(np.argmax(seconds))] += LATENCY_SECONDS * n - int(seconds.sum())
    return seconds


def _authors(posts: pd.DataFrame, parent: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The author of every post: the group's moderator, or a participant (active ones
    more often) who is not the author of the post replied to. Every participant writes at
    least one root post."""
    folks = people()
    author = np.empty(len(posts), dtype=object)
    roles = posts["role"].to_numpy()
    for group, members in folks.groupby("group", sort=False):
        mod = members.loc[members["role"].eq(MOD), "name"].iloc[0]
        parts = members.loc[members["role"].eq(PART), "name"].to_numpy()
        weight = rng.dirichlet(np.full(len(parts), 2.0))
        rows = np.flatnonzero(posts["group"].to_numpy() == group)
        author[rows[roles[rows] == MOD]] = mod
        roots = rows[(roles[rows] == PART) & (parent[rows] < 0)]
        author[roots] = parts[rng.choice(len(parts), size=len(roots), p=weight)]
        for k, name in enumerate(parts):  # nobody is silent: take a root of the busiest
            if (author[roots] == name).any():
                continue
            busiest = pd.Series(author[roots]).value_counts().index[0]
            author[roots[int(np.flatnonzero(author[roots] == busiest)[0])]] = parts[k]
        for i in rows[(roles[rows] == PART) & (parent[rows] >= 0)]:
            w = weight * (parts != author[parent[i]])
            author[i] = parts[rng.choice(len(parts), p=w / w.sum())]
    return author


def _times(posts: pd.DataFrame, parent: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Post times in epoch seconds: roots on their programme day between 7:00 and 21:00
    UTC, replies after their parent by a delay of :func:`_delays`. The groups start one
    week after another (``GROUP_START_WEEKS``), so the protocol spans about 7 months."""
    offset = posts["group"].map(dict(zip(GROUPS, GROUP_START_WEEKS, strict=True))) * 7
    day = np.floor(posts["day"].to_numpy()) + offset.to_numpy()
    seconds = (int(START.timestamp()) + day * 86400 + rng.integers(7 * 3600, 21 * 3600,
                                                                     len(posts)))
    seconds = seconds.astype(np.int64)
    replies = np.flatnonzero(parent >= 0)
    seconds[replies] = seconds[parent[replies]] + _delays(len(replies), rng)
    return seconds


def _reactions(posts: pd.DataFrame, parent: np.ndarray, r: np.ndarray, author: np.ndarray,
               seconds: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Reactions that make each post's responses r: a reply's r are reactions on it, a
    root's r minus its replies and their responses are reactions on the root."""
    n_react = r.astype(np.int64).copy()
    for q in np.flatnonzero(parent >= 0):
        n_react[parent[q]] -= 1 + r[q]
    if (n_react < 0).any():
        raise RuntimeError("a thread has more responses than its root")
    folks = people()
    members = {g: m["name"].tolist() for g, m in folks.groupby("group", sort=False)}
    rows = []
    groups = posts["group"].to_numpy()
    for i in np.flatnonzero(n_react):
        banned = {author[i]} | ({author[parent[i]]} if parent[i] >= 0 else set())
        others = [m for m in members[groups[i]] if m not in banned]
        order = rng.permutation(len(others))
        bases = rng.integers(len(EMOJI), size=len(others))
        for k in range(int(n_react[i])):
            u, again = k % len(others), k // len(others)  # a second round: another emoji
            emoji = EMOJI[(int(bases[u]) + again) % len(EMOJI)]
            when = seconds[i] + 30 + int(rng.exponential(3 * 3600))
            rows.append((i, others[order[u]], emoji, when))
    return pd.DataFrame(rows, columns=["post", "author", "emoji", "seconds"])


def make_protocol(posts: pd.DataFrame, r: np.ndarray,
                  rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The protocol rows: posts (with ``parent``, ``author``, ``seconds``, ``text``,
    ``attachments``, ``responses``) and reactions (``post``, ``author``, ``emoji``,
    ``seconds``), in the row order of ``posts``."""
    parent = assign_threads(posts, r, rng)
    author = _authors(posts, parent, rng)
    seconds = _times(posts, parent, rng)
    reactions = _reactions(posts, parent, r, author, seconds, rng)
    out = posts.copy()
    out["parent"] = parent
    out["author"] = author
    out["seconds"] = seconds
    out["responses"] = r
    out["text"] = [text_for(k, t, rng, root=p < 0)
                   for k, t, p in zip(out["kind"], out["topic"], parent, strict=True)]
    out["attachments"] = [int("image" in _BY_NAME[k].nudge) for k in out["kind"]]
    return out, reactions
