"""Reading spreadsheets and CSV files (chatcode._io.tabular): encodings, delimiters, row numbers,
and a clear error for every file that is not a readable table."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from chatcode._io.tabular import OLE_MAGIC, kind_of, read_table, sheet_names
from chatcode.errors import IngestError

HEADER = ["post_id", "timestamp", "author", "text"]
ROWS = [
    ["1", "2023-07-01 10:00:00", "Jürgen", "Grüße aus Köln, schön; oder | nicht?"],
    ["2", "2023-07-01 10:30:00", "Änne", "Das kostet 5 € – Maß für Maß"],
    ["3", "2023-07-01 11:00:00", "Zoë", 'Sie sagte "ja"\nund ging.'],
]
ENCODINGS = {  # name -> how the file's bytes are made
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-bom": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "cp1252": lambda text: text.encode("cp1252"),
    "utf-16-le-bom": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
}


def csv_text(rows: list[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab",
                                                                  "pipe"])
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_every_delimiter_and_encoding_reads_the_same_cells(tmp_path, delimiter, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(ENCODINGS[encoding](csv_text([HEADER, *ROWS], delimiter)))
    table = read_table(path)
    assert table.dialect.delimiter == delimiter
    assert list(table.data.columns) == [*HEADER, "_row"]
    assert table.data[HEADER].values.tolist() == ROWS  # umlauts, €, quotes, line breaks intact
    assert table.data["_row"].tolist() == [2, 3, 4]


def test_utf16_without_bom_is_recognised_by_its_zero_bytes(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(csv_text([HEADER, *ROWS], "\t").encode("utf-16-le"))
    assert read_table(path).data[HEADER].values.tolist() == ROWS


def test_rows_are_numbered_as_the_user_sees_them_and_trailing_delimiters_are_ignored(tmp_path):
    path = tmp_path / "export.csv"
    # Excel writes trailing delimiters for empty columns; row 3 holds a quoted line break
    path.write_text('a;b;;\n1;"x";;\n2;"two\nlines";;\n3;;;\n', encoding="utf-8")
    data = read_table(path).data
    assert list(data.columns) == ["a", "b", "_row"]
    assert data["b"].tolist()[:2] == ["x", "two\nlines"]
    assert data["b"].isna().tolist() == [False, False, True]  # empty cells are missing
    assert data["_row"].tolist() == [2, 3, 4]


def test_a_row_with_more_cells_than_column_names_is_an_error_not_a_shifted_row(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("post_id;text\n1;hello\n2;hi;surplus\n", encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            "row(s) 3 have more cells than the first row has column names")):
        read_table(path)


@pytest.mark.parametrize(("text", "message"), [
    ("a,a\n1,2\n", "the column name 'a' appears twice"),
    ("a,,b\n1,2,3\n", "column 2 has no name in the first row"),
    (";;;\n1;2;3;4\n", "the first row holds no column names"),
])
def test_bad_header_rows(tmp_path, text, message):
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(f"{path}: {message}")):
        read_table(path)


def test_workbook_cells_keep_excel_types_and_trailing_empty_rows_are_dropped(tmp_path):
    when = dt.datetime(2023, 7, 1, 10, 0)
    path = workbook(tmp_path / "export.xlsx", {"Posts": [
        ["post_id", "timestamp", "author", "text"],
        [101, when, "Jürgen", "Grüße"],
        [102, "2023-07-01 10:30", "Änne", None],
        [None, None, None, None],
    ]})
    data = read_table(path).data
    assert data["timestamp"].tolist() == [when, "2023-07-01 10:30"]
    assert data["post_id"].tolist() == [101, 102]
    assert data["text"].tolist()[0] == "Grüße" and data["text"].isna().tolist() == [False, True]
    assert data["_row"].tolist() == [2, 3]


def test_sheets_are_found_by_name_ignoring_case(tmp_path):
    path = workbook(tmp_path / "export.xlsx", {"Info": [["x"]], "Beiträge": [["a"], [1]]})
    assert sheet_names(path) == ["Info", "Beiträge"]
    assert read_table(path, sheet="beiträge").sheet == "Beiträge"
    assert read_table(path).sheet == "Info"  # the first sheet by default


def test_a_missing_sheet_names_the_sheets_there_are(tmp_path):
    path = workbook(tmp_path / "export.xlsx", {"Info": [["x"]], "Beiträge": [["a"], [1]]})
    with pytest.raises(IngestError, match=re.escape(
            f"""{path}: the workbook has no sheet "Posts"; its sheets are 'Info', 'Beiträge'""")):
        read_table(path, sheet="Posts")


def test_an_empty_sheet(tmp_path):
    path = workbook(tmp_path / "export.xlsx", {"Posts": []})
    with pytest.raises(IngestError, match=re.escape(f'{path}, sheet "Posts": the sheet is empty')):
        read_table(path)


def test_a_sheet_asked_of_a_csv_file(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            'a sheet ("Posts") was asked for, but this is a text file')):
        read_table(path, sheet="Posts")


def ole_file(path: Path, *, encrypted: bool) -> Path:
    """A minimal OLE2 compound file: the magic, a header, and (for an encrypted OOXML
    workbook) the UTF-16LE directory entry name "EncryptedPackage" (MS-OFFCRYPTO 2.3.4.4)."""
    body = OLE_MAGIC + bytes(504)
    if encrypted:
        body += "EncryptedPackage".encode("utf-16-le") + bytes(96)
    path.write_bytes(body)
    return path


def truncated_workbook(path: Path, tmp_path: Path) -> Path:
    whole = workbook(tmp_path / "whole.xlsx", {"Posts": [["a"], [1]]}).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


@pytest.mark.parametrize(("name", "make", "message"), [
    ("empty.csv", lambda p, t: p.write_bytes(b"") and p, "the file is empty"),
    ("blank.csv", lambda p, t: p.write_text(" \r\n\t\n\n", encoding="utf-8"),
     "the file is empty"),
    ("blank16.csv", lambda p, t: p.write_bytes(b"\xff\xfe" + " \n".encode("utf-16-le")),
     "the file is empty"),
    ("secret.xlsx", lambda p, t: ole_file(p, encrypted=True),
     "the workbook is password-protected (encrypted)"),
    ("old.xls", lambda p, t: ole_file(p, encrypted=False),
     "this is an old Excel 97-2003 workbook (.xls), which chatcode does not read"),
    ("broken.xlsx", truncated_workbook,
     "the workbook cannot be opened: it is damaged or not an .xlsx file"),
    ("binary.csv", lambda p, t: p.write_bytes(bytes(range(256)) * 4),
     "the file holds binary data: it is neither a CSV (text) file nor an .xlsx workbook"),
    ("undecodable.csv", lambda p, t: p.write_bytes(b"post_id,text\n1,\x81\x8d\n"),
     "cannot decode the file as UTF-8 or cp1252 (byte 15: b'\\x81\\x8d\\n')"),
    ("odd16.csv", lambda p, t: p.write_bytes(b"\xff\xfe" + "a,b\n".encode("utf-16-le") + b"x"),
     "cannot decode the file as UTF-16"),
    ("export.json", lambda p, t: p.write_text('[{"a": 1}]', encoding="utf-8"),
     "this is a JSON file, not a table (CSV)"),
])
def test_files_that_are_not_readable_tables(tmp_path, name, make, message):
    path = tmp_path / name
    make(path, tmp_path)
    with pytest.raises(IngestError, match=re.escape(f"{path}: {message}")):
        read_table(path)


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("posts.csv", "a\n1\n")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: this is a zip archive, not an Excel workbook (it holds posts.csv)")):
        read_table(path)


def test_kind_of_looks_at_the_content_not_the_name(tmp_path):
    xlsx = workbook(tmp_path / "really-a-workbook.csv", {"S": [["a"]]})
    text = tmp_path / "table.xlsx"
    text.write_text("a,b\n", encoding="utf-8")
    assert kind_of(xlsx) == "xlsx"
    assert kind_of(text) == "text"
    assert kind_of(ole_file(tmp_path / "x.xls", encrypted=False)) == "ole"
    with pytest.raises(IngestError, match=re.escape("file not found")):
        kind_of(tmp_path / "missing.csv")


CSV_VARIANTS = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "quoted line breaks and delimiters": 'a,b,c\n"x\ny","1,2",3\r\n"say ""hi""",,\n',
    "blank lines and empty rows": "a;b\n1;2\n\n;\n3;4\n",
    "trailing delimiters": "a,b,\n1,2,\n3,4,\n",
    "header only": "a,b\n",
    "no final line break": "a\tb\n1\t2",
}


@pytest.mark.parametrize("text", CSV_VARIANTS.values(), ids=CSV_VARIANTS.keys())
def test_the_pyarrow_csv_reader_gives_the_pandas_reader_s_table(text, monkeypatch):
    """Regular CSV files are read with pyarrow.csv; the result (cells, empty cells, row
    numbers a spreadsheet shows) is the table pandas' parser gives, which is kept for
    irregular files."""
    from chatcode._io import tabular

    fast, dialect = tabular.read_csv_text(text, Path("x.csv"), "utf-8")
    monkeypatch.setattr(tabular, "_read_csv_arrow", lambda *args: None)
    slow, _ = tabular.read_csv_text(text, Path("x.csv"), "utf-8")
    pd.testing.assert_frame_equal(fast, slow, check_dtype=len(slow) > 0)


def test_an_irregular_row_still_names_its_row():
    """A file pyarrow cannot read as regular goes to the path that names the row."""
    from chatcode._io import tabular

    with pytest.raises(IngestError, match=r"row\(s\) 4 have more cells"):
        tabular.read_csv_text("a,b\n1,2\n\n3,4,5\n", Path("x.csv"), "utf-8")
