"""The engagement tables (chatcode.tables.layouts) and their formats
(chatcode.tables.report) on a small
hand-made coded chat (tests/fixtures/tables): every figure is computed again here with plain
numpy/scipy from the fixture's wide codes file and the responses counted by hand."""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import chatcode
from chatcode.codebook import codebook_from_dict, codebook_to_dict, load_codebook
from chatcode.coding.codes import read_codes
from chatcode.corpus import schema as S
from chatcode.errors import ChatcodeError, ChatcodeWarning, CodebookError, TablesError
from chatcode.tables.layouts import (
    build_table,
    build_tables,
    coded_posts,
    frequencies_table,
    participation_table,
    select_tables,
    support_characteristics_table,
    table_specs,
    topics_table,
    with_without_table,
)
from chatcode.tables.report import (
    journal_frame,
    mean_sd,
    to_csv,
    to_json,
    to_markdown,
    write_workbook,
)

HERE = Path(__file__).parents[1] / "fixtures" / "tables"
# Responses per post 1..18, counted by hand from corpus/posts.csv and reactions.csv:
# replies + reactions + reactions to replies, none by the post's own author (post 1: the
# reaction of mod1 on its own post and on reply 2 do not count; post 16: the self-reply 17).
RESPONSES = [4, 1, 0, 1, 2, 0, 2, 0, 0, 0, 4, 0, 0, 2, 0, 1, 0, 1]
SUPPORT = ["informational", "emotional", "technical"]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(HERE / "codebook.yaml")


@pytest.fixture(scope="module")
def corpus():
    return chatcode.read_corpus(HERE / "corpus")


@pytest.fixture(scope="module")
def codes(codebook):
    return read_codes(HERE / "codes.csv", codebook=codebook)


@pytest.fixture(scope="module")
def coded(corpus, codes, codebook):
    return coded_posts(corpus, codes, codebook)


@pytest.fixture(scope="module")
def wide():
    """The fixture's codes, one row per post (the hand-written source of codes.csv)."""
    w = pd.read_csv(HERE / "codes_wide.csv", dtype={"post_id": str, "topic": str})
    return w.assign(responses=RESPONSES,
                    role=pd.read_csv(HERE / "corpus" / "posts.csv")["role"],
                    group=pd.read_csv(HERE / "corpus" / "posts.csv")["group"])


def test_units_are_the_coded_posts_with_their_responses(coded, corpus):
    assert coded.units[S.POST_ID].tolist() == [str(i) for i in range(1, 19)]
    assert coded.units[S.RESPONSES].tolist() == RESPONSES
    assert (coded.coder, coded.pass_) == ("A", "main")
    assert coded.notes == ()


def _enumerated_p(a, b):
    """The two-sided permutation p of the rank sum of ``a`` by enumerating every subset of
    the pooled posts (as scipy.stats.permutation_test, which needs 2+ posts per group)."""
    import itertools

    ranks = stats.rankdata(np.r_[a, b])
    t = ranks[: len(a)].sum()
    sums = np.array([ranks[list(c)].sum()
                     for c in itertools.combinations(range(len(ranks)), len(a))])
    return min(1.0, 2 * min(np.mean(sums <= t + 1e-9), np.mean(sums >= t - 1e-9)))


def test_with_without_table_against_numpy_and_scipy(coded, wide):
    table = with_without_table(coded, dimension="support", labels={"informational": "Info"})
    assert table["code"].tolist() == SUPPORT
    assert table["label"].tolist() == ["Info", "Emotional support", "Technical support"]
    y = wide["responses"].to_numpy(dtype=float)
    for _, row in table.iterrows():
        has = wide[row["code"]].to_numpy() == 1
        a, b = y[has], y[~has]
        assert (row["n_with"], row["n_without"]) == (len(a), len(b))
        assert row["pct_with"] == pytest.approx(100 * len(a) / 18)
        assert row["mean_with"] == pytest.approx(a.mean())
        assert row["mean_without"] == pytest.approx(b.mean())
        assert row["sd_without"] == pytest.approx(b.std(ddof=1))
        if len(a) > 1:
            assert row["sd_with"] == pytest.approx(a.std(ddof=1))
        ref = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=False)
        assert row["statistic"] == ref.statistic
        # groups under 30 posts: the exact permutation p (scipy.stats.permutation_test)
        assert row["p_method"] == "exact"
        assert row["p_value"] == pytest.approx(_enumerated_p(a, b), rel=1e-9)
        if len(a) > 1:
            perm = stats.permutation_test(
                (a, b), lambda x, z, axis: stats.mannwhitneyu(x, z, axis=axis).statistic,
                vectorized=True, n_resamples=np.inf)
            assert row["p_value"] == pytest.approx(perm.pvalue, rel=1e-9)
    assert math.isnan(table.loc[2, "sd_with"])  # one technical post


def test_table_7_rows_and_stars(coded, codebook, wide):
    t = build_table(coded, codebook.table("7"))
    assert t.data["code"].tolist() == ["question", "quiz"]  # the declared row order
    y = wide["responses"].to_numpy(dtype=float)
    quiz = wide["quiz"].to_numpy() == 1
    p = stats.mannwhitneyu(y[quiz], y[~quiz], method="asymptotic", use_continuity=False).pvalue
    assert 0.01 <= p < 0.05 and t.data["stars"].tolist()[1] == "**"
    assert t.test.startswith("Mann-Whitney U test") and t.dimension_label == "Nudging approach"
    frame = journal_frame(t)
    assert frame.iloc[1, 1] == mean_sd(y[quiz].mean(), y[quiz].std(ddof=1), "**")
    assert frame.iloc[1, 1] == "4.00** (0.000)"


def test_support_characteristics_against_pandas(coded, wide):
    table = support_characteristics_table(coded, dimension="support")
    support_posts = (wide[SUPPORT] == 1).any(axis=1).sum()
    for _, row in table.iterrows():
        mine = wide[wide[row["code"]] == 1]
        assert row["n"] == len(mine)
        assert row["pct_of_support_posts"] == pytest.approx(100 * len(mine) / support_posts)
        assert row["pct_of_all_posts"] == pytest.approx(100 * len(mine) / len(wide))
        n_mod = (mine["role"] == "moderator").sum()
        assert row["n_moderator"] == n_mod
        assert row["pct_moderator"] == pytest.approx(100 * n_mod / len(mine))
        assert row["n_participant"] == (mine["role"] == "participant").sum()
        assert row["n_other"] == 0
    assert support_posts == 12


def test_topics_against_pandas(coded, wide):
    table = topics_table(coded, dimension="topic")
    assert table["code"].tolist() == ["eating", "activity", "other"]
    for _, row in table.iterrows():
        y = wide.loc[wide["topic"] == row["code"], "responses"].to_numpy(dtype=float)
        assert row["n"] == len(y)
        assert row["pct"] == pytest.approx(100 * len(y) / 18)
        assert row["mean"] == pytest.approx(y.mean())
        assert row["sd"] == pytest.approx(y.std(ddof=1))
    t = build_table(coded, select_tables(coded.codebook, "11")[0])
    assert t.notes == ("1 of the 18 posts coded in 'topic' have none of its codes",)


def test_frequencies_by_group_and_role(coded, wide):
    table = frequencies_table(coded, dimension="nudge")
    for by, level in (("all", "all"), ("group", "g1"), ("group", "g2"), ("role", "moderator"),
                      ("role", "participant")):
        sub = wide if by == "all" else wide[wide[by] == level]
        row = table[(table["code"] == "question") & (table["by"] == by)
                    & (table["level"] == level)].iloc[0]
        assert row["n_posts"] == len(sub)
        assert row["n"] == (sub["question"] == 1).sum()
        assert row["pct"] == pytest.approx(100 * (sub["question"] == 1).mean())
    assert set(frequencies_table(coded)["dimension"]) == {"support", "topic", "nudge"}


def test_frequencies_counted_a_few_posts_at_a_time(coded, monkeypatch):
    """The cells holding a 1 are counted a block of posts at a time; blocks of 1, 2 and 5
    posts give the table one block gives."""
    import chatcode.tables.layouts as layouts

    whole = frequencies_table(coded)
    for step in (1, 2, 5):
        monkeypatch.setattr(layouts, "_COUNT_BLOCK", step)
        pd.testing.assert_frame_equal(frequencies_table(coded), whole)


def test_latency_table_from_the_hand_counted_delays(coded, codebook):
    """Counted replies and their delays in hours: g1 posts 2, 3, 6, 8 (1.5, 3, 2, 6); g2
    posts 12, 13, 15 (2, 4, 2); the self-reply 17 does not count."""
    t = build_table(coded, codebook.table("latency"))
    g1, g2 = np.array([1.5, 3, 2, 6]), np.array([2.0, 4, 2])
    rows = t.data.set_index("group")
    for name, hours in (("all", np.r_[g1, g2]), ("g1", g1), ("g2", g2)):
        assert rows.loc[name, "n"] == len(hours)
        assert rows.loc[name, "mean_hours"] == pytest.approx(hours.mean())
        assert rows.loc[name, "median_hours"] == pytest.approx(np.median(hours))
        assert rows.loc[name, "q1_hours"] == pytest.approx(np.percentile(hours, 25))
    assert rows.loc["all", "formatted"] == "2 h 56 min"  # 20.5 h / 7 = 2.93 h


def test_participation_per_week_by_hand(coded):
    """Group g1 starts on Monday 2023-03-06: week 1 has posts 1-6 (moderator 1, 4, 6 with
    4 + 1 + 0 responses; participants 2, 3, 5 with 1 + 0 + 2), week 2 posts 7 (mod, 2)
    and 8, week 3 posts 9 (mod) and 10."""
    t = participation_table(coded)
    g1 = t[t["group"] == "g1"].set_index(["role", "week"])
    assert g1.loc[("moderator", 1), ["posts", "authors", "responses"]].tolist() == [3, 1, 5]
    assert g1.loc[("participant", 1), ["posts", "authors", "responses"]].tolist() == [3, 2, 3]
    assert g1.loc[("moderator", 2), "responses"] == 2
    assert g1.loc[("participant", 3), "week_start"] == "2023-03-20"
    assert g1.loc[("moderator", 1), "mean_responses"] == pytest.approx(5 / 3)
    weekly = participation_table(coded, by=("group",))
    assert weekly[weekly["group"] == "g2"]["posts"].tolist() == [5, 3]


def test_empty_weeks_are_rows_of_zero():
    posts = pd.DataFrame({"post_id": ["1", "2"], "group": "g", "author": ["a", "b"],
                          "timestamp": ["2023-01-02T10:00:00Z", "2023-01-20T10:00:00Z"],
                          "text": ["x", "y"]})
    t = participation_table(chatcode.Corpus(posts), by=("group",))
    assert t["week"].tolist() == [1, 2, 3] and t["posts"].tolist() == [1, 0, 1]
    assert math.isnan(t["mean_responses"].iat[1])


def test_the_codebook_declares_the_tables(coded, codebook):
    ids = [t.id for t in build_tables(coded)]
    assert ids == ["10", "9", "11", "7", "latency"]
    assert [t.id for t in select_tables(codebook, ["7,10", "participation"])] == [
        "7", "10", "participation"]
    assert [t.id for t in table_specs(codebook)][-2:] == ["frequencies", "participation"]
    with pytest.raises(TablesError, match=re.escape(
            "the codebook 'tables-test' declares no table '99', 'x'")):
        select_tables(codebook, ["99", "x"])


def test_options_in_the_codebook_and_overrides(coded, codebook):
    data = codebook_to_dict(codebook)
    data["tables"][0]["options"] = {"test": "welch", "adjust": "holm"}
    cb = codebook_from_dict(data)
    spec = cb.table("10")
    assert build_table(coded, spec).test.startswith("Welch's t-test")
    assert build_table(coded, spec).test.endswith("adjusted by Holm")
    assert build_table(coded, spec, test="student").test.startswith("Student")
    data["tables"][0]["options"] = {"colour": "red"}
    with pytest.raises(TablesError, match=re.escape("table '10' has the unknown option(s) "
                                                    "colour")):
        build_table(coded, codebook_from_dict(data).table("10"))


def test_default_tables_when_the_codebook_declares_none(corpus, codes, codebook):
    data = codebook_to_dict(codebook)
    del data["tables"]
    cb = codebook_from_dict(data)
    coded = coded_posts(corpus, codes.assign(codebook_hash=cb.hash), cb)
    assert [t.id for t in build_tables(coded)] == [
        "with_without_support", "topics_topic", "with_without_nudge", "frequencies",
        "latency", "participation"]


def test_several_coders_need_a_choice(corpus, codes, codebook):
    other = codes[codes[S.POST_ID].isin(["1", "2", "3"])].assign(coder="B", **{S.PASS: "pre"})
    both = pd.concat([codes, other], ignore_index=True)
    with pytest.raises(TablesError, match=re.escape(
            "the codes hold 2 coder/pass combinations: A/main, B/pre")):
        coded_posts(corpus, both, codebook)
    with pytest.warns(ChatcodeWarning, match=re.escape(
            "15 of the 18 posts of the corpus have no codes (coder B, pass pre): left out")):
        b = coded_posts(corpus, both, codebook, coder="B")
    assert b.units[S.POST_ID].tolist() == ["1", "2", "3"]
    with pytest.raises(TablesError, match=re.escape("the codes hold no coder/pass 'C'")):
        coded_posts(corpus, both, codebook, coder="C")


def test_posts_without_codes_are_left_out_or_an_error(corpus, codes, codebook):
    some = codes[~codes[S.POST_ID].isin(["17", "18"])]
    with pytest.warns(ChatcodeWarning, match=re.escape("2 of the 18 posts of the corpus have "
                                                       "no codes")):
        coded = coded_posts(corpus, some, codebook)
    assert len(coded.units) == 16 and "2 of the 18" in coded.notes[0]
    with pytest.raises(TablesError, match=re.escape("2 of the 18 posts of the corpus have no "
                                                    "codes (coder A, pass main)")):
        coded_posts(corpus, some, codebook, strict=True)


def test_codes_of_posts_not_in_the_corpus_are_listed(corpus, codes, codebook):
    extra = codes[codes[S.POST_ID].eq("1")].assign(post_id="404")
    with pytest.raises(TablesError, match=re.escape(
            "1 coded post(s) are not in the corpus (8 rows, coder A, pass main): 404")):
        coded_posts(corpus, pd.concat([codes, extra]), codebook)


def test_every_problem_of_the_codes_is_reported_at_once(corpus, codes, codebook):
    bad = codes.copy()
    bad.loc[0, S.CODE] = "gossip"
    bad.loc[5, S.VALUE] = 7
    with pytest.raises(TablesError) as info:
        coded_posts(corpus, bad, codebook)
    text = str(info.value)
    assert "codes not in the codebook 'tables-test' version 1: support:gossip" in text
    assert "1 value(s) are not 0 or 1, e.g. 7" in text


@pytest.mark.parametrize("dtype", ["int64", "int8", "int32"])
@pytest.mark.parametrize("wrong", [-1, 2, -128])
def test_integer_values_other_than_0_and_1_are_named(corpus, codes, codebook, dtype, wrong):
    """Integer values are checked as unsigned numbers (0 and 1 are the only ones below 2),
    so a negative value is caught as well as a large one."""
    bad = codes.assign(value=codes[S.VALUE].astype(dtype))
    bad.loc[5, S.VALUE] = wrong
    with pytest.raises(TablesError, match=re.escape(f"1 value(s) are not 0 or 1, e.g. {wrong}")):
        coded_posts(corpus, bad, codebook)


def test_incomplete_repeated_and_single_choice_codes(corpus, codes, codebook):
    missing = codes.drop(index=codes.index[(codes[S.POST_ID] == "4")
                                           & (codes[S.CODE] == "emotional")])
    with pytest.raises(TablesError, match=re.escape(
            "1 post(s) lack rows for some codes of dimension 'support' (coder A, pass main), "
            "e.g. 4")):
        coded_posts(corpus, missing, codebook)
    twice = pd.concat([codes, codes.iloc[[0]]], ignore_index=True)
    with pytest.raises(TablesError, match=re.escape(
            "1 decision(s) appear more than once, e.g. post 1 support:informational")):
        coded_posts(corpus, twice, codebook)
    two_topics = codes.copy()
    two_topics.loc[(codes[S.POST_ID] == "2") & (codes[S.CODE] == "other"), S.VALUE] = 1
    with pytest.raises(TablesError, match=re.escape(
            "1 post(s) have several codes of the single-choice dimension 'topic', e.g. 2")):
        coded_posts(corpus, two_topics, codebook)


def test_posts_not_coded_in_a_dimension_are_noted(corpus, codes, codebook):
    fewer = codes[~((codes[S.DIMENSION] == "nudge") & codes[S.POST_ID].isin(["5", "6"]))]
    coded = coded_posts(corpus, fewer, codebook)
    t = build_table(coded, codebook.table("7"))
    assert t.data["n_with"].sum() + t.data["n_without"].sum() == 2 * 16
    assert t.notes[0] == ("2 of the 18 coded posts are not coded in dimension 'nudge': left "
                          "out of this table")


def test_unknown_dimension_and_code(coded):
    with pytest.raises(CodebookError, match=re.escape("has no dimension 'mood'")):
        with_without_table(coded, dimension="mood")
    with pytest.raises(TablesError, match=re.escape("dimension 'support' has no code(s) fun")):
        with_without_table(coded, dimension="support", rows=["fun"])


def test_the_callers_tables_are_not_changed(corpus, codes, codebook):
    before_codes, before_posts = codes.copy(), corpus.posts.copy()
    coded_posts(corpus, codes, codebook)
    pd.testing.assert_frame_equal(codes, before_codes)
    pd.testing.assert_frame_equal(corpus.posts, before_posts)


def test_json_follows_the_contract(coded):
    doc = json.loads(to_json(build_tables(coded, tables=["10", "9", "11", "latency"])))
    t10, t9, t11, lat = doc["tables"]
    assert {"id", "title", "kind", "dimension", "test", "rows"} <= set(t10)
    assert {"code", "label", "n_with", "mean_with", "sd_with", "n_without", "mean_without",
            "sd_without", "statistic", "p_value", "stars"} <= set(t10["rows"][0])
    assert t10["rows"][2]["sd_with"] is None  # NaN -> null
    assert t10["rows"][0]["mean_without"] == 1.0 and t10["rows"][1]["mean_without"] == (
        pytest.approx(12 / 13, abs=0))  # unrounded
    assert {"code", "n", "pct_of_support_posts", "pct_of_all_posts", "n_moderator",
            "pct_moderator", "n_participant", "pct_participant"} <= set(t9["rows"][0])
    assert t9["summary"]["n_support_posts"] == 12
    assert set(t11["rows"][0]) >= {"code", "n", "pct", "mean", "sd"}
    assert lat["rows"][0]["group"] == "all" and lat["rows"][0]["formatted"] == "2 h 56 min"


def test_csv_keeps_counts_whole_and_names_the_table(coded):
    text = to_csv(build_tables(coded, tables=["9", "11"]))
    back = pd.read_csv(pd.io.common.StringIO(text), dtype=str)
    assert back.columns[0] == "table" and back["table"].tolist() == ["9"] * 3 + ["11"] * 3
    assert back["n"].tolist() == ["7", "5", "1", "6", "3", "8"]


def test_markdown_is_the_journal_layout(coded):
    md = to_markdown(build_tables(coded, tables=["7"]))
    assert "### Table 7. Responses to nudging approaches" in md
    assert "| Playful approaches | 4.00** (0.000) | 0.62 (0.806) | 2 | 11.1 | 16 |" in md
    assert "*Test: Mann-Whitney U test (two-sided" in md and "** p < .05" in md


def test_journal_cells():
    assert mean_sd(0.54, 1.033, "*") == "0.54* (1.033)"
    assert mean_sd(0.6, float("nan")) == "0.60 (n/a)"


def test_workbook_is_journal_style_with_provenance(tmp_path, coded, codebook):
    from openpyxl import load_workbook

    data = codebook_to_dict(codebook)
    data["tables"][3]["labels"] = {"quiz": "=HYPERLINK(\"http://x\",\"quiz\")"}
    cb = codebook_from_dict(data)
    built = build_tables(coded, tables=["7", "9", "latency"])
    built[0] = build_table(coded, cb.table("7"))
    path = tmp_path / "t.xlsx"
    digest = hashlib.sha256((HERE / "codes.csv").read_bytes()).hexdigest()
    write_workbook(built, path, provenance=[("codebook_hash", codebook.hash),
                                            (f"input sha256 {HERE / 'codes.csv'}", digest)])
    wb = load_workbook(path)
    assert wb.sheetnames == ["Table 7", "Table 9", "Reply delay", "Provenance"]
    ws = wb["Table 7"]
    assert (ws["A1"].value, ws["A2"].value) == ("Table 7", "Responses to nudging approaches")
    # a spanning header over the n, %, M, SD of the posts with / without the code
    assert ("B4:E4" in ws.merged_cells, ws["B4"].value, ws["F4"].value) == (
        True, "With", "Without")
    assert [c.value for c in ws[5]] == ["Nudging approach", "n", "%", "M", "SD", "n", "M",
                                        "SD", "U", "p", "Sig."]
    assert ws["A7"].value == "=HYPERLINK(\"http://x\",\"quiz\")" and ws["A7"].data_type == "s"
    # numbers are numbers, with the journal's number formats; stars in their own column
    assert (ws["D7"].value, ws["D7"].data_type, ws["D7"].number_format) == (4.0, "n", "0.00")
    assert (ws["E7"].value, ws["E7"].number_format) == (0.0, "0.000")
    assert (ws["I7"].value, ws["I6"].value) == (32, 45.5)
    assert ws["J7"].number_format == '[<0.001]"<.001";.000' and ws["K7"].value == "**"
    assert ws["A9"].value.startswith("Note. Test: Mann-Whitney U test")
    assert ws["A9"].alignment.wrap_text and "A9:K9" in ws.merged_cells
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    prov = dict(wb["Provenance"].iter_rows(min_row=2, values_only=True))
    assert prov[f"input sha256 {HERE / 'codes.csv'}"] == digest
    with pytest.raises(ChatcodeError, match=re.escape("already exists")):
        write_workbook(built, path)


def test_negbin_table_names_the_model_and_the_clusters(coded):
    t = build_table(coded, select_tables(coded.codebook, "10")[0], test="negbin",
                    cluster="author")
    assert "cluster-robust SEs by author" in t.test
    assert {"irr", "irr_ci_low", "irr_ci_high"} <= set(t.data.columns)
    frame = journal_frame(t)
    assert "IRR (95% CI)" in frame.columns and frame["IRR (95% CI)"].iat[2] == "n/a"


def test_no_warning_on_a_clean_corpus(corpus, codes, codebook):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_tables(coded_posts(corpus, codes, codebook), tables="all")


def test_row_order_of_the_codes_does_not_matter(corpus, codes, codebook, coded):
    """A regular codes table (post by post, codes in one order) takes a fast path; a
    shuffled one is looked up row by row. Both give the same code matrix."""
    shuffled = codes.sample(frac=1, random_state=3).reset_index(drop=True)
    again = coded_posts(corpus, shuffled, codebook)
    np.testing.assert_array_equal(again.values, coded.values)
    reordered = codes.sort_values([S.POST_ID, S.CODE], key=lambda s: s.str.len() * 100
                                  + s.str[:1].map(ord)).reset_index(drop=True)
    np.testing.assert_array_equal(coded_posts(corpus, reordered, codebook).values,
                                  coded.values)
    ints = codes.assign(post_id=codes[S.POST_ID].astype(int), value=codes[S.VALUE].astype(str))
    np.testing.assert_array_equal(coded_posts(corpus, ints, codebook).values, coded.values)


def test_a_table_that_is_not_a_codes_table(corpus, codes, codebook):
    with pytest.raises(TablesError, match=re.escape(
            "not a codes table: missing column(s) coder, pass")):
        coded_posts(corpus, codes.drop(columns=[S.CODER, S.PASS]), codebook)


def test_every_table_names_replies_inferred_from_timing(corpus, codes, codebook):
    """WhatsApp: inferred reply links are marked in the corpus and named in
    every report; a corpus without them gets no such note."""
    from chatcode.corpus import schema as S
    from chatcode.corpus.corpus import Corpus

    plain = build_tables(coded_posts(corpus, codes, codebook))
    assert not any("inferred" in n for t in plain for n in t.notes)
    posts = corpus.posts.copy()
    replies = posts[S.PARENT_ID].notna()
    posts[S.REPLY_INFERRED] = replies.map({True: "TRUE", False: "FALSE"})
    marked = Corpus.trusted(posts, corpus.reactions)
    tables = build_tables(coded_posts(marked, codes, codebook))
    expected = (f"{int(replies.sum())} of the {int(replies.sum())} replies were inferred from "
                "timing")
    assert tables and all(any(expected in n for n in t.notes) for t in tables)


def test_codes_read_from_parquet_in_many_chunks_give_the_same_coded_posts(
        corpus, codes, codebook, coded, tmp_path):
    """A codes table stored as Parquet comes back in chunks (one per row group); the code
    matrix and the units are the same as from the contiguous table."""
    import pyarrow.parquet as pq

    path = tmp_path / "codes.parquet"
    codes.to_parquet(path, index=False, row_group_size=7)
    chunked = pd.read_parquet(path)
    assert pq.ParquetFile(path).num_row_groups > 1
    again = chatcode.coded_posts(corpus, chunked, codebook)
    np.testing.assert_array_equal(again.values, coded.values)
    pd.testing.assert_frame_equal(again.units, coded.units)


def test_codes_held_as_categoricals_give_the_same_coded_posts(corpus, codes, codebook, coded):
    """A large codes table is held with categorical text columns and int8 values (a few
    bytes a row); the code matrix and the units are the same as from text columns, in the
    regular layout and when the rows are shuffled (every row looked up on its own)."""
    compact = codes.astype({c: "category" for c in (S.POST_ID, S.CODER, S.PASS, S.DIMENSION,
                                                    S.CODE)} | {S.VALUE: "int8"})
    for table in (compact, compact.sample(frac=1.0, random_state=3)):
        again = chatcode.coded_posts(corpus, table, codebook)
        np.testing.assert_array_equal(again.values, coded.values)
        pd.testing.assert_frame_equal(again.units, coded.units)


def test_unknown_codes_in_categorical_columns_are_named(corpus, codes, codebook):
    compact = codes.astype({S.DIMENSION: "category", S.CODE: "category"})
    compact[S.CODE] = compact[S.CODE].cat.rename_categories(
        lambda c: "nonsense" if c == codes[S.CODE].iat[0] else c)
    with pytest.raises(TablesError, match="codes not in the codebook .*nonsense"):
        coded_posts(corpus, compact, codebook)


@pytest.mark.parametrize("values", [["A", "A"], ["A", None], [None, None], ["A"]])
@pytest.mark.parametrize("categories", [["A"], ["A", "B"]])
def test_distinct_coders_of_a_categorical_column_equal_those_of_text(values, categories):
    """A categorical coder or pass column with one category is answered from its codes'
    minimum and maximum; the answer is that of the same values as text."""
    from chatcode.engagement.coded import _distinct

    cat = pd.Series(pd.Categorical(values, categories=categories))
    assert _distinct(cat) == _distinct(pd.Series(values, dtype="str"))


@pytest.mark.parametrize("dtype", ["int8", "float64", "str"])
def test_code_matrix_is_the_same_for_any_type_of_values(corpus, codes, codebook, dtype):
    """Values 0 and 1 as int8, floats or text fill the int8 code matrix alike (a regular
    table is copied in one pass, casting)."""
    expected = coded_posts(corpus, codes, codebook)
    got = coded_posts(corpus, codes.assign(value=codes[S.VALUE].astype(dtype)), codebook)
    assert got.values.dtype == np.int8
    assert np.array_equal(got.values, expected.values)
