"""The reply network: who replies to and reacts to whom, per chat group.

A tie goes from the person who responds to the author of the post they respond to: a reply
from its author to the author of its parent, a reaction from the reactor to the author of the
post it is on. :func:`reply_ties` gives the weighted ties, :func:`network_summary` one row per
group (people, ties, density, reciprocity, the moderators' share of responses given and
received), :func:`author_network` one row per person (in- and out-degree, responses given
and received, reciprocated ties), :func:`role_matrix` who responds to whom by role, and
:func:`to_graph` a networkx graph for GraphML/GEXF (Gephi, igraph, R).

Notes
-----
- Replies count as in :func:`chatcode.engagement.responses`: the parent is in the corpus and
  in the same group; a reply to oneself is left out unless ``include_self``. A reaction on a
  post that is not in the corpus, or without an author, is left out; a reaction on one's own
  post is left out unless ``include_self``.
- A person's role is the role of most of their posts; a reactor who never posts is a
  participant (the default role).
- Density is ties / (n (n - 1)) of the directed graph of the group's people (those who post
  or respond); reciprocity is the share of ties whose reverse tie exists too
  (``networkx.overall_reciprocity``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import PARENT_POSITION, POSITION, Corpus
from chatcode.engagement.responses import COUNTED, counted_replies
from chatcode.errors import ChatcodeError, Location

__all__ = ["GRAPH_SUFFIXES", "author_network", "network_summary", "reply_ties", "role_matrix",
           "to_graph", "write_graph"]

SOURCE, TARGET, WEIGHT = "source", "target", "weight"
GRAPH_SUFFIXES = {".graphml": "GraphML", ".gexf": "GEXF"}
MODERATOR = "moderator"


def reply_ties(corpus: Corpus, *, include_self: bool = False) -> pd.DataFrame:
    """The ties of every group: ``group, source, target, replies, reactions, weight``."""
    posts = corpus.posts
    authors = posts[S.AUTHOR].astype(str).to_numpy()
    groups = posts[S.GROUP].astype(str).to_numpy()
    replies = counted_replies(corpus, include_self=True)
    replies = replies[replies[COUNTED]]
    child, parent = replies[POSITION].to_numpy(), replies[PARENT_POSITION].to_numpy()
    frames = [pd.DataFrame({S.GROUP: groups[child], SOURCE: authors[child],
                            TARGET: authors[parent], "kind": "replies"})]
    reactions = corpus.reactions
    if len(reactions):
        pos = pd.Series(np.arange(len(posts)), index=posts[S.POST_ID].to_numpy())
        where = pos.reindex(reactions[S.POST_ID].to_numpy()).to_numpy()
        who = reactions[S.AUTHOR]
        ok = ~np.isnan(where) & who.notna().to_numpy() & who.astype(str).str.len().gt(0)
        at = where[ok].astype(np.int64)
        frames.append(pd.DataFrame({S.GROUP: groups[at], SOURCE: who[ok].astype(str).to_numpy(),
                                    TARGET: authors[at], "kind": "reactions"}))
    ties = pd.concat(frames, ignore_index=True)
    if not include_self:
        ties = ties[ties[SOURCE] != ties[TARGET]]
    counts = (ties.groupby([S.GROUP, SOURCE, TARGET, "kind"]).size().unstack("kind",
                                                                            fill_value=0))
    counts = counts.reindex(columns=["replies", "reactions"], fill_value=0).astype(np.int64)
    counts[WEIGHT] = counts["replies"] + counts["reactions"]
    return counts.reset_index().rename_axis(columns=None)


def _roles(corpus: Corpus) -> pd.Series:
    posts = corpus.posts
    return (posts.groupby([S.AUTHOR, S.ROLE]).size().reset_index(name="n")
            .sort_values([S.AUTHOR, "n"], ascending=[True, False])
            .drop_duplicates(S.AUTHOR).set_index(S.AUTHOR)[S.ROLE].astype(str))


def _graph(ties: pd.DataFrame, people: list[str]):
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(people)
    g.add_weighted_edges_from(ties[[SOURCE, TARGET, WEIGHT]].itertuples(index=False))
    return g


def _people(corpus: Corpus, ties: pd.DataFrame, group: str) -> list[str]:
    posts = corpus.posts
    names = set(posts.loc[posts[S.GROUP].astype(str) == group, S.AUTHOR].astype(str))
    part = ties[ties[S.GROUP] == group]
    return sorted(names | set(part[SOURCE]) | set(part[TARGET]))


def network_summary(corpus: Corpus, ties: pd.DataFrame | None = None, *,
                    include_self: bool = False) -> pd.DataFrame:
    """One row per group: ``group, people, ties, density, reciprocity, responses,
    moderator_given_share, moderator_received_share``."""
    import networkx as nx

    ties = reply_ties(corpus, include_self=include_self) if ties is None else ties
    role = _roles(corpus)
    rows = []
    for group in sorted(corpus.posts[S.GROUP].astype(str).unique()):
        part = ties[ties[S.GROUP] == group]
        people = _people(corpus, ties, group)
        g = _graph(part[part[SOURCE] != part[TARGET]], people)
        n, m = g.number_of_nodes(), g.number_of_edges()
        total = int(part[WEIGHT].sum())
        mod_src = part[SOURCE].map(role).fillna("participant").eq(MODERATOR).to_numpy()
        mod_tgt = part[TARGET].map(role).fillna("participant").eq(MODERATOR).to_numpy()
        w = part[WEIGHT].to_numpy()
        rows.append({S.GROUP: group, "people": n, "ties": m,
                     "density": m / (n * (n - 1)) if n > 1 else float("nan"),
                     "reciprocity": nx.overall_reciprocity(g) if m else float("nan"),
                     "responses": total,
                     "moderator_given_share": w[mod_src].sum() / total if total else np.nan,
                     "moderator_received_share": w[mod_tgt].sum() / total if total
                     else np.nan})
    return pd.DataFrame(rows)


def author_network(corpus: Corpus, ties: pd.DataFrame | None = None, *,
                   include_self: bool = False) -> pd.DataFrame:
    """One row per person and group: ``group, author, role, posts, out_degree, in_degree,
    given, received, reciprocated`` (ties that go both ways)."""
    ties = reply_ties(corpus, include_self=include_self) if ties is None else ties
    role = _roles(corpus)
    posts = corpus.posts.assign(**{S.GROUP: corpus.posts[S.GROUP].astype(str),
                                   S.AUTHOR: corpus.posts[S.AUTHOR].astype(str)})
    n_posts = posts.groupby([S.GROUP, S.AUTHOR]).size()
    rows = []
    for group in sorted(posts[S.GROUP].unique()):
        part = ties[(ties[S.GROUP] == group) & (ties[SOURCE] != ties[TARGET])]
        pairs = set(zip(part[SOURCE], part[TARGET], strict=True))
        for person in _people(corpus, ties, group):
            out_, in_ = part[part[SOURCE] == person], part[part[TARGET] == person]
            rows.append({S.GROUP: group, S.AUTHOR: person,
                         S.ROLE: role.get(person, "participant"),
                         "posts": int(n_posts.get((group, person), 0)),
                         "out_degree": len(out_), "in_degree": len(in_),
                         "given": int(out_[WEIGHT].sum()), "received": int(in_[WEIGHT].sum()),
                         "reciprocated": sum((t, person) in pairs for t in out_[TARGET])})
    return pd.DataFrame(rows)


def role_matrix(corpus: Corpus, ties: pd.DataFrame | None = None, *,
                include_self: bool = False) -> pd.DataFrame:
    """Responses given by each role (rows ``from_role``) to each role (columns)."""
    ties = reply_ties(corpus, include_self=include_self) if ties is None else ties
    role = _roles(corpus)
    frame = ties.assign(from_role=ties[SOURCE].map(role).fillna("participant"),
                        to_role=ties[TARGET].map(role).fillna("participant"))
    return frame.pivot_table(index="from_role", columns="to_role", values=WEIGHT,
                             aggfunc="sum", fill_value=0).rename_axis(columns=None)


def to_graph(corpus: Corpus, ties: pd.DataFrame | None = None, *, include_self: bool = False):
    """A networkx ``DiGraph``: a node per group and person (``group``, ``author``, ``role``,
    ``posts``), an edge per tie (``replies``, ``reactions``, ``weight``)."""
    import networkx as nx

    ties = reply_ties(corpus, include_self=include_self) if ties is None else ties
    people = author_network(corpus, ties)
    g = nx.DiGraph()
    for row in people.itertuples(index=False):
        g.add_node(f"{row.group}/{row.author}", group=row.group, author=row.author,
                   role=row.role, posts=int(row.posts))
    for row in ties.itertuples(index=False):
        g.add_edge(f"{row.group}/{row.source}", f"{row.group}/{row.target}",
                   replies=int(row.replies), reactions=int(row.reactions),
                   weight=int(row.weight))
    return g


def write_graph(graph, path: str | Path, *, force: bool = False) -> Path:
    """Write a graph as GraphML or GEXF (by suffix), atomically."""
    import networkx as nx

    from chatcode._io.output import atomic_file

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in GRAPH_SUFFIXES:
        raise ChatcodeError(f"cannot write a graph as {path.suffix or 'a suffix-less file'}",
                            where=Location(path), hint="use .graphml or .gexf")
    with atomic_file(path, force=force) as tmp:
        (nx.write_graphml if suffix == ".graphml" else nx.write_gexf)(graph, tmp)
    return path
