"""The reply and reaction network (chatcode.engagement.network), checked against edges
counted here with pandas from the posts and reactions of the fixture corpus, and against
the definitions of reciprocity and density (Wasserman & Faust 1994, ch. 4 and 13) written
out here."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from typer.testing import CliRunner

import chatcode
from chatcode.cli import app
from chatcode.engagement.network import (
    author_summary,
    network_summary,
    response_edges,
    response_network,
    role_flows,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "tables" / "corpus"


def _expected_edges(corpus) -> pd.DataFrame:
    posts = corpus.posts.astype({"post_id": str})
    by_id = posts.set_index("post_id")
    rep = posts[posts["parent_id"].notna()]
    rep = rep[rep["parent_id"].isin(by_id.index)]
    rep = rep.assign(target=by_id.loc[rep["parent_id"], "author"].to_numpy(),
                     pgroup=by_id.loc[rep["parent_id"], "group"].to_numpy())
    rep = rep[rep["group"] == rep["pgroup"]]
    rx = corpus.reactions.astype({"post_id": str})
    rx = rx[rx["post_id"].isin(by_id.index)]
    both = pd.concat([
        pd.DataFrame({"group": rep["group"], "source": rep["author"], "target": rep["target"],
                      "replies": 1, "reactions": 0}),
        pd.DataFrame({"group": by_id.loc[rx["post_id"], "group"].to_numpy(),
                      "source": rx["author"].to_numpy(),
                      "target": by_id.loc[rx["post_id"], "author"].to_numpy(),
                      "replies": 0, "reactions": 1})])
    both = both[both["source"] != both["target"]]
    return both.groupby(["group", "source", "target"], as_index=False)[
        ["replies", "reactions"]].sum()


def test_edges_match_a_count_by_hand():
    corpus = chatcode.read_corpus(FIXTURE)
    got = response_edges(corpus)
    exp = _expected_edges(corpus)
    pd.testing.assert_frame_equal(got[["group", "source", "target", "replies", "reactions"]]
                                  .reset_index(drop=True).astype(str),
                                  exp.reset_index(drop=True).astype(str))
    assert (got["weight"] == got["replies"] + got["reactions"]).all()


def test_summary_against_the_definitions():
    corpus = chatcode.read_corpus(FIXTURE)
    g = response_network(corpus)
    edges = set(g.edges())
    mutual = sum((t, s) in edges for s, t in edges)
    n = g.number_of_nodes()
    row = network_summary(corpus).iloc[0]
    assert row["group"] == "all"
    assert row["reciprocity"] == pytest.approx(mutual / len(edges))
    assert row["density"] == pytest.approx(len(edges) / (n * (n - 1)))
    role = nx.get_node_attributes(g, "role")
    total = sum(w for *_, w in g.edges(data="weight"))
    mod = sum(w for s, _, w in g.edges(data="weight") if role[s] == "moderator")
    assert row["moderator_share"] == pytest.approx(mod / total)
    authors = author_summary(g).set_index("author")
    for a in g.nodes:
        assert authors.loc[a, "in_degree"] == g.in_degree(a)
        assert authors.loc[a, "responses_received"] == g.in_degree(a, weight="weight")
    flows = role_flows(g)
    assert flows["responses"].sum() == total


def test_network_cli_writes_graphml_gexf_and_json(tmp_path):
    runner = CliRunner()
    for name in ("net.graphml", "net.gexf"):
        r = runner.invoke(app, ["network", str(FIXTURE), "-o", str(tmp_path / name)])
        assert r.exit_code == 0, r.output
    g = nx.read_graphml(tmp_path / "net.graphml")
    expected = response_network(chatcode.read_corpus(FIXTURE))
    assert g.number_of_edges() == expected.number_of_edges()
    r = runner.invoke(app, ["network", str(FIXTURE), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert {"summary", "roles", "authors", "edges"} <= set(doc)
    r = runner.invoke(app, ["network", str(FIXTURE), "-o", str(tmp_path / "net.graphml")])
    assert r.exit_code == 1 and "already exists" in str(r.exception)


def test_network_csv_goes_through_the_shared_csv_writer(tmp_path):
    """Edges written as CSV are quoted and formula-guarded like every CSV output: an author
    named like a formula starts with ' (and reads back as the name through chatcode)."""
    from conftest import run_inprocess

    posts = pd.DataFrame({"post_id": ["1", "2"], "group": "g",
                          "timestamp": ["2023-05-02T08:00:00Z", "2023-05-02T09:00:00Z"],
                          "author": ["=cmd()", "ben"], "text": ["Hi", "Hello"],
                          "parent_id": [None, "1"]})
    chatcode.write_corpus(chatcode.Corpus(posts), tmp_path / "c.parquet")
    code, _, err = run_inprocess("network", tmp_path / "c.parquet", "-o", tmp_path / "e.csv")
    assert code == 0, err
    assert "'=cmd()" in (tmp_path / "e.csv").read_text(encoding="utf-8")
