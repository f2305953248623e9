"""Coding suggestions: the agreement table, the gate, the active-learning order, the pluggable
feature step, and the rule that a suggestion is never a decision (sheet, store, coder)."""

from __future__ import annotations

import asyncio
import sqlite3
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from chatcode.cli import app
from chatcode.codebook import load_codebook
from chatcode.coding.codes import read_codes, read_sheet, validate_codes
from chatcode.coding.sheets import write_sheet
from chatcode.coding.store import CodingStore, read_store, stored_order
from chatcode.coding.suggest import label_matrix, labels_of, train_suggester
from chatcode.coding.suggest_eval import agreement_table, evaluate, gate_of, posts_needed
from chatcode.coding.suggest_features import EmbeddingFeatures
from chatcode.coding.suggest_order import order_uncertain
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import Corpus, write_corpus
from chatcode.errors import CodingError

FIX = Path(__file__).parents[1] / "fixtures" / "tui"
CB = load_codebook(FIX / "codebook.yaml")
TOPIC_WORDS = {"food": ["porridge", "carbs", "bread", "salad"],
               "insulin": ["sensor", "pump", "injection", "pen"],
               "sport": ["walk", "swim", "bike", "steps"]}


def make_data(n: int = 160, seed: int = 1) -> tuple[Corpus, pd.DataFrame]:
    """Posts whose codes follow from their words (emotional: "great job", informational:
    "tip:", topic: its words, question: "?"), except esteem, which is a coin flip that no
    text shows: the models can learn every code but esteem."""
    rng = np.random.default_rng(seed)
    rows, codes = [], []
    for i in range(n):
        topic = ["food", "insulin", "sport"][i % 3]
        words = list(rng.choice(TOPIC_WORDS[topic], size=3))
        emotional, info, question = rng.random() < 0.4, rng.random() < 0.5, rng.random() < 0.3
        text = " ".join(words) + (" great job" if emotional else "") + (
            " tip: try it" if info else "") + (" ok?" if question else " ok")
        pid = f"p{i:03d}"
        rows.append({"post_id": pid, "group": "g1",
                     "timestamp": pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(
                         minutes=i), "author": f"u{i % 7}", "role": "participant",
                     "text": text, "parent_id": None, "attachments": 0})
        truth = {"informational": info, "emotional": emotional,
                 "esteem": rng.random() < 0.3, "food": topic == "food",
                 "insulin": topic == "insulin", "sport": topic == "sport",
                 "question": question, "tip": False}
        for dim, code, _ in labels_of(CB):
            codes.append({"post_id": pid, "coder": "anna", "pass": "main", "dimension": dim,
                          "code": code, "value": int(truth[code])})
    return Corpus(pd.DataFrame(rows)), validate_codes(pd.DataFrame(codes), codebook=CB)


CORPUS, CODES = make_data()


# --- agreement and the gate -------------------------------------------------------------------

def test_agreement_table_matches_scikit_learn():
    """Kappa, precision, recall and F1 of model vs human agree with scikit-learn's
    cohen_kappa_score, precision_score, recall_score and f1_score (an independent
    implementation), code by code."""
    from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score

    rng = np.random.default_rng(3)
    human = (rng.random((200, 4)) < [0.1, 0.3, 0.5, 0.05]).astype(int)
    model = np.where(rng.random((200, 4)) < 0.8, human, 1 - human)
    layout = [("d", f"c{j}", True) for j in range(4)]
    table = agreement_table(human, model, layout)
    for j in range(4):
        row = table.iloc[j]
        assert row["kappa"] == pytest.approx(cohen_kappa_score(human[:, j], model[:, j]))
        assert row["precision"] == pytest.approx(precision_score(human[:, j], model[:, j]))
        assert row["recall"] == pytest.approx(recall_score(human[:, j], model[:, j]))
        assert row["f1"] == pytest.approx(f1_score(human[:, j], model[:, j]))
        assert row["kappa_ci_low"] < row["kappa"] < row["kappa_ci_high"]


def test_gate_uses_the_lower_ci_bound_and_never_opens_an_undefined_or_rare_kappa():
    table = pd.DataFrame({"dimension": ["d"] * 5, "code": ["a", "b", "c", "d", "e"],
                          "human_yes": [40, 40, 40, 10, 9],
                          "kappa": [0.95, 0.85, np.nan, 0.9, 1.0],
                          "kappa_ci_low": [0.8, 0.79, np.nan, 0.81, 1.0]})
    assert gate_of(table, 0.8) == {"d:a": True, "d:b": False, "d:c": False, "d:d": True,
                                   "d:e": False}      # e: perfect, but only 9 posts
    assert gate_of(table, 0.85) == {"d:a": False, "d:b": False, "d:c": False, "d:d": False,
                                    "d:e": False}


def test_gate_opens_for_learnable_codes_and_stays_closed_for_a_coin_flip():
    s = train_suggester(CORPUS, CODES, CB, folds=4, min_kappa=0.8)
    assert s.gate["support:emotional"] and s.gate["support:informational"]
    assert s.gate["topic:food"] and s.gate["nudge:question"]
    assert not s.gate["support:esteem"]          # not in the text: cannot be learnt
    assert not s.gate["nudge:tip"]               # never used: kappa undefined
    rows = s.suggest(CORPUS.posts.head(30))
    assert not rows.loc[rows["code"].eq("esteem"), "suggested"].any()
    # a single-choice dimension gets at most one suggested code per post
    topic = rows[rows["dimension"].eq("topic") & rows["suggested"]]
    assert topic.groupby("post_id").size().max() == 1


def test_a_higher_bar_closes_more_gates():
    low = train_suggester(CORPUS, CODES, CB, folds=4, min_kappa=0.5)
    high = train_suggester(CORPUS, CODES, CB, folds=4, min_kappa=1.0)
    assert set(high.gated_codes()) < set(low.gated_codes())


def test_too_few_coded_posts_and_an_ambiguous_pass_are_errors():
    few = CODES[CODES["post_id"].isin(CORPUS.posts["post_id"].head(10))]
    with pytest.raises(CodingError, match="at least 20 coded posts"):
        train_suggester(CORPUS, few, CB)
    other = CODES.assign(coder="ben")
    with pytest.raises(CodingError, match="several coding pass"):
        train_suggester(CORPUS, pd.concat([CODES, other]), CB)


def test_evaluation_curve_and_posts_needed():
    ev = evaluate(CORPUS, CODES, CB, folds=4, sizes=[20, 40, 80])
    assert sorted(ev.curve["n_train"].unique()) == [20, 40, 80, 120]
    emotional = ev.table.set_index("code").loc["emotional"]
    assert emotional["gate_open"] and emotional["posts_needed"] <= 120
    assert pd.isna(ev.table.set_index("code").loc["esteem", "posts_needed"])
    fig = ev.figure()
    assert len(fig.axes) == len(CB.dimensions)


def test_posts_needed_is_where_the_bar_is_kept_from_then_on():
    curve = pd.DataFrame({"n_train": [10, 20, 30, 40], "dimension": "d", "code": "a",
                          "human_yes": 30,
                          "kappa": [0.5, 0.9, 0.7, 0.95],
                          "kappa_ci_low": [0.4, 0.85, 0.6, 0.9]})
    assert posts_needed(curve, 0.8)["posts_needed"].tolist() == [40]


def _roots(coded: pd.DataFrame, idx) -> set[str]:
    return {coded[S.POST_ID].iloc[i] if pd.isna(p) else str(p)
            for i, p in zip(idx, coded[S.PARENT_ID].iloc[idx], strict=True)}


def test_grouped_folds_keep_threads_together():
    posts = CORPUS.posts.copy()
    posts[S.PARENT_ID] = [None if i % 4 == 0 else f"p{i - i % 4:03d}" for i in range(len(posts))]
    corpus = Corpus(posts)
    coded, Y, *_ = label_matrix(corpus.posts, CODES, CB)
    from chatcode.coding.suggest_eval import _folds

    for train, test in _folds(coded, 4, 0, "thread"):
        assert not _roots(coded, train) & _roots(coded, test)
    with pytest.raises(CodingError, match="no column 'nope'"):
        _folds(coded, 4, 0, "nope")


# --- the active-learning order -----------------------------------------------------------------

def test_order_puts_the_rare_codes_candidates_first_and_is_a_permutation():
    probs = pd.DataFrame({"d:common": [0.5, 0.9, 0.45, 0.1, 0.55],
                          "d:rare": [0.01, 0.02, 0.03, 0.30, 0.01]},
                         index=pd.Index(["a", "b", "c", "d", "e"], name="post_id"))
    order = order_uncertain(probs, prevalence=np.array([0.4, 0.02]))
    assert order["post_id"].tolist()[:3] == ["d", "a", "c"]   # rare's best, then common's
    assert order["for_code"].tolist()[:2] == ["d:rare", "d:common"]
    assert sorted(order["post_id"]) == list("abcde")
    assert order["rank"].tolist() == [1, 2, 3, 4, 5]
    again = order_uncertain(probs, prevalence=np.array([0.4, 0.02]))
    pd.testing.assert_frame_equal(order, again)


def test_suggester_order_covers_the_uncoded_posts():
    s = train_suggester(CORPUS, CODES, CB, folds=0)
    order = s.order(CORPUS.posts.tail(25))
    assert sorted(order["post_id"]) == sorted(CORPUS.posts.tail(25)["post_id"])


# --- the pluggable feature step ------------------------------------------------------------------

def test_an_embedding_function_replaces_tfidf():
    """Any function texts -> vectors plugs in; here a fixed 'embedding' of word counts."""
    vocab = sorted({w for ws in TOPIC_WORDS.values() for w in ws} | {"great", "tip:", "ok?"})
    calls = []

    def encode(texts):
        calls.append(len(texts))
        return np.array([[t.split().count(w) for w in vocab] for t in texts], dtype=float)

    step = EmbeddingFeatures(encode)
    s = train_suggester(CORPUS, CODES, CB, features=lambda: step, folds=4)
    assert calls and s.gate["support:emotional"] and s.gate["topic:sport"]
    with pytest.raises(CodingError, match="one vector per text"):
        EmbeddingFeatures(lambda texts: np.zeros((1, 3))).fit_transform(CORPUS.posts)
    with pytest.raises(CodingError, match="no model folder"):
        EmbeddingFeatures.from_sentence_transformers("/nonexistent/model")


# --- never a decision ----------------------------------------------------------------------------

def test_a_sheet_with_suggestions_reads_back_with_no_codes(tmp_path):
    s = train_suggester(CORPUS, CODES, CB, folds=4)
    posts = CORPUS.posts.head(12)
    suggestions = s.suggest(posts)
    order = s.order(posts)["post_id"].tolist()
    path = write_sheet(Corpus(posts), CB, tmp_path / "next.xlsx", coder="anna",
                       pass_="second", suggestions=suggestions, order=order)
    from openpyxl import load_workbook

    ws = load_workbook(path)["coding"]
    headers = [c.value for c in ws[1]]
    assert headers[-1] == "suggested"
    assert [ws.cell(r, 1).value for r in range(3, 15)] == order
    shown = [ws.cell(r, len(headers)).value or "" for r in range(3, 15)]
    assert any("support:emotional" in t for t in shown)
    assert ws.cell(3, len(headers)).protection.locked
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        codes = read_sheet(path, codebook=CB)
    assert codes.empty                           # nothing was entered: no codes at all


def _store(tmp_path: Path) -> CodingStore:
    return CodingStore.open(tmp_path / "s.sqlite", codebook=CB, coder="anna", pass_="second",
                            post_ids=CORPUS.posts["post_id"].head(4).tolist())


def test_store_records_shown_and_accepted_suggestions(tmp_path):
    with _store(tmp_path) as st:
        st.record_suggestion("p000", "support", {"emotional"})
        assert st.codes("p000") == {} and st.progress() == (0, 4)   # not a decision
        st.set_codes("p000", "support", {"emotional"}, accepted=True)
        st.mark_done("p000")
        st.record_suggestion("p001", "support", {"emotional"})
        st.set_codes("p001", "support", {"informational"})
        st.mark_done("p001")
        st.mark_done("p002")
    df = read_store(tmp_path / "s.sqlite")
    state = df.groupby(["post_id", "dimension"])[S.SUGGESTION].first()
    assert state[("p000", "support")] == "accepted"
    assert state[("p000", "topic")] == "none"
    assert state[("p001", "support")] == "shown"
    assert state[("p002", "support")] == "none"
    via = read_codes(tmp_path / "s.sqlite", codebook=CB)
    assert (via[S.SUGGESTION] == df[S.SUGGESTION]).all()


def test_undo_of_an_accepted_suggestion_takes_the_flag_back(tmp_path):
    with _store(tmp_path) as st:
        st.set_codes("p000", "support", {"informational"})
        st.set_codes("p000", "support", {"emotional"}, accepted=True)
        st.undo()
        st.mark_done("p000")
    df = read_store(tmp_path / "s.sqlite")
    assert set(df.loc[df["dimension"].eq("support"), S.SUGGESTION]) == {"none"}


def test_a_store_made_before_suggestions_is_migrated(tmp_path):
    with _store(tmp_path) as st:
        st.set_codes("p000", "topic", {"food"})
        st.mark_done("p000")
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    conn.executescript("ALTER TABLE decisions DROP COLUMN accepted; "
                       "ALTER TABLE current DROP COLUMN accepted; DROP TABLE suggestions;")
    conn.close()
    old = read_store(tmp_path / "s.sqlite")      # readable as it is, without writing
    assert set(old[S.SUGGESTION]) == {"none"}
    with _store(tmp_path) as st:                 # opening migrates it
        assert st.codes("p000")["topic"] == ("food",)
        st.set_codes("p001", "topic", {"sport"}, accepted=True)
        st.mark_done("p001")
    df = read_store(tmp_path / "s.sqlite")
    topic = df[df["post_id"].eq("p001") & df["dimension"].eq("topic")]
    assert set(topic[S.SUGGESTION]) == {"accepted"}
    assert stored_order(tmp_path / "s.sqlite") == tuple(CORPUS.posts["post_id"].head(4))


def test_codes_table_suggestion_column_is_checked():
    table = CODES.head(8).assign(suggestion="accepted")
    assert set(validate_codes(table, codebook=CB)[S.SUGGESTION]) == {"accepted"}
    with pytest.raises(CodingError, match="unknown suggestion state"):
        validate_codes(table.assign(suggestion="maybe"), codebook=CB)


def test_terminal_coder_shows_a_proposal_that_one_key_accepts(tmp_path):
    from chatcode.coding.tui import CoderApp

    s = train_suggester(CORPUS, CODES, CB, folds=4)
    ids = CORPUS.posts["post_id"].head(4).tolist()
    rows = s.suggest(CORPUS.posts.head(4))
    first = rows[rows["post_id"].eq(ids[0]) & rows["suggested"]]
    assert len(first)
    with _store(tmp_path) as st:
        app_ = CoderApp(st, CB, CORPUS.posts, suggestions=rows)

        async def main():
            async with app_.run_test(size=(120, 40)) as pilot:
                shown = str(app_.query_one("#dims").content)
                assert "suggested" in shown
                assert st.codes(ids[0]) == {}             # shown, not decided
                await pilot.press("plus")
                return shown

        asyncio.run(asyncio.wait_for(main(), timeout=120))
        decided = st.codes(ids[0])
        assert not st.is_done(ids[0])                     # the coder still confirms
        for dim, g in first.groupby("dimension"):
            assert set(decided[dim]) >= set(g["code"])


# --- the command ----------------------------------------------------------------------------------

def test_suggest_command_evaluates_and_lists_suggestions(tmp_path):
    corpus_path = write_corpus(CORPUS, tmp_path / "corpus.xlsx")
    coded = CODES[CODES["post_id"].isin(CORPUS.posts["post_id"].head(120))]
    coded.drop(columns=[S.CODED_AT, S.CODEBOOK_HASH]).to_csv(tmp_path / "codes.csv",
                                                             index=False)
    cb = str(FIX / "codebook.yaml")
    runner = CliRunner()
    result = runner.invoke(app, ["suggest", str(corpus_path), str(tmp_path / "codes.csv"),
                                 "--codebook", cb, "--evaluate", "--folds", "4",
                                 "--figure", str(tmp_path / "curve.png")])
    assert result.exit_code == 0, result.output
    assert "emotional" in result.stdout and "not reached" in result.stdout
    assert (tmp_path / "curve.png").stat().st_size > 1000
    result = runner.invoke(app, ["suggest", str(corpus_path), str(tmp_path / "codes.csv"),
                                 "--codebook", cb, "--order", "uncertain", "--format", "csv",
                                 "--folds", "4"])
    assert result.exit_code == 0, result.output
    from io import StringIO

    rows = pd.read_csv(StringIO(result.stdout))
    assert set(rows["post_id"]) <= set(CORPUS.posts["post_id"].tail(40))
    assert "esteem" not in set(rows["code"])
    assert rows["rank"].is_monotonic_increasing


def test_sheet_command_adds_suggestions_in_uncertainty_order(tmp_path):
    corpus_path = write_corpus(CORPUS, tmp_path / "corpus.xlsx")
    coded = CODES[CODES["post_id"].isin(CORPUS.posts["post_id"].head(120))]
    coded.drop(columns=[S.CODED_AT, S.CODEBOOK_HASH]).to_csv(tmp_path / "codes.csv",
                                                             index=False)
    result = CliRunner().invoke(app, [
        "sheet", str(corpus_path), "--codebook", str(FIX / "codebook.yaml"), "--coder",
        "anna", "--pass", "second", "--suggest-from", str(tmp_path / "codes.csv"),
        "--order", "uncertain", "-o", str(tmp_path / "next.xlsx")])
    assert result.exit_code == 0, result.output
    assert "suggestions learnt from anna/main" in result.output
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "next.xlsx")["coding"]
    assert ws.cell(1, ws.max_column).value == "suggested"
    first = [ws.cell(r, 1).value for r in range(3, 8)]
    assert first != CORPUS.posts["post_id"].head(5).tolist()      # not time order
    result = CliRunner().invoke(app, [
        "sheet", str(corpus_path), "--codebook", str(FIX / "codebook.yaml"), "--coder",
        "anna", "--order", "uncertain", "-o", str(tmp_path / "other.xlsx")])
    assert result.exit_code != 0 and "--suggest-from" in result.output


def test_a_store_resumes_in_the_order_it_was_made_with(tmp_path):
    from chatcode.cli.coder_cmd import _coding_order

    s = train_suggester(CORPUS, CODES, CB, folds=0)
    selected = CORPUS.posts.head(12)
    path = tmp_path / "s.sqlite"
    first = _coding_order(path, selected, s)              # a new store: the model's order
    assert first == s.order(selected)["post_id"].tolist()
    CodingStore.open(path, codebook=CB, coder="anna", post_ids=first).close()
    retrained = train_suggester(CORPUS, CODES.iloc[::-1], CB, folds=0, seed=5)
    assert _coding_order(path, selected, retrained) == first
    assert _coding_order(tmp_path / "new.sqlite", selected, None) == \
        selected["post_id"].tolist()
