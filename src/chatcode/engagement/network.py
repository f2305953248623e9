"""Who answers whom: the reply and reaction network of a corpus (networkx).

An edge ``a -> b`` means author a responded to author b: a replied to a post of b (only
replies whose parent is in the corpus and in the same group, as
:func:`chatcode.engagement.responses`), or reacted to a post of b. Self-responses are left
out. Edge attributes: ``replies``, ``reactions`` and ``weight`` (their sum); node
attributes: ``role`` (the role of the author's posts; ``participant`` for a reactor who
never posted) and ``groups`` (the groups the author posted in, ``;``-separated).

- :func:`response_edges`: one row per (group, source, target) with the counts;
- :func:`response_network`: the ``networkx.DiGraph`` (one group or all);
- :func:`author_summary`: per author: ``in_degree`` / ``out_degree`` (distinct authors who
  responded to them / whom they responded to), ``responses_received`` / ``responses_given``
  (weighted), and ``reciprocity`` (share of their partners with edges both ways);
- :func:`role_flows`: responses from each role to each role (e.g. participant ->
  moderator), with their share of all responses;
- :func:`network_summary`: per group (``all`` first): authors, edges, density,
  reciprocity (``networkx.reciprocity``: share of edges that are reciprocated), the
  moderators' share of all responses given and of responses to participants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from chatcode.corpus import schema as S
from chatcode.corpus.corpus import LINK, LINK_OK, PARENT_POSITION, POSITION, Corpus, reply_links

__all__ = ["author_summary", "network_summary", "response_edges", "response_network",
           "role_flows"]

SOURCE, TARGET, REPLIES_, REACTIONS_, WEIGHT = ("source", "target", "replies", "reactions",
                                                "weight")


def response_edges(corpus: Corpus, *, reactions: bool = True) -> pd.DataFrame:
    """``group, source, target, replies, reactions, weight``: who responded to whom."""
    posts = corpus.posts
    parents, target = corpus.id_positions
    links = reply_links(posts, parent_positions=parents)
    ok = links[LINK].eq(LINK_OK).to_numpy()
    child = links[POSITION].to_numpy()[ok]
    parent = links[PARENT_POSITION].to_numpy()[ok]
    author = posts[S.AUTHOR].astype("str").to_numpy()
    group = posts[S.GROUP].astype("str").to_numpy()
    parts = [pd.DataFrame({S.GROUP: group[parent], SOURCE: author[child],
                           TARGET: author[parent], REPLIES_: 1, REACTIONS_: 0})]
    rx = corpus.reactions
    if reactions and len(rx):
        known = (target >= 0) & rx[S.AUTHOR].notna().to_numpy()
        on = target[known]
        parts.append(pd.DataFrame({S.GROUP: group[on],
                                   SOURCE: rx[S.AUTHOR].astype("str").to_numpy()[known],
                                   TARGET: author[on], REPLIES_: 0, REACTIONS_: 1}))
    edges = pd.concat(parts, ignore_index=True)
    edges = edges[edges[SOURCE] != edges[TARGET]]
    out = edges.groupby([S.GROUP, SOURCE, TARGET], sort=True, as_index=False)[
        [REPLIES_, REACTIONS_]].sum()
    out[WEIGHT] = out[REPLIES_] + out[REACTIONS_]
    return out.astype({REPLIES_: "int64", REACTIONS_: "int64", WEIGHT: "int64"})


def _roles(corpus: Corpus) -> dict[str, str]:
    posts = corpus.posts
    roles = posts.groupby(posts[S.AUTHOR].astype("str"))[S.ROLE].agg(
        lambda r: r.iat[0] if r.nunique() == 1 else ";".join(sorted(set(map(str, r)))))
    return {str(k): str(v) for k, v in roles.items()}


def response_network(corpus: Corpus, *, group: str | None = None, reactions: bool = True):
    """The ``networkx.DiGraph`` of who responded to whom (in ``group``, or in all groups:
    edge counts summed over groups). Every author who posted is a node."""
    import networkx as nx

    edges = response_edges(corpus, reactions=reactions)
    posts = corpus.posts
    if group is not None:
        edges = edges[edges[S.GROUP] == group]
        posts = posts[posts[S.GROUP].astype("str") == group]
    summed = edges.groupby([SOURCE, TARGET], as_index=False)[[REPLIES_, REACTIONS_,
                                                              WEIGHT]].sum()
    graph = nx.DiGraph()
    roles = _roles(corpus)
    groups = posts.groupby(posts[S.AUTHOR].astype("str"))[S.GROUP].agg(
        lambda g: ";".join(sorted(set(map(str, g)))))
    for a in sorted(set(groups.index) | set(summed[SOURCE]) | set(summed[TARGET])):
        graph.add_node(a, role=roles.get(a, S.PARTICIPANT), groups=str(groups.get(a, "")))
    for s, t, rep, rea, w in summed.itertuples(index=False, name=None):
        graph.add_edge(s, t, replies=int(rep), reactions=int(rea), weight=int(w))
    return graph


def author_summary(graph) -> pd.DataFrame:
    """One row per author: ``author, role, in_degree, out_degree, responses_received,
    responses_given, reciprocity``."""
    rows = []
    for a, data in graph.nodes(data=True):
        succ, pred = set(graph.successors(a)), set(graph.predecessors(a))
        partners = succ | pred
        rows.append({S.AUTHOR: a, S.ROLE: data.get("role", ""),
                     "in_degree": len(pred), "out_degree": len(succ),
                     "responses_received": int(graph.in_degree(a, weight=WEIGHT)),
                     "responses_given": int(graph.out_degree(a, weight=WEIGHT)),
                     "reciprocity": len(succ & pred) / len(partners) if partners else np.nan})
    return pd.DataFrame(rows, columns=[S.AUTHOR, S.ROLE, "in_degree", "out_degree",
                                       "responses_received", "responses_given",
                                       "reciprocity"])


def _one(graph, name: str) -> dict[str, object]:
    import networkx as nx

    total = sum(w for _, _, w in graph.edges(data=WEIGHT))
    role = nx.get_node_attributes(graph, "role")
    by_mod = sum(w for s, _, w in graph.edges(data=WEIGHT) if role.get(s) == S.MODERATOR)
    to_part = [(s, w) for s, t, w in graph.edges(data=WEIGHT)
               if role.get(t) == S.PARTICIPANT]
    to_part_total = sum(w for _, w in to_part)
    to_part_mod = sum(w for s, w in to_part if role.get(s) == S.MODERATOR)
    return {S.GROUP: name, "authors": graph.number_of_nodes(),
            "edges": graph.number_of_edges(), "responses": int(total),
            "density": nx.density(graph) if graph.number_of_nodes() > 1 else np.nan,
            "reciprocity": nx.reciprocity(graph) if graph.number_of_edges() else np.nan,
            "moderator_share": by_mod / total if total else np.nan,
            "moderator_share_to_participants": (to_part_mod / to_part_total
                                                if to_part_total else np.nan)}


def network_summary(corpus: Corpus, *, reactions: bool = True) -> pd.DataFrame:
    """Per group (``all`` first): ``group, authors, edges, responses, density,
    reciprocity, moderator_share, moderator_share_to_participants``."""
    rows = [_one(response_network(corpus, reactions=reactions), S.ALL_GROUPS)]
    for g in sorted(corpus.posts[S.GROUP].astype("str").unique()):
        rows.append(_one(response_network(corpus, group=g, reactions=reactions), g))
    return pd.DataFrame(rows)


def role_flows(graph) -> pd.DataFrame:
    """``source_role, target_role, responses, share``: who (by role) responds to whom."""
    role = {a: d.get("role", "") for a, d in graph.nodes(data=True)}
    flows: dict[tuple[str, str], int] = {}
    for s, t, w in graph.edges(data=WEIGHT):
        key = (role.get(s, ""), role.get(t, ""))
        flows[key] = flows.get(key, 0) + int(w)
    total = sum(flows.values())
    return pd.DataFrame([{"source_role": a, "target_role": b, "responses": n,
                          "share": n / total if total else np.nan}
                         for (a, b), n in sorted(flows.items())],
                        columns=["source_role", "target_role", "responses", "share"])
