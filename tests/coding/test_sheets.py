"""Writing Excel coding sheets: layout, locking, dropdowns, definitions, meta, text safety."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from chatcode.codebook import codebook_from_dict, load_codebook
from chatcode.coding.meta import META_SHEET, read_meta
from chatcode.coding.selection import Selection
from chatcode.coding.sheets import ids_checksum, write_sheet
from chatcode.corpus.corpus import read_corpus
from chatcode.errors import ChatcodeError, ChatcodeWarning, CodingError

HERE = Path(__file__).parents[1] / "fixtures" / "coding"
CODEBOOK = HERE / "codebook.yaml"
CORPUS = HERE / "corpus"
HEADERS = ["post_id", "group", "time", "role", "author", "text", "parent_text",
           "support:informational", "support:emotional", "support:esteem", "topic"]


@pytest.fixture
def sheet(tmp_path):
    path = tmp_path / "anna.xlsx"
    write_sheet(read_corpus(CORPUS), load_codebook(CODEBOOK), path, coder="anna",
                pass_="pretest", timezone="Europe/Berlin")
    return path


def column(ws, header):
    return [c.value for c in ws[1]].index(header) + 1


def test_one_row_per_post_in_time_order_with_the_context(sheet):
    ws = load_workbook(sheet)["coding"]
    assert [c.value for c in ws[1]] == HEADERS
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    # by hand from the fixture: p06 (07:00Z) is the earliest post, p08 the latest
    assert [r[0] for r in rows] == ["p06", "p01", "p02", "p03", "p04", "p05", "p07", "p08"]
    # p07 (11:00Z) replies to p06; in May Berlin is UTC+2
    assert rows[6][:7] == ("p07", "g2", "2023-05-02 13:00", "participant", "dan",
                           "Line one\nline two, with a comma", "Welcome to group two")
    assert rows[1][2] == "2023-05-02 10:00"
    assert ws.cell(row=2, column=3).value == "Time (Europe/Berlin)"
    assert all(v is None for r in rows for v in r[7:]), "a new sheet holds no codes (blind)"


def test_post_id_column_is_hidden_text_and_the_panes_are_frozen(sheet):
    ws = load_workbook(sheet)["coding"]
    assert ws.column_dimensions["A"].hidden
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(3, 11))
    assert ws.freeze_panes == "F3"
    assert ws.column_dimensions["F"].width >= 40
    assert ws.cell(row=3, column=6).alignment.wrap_text


def test_context_is_locked_and_only_code_cells_are_unlocked(sheet):
    ws = load_workbook(sheet)["coding"]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    for r in range(3, 11):
        assert all(ws.cell(row=r, column=c).protection.locked for c in range(1, 8))
        assert not any(ws.cell(row=r, column=c).protection.locked for c in range(8, 12))


def test_dropdowns_and_zero_one_validation(sheet):
    ws = load_workbook(sheet)["coding"]
    by_range = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert by_range["K3:K10"].formula1 == '"diet,exercise,medication,none"'
    for letter in "HIJ":
        assert by_range[f"{letter}3:{letter}10"].formula1 == '"0,1"'
    assert all(dv.type == "list" and dv.showErrorMessage for dv in by_range.values())


def test_the_codebook_sheet_explains_every_code_and_none(sheet):
    ws = load_workbook(sheet)["codebook"]
    rows = [dict(zip([c.value for c in ws[1]], r, strict=True))
            for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r["column"], r["code"]) for r in rows] == [
        ("support:informational", "informational"), ("support:emotional", "emotional"),
        ("support:esteem", "esteem"), ("topic", "diet"), ("topic", "exercise"),
        ("topic", "medication"), ("topic", "none")]
    info = rows[0]
    assert info["label"] == "Informational support"
    assert info["definition"] == "Advice, facts or referrals."
    assert info["include"] == "tips on food or insulin"
    assert info["exclude"] == "a question without an answer"
    assert info["examples"] == "Try testing two hours after the meal."
    assert info["type"] == "multiple" and rows[3]["type"] == "single"


def test_meta_sheet_records_codebook_coder_pass_and_selection(sheet):
    wb = load_workbook(sheet)
    assert wb[META_SHEET].sheet_state == "hidden"
    assert wb["_posts"].sheet_state == "hidden"
    meta = read_meta(sheet)
    cb = load_codebook(CODEBOOK)
    assert meta["kind"] == "coding_sheet"
    assert (meta["codebook_hash"], meta["codebook_version"]) == (cb.hash, "1")
    assert (meta["coder"], meta["pass"]) == ("anna", "pretest")
    assert meta["selection"] == "all posts (8 posts)"
    assert meta["post_ids_sha256"] == ids_checksum(
        ["p06", "p01", "p02", "p03", "p04", "p05", "p07", "p08"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", meta["created"])


def test_a_selection_is_written_and_recorded(tmp_path):
    path = tmp_path / "pre.xlsx"
    write_sheet(read_corpus(CORPUS), load_codebook(CODEBOOK), path, coder="ben",
                selection=Selection("first", pct=50, group="g1"), timezone="UTC")
    ws = load_workbook(path)["coding"]
    # 50% of the 5 posts of g1 = 2.5 -> the first 3 by time
    assert [r[0] for r in ws.iter_rows(min_row=3, values_only=True)] == ["p01", "p02", "p03"]
    assert read_meta(path)["selection"] == "first 50% of group g1 (3 posts)"


def test_formula_like_text_stays_literal_text(sheet):
    ws = load_workbook(sheet)["coding"]
    text, parent = column(ws, "text"), column(ws, "parent_text")
    cells = {ws.cell(row=r, column=1).value: (ws.cell(row=r, column=text),
                                              ws.cell(row=r, column=parent))
             for r in range(3, 11)}
    expected = {"p02": '=HYPERLINK("http://x.example","click")', "p03": "+43 660 1234567",
                "p04": "-1", "p05": "@SUM(A1)"}
    for pid, value in expected.items():
        assert cells[pid][0].value == value
        assert cells[pid][0].data_type == "s"
    # the parent text of p03 (a reply to p01) and of p05 (a reply to p04)
    assert cells["p05"][1].value == "-1" and cells["p05"][1].data_type == "s"
    with zipfile.ZipFile(sheet) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml, "no cell of the sheet is a formula"


def test_long_dropdown_lists_use_a_hidden_range(tmp_path):
    codes = [{"id": f"code_number_{i:02d}", "label": f"Code {i}", "definition": "d"}
             for i in range(25)]
    cb = codebook_from_dict({"name": "long", "version": "1", "dimensions": [
        {"id": "topic", "label": "Topic", "multiple": False, "codes": codes}]})
    path = tmp_path / "long.xlsx"
    write_sheet(read_corpus(CORPUS), cb, path, coder="anna", timezone="UTC")
    wb = load_workbook(path)
    dv = wb["coding"].data_validations.dataValidation[0]
    assert dv.formula1 == "'_lists'!$A$1:$A$26"
    assert wb["_lists"].sheet_state == "hidden"
    values = [r[0] for r in wb["_lists"].iter_rows(values_only=True)]
    assert values == [c["id"] for c in codes] + ["none"]


def test_nothing_is_overwritten_without_force(sheet):
    before = sheet.read_bytes()
    with pytest.raises(ChatcodeError, match=re.escape("the output already exists")):
        write_sheet(read_corpus(CORPUS), load_codebook(CODEBOOK), sheet, coder="anna")
    assert sheet.read_bytes() == before
    write_sheet(read_corpus(CORPUS), load_codebook(CODEBOOK), sheet, coder="ben", force=True,
                timezone="UTC")
    assert read_meta(sheet)["coder"] == "ben"


def test_characters_excel_cannot_store_are_replaced_with_a_warning(tmp_path):
    corpus = read_corpus(CORPUS)
    posts = corpus.posts.copy()
    posts.loc[0, "text"] = "bell\x07 and tab\tok"
    from chatcode.corpus.corpus import Corpus

    # p01's text is shown three times: as its own text, and as the parent of p02 and p03
    with pytest.warns(ChatcodeWarning, match=re.escape("3 text cell(s) held characters")):
        write_sheet(Corpus.trusted(posts), load_codebook(CODEBOOK), tmp_path / "s.xlsx",
                    coder="anna", timezone="UTC")
    ws = load_workbook(tmp_path / "s.xlsx")["coding"]
    texts = [r[5] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert "bell\ufffd and tab\tok" in texts


@pytest.mark.parametrize(("coder", "pass_", "message"), [
    ("", "main", "invalid coder name ''"),
    ("anna/b", "main", "invalid coder name 'anna/b'"),
    ("anna", " ", "invalid pass name ' '"),
])
def test_invalid_coder_or_pass(tmp_path, coder, pass_, message):
    with pytest.raises(CodingError, match=re.escape(message)):
        write_sheet(read_corpus(CORPUS), load_codebook(CODEBOOK), tmp_path / "s.xlsx",
                    coder=coder, pass_=pass_)
    assert not (tmp_path / "s.xlsx").exists()


def test_a_single_choice_code_named_none_is_refused(tmp_path):
    """'none' is the dropdown's "coded, no code": the codebook loader refuses it, and a
    Codebook built directly (bypassing the loader) is still refused by write_sheet."""
    from chatcode.codebook import Code, Codebook, Dimension
    from chatcode.errors import CodebookError

    with pytest.raises(CodebookError, match=re.escape("the code id 'none' is reserved")):
        codebook_from_dict({"name": "n", "version": "1", "dimensions": [
            {"id": "topic", "label": "Topic", "multiple": False,
             "codes": [{"id": "none", "label": "None", "definition": "d"}]}]})
    cb = Codebook(name="n", version="1", dimensions=(Dimension(
        id="topic", label="Topic", multiple=False,
        codes=(Code(id="none", label="None", definition="d"),)),))
    with pytest.raises(CodingError, match=re.escape(
            "single-choice dimension 'topic' has a code named 'none'")):
        write_sheet(read_corpus(CORPUS), cb, tmp_path / "s.xlsx", coder="anna")
