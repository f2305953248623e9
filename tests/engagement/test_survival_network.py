"""Time to first response as survival data, and the reply network (chatcode.engagement.survival,
chatcode.engagement.network, ``chatcode latency --survival``, ``chatcode network``)."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import chatcode
from chatcode.engagement import network as nw
from chatcode.engagement import survival as sv

# Freireich et al. (1963) remission times in weeks, 6-MP vs placebo (+ = censored), the worked
# example of Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text" (3rd ed., 2012),
# chapters 2-4: KM medians 23 and 8 weeks, S(6) = 0.857 and S(23) = 0.448 in the 6-MP group,
# log-rank chi2 = 16.79 (1 df), Cox hazard ratio placebo vs 6-MP 4.523 (coef 1.509, SE 0.410).
SIX_MP = [6, 6, 6, 7, 10, 13, 16, 22, 23, 6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1] * 9 + [0] * 12
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


@pytest.fixture(scope="module")
def leukemia() -> pd.DataFrame:
    return pd.DataFrame({"duration_hours": SIX_MP + PLACEBO,
                         "event": SIX_MP_EVENT + [1] * len(PLACEBO),
                         "rx": ["6-MP"] * 21 + ["placebo"] * 21})


def test_kaplan_meier_and_log_rank_match_the_published_worked_example(leukemia):
    """Kleinbaum & Klein (2012), Freireich leukemia data: medians, S(t) and log-rank."""
    table = sv.survival_summary(leukemia, by="rx").set_index("rx")
    assert table.loc["6-MP", "median_hours"] == 23
    assert table.loc["placebo", "median_hours"] == 8
    assert table.loc["6-MP", "unanswered_6h"] == pytest.approx(0.8571, abs=1e-4)
    assert table.loc["6-MP", "unanswered_24h"] == pytest.approx(0.4482, abs=1e-4)
    assert table.loc["placebo", "unanswered_24h"] == 0
    assert table["chi2"].iloc[0] == pytest.approx(16.79, abs=0.01)
    assert table["p"].iloc[0] < 1e-4
    assert list(table["events"]) == [9, 21] and list(table["censored"]) == [12, 0]


def test_cox_model_matches_the_published_hazard_ratio(leukemia):
    """Kleinbaum & Klein (2012), chapter 3: placebo vs 6-MP, coef 1.509 (SE 0.410)."""
    fit = sv.cox_model(leukemia.assign(placebo=(leukemia["rx"] == "placebo").astype(int)),
                       "placebo")
    assert fit.params[0] == pytest.approx(1.509, abs=1e-3)
    assert fit.bse[0] == pytest.approx(0.410, abs=1e-3)
    assert np.exp(fit.params[0]) == pytest.approx(4.523, abs=1e-3)


def _chat() -> chatcode.Corpus:
    """Anna (moderator) posts at 8:00; Ben replies at 10:00 and Cem reacts at 9:00; Anna
    answers Ben at 11:00; Ben reacts to his own post; Cem's question at 12:00 gets nothing;
    the group's last time is a reaction at 20:00."""
    posts = pd.DataFrame({
        "post_id": ["1", "2", "3", "4"], "group": "g",
        "timestamp": ["2023-05-02T08:00:00Z", "2023-05-02T10:00:00Z", "2023-05-02T11:00:00Z",
                      "2023-05-02T12:00:00Z"],
        "author": ["anna", "ben", "anna", "cem"], "role": ["moderator", "participant",
                                                           "moderator", "participant"],
        "text": ["Hello", "Hi", "Welcome", "Anyone?"], "parent_id": [None, "1", "2", None]})
    reactions = pd.DataFrame({"post_id": ["1", "2", "3"], "author": ["cem", "ben", "ben"],
                              "emoji": ["+1", "heart", "smile"],
                              "timestamp": ["2023-05-02T09:00:00Z", "2023-05-02T10:30:00Z",
                                            "2023-05-02T20:00:00Z"]})
    return chatcode.Corpus(posts, reactions)


def test_unanswered_posts_are_censored_at_the_end_of_the_export():
    data = sv.time_to_response(_chat()).set_index("post_id")
    assert data.loc["1", "duration_hours"] == 1 and data.loc["1", "event"] == 1  # Cem's +1
    assert data.loc["2", "duration_hours"] == 1 and data.loc["2", "event"] == 1  # Anna
    assert data.loc["3", "duration_hours"] == 9 and data.loc["3", "event"] == 1  # Ben 20:00
    assert data.loc["4", "duration_hours"] == 8 and data.loc["4", "event"] == 0  # to 20:00
    end = sv.time_to_response(_chat(), end="2023-05-03T12:00:00Z").set_index("post_id")
    assert end.loc["4", "duration_hours"] == 24


def test_reply_network_of_a_small_chat():
    """Ties by hand: ben->anna (reply), cem->anna (reaction), anna->ben (reply),
    ben->anna (reaction on post 3); ben's reaction on his own post is left out."""
    corpus = _chat()
    ties = nw.reply_ties(corpus).set_index(["source", "target"])
    assert ties.loc[("ben", "anna"), ["replies", "reactions", "weight"]].tolist() == [1, 1, 2]
    assert ties.loc[("cem", "anna"), "weight"] == 1
    assert ties.loc[("anna", "ben"), "weight"] == 1
    assert len(ties) == 3
    summary = nw.network_summary(corpus).iloc[0]
    assert summary["people"] == 3 and summary["ties"] == 3
    assert summary["density"] == pytest.approx(3 / 6)
    assert summary["reciprocity"] == pytest.approx(2 / 3)        # ben<->anna of 3 ties
    assert summary["moderator_given_share"] == pytest.approx(1 / 4)
    assert summary["moderator_received_share"] == pytest.approx(3 / 4)
    people = nw.author_network(corpus).set_index("author")
    assert people.loc["anna", ["in_degree", "out_degree", "received", "given",
                               "reciprocated"]].tolist() == [2, 1, 3, 1, 1]
    assert people.loc["cem", "posts"] == 1
    roles = nw.role_matrix(corpus)
    assert roles.loc["participant", "moderator"] == 3
    with_self = nw.reply_ties(corpus, include_self=True)
    assert (with_self["source"] == with_self["target"]).sum() == 1


def test_survival_per_code_on_the_bundled_sample(tmp_path):
    root = __import__("pathlib").Path(chatcode.__file__).resolve().parents[2]
    sample = root / "data" / "samples" / "diabpeers"
    cb = chatcode.load_codebook(root / "codebooks" / "diabpeers.yaml")
    corpus = chatcode.ingest(sorted((sample / "exports").glob("group*.xlsx")),
                             roles=sample / "roles.yaml", timezone="Europe/Berlin")
    coded = chatcode.coded_posts(corpus, chatcode.read_codes(
        sample / "coding" / "A-main.xlsx", codebook=cb), cb)
    table = sv.survival_table(coded, "support").set_index("code")
    assert (table["with_n"] + table["without_n"] == len(coded.units)).all()
    assert table.loc["technical", "with_events"] == 0          # 5 posts, never answered
    assert 0 <= table.loc["informational", "p"] <= 1


def test_cli_latency_survival_and_network(tmp_path, cli):
    corpus = _chat()
    chatcode.write_corpus(corpus, tmp_path / "c.xlsx")
    res = cli("latency", tmp_path / "c.xlsx", "--survival", "--format", "json")
    assert res.returncode == 0, res.stderr
    row = json.loads(res.stdout)["rows"][0]
    # S = 0.5 from 1 h to 9 h: the median is the first time the curve falls below one half
    assert row["n"] == 4 and row["events"] == 3 and row["median_hours"] == 9
    res = cli("network", tmp_path / "c.xlsx", "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["rows"][0]["ties"] == 3
    res = cli("network", tmp_path / "c.xlsx", "-o", tmp_path / "n.graphml")
    assert res.returncode == 0, res.stderr
    graph = nx.read_graphml(tmp_path / "n.graphml")
    assert graph.nodes["g/anna"]["role"] == "moderator"
    assert graph.edges["g/ben", "g/anna"]["weight"] == 2
    res = cli("network", tmp_path / "c.xlsx", "-o", tmp_path / "n.png")
    assert res.returncode == 2 and "Traceback" not in res.stderr
