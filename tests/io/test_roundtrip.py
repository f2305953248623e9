"""Every text comes back exactly from every corpus storage: a property test over random
texts (all of Unicode, control characters, very long ones) through CSV, Parquet and
workbooks, and the CSV quoting and formula guard in particular."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from conftest import run_inprocess
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatcode._io.output import (
    EXCEL_CELL_LIMIT,
    csv_text,
    excel_escape,
    guard_formula,
    unguard_formula,
)
from chatcode.corpus.corpus import Corpus, read_corpus, write_corpus
from chatcode.errors import ChatcodeError

# every code point but surrogates (which no UTF-8 file can hold)
TEXTS = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300)
# texts made of the characters that broke storage: controls, CR, quotes, delimiters, formulas
PIECES = [*"\x00\x01\x07\x0b\x0c\x1b\x7f\x85\u2028\r\n\t\"',;|=+-@ a_x0B",
          "_x000B_", "_x000D_", "\r\n", "'=", "\ufeff", "\ufffe"]
NASTY = st.lists(st.sampled_from(PIECES), min_size=1, max_size=30).map("".join)


def corpus_of(texts: list[str]) -> Corpus:
    n = len(texts)
    return Corpus(pd.DataFrame({
        "post_id": [f"p{i}" for i in range(n)], "group": "g",
        "timestamp": [f"2023-05-02T08:{i % 60:02d}:00+00:00" for i in range(n)],
        "author": [f"a{i}" for i in range(n)], "text": texts, "parent_id": [None] * n}))


def roundtrip(tmp_path, texts: list[str], suffix: str) -> list[str]:
    path = tmp_path / f"c{len(list(tmp_path.iterdir()))}{suffix}"
    write_corpus(corpus_of(texts), path)
    back = read_corpus(path).posts
    return back["text"].tolist()


@pytest.mark.parametrize("suffix", ["", ".parquet", ".xlsx"])
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(TEXTS, NASTY), min_size=1, max_size=8))
def test_random_texts_read_back_exactly(tmp_path, suffix, texts):
    if suffix == ".xlsx":  # noncharacters no workbook can hold: refused (test below)
        texts = [t.replace("\ufffe", "?").replace("\uffff", "?") for t in texts]
    assert roundtrip(tmp_path, texts, suffix) == texts


def test_a_noncharacter_is_refused_in_a_workbook_and_kept_elsewhere(tmp_path):
    texts = ["ok", "a\ufffeb"]
    with pytest.raises(ChatcodeError, match=r'row 3, column "text": the text holds U\+FFFE'):
        write_corpus(corpus_of(texts), tmp_path / "c.xlsx")
    assert roundtrip(tmp_path, texts, ".parquet") == texts
    assert roundtrip(tmp_path, texts, "") == texts


@pytest.mark.parametrize("suffix", ["", ".parquet", ".xlsx"])
def test_a_very_long_text_reads_back_whole(tmp_path, suffix):
    """The longest text a workbook holds: Excel's limit counts the stored (escaped) text,
    where a control character takes 7 characters (_x000B_)."""
    text = "Zeile \u00e4\u00f6\u00fc\r\x0b" * 1400
    text += "z" * (EXCEL_CELL_LIMIT - len(excel_escape(text)))
    assert len(excel_escape(text)) == EXCEL_CELL_LIMIT
    assert roundtrip(tmp_path, [text, "x"], suffix) == [text, "x"]


def test_a_text_too_long_for_excel_is_refused_naming_the_cell(tmp_path):
    texts = ["short", "y" * (EXCEL_CELL_LIMIT + 1)]
    with pytest.raises(ChatcodeError, match=r'sheet "posts", row 3, column "text": a text of '
                       r"32,768 characters is longer than an Excel cell holds") as info:
        write_corpus(corpus_of(texts), tmp_path / "c.xlsx")
    assert "-o corpus.parquet" in str(info.value)
    assert not (tmp_path / "c.xlsx").exists()
    # CSV and Parquet keep it whole
    assert roundtrip(tmp_path, texts, "") == texts
    assert roundtrip(tmp_path, texts, ".parquet") == texts


def test_a_lone_carriage_return_is_quoted_and_the_stdlib_reads_it_back():
    df = pd.DataFrame({"text": ["a\rb", "c\r", "\r", "plain", 'q"uote', "x,y"]})
    text = csv_text(df, guard=False)
    assert text.splitlines(keepends=True)[0] == "text\n"
    assert '"a\rb"' in text and '"c\r"' in text
    back = [r[0] for r in csv.reader(io.StringIO(text, newline=""))][1:]
    assert back == df["text"].tolist()


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+43 660 1234", "-1", "@SUM(A1)",
                                  "\tx", "\rx", "'=1", "''+2"])
def test_formula_like_cells_get_an_apostrophe_that_reading_takes_off(text):
    guarded = guard_formula(text)
    assert guarded == "'" + text
    assert unguard_formula(guarded) == text


@pytest.mark.parametrize("text", ["plain", "'quoted'", "a=b", "", "'", "-"[1:]])
def test_other_cells_are_unchanged(text):
    assert guard_formula(text) == text and unguard_formula(text) == text


def test_csv_corpus_cells_are_guarded_on_disk_and_plain_when_read(tmp_path):
    texts = ["=1+1", "-5 kg", "@all", "fine"]
    write_corpus(corpus_of(texts), tmp_path / "c")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "c" / "posts.csv").read_text(
        encoding="utf-8"), newline="")))
    assert [r["text"] for r in rows] == ["'=1+1", "'-5 kg", "'@all", "fine"]
    assert read_corpus(tmp_path / "c").posts["text"].tolist() == texts


def test_raw_csv_writes_cells_as_they_are_and_reads_them_back(tmp_path):
    texts = ["=1+1", "'=2"]
    write_corpus(corpus_of(texts), tmp_path / "c", guard=False)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "c" / "posts.csv").read_text(
        encoding="utf-8"), newline="")))
    assert [r["text"] for r in rows] == texts
    assert read_corpus(tmp_path / "c").posts["text"].tolist() == texts


_cli = run_inprocess  # the CLI in this process (tests/conftest.py)


def test_cli_csv_outputs_are_guarded_unless_raw_csv(tmp_path):
    """responses/latency CSV on stdout and ingest to a CSV folder: formula-like cells get
    a leading ' by default; the global --raw-csv writes them as they are."""
    posts = corpus_of(["hi", "ho"]).posts.assign(group="=cmd|' /C calc'!A0")
    write_corpus(Corpus(posts), tmp_path / "c.parquet")
    code, out, _ = _cli("responses", tmp_path / "c.parquet", "--format", "csv")
    assert code == 0 and "\n" + "p0,'=cmd|' /C calc'!A0," in out
    code, out, _ = _cli("--raw-csv", "latency", tmp_path / "c.parquet", "--by", "group",
                        "--format", "csv")
    assert code == 0 and "\n=cmd|' /C calc'!A0," in out
    code, _, err = _cli("ingest", tmp_path / "c.parquet", "-o", tmp_path / "csv")
    assert code == 0, err
    assert "'=cmd|" in (tmp_path / "csv" / "posts.csv").read_text(encoding="utf-8")
    assert read_corpus(tmp_path / "csv").posts["group"].tolist() == ["=cmd|' /C calc'!A0"] * 2
