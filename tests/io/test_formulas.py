"""Formula cells of input workbooks: the report made beside the sheet's parse
(``formula_report_beside``, the XML inflated on another thread) is the report
``formula_report`` makes, for deflated members, stored members and damaged ones."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from chatcode._io.formulas import FormulaReport, formula_report, formula_report_beside


def _workbook(path, *, formulas: bool):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "posts"
    sheet.append(["post_id", "text", "n"])
    for i in range(200):
        sheet.append([f"p{i}", f"message {i}", i])
    if formulas:
        sheet["C3"] = "=1+1"
        sheet["C7"] = "=SUM(C2:C5)"
    book.save(path)
    return path


def _repacked(source, target, method: int):
    """The same workbook with every member written with ``method``."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", method) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
    return target


@pytest.mark.parametrize("formulas", [True, False])
@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_the_report_beside_the_parse_is_the_report(tmp_path, formulas, method):
    path = _repacked(_workbook(tmp_path / "a.xlsx", formulas=formulas), tmp_path / "b.xlsx",
                     method)
    expected = formula_report(path, "posts")
    assert formula_report_beside(path, "posts")() == expected
    # openpyxl saves no value for a formula: both cells read as empty
    assert expected == (FormulaReport(2, 2, "C3", "C3") if formulas else None)


def test_a_damaged_deflate_stream_gives_no_report_and_no_traceback(tmp_path):
    path = _workbook(tmp_path / "a.xlsx", formulas=True)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 40] = b"\xff" * 40  # the sheet's deflated bytes, overwritten
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(bytes(data))
    assert formula_report_beside(broken, "posts")() is None
    assert formula_report(broken, "posts") is None


def test_a_sheet_the_workbook_does_not_have_gives_no_report(tmp_path):
    path = _workbook(tmp_path / "a.xlsx", formulas=True)
    assert formula_report_beside(path, "nope")() is None
