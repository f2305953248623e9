"""The disagreement workbook: what it shows, and how the settled workbook reads back.

Fixtures (tests/fixtures/agreement): anna/main coded p1-p8, ben/pretest p1-p6 (hand-made).
They differ on exactly three post/dimension pairs: p3 support (anna: informational,
emotional; ben: informational), p4 support (anna: none; ben: medical), p5 topic (anna:
nutrition; ben: activity).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from chatcode.codebook import load_codebook
from chatcode.coding.codes import read_codes
from chatcode.coding.disagreements import (
    disagreement_table,
    read_disagreements,
    write_disagreements,
)
from chatcode.coding.meta import read_meta
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import read_corpus
from chatcode.errors import AgreementError, ChatcodeError, CodingError
from chatcode.reliability.agreement import agreement

FIXTURES = Path(__file__).parents[1] / "fixtures" / "agreement"
CODEBOOK = load_codebook(FIXTURES / "codebook.yaml")
CORPUS = read_corpus(FIXTURES / "corpus")
HEADERS = ["post_id", "group", "time", "author", "text", "dimension", "anna/main",
           "ben/pretest", "consensus", "note"]


@pytest.fixture
def codes() -> pd.DataFrame:
    return read_codes([FIXTURES / "codes_anna.csv", FIXTURES / "codes_ben.csv"],
                      codebook=CODEBOOK)


def sheet_rows(path: Path) -> list[dict]:
    ws = load_workbook(path)["disagreements"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def fill(path: Path, answers: dict[tuple[str, str], str]) -> None:
    wb = load_workbook(path)
    ws = wb["disagreements"]
    for r in range(2, ws.max_row + 1):
        key = (ws.cell(r, 1).value, ws.cell(r, 6).value)
        if key in answers:
            ws.cell(r, 9).value = answers[key]
    wb.save(path)


def test_the_table_lists_every_common_post_and_dimension(codes):
    table = disagreement_table(codes, CODEBOOK)
    assert len(table) == 6 * 2  # p1-p6 in both dimensions
    differ = table[~table["agree"]]
    assert list(zip(differ["post_id"], differ["dimension"], differ["anna/main"],
                    differ["ben/pretest"], strict=True)) == [
        ("p3", "support", "informational, emotional", "informational"),
        ("p4", "support", "none", "medical"),
        ("p5", "topic", "nutrition", "activity")]


def test_the_workbook_shows_the_disagreements_with_texts(codes, tmp_path):
    path = tmp_path / "discuss.xlsx"
    written = write_disagreements(codes, CODEBOOK, path, corpus=CORPUS)
    assert len(written) == 3
    rows = sheet_rows(path)
    assert list(rows[0]) == HEADERS
    assert [(r["post_id"], r["dimension"], r["anna/main"], r["ben/pretest"], r["consensus"])
            for r in rows] == [("p3", "support", "informational, emotional", "informational",
                                None), ("p4", "support", "none", "medical", None),
                               ("p5", "topic", "nutrition", "activity", None)]
    assert rows[1]["author"] == "dan" and rows[1]["time"] == "2023-05-02T09:10:00+00:00"
    wb = load_workbook(path)
    ws = wb["disagreements"]
    assert ws["E3"].value == "=SUM(A1) ask your doctor about metformin"
    assert ws["E3"].data_type == "s"  # text, never a formula
    assert ws.column_dimensions["A"].hidden
    meta = read_meta(path)
    assert meta["kind"] == "disagreements" and meta["codebook_hash"] == CODEBOOK.hash
    assert meta["coders"] == "anna/main, ben/pretest" and meta["pass"] == "consensus"
    for name in ("_agreed", "_codes", "_lists", "_chatcode"):
        assert wb[name].sheet_state == "hidden"


def test_single_choice_rows_get_a_dropdown(codes, tmp_path):
    path = tmp_path / "discuss.xlsx"
    write_disagreements(codes, CODEBOOK, path)
    ws = load_workbook(path)["disagreements"]
    lists = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert lists["I4"].type == "list"
    assert lists["I4"].formula1 == "'_lists'!$A$1:$A$3"
    assert [c.value for c in load_workbook(path)["_lists"]["A"]] == [
        "nutrition", "activity", "none"]
    assert lists["I2 I3"].type is None and "informational" in lists["I2 I3"].prompt


def test_an_unsettled_workbook_names_every_empty_cell(codes, tmp_path):
    path = tmp_path / "discuss.xlsx"
    write_disagreements(codes, CODEBOOK, path)
    with pytest.raises(CodingError, match=re.escape(
            'sheet "disagreements", row 2, column "consensus": cell I2 (post p3, support): '
            "the consensus is empty; type the agreed code ids separated by commas")) as exc:
        read_disagreements(path, codebook=CODEBOOK)
    assert "3 consensus cell(s) to fix" in str(exc.value)
    assert "cell I4 (post p5, topic): the consensus is empty; choose one code of topic" \
        in str(exc.value)


def test_invalid_consensus_cells_are_all_reported(codes, tmp_path):
    path = tmp_path / "discuss.xlsx"
    write_disagreements(codes, CODEBOOK, path)
    fill(path, {("p3", "support"): "informational, legal", ("p4", "support"): "none",
                ("p5", "topic"): "nutrition, activity"})
    with pytest.raises(CodingError) as exc:
        read_disagreements(path, codebook=CODEBOOK)
    text = str(exc.value)
    assert "2 consensus cell(s) to fix" in text
    assert "cell I2 (post p3, support): unknown code(s) 'legal'" in text
    assert "cell I4 (post p5, topic): 2 codes in a single-choice dimension" in text


EXPECTED = {  # the consensus pass: agreed codes, and the settled ones for p3, p4, p5
    "p1": ({"informational"}, "nutrition"), "p2": ({"emotional"}, None),
    "p3": ({"informational", "emotional"}, "activity"), "p4": (set(), None),
    "p5": ({"informational"}, "activity"), "p6": ({"emotional"}, "activity")}


@pytest.mark.parametrize("with_codebook", [True, False])
def test_the_settled_workbook_reads_back_as_a_complete_consensus_pass(codes, tmp_path,
                                                                      with_codebook):
    path = tmp_path / "discuss.xlsx"
    write_disagreements(codes, CODEBOOK, path)
    fill(path, {("p3", "support"): "Informational; emotional", ("p4", "support"): "(none)",
                ("p5", "topic"): "activity"})
    out = read_disagreements(path, codebook=CODEBOOK if with_codebook else None)
    assert set(out[S.CODER]) == {"consensus"} and set(out[S.PASS]) == {"consensus"}
    assert len(out) == 6 * 5 and set(out[S.CODEBOOK_HASH]) == {CODEBOOK.hash}
    assert str(out[S.CODED_AT].dtype) == "datetime64[ns, UTC]"
    got = {(r.post_id, r.code): r.value for r in out.itertuples()}
    for post, (support, topic) in EXPECTED.items():
        for code in ("informational", "emotional", "medical"):
            assert got[(post, code)] == int(code in support), (post, code)
        for code in ("nutrition", "activity"):
            assert got[(post, code)] == int(code == topic), (post, code)


def test_read_codes_takes_the_workbook_and_the_consensus_is_comparable(codes, tmp_path):
    path = tmp_path / "discuss.xlsx"
    write_disagreements(codes, CODEBOOK, path)
    fill(path, {("p3", "support"): "informational, emotional", ("p4", "support"): "none",
                ("p5", "topic"): "nutrition"})
    both = read_codes([FIXTURES / "codes_anna.csv", path], codebook=CODEBOOK)
    res = agreement(both, CODEBOOK, coders=["anna/main", "consensus/consensus"])
    assert res.n_units == 6
    # the consensus sided with anna everywhere: perfect agreement where kappa is defined
    assert (res.codes["percent_agreement"] == 1).all()


def test_other_codebook_or_file_is_rejected(codes, tmp_path):
    path = tmp_path / "discuss.xlsx"
    write_disagreements(codes, CODEBOOK, path)
    other = load_codebook(Path(__file__).parents[1] / "fixtures" / "coding" / "codebook.yaml")
    with pytest.raises(CodingError, match=re.escape(
            f"the workbook was made with codebook 'agreement_test' version '1' (hash "
            f"{CODEBOOK.hash}), but the codebook given is {other.name!r}")):
        read_disagreements(path, codebook=other)
    with pytest.raises(CodingError, match=re.escape(
            "not a disagreement workbook written by chatcode agree")):
        read_disagreements(FIXTURES / "codes_anna.csv")


def test_refuses_to_overwrite_and_needs_common_posts(codes, tmp_path):
    path = tmp_path / "discuss.xlsx"
    write_disagreements(codes, CODEBOOK, path)
    with pytest.raises(ChatcodeError, match=re.escape("the output already exists")):
        write_disagreements(codes, CODEBOOK, path)
    write_disagreements(codes, CODEBOOK, path, force=True)
    anna = codes[codes[S.CODER].eq("anna")]
    with pytest.raises(AgreementError, match=re.escape("at least two coder/pass")):
        write_disagreements(anna, CODEBOOK, tmp_path / "other.xlsx")
    assert not (tmp_path / "other.xlsx").exists()


def test_no_disagreement_gives_an_empty_sheet_that_reads_back(codes, tmp_path):
    anna = codes[codes[S.CODER].eq("anna")]
    twice = pd.concat([anna, anna.assign(**{S.PASS: "retest"})], ignore_index=True)
    path = tmp_path / "none.xlsx"
    assert write_disagreements(twice, CODEBOOK, path).empty
    out = read_disagreements(path, codebook=CODEBOOK)
    assert out[S.POST_ID].nunique() == 8
