"""The synthetic DiabPeerS sample (data/samples/diabpeers) and its generator.

The published figures come from ``published.yaml`` (the paper's Tables 7 and 10, section
3.3.1 and the figures quoted from Table 9); every check goes through the public pipeline
(ingest, read_codes, coded_posts, build_tables, latency, agreement), and the rounding used
to compare is written here independently (Decimal, half up, at the printed precision).
"""

from __future__ import annotations

import filecmp
import itertools
import re
import statistics
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import ChatcodeError
from chatcode.reproduce import datasets
from chatcode.reproduce.datasets import solve as SV

SAMPLE = Path(__file__).parents[2] / "data" / "samples" / "diabpeers"
PUBLISHED = yaml.safe_load((SAMPLE / "published.yaml").read_text(encoding="utf-8"))
GENERATED = ["sample.yaml", "roles.yaml", "exports/group1.xlsx", "exports/group2.xlsx",
             "exports/group3.xlsx", "exports/bulk-export.jsonl", "coding/A-main.xlsx",
             "coding/B-pretest.xlsx", "coding/A-retest.xlsx"]


def printed(value: float, like: str) -> str:
    """``value`` as the paper prints it: half up, with as many decimals as ``like``."""
    places = len(like.split(".")[1]) if "." in like else 0
    return str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places),
                                                    rounding=ROUND_HALF_UP))


def cells() -> list[tuple[str, str, str, str, str]]:
    """(table, code, side, statistic, printed value) for every with/without cell."""
    out = []
    for table in PUBLISHED["tables"]:
        for row in table["rows"]:
            for side in ("with", "without"):
                for key, value in row[side].items():
                    if key in ("mean", "sd", "n"):
                        out.append((table["id"], row["code"], side, key, str(value)))
    return out


@pytest.fixture(scope="module")
def sample():
    corpus, codes, codebook = datasets.load_sample()
    coded = chatcode.coded_posts(corpus, codes, codebook, coder="A", pass_="main")
    tables = {t.id: t.data for t in chatcode.build_tables(coded)}
    return corpus, codes, codebook, coded, tables


@pytest.mark.parametrize(("table", "code", "side", "stat", "value"), cells())
def test_every_published_cell_is_reproduced(sample, table, code, side, stat, value):
    """Tables 7 and 10 and the goal-setting means of the paper, at the printed precision."""
    data = sample[4][table].set_index(S.CODE)
    got = data.loc[code, f"{stat}_{side}"]
    assert printed(got, value) == value


@pytest.mark.parametrize("row", PUBLISHED["tables"][1]["rows"], ids=lambda r: r["code"])
def test_table10_stars_under_the_default_test(sample, row):
    """Table 10 prints * on informative support only (p < .1), none elsewhere."""
    data = sample[4]["10"].set_index(S.CODE)
    assert data.loc[row["code"], S.STARS] == row["with"]["stars"]


def test_percentages_of_the_text(sample):
    """Section 3.3.1-3.3.2: 55% support posts, 76% / 34.8% / 0.4% / 0.2% of support posts,
    goal setting 230 (8.9%), goal achievement 1.7%, behaviour change 2.4% of all posts."""
    corpus, _, _, coded, tables = sample
    n = len(corpus.posts)
    support = tables["9"].set_index(S.CODE)
    n_support = round(support.loc["informational", S.N]
                      / support.loc["informational", S.PCT_OF_SUPPORT_POSTS] * 100)
    for fig in PUBLISHED["figures"]:
        if fig["kind"] != "pct":
            continue
        if fig["code"] == "any":
            assert printed(n_support / n * 100, fig["value"]) == fig["value"]
        elif fig["pct_of"] == "support_posts":
            assert printed(support.loc[fig["code"], S.PCT_OF_SUPPORT_POSTS],
                           fig["value"]) == fig["value"]
        else:
            count = _count(coded, fig["dimension"], fig["code"])
            assert printed(count / n * 100, fig["value"]) == fig["value"]
    assert n == 2584
    assert _count(coded, "bct", "goal_setting") == 230


def _count(coded, dimension: str, code: str) -> int:
    return int(coded.codes_of(dimension)[1][code].eq(1).sum())


def test_latency_is_7_h_27_min(sample):
    """Section 3.1.1: "an average delay of 7h and 27min between posts and replies"."""
    row = chatcode.engagement.latency(sample[0]).iloc[0]
    assert row[S.FORMATTED] == "7 h 27 min"
    assert (chatcode.reply_delays(sample[0])[S.DELAY_HOURS] > 0).all()


@pytest.mark.parametrize("pair", [("A/main", "B/pretest"), ("A/main", "A/retest")])
def test_kappa_above_0_8_where_defined(sample, pair):
    """Section 2.3.3: kappa > 0.8 in the pretest and the intra-coder re-test; the coders
    disagree on some posts (kappa is not 1 everywhere)."""
    _, codes, codebook, _, _ = sample
    result = chatcode.agreement(codes, codebook, coders=list(pair))
    kappa = result.codes["kappa"].dropna()
    assert len(kappa) >= 10
    assert (kappa > 0.8).all()
    assert (kappa < 1).any()


def test_design_of_the_study(sample):
    """Section 2.2-2.3.2: three groups, three moderators, 37 participants, 7 months."""
    posts = sample[0].posts
    assert posts[S.GROUP].nunique() == 3
    authors = posts.drop_duplicates(S.AUTHOR)
    assert (authors[S.ROLE] == S.MODERATOR).sum() == 3
    assert (authors[S.ROLE] == S.PARTICIPANT).sum() == 37
    span = posts[S.TIMESTAMP].max() - posts[S.TIMESTAMP].min()
    assert 6.5 * 30.4 < span.days < 7.5 * 30.4


def test_topics_and_fixed_groups(sample):
    """Table 11 as quoted: nutrition has the most posts, monitoring and medication higher
    means; technical posts got no response, the medical posts 0, 1 and 1."""
    _, _, _, coded, tables = sample
    topics = tables["11"].set_index(S.CODE)
    assert topics[S.N].idxmax() == "healthy_eating"
    assert topics.loc["healthy_eating", S.MEAN] < topics.loc["self_monitoring", S.MEAN]
    assert topics.loc["healthy_eating", S.MEAN] < topics.loc["medication", S.MEAN]
    units, support = coded.codes_of("support")
    responses = units[S.RESPONSES].to_numpy()
    assert responses[support["technical"].eq(1).to_numpy()].tolist() == [0] * 5
    assert sorted(responses[support["medical"].eq(1).to_numpy()]) == [0, 1, 1]


def test_no_self_responses(sample):
    """The responses are realised without self-responses: counting them changes nothing."""
    corpus = sample[0]
    default = chatcode.responses(corpus)[S.RESPONSES]
    with_self = chatcode.responses(corpus, include_self=True)[S.RESPONSES]
    assert default.equals(with_self)
    assert default.max() <= 12


def _keyed(corpus: chatcode.Corpus) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Posts and reactions with post ids replaced by (group, author, time, text)."""
    posts = corpus.posts
    key = (posts[S.GROUP] + "|" + posts[S.AUTHOR] + "|" + posts[S.TIMESTAMP].astype(str)
           + "|" + posts[S.TEXT])
    ids = dict(zip(posts[S.POST_ID], key, strict=True))
    p = posts[list(S.POST_COLUMNS)].assign(**{
        S.POST_ID: key, S.PARENT_ID: posts[S.PARENT_ID].map(ids)})
    r = corpus.reactions[list(S.REACTION_COLUMNS)].assign(
        **{S.POST_ID: corpus.reactions[S.POST_ID].map(ids)})
    return (p.sort_values(S.POST_ID).reset_index(drop=True),
            r.sort_values(list(S.REACTION_COLUMNS)).reset_index(drop=True))


def test_bulk_export_ingests_to_the_same_corpus_up_to_ids(sample):
    """The workbooks and the mmctl bulk export hold the same protocol; the bulk export has
    no post ids (chatcode derives them), so posts are matched by group, author, time, text."""
    manifest = datasets.sample_manifest()
    jsonl = chatcode.ingest(manifest["exports_jsonl"], roles=manifest["roles"],
                            timezone=manifest["timezone"])
    got_posts, got_reactions = _keyed(jsonl)
    want_posts, want_reactions = _keyed(sample[0])
    assert got_posts[S.POST_ID].is_unique
    pd.testing.assert_frame_equal(got_posts, want_posts)
    pd.testing.assert_frame_equal(got_reactions, want_reactions)


@pytest.mark.slow
def test_regenerating_gives_byte_identical_files(tmp_path):
    """``python -m chatcode.reproduce.datasets.build diabpeers --out DIR`` writes the committed
    files."""
    from chatcode.reproduce.datasets.build import main

    assert main(["diabpeers", "--out", str(tmp_path)]) == 0
    for name in GENERATED:
        assert filecmp.cmp(tmp_path / name, SAMPLE / name, shallow=False), name


# --- the solver ------------------------------------------------------------------------


def test_round_half_up_as_printed():
    """SPSS displays 0.605 as 0.61 (half up); Python's round gives 0.6 (binary float)."""
    assert SV.round_half_up(0.605, 2) == Decimal("0.61")
    assert SV.round_half_up(2.4445, 3) == Decimal("2.445")


@pytest.mark.parametrize(("n", "mean", "sd"), [(3, "0.67", "0.577"), (4, "1.25", "0.957"),
                                               (5, "2.40", "2.074")])
def test_feasible_sums_match_brute_force(n, mean, sd):
    """Every multiset of n integers 0..12, with statistics.mean/stdev rounded half up."""
    want = set()
    for values in itertools.combinations_with_replacement(range(13), n):
        if (printed(statistics.mean(values), mean) == mean
                and printed(statistics.stdev(values), sd) == sd):
            want.add((sum(values), sum(v * v for v in values)))
    assert want
    assert set(SV.feasible_sums(n, mean, sd)) == want


def test_medical_cell_is_0_1_1():
    """Table 10, medical support: 0.67 (0.577) from 3 posts is only the values 0, 1, 1."""
    assert SV.feasible_sums(3, "0.67", "0.577") == [(2, 2)]


def test_mannwhitney_z_matches_scipy():
    """The histogram z gives scipy's asymptotic p (tie correction, no continuity)."""
    rng = np.random.default_rng(3)
    y = np.minimum(rng.negative_binomial(0.6, 0.45, 500), 12)
    mask = rng.random(500) < 0.3
    z = SV.mannwhitney_z(np.bincount(y[mask], minlength=13).astype(float),
                         np.bincount(y, minlength=13).astype(float))
    ref = stats.mannwhitneyu(y[mask], y[~mask], use_continuity=False, method="asymptotic")
    assert 2 * stats.norm.sf(abs(z)) == pytest.approx(ref.pvalue, rel=1e-9)


def test_solver_meets_every_cell_of_a_small_problem():
    """Cells made from a known vector are met again, from another start."""
    rng = np.random.default_rng(0)
    truth = np.minimum(rng.negative_binomial(0.7, 0.4, 120), 12)
    mask = np.zeros(120, dtype=bool)
    mask[:30] = True
    s, q = int(truth[mask].sum()), int((truth[mask] ** 2).sum())
    problem = SV.Problem(120, [SV.Cell("c", mask, np.array([[s, q]], dtype=float))],
                         (int(truth.sum()), int((truth ** 2).sum())))
    r = SV.solve_responses(problem, np.zeros(120, dtype=int), seed=1, max_steps=200_000)
    assert (int(r[mask].sum()), int((r[mask] ** 2).sum())) == (s, q)
    assert (int(r.sum()), int((r ** 2).sum())) == problem.total
    assert r.min() >= 0 and r.max() <= 12


def test_sample_dir_missing_says_to_pass_the_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "_repo", lambda: tmp_path)
    with pytest.raises(ChatcodeError, match=re.escape(
            "the bundled sample 'diabpeers' is not there")) as info:
        datasets.sample_dir()
    assert "pass the sample folder" in str(info.value)


def test_build_verify_names_a_missed_figure(sample):
    """The build's own check goes through the pipeline and names what misses."""
    from chatcode.reproduce.datasets.build import verify

    assert verify(SAMPLE, PUBLISHED) == []
    changed = yaml.safe_load((SAMPLE / "published.yaml").read_text(encoding="utf-8"))
    changed["tables"][0]["rows"][1]["with"]["sd"] = "2.445"
    assert verify(SAMPLE, changed) == [
        "table 7, reminder, sd_with: 2.4437 is not 2.445".replace("2.4437",
                                                                  _reminder_sd(sample[3]))]


def _reminder_sd(coded) -> str:
    """The SD the pipeline gives, from the module's sample (loaded once)."""
    units, nudge = coded.codes_of("nudge")
    return str(units[S.RESPONSES][nudge["reminder"].eq(1).to_numpy()].std(ddof=1))
