"""Hand-made Excel/CSV exports read through a mapping file (format ``table``), every bad input
of reading export files (each message pinned), and the time zone of naive timestamps."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

import chatcode
from chatcode.corpus.corpus import read_corpus
from chatcode.errors import ChatcodeError, IngestError, SchemaError
from chatcode.ingest.mapped import load_mapping, parse_reaction_cell

TABLE = Path(__file__).parents[1] / "fixtures" / "table"
GERMAN = TABLE / "german"


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def german_workbook(path: Path) -> Path:
    """A hand-made export as a German team would keep it: a title sheet first, German column
    names, dd.mm.yyyy times (one a real Excel date), reactions written per post."""
    return workbook(path, {
        "Info": [["Export des Gruppenchats, Juli 2023"]],
        "Beiträge": [
            ["Nachricht-ID", "Zeitpunkt", "Benutzer", "Text", "Antwort auf", "Gruppe",
             "Dateien", "Reaktionen", "Bearbeitet"],
            [101, "01.07.2023 10:00", "Anna", "Guten Morgen! Wie geht's euch?", None,
             "Gruppe A", "foto.jpg, plan.pdf", "👍: 2, ❤️: 1", "nein"],
            [102, "01.07.2023 10:30", "Jürgen", "Gut, danke 😊 =SUMME(A1)", 101, "Gruppe A", 0,
             None, "ja"],
            [103, dt.datetime(2023, 1, 15, 9, 5), "Öznur", "Grüße aus Köln", None, None, None,
             3, None],
            [104, "02.07.2023 08:00", "Anna", "Bis später", 103, "Gruppe B", 1, "", None],
        ]})


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_same_corpus(got: chatcode.Corpus, expected: chatcode.Corpus) -> None:
    pd.testing.assert_frame_equal(got.posts, expected.posts)
    pd.testing.assert_frame_equal(got.reactions, expected.reactions)


# --- the golden test ------------------------------------------------------------------------
def test_german_workbook_through_the_mapping_equals_the_golden_corpus(tmp_path):
    export = german_workbook(tmp_path / "export.xlsx")
    corpus, report = chatcode.ingest_report(export, mapping=GERMAN / "map.yaml",
                                            group="Gruppe B", timezone="UTC")
    assert_same_corpus(corpus, read_corpus(GERMAN / "golden"))
    assert f"{export}: naive timestamps read in Europe/Berlin (timezone: in the mapping " \
           "file)" in report
    assert f"{export}: 7 column(s) mapped; 1 other column(s) kept with the src_ prefix: " \
           "Bearbeitet" in report
    assert f"{export}: counted the file names in column 'Dateien' as attachments in 1 " \
           "row(s); the names are kept in src_Dateien" in report
    assert f"{export}: 6 reaction(s) from column 'Reaktionen' (without author or time)" in report


def test_the_golden_corpus_through_the_cli(tmp_path, cli):
    export = german_workbook(tmp_path / "export.xlsx")
    result = cli("ingest", export, "--mapping", GERMAN / "map.yaml", "--group", "Gruppe B",
                 "-o", tmp_path / "corpus.xlsx")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert_same_corpus(read_corpus(tmp_path / "corpus.xlsx"), read_corpus(GERMAN / "golden"))


# --- encodings and delimiters ---------------------------------------------------------------
ROWS = [
    ["1", "2023-07-01 10:00", "Jürgen", "Grüße aus Köln, schön; oder | nicht?"],
    ["2", "2023-07-01 10:30", "Änne", "Das kostet 5 € – Maß für Maß"],
    ["3", "2023-01-15 09:05", "Zoë", 'Sie sagte "ja"\nund ging.'],
]
ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-bom": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "cp1252": lambda text: text.encode("cp1252"),
    "utf-16-le-bom": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
}
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


def expected_corpus() -> chatcode.Corpus:
    """Built in memory from the same rows, with the instants written out by hand."""
    return chatcode.Corpus(pd.DataFrame({
        "post_id": ["1", "2", "3"], "group": "g1",
        "timestamp": ["2023-07-01T08:00:00Z", "2023-07-01T08:30:00Z", "2023-01-15T08:05:00Z"],
        "author": [r[2] for r in ROWS], "text": [r[3] for r in ROWS]}))


def csv_bytes(header: list[str], delimiter: str, encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([header, *ROWS])
    return ENCODINGS[encoding](buf.getvalue())


@pytest.mark.parametrize("delimiter", list(DELIMITERS))
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_csv_in_any_encoding_and_delimiter_makes_the_same_corpus(tmp_path, delimiter, encoding):
    path = tmp_path / "g1.csv"
    path.write_bytes(csv_bytes(["post_id", "timestamp", "author", "text"],
                               DELIMITERS[delimiter], encoding))
    assert_same_corpus(chatcode.ingest(path, timezone="Europe/Berlin"), expected_corpus())


@pytest.mark.parametrize(("delimiter", "encoding"), [("semicolon", "cp1252"),
                                                     ("tab", "utf-16-le-bom"),
                                                     ("comma", "utf-8-bom")])
def test_german_csv_through_a_mapping_makes_the_same_corpus(tmp_path, delimiter, encoding):
    path = tmp_path / "g1.csv"
    path.write_bytes(csv_bytes(["Nr", "Zeit", "Name", "Nachricht"], DELIMITERS[delimiter],
                               encoding))
    mapping = write(tmp_path / "map.yaml", "columns: {Nr: post_id, Zeit: timestamp, "
                    "Name: author, Nachricht: text}\ntimezone: Europe/Berlin\n")
    assert_same_corpus(chatcode.ingest(path, mapping=mapping, timezone="UTC"),
                       expected_corpus())


# --- the mapping file -----------------------------------------------------------------------
def test_every_problem_of_a_mapping_file_is_reported_at_once(tmp_path):
    mapping = write(tmp_path / "map.yaml", (
        "columns:\n"                       # 1
        "  Zeitpunkt: timestmp\n"          # 2
        "  Benutzer: author\n"             # 3
        "  Name: author\n"                 # 4
        "  Text: text\n"                   # 5
        "timezon: Europe/Berlin\n"         # 6
        "epoch: us\n"                      # 7
        "timestamp_format: '%Q'\n"         # 8
        "reactions: {column: R, sheet: S}\n"))  # 9
    with pytest.raises(IngestError) as info:
        load_mapping(mapping)
    assert str(info.value) == "\n".join([
        f"the mapping file {mapping} has 6 problem(s):",
        f"  - {mapping}, line 6: unknown key 'timezon'; did you mean 'timezone'? the keys are "
        "sheet, columns, timestamp_format, timezone, epoch, reactions",
        f"  - {mapping}, line 2: unknown canonical field 'timestmp' for the column "
        "'Zeitpunkt'; did you mean 'timestamp'? use one of post_id, group, timestamp, author, "
        "role, text, parent_id, attachments",
        f"  - {mapping}, line 4: the columns 'Benutzer' and 'Name' are both mapped to "
        "'author'; map each canonical field from one column",
        f"  - {mapping}, line 8: timestamp_format '%Q' is not a usable strftime format; write "
        'it like "%d.%m.%Y %H:%M" (day.month.year hour:minute); see docs/ingest.md',
        f"  - {mapping}, line 7: epoch must be s or ms, not 'us'; s: seconds since 1970 (UTC), "
        "ms: milliseconds",
        f"  - {mapping}, line 9: reactions: give either column: (counts per post) or "
        "sheet:/file: with columns: (one row per reaction), not both",
    ])


@pytest.mark.parametrize(("text", "message"), [
    ("columns:\n  Zeit: timestamp\ntimestamp_format: %d.%m.%Y\n",
     "line 3: the mapping file is not valid YAML at column 19: found character '%' that "
     "cannot start any token; indent with spaces, and quote values holding ':', '#' or '%'"),
    ("columns:\n  Zeit: timestamp\n\tText: text\n",
     "line 3: the mapping file is not valid YAML at column 1: found character '\\t' that "
     "cannot start any token"),
    ("", "the mapping file is empty; list the export columns under columns:"),
    ("sheet: Posts\n", "the mapping file has no 'columns:'"),
    ("columns: [Zeit, Text]\n", "line 1: columns must hold 'key: value' lines"),
    ("columns:\n  Zeit: timestamp\n  Zeit: text\n", "line 3: 'Zeit' appears twice under "
     "columns:; keep one of the lines"),
    ("columns: {Zeit: }\n", "line 1: no canonical field given for the column 'Zeit'"),
    ("columns: {Zeit: timestamp}\ntimezone: Mars/Base\n",
     "line 2: unknown time zone 'Mars/Base'"),
    ("columns: {Zeit: timestamp}\nreactions: {file: nowhere.csv, columns: {A: post_id}}\n",
     "the reactions file {dir}/nowhere.csv does not exist; file: is relative to the folder "
     "of the mapping file"),
    ("columns: {Zeit: timestamp}\nreactions: {sheet: R, default_emoji: like}\n",
     "line 2: reactions: default_emoji: is used only with column:"),
    ("columns: {Zeit: timestamp}\nreactions: {colum: R}\n",
     "line 2: unknown key 'colum' under reactions:; did you mean 'column'?"),
    ("columns: {Zeit: timestamp}\nreactions: {columns: {A: post_id, B: emojis}}\n",
     "line 2: unknown canonical field 'emojis' for the column 'B'; did you mean 'emoji'? use "
     "one of post_id, author, emoji, timestamp"),
])
def test_mapping_file_errors(tmp_path, text, message):
    mapping = write(tmp_path / "map.yaml", text)
    with pytest.raises(IngestError, match=re.escape(message.format(dir=tmp_path))) as info:
        load_mapping(mapping)
    assert str(mapping) in str(info.value)


def test_mapped_columns_that_are_not_in_the_export(tmp_path):
    export = write(tmp_path / "g1.csv", "Nr;Zeitpunkt;Benutzername;Text\n1;01.07.2023 10:00;"
                   "anna;hi\n")
    mapping = write(tmp_path / "map.yaml", "columns:\n  Nr: post_id\n  Zeit punkt: timestamp\n"
                    "  Benutzer: author\n  TEXT: text\nreactions: {column: Reaktionen}\n")
    with pytest.raises(IngestError) as info:
        chatcode.ingest(export, mapping=mapping, timezone="UTC")
    cols = "'Nr', 'Zeitpunkt', 'Benutzername', 'Text'"
    assert str(info.value) == "\n".join([
        f"the mapping file {mapping} has 3 problem(s):",
        f"  - {mapping}, line 3: the export {export} has no column 'Zeit punkt'; closest: "
        f"'Zeitpunkt'; its columns are {cols}; fix the column name in the mapping file",
        f"  - {mapping}, line 4: the export {export} has no column 'Benutzer'; closest: "
        f"'Benutzername'; its columns are {cols}; fix the column name in the mapping file",
        f"  - {mapping}, line 6: the export {export} has no column 'Reaktionen'; its columns "
        f"are {cols}; fix the reactions column in the mapping file",
    ])  # 'TEXT' matches 'Text': names match ignoring case


def test_a_required_field_nobody_maps(tmp_path):
    export = write(tmp_path / "g1.csv", "Zeit,Benutzer,Nachricht\n2023-07-01 10:00,anna,hi\n")
    mapping = write(tmp_path / "map.yaml", "columns: {Zeit: timestamp, Nachricht: text}\n")
    with pytest.raises(IngestError, match=re.escape(
            f"{mapping}, line 1: no column is mapped to 'author'; add a line 'EXPORT COLUMN: "
            "author' under columns:; the export has the columns 'Zeit', 'Benutzer', "
            "'Nachricht'")):
        chatcode.ingest(export, mapping=mapping, timezone="UTC")


def test_the_table_format_needs_a_mapping(tmp_path):
    export = write(tmp_path / "g1.csv", "a,b\n1,2\n")
    with pytest.raises(IngestError, match=re.escape(
            f"{export}: the format 'table' needs a mapping file; give --mapping MAP.yaml")):
        chatcode.ingest(export, format="table", timezone="UTC")


def test_without_a_post_id_column_ids_come_from_the_row_numbers(tmp_path):
    export = write(tmp_path / "g1.csv", "Zeit,Wer,Was,text\n2023-07-01 10:00,anna,hi,x\n"
                   "2023-07-01 10:05,ben,hallo,y\n")
    mapping = write(tmp_path / "map.yaml", "columns:\n  Zeit: timestamp\n  Wer: author\n"
                    "  Was: text\n")
    corpus, report = chatcode.ingest_report(export, mapping=mapping, timezone="UTC")
    assert corpus.posts["post_id"].tolist() == ["row-2", "row-3"]
    assert corpus.posts["text"].tolist() == ["hi", "hallo"]
    # the export's own column "text" is not lost: another column is mapped to text
    assert corpus.posts["src_text"].tolist() == ["x", "y"]
    assert (f"{export}: the mapping names no post_id column: post ids are derived from the row "
            "numbers (row-2 ... row-3); map an id column to ingest several such exports into "
            "one corpus") in report
    assert (f"{export}: the export's own column 'text' is kept as src_text (the mapping maps "
            "another column to 'text')") in report


def test_reactions_from_a_sheet_of_the_workbook(tmp_path):
    export = workbook(tmp_path / "export.xlsx", {
        "Posts": [["Nr", "Zeit", "Name", "Text"], ["a1", "2023-07-01 10:00", "anna", "hi"]],
        "Reactions": [["Nr", "Wer", "Art", "Wann", "Gerät"],
                      ["a1", "ben", "+1", "2023-07-01 10:01", "iPhone"],
                      ["a1", None, "heart", None, None]]})
    mapping = write(tmp_path / "map.yaml", (
        "sheet: Posts\ncolumns: {Nr: post_id, Zeit: timestamp, Name: author, Text: text}\n"
        "timezone: Europe/Berlin\n"
        "reactions:\n  sheet: Reactions\n"
        "  columns: {Nr: post_id, Wer: author, Art: emoji, Wann: timestamp}\n"))
    reactions = chatcode.ingest(export, mapping=mapping, timezone="UTC").reactions
    assert reactions["post_id"].tolist() == ["a1", "a1"]
    assert reactions["author"].tolist()[0] == "ben" and pd.isna(reactions["author"][1])
    assert reactions["emoji"].tolist() == ["+1", "heart"]
    assert reactions["timestamp"][0] == pd.Timestamp("2023-07-01T08:01:00Z")
    assert pd.isna(reactions["timestamp"][1])
    assert reactions["src_Gerät"].tolist()[0] == "iPhone"


def test_reactions_from_a_file_next_to_the_mapping(tmp_path):
    folder = TABLE / "reactions_file"
    corpus, report = chatcode.ingest_report(folder / "posts.csv", mapping=folder / "map.yaml",
                                            timezone="UTC")
    r = corpus.reactions
    assert r[["post_id", "author", "emoji"]].values.tolist() == [["p1", "Ben", "thumbsup"],
                                                                 ["p1", "Cleo", "heart"]]
    assert r["timestamp"][0] == pd.Timestamp("2023-07-01T08:06:00Z")
    assert (f"{folder / 'posts.csv'}: left out 1 reaction(s) of {folder / 'reaktionen.csv'} on "
            "posts that are not in this export") in report


def test_unreadable_reaction_cells_name_rows_and_values(tmp_path):
    export = write(tmp_path / "g1.csv", "Nr,Zeit,Name,Text,Reaktionen\n"
                   "1,2023-07-01 10:00,anna,hi,thumbsup: 2\n"
                   "2,2023-07-01 10:01,ben,ho,viele: ja\n"
                   "3,2023-07-01 10:02,cleo,he,2.5\n")
    mapping = write(tmp_path / "map.yaml", "columns: {Nr: post_id, Zeit: timestamp, "
                    "Name: author, Text: text}\nreactions: {column: Reaktionen}\n")
    with pytest.raises(SchemaError, match=re.escape(
            f"{export}, column \"Reaktionen\": cannot read the reactions in rows 3 "
            "('viele: ja'), 4 ('2.5'); write the reactions of a post as 'thumbsup: 2, heart: 1' "
            "or a plain count '3'")):
        chatcode.ingest(export, mapping=mapping, timezone="UTC")


@pytest.mark.parametrize(("cell", "expected"), [
    ("thumbsup: 2, heart: 1", [("thumbsup", 2), ("heart", 1)]),
    ("👍: 2, ❤️: 1", [("👍", 2), ("❤️", 1)]),
    ("👍 2; ❤️", [("👍", 2), ("❤️", 1)]),
    (":+1: 2, :tada:", [("+1", 2), ("tada", 1)]),
    ("+1: 3, -1", [("+1", 3), ("-1", 1)]),  # Mattermost's names of thumbs up and down
    ("3", [("reaction", 3)]),
    (3, [("reaction", 3)]),
    (2.0, [("reaction", 2)]),
    (0, []),
    ("thumbsup: 0", []),
    (None, []),
    ("", []),
])
def test_reaction_cells(cell, expected):
    assert parse_reaction_cell(cell) == expected


@pytest.mark.parametrize("cell", ["viele: ja", -1, 2.5, "2.5", "thumbs up", True])
def test_reaction_cells_that_are_not_reactions(cell):
    with pytest.raises(ValueError):
        parse_reaction_cell(cell)


# --- bad export files (via chatcode.ingest) ----------------------------------------------------
def test_a_missing_required_column_lists_the_columns_and_the_closest(tmp_path):
    export = write(tmp_path / "g1.csv", "post_id,timestamp,autor,text\n1,2023-07-01 10:00,a,b\n")
    message = (f"{export}: missing required column 'author'; closest: 'autor'; the posts table "
               "has the columns 'post_id', 'timestamp', 'autor', 'text'; rename the columns")
    with pytest.raises(SchemaError, match=re.escape(message)):
        chatcode.ingest(export, timezone="UTC")
    with pytest.raises(SchemaError, match=re.escape(message)):
        chatcode.ingest(export, format="canonical", timezone="UTC")


def test_unreadable_timestamps_name_rows_and_values(tmp_path):
    export = write(tmp_path / "g1.csv", "post_id,timestamp,author,text\n1,2023-07-01 10:00,a,b\n"
                   "2,31.02.2023 25:10,a,b\n3,2023-07-01 10:02,a,b\n4,gestern,a,b\n")
    with pytest.raises(SchemaError, match=re.escape(
            f'{export}, column "timestamp": cannot read 2 timestamp(s) in rows 3 '
            "('31.02.2023 25:10'), 5 ('gestern'); expected ISO 8601")):
        chatcode.ingest(export, timezone="UTC")


def test_data_errors_of_a_mapped_export_name_its_own_columns(tmp_path):
    export = workbook(tmp_path / "export.xlsx", {"Posts": [
        ["Nr", "Zeitpunkt", "Benutzer", "Text"],
        [1, "01.07.2023 10:00", "anna", "hi"],
        [1, "32.07.2023 10:00", "ben", "ho"],
        [2, "01.07.2023 11:00", None, "he"]]})
    mapping = write(tmp_path / "map.yaml", "columns: {Nr: post_id, Zeitpunkt: timestamp, "
                    "Benutzer: author, Text: text}\ntimestamp_format: '%d.%m.%Y %H:%M'\n")
    with pytest.raises(SchemaError) as info:
        chatcode.ingest(export, mapping=mapping, timezone="UTC")
    where = f'{export}, sheet "Posts"'
    assert str(info.value) == "\n".join([
        f"{where}: the export has 3 problem(s):",
        f"  - {where}, column \"Nr\": duplicate post ids in rows 2 ('1'), 3 ('1'); post ids "
        "must be unique; remove the repeated rows or fix the ids",
        f"  - {where}, column \"Zeitpunkt\": cannot read 1 timestamp(s) in rows 3 "
        "('32.07.2023 10:00'); expected the format '%d.%m.%Y %H:%M'; or set timestamp_format "
        "in a mapping file",
        f"  - {where}, column \"Benutzer\": empty author in row(s) 4; every post needs an "
        "author (user name or pseudonym)",
    ])


def test_duplicate_post_ids_name_the_rows(tmp_path):
    export = write(tmp_path / "g1.csv", "post_id,timestamp,author,text\n7,2023-07-01 10:00,a,b\n"
                   "8,2023-07-01 10:01,a,b\n7,2023-07-01 10:02,a,b\n")
    with pytest.raises(SchemaError, match=re.escape(
            f"{export}, column \"post_id\": duplicate post ids in rows 2 ('7'), 4 ('7')")):
        chatcode.ingest(export, timezone="UTC")


def ole_file(path: Path, *, encrypted: bool) -> Path:
    """A minimal OLE2 compound file (magic + header); an encrypted OOXML workbook holds the
    UTF-16LE stream name "EncryptedPackage" (MS-OFFCRYPTO 2.3.4.4)."""
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    if encrypted:
        body += "EncryptedPackage".encode("utf-16-le") + bytes(96)
    path.write_bytes(body)
    return path


def truncated_workbook(path: Path) -> Path:
    whole = german_workbook(path.with_name("whole.xlsx")).read_bytes()
    path.write_bytes(whole[: len(whole) // 3])
    return path


BAD_FILES = {
    "empty.csv": (lambda p: p.write_bytes(b""), "the file is empty; export the chat again"),
    "blank.csv": (lambda p: p.write_text("  \r\n\t\r\n", encoding="utf-8"),
                  "the file is empty; export the chat again"),
    "secret.xlsx": (lambda p: ole_file(p, encrypted=True),
                    "the workbook is password-protected (encrypted); open it in Excel, remove "
                    "the password"),
    "old.xls": (lambda p: ole_file(p, encrypted=False),
                "this is an old Excel 97-2003 workbook (.xls), which chatcode does not read; "
                "open it in Excel or LibreOffice and save it as .xlsx"),
    "broken.xlsx": (truncated_workbook, "the workbook cannot be opened: it is damaged or not "
                    "an .xlsx file"),
    "binary.csv": (lambda p: p.write_bytes(bytes(range(256)) * 4),
                   "the file holds binary data: it is neither a CSV (text) file nor an .xlsx "
                   "workbook"),
    "undecodable.csv": (lambda p: p.write_bytes(b"post_id,text\n1,\x81\x8d\n"),
                        "cannot decode the file as UTF-8 or cp1252"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_files_that_cannot_be_read(tmp_path, name):
    make, message = BAD_FILES[name]
    path = tmp_path / name
    make(path)
    with pytest.raises(IngestError, match=re.escape(f"{path}: {message}")):
        chatcode.ingest(path, timezone="UTC")
    mapping = write(tmp_path / "map.yaml", "columns: {A: text}\n")
    with pytest.raises(IngestError, match=re.escape(f"{path}: {message}")):
        chatcode.ingest(path, mapping=mapping, timezone="UTC")


def test_a_file_that_is_not_a_table(tmp_path):
    export = write(tmp_path / "export.csv", '{"posts": []}\n')
    mapping = write(tmp_path / "map.yaml", "columns: {A: text}\n")
    with pytest.raises(IngestError, match=re.escape(
            f"{export}: this is a JSON file, not a table (CSV)")):
        chatcode.ingest(export, mapping=mapping, timezone="UTC")
    with pytest.raises(IngestError, match=re.escape(
            f"{export}: cannot tell which export format this is")):
        chatcode.ingest(export, timezone="UTC")


def test_a_workbook_without_the_named_sheet(tmp_path):
    export = german_workbook(tmp_path / "export.xlsx")
    mapping = write(tmp_path / "map.yaml", "sheet: Posts\ncolumns: {Text: text}\n")
    with pytest.raises(IngestError, match=re.escape(
            f'{export}: the workbook has no sheet "Posts"; its sheets are \'Info\', '
            "'Beiträge'; rename the sheet or name the right one")):
        chatcode.ingest(export, mapping=mapping, timezone="UTC")


@pytest.mark.parametrize(("name", "message"), [
    ("empty.csv", "the file is empty"),
    ("secret.xlsx", "the workbook is password-protected (encrypted)"),
    ("broken.xlsx", "the workbook cannot be opened: it is damaged or not an .xlsx file"),
])
def test_bad_files_through_the_cli(tmp_path, cli, name, message):
    path = tmp_path / name
    BAD_FILES[name][0](path)
    result = cli("ingest", path, "-o", tmp_path / "corpus", "--timezone", "UTC")
    assert result.returncode == 1
    assert f"error: {path}: {message}" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "corpus").exists()


def test_mapping_errors_through_the_cli(tmp_path, cli):
    export = german_workbook(tmp_path / "export.xlsx")
    mapping = write(tmp_path / "map.yaml", "sheet: Beiträge\ncolumns:\n  Zeitpunkt: timestamp\n"
                    "  Benutzr: author\n  Text: text\n")
    result = cli("ingest", export, "--mapping", mapping, "-o", tmp_path / "c.xlsx")
    assert result.returncode == 1
    assert (f"error: {mapping}, line 4: the export {export}, sheet \"Beiträge\" has no column "
            "'Benutzr'; closest: 'Benutzer'") in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "c.xlsx").exists()


# --- time zones -----------------------------------------------------------------------------
def naive_export(tmp_path: Path) -> Path:
    return write(tmp_path / "g1.csv", "post_id,timestamp,author,text\n"
                 "1,2023-07-01 10:00,anna,summer\n2,2023-01-15 10:00,ben,winter\n")


def test_naive_times_are_read_in_the_given_zone_with_daylight_saving(tmp_path):
    corpus, report = chatcode.ingest_report(naive_export(tmp_path), timezone="Europe/Berlin")
    # CEST is UTC+2 in July, CET is UTC+1 in January (IANA tz database, Europe/Berlin)
    assert corpus.posts["timestamp"].tolist() == [pd.Timestamp("2023-07-01T08:00:00Z"),
                                                  pd.Timestamp("2023-01-15T09:00:00Z")]
    assert report[0] == "naive timestamps are read in Europe/Berlin"


def test_the_default_zone_is_the_machines_and_the_report_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    corpus, report = chatcode.ingest_report(naive_export(tmp_path))
    assert report[0] == ("naive timestamps are read in America/New_York (this machine's zone; "
                         "set --timezone to change it)")
    assert corpus.posts["timestamp"][0] == pd.Timestamp("2023-07-01T14:00:00Z")  # EDT, UTC-4


def test_timezone_through_the_cli_and_the_machines_zone_by_default(tmp_path):
    export = naive_export(tmp_path)
    env = {**os.environ, "TZ": "Europe/Berlin", "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "chatcode", "ingest", str(export), *args],
                              capture_output=True, text=True, env=env, timeout=300)

    result = run("-o", str(tmp_path / "machine"))
    assert result.returncode == 0, result.stderr
    assert ("naive timestamps are read in Europe/Berlin (this machine's zone; set --timezone "
            "to change it)") in result.stderr
    assert read_corpus(tmp_path / "machine").posts["timestamp"][0] == pd.Timestamp(
        "2023-07-01T08:00:00Z")
    result = run("-o", str(tmp_path / "tokyo"), "--timezone", "Asia/Tokyo")
    assert result.returncode == 0, result.stderr
    assert re.search(r"naive timestamps are read in Asia/Tokyo *\n", result.stderr)
    assert read_corpus(tmp_path / "tokyo").posts["timestamp"][0] == pd.Timestamp(
        "2023-07-01T01:00:00Z")  # JST is UTC+9 all year
    result = run("-o", str(tmp_path / "mars"), "--timezone", "Mars/Base")
    assert result.returncode == 1
    assert "error: unknown time zone 'Mars/Base'" in result.stderr


def test_the_mapping_files_zone_overrides_the_option(tmp_path):
    export = naive_export(tmp_path)
    mapping = write(tmp_path / "map.yaml", "columns: {post_id: post_id}\n"
                    "timezone: Europe/Berlin\n")
    corpus = chatcode.ingest(export, mapping=mapping, timezone="Asia/Tokyo")
    assert corpus.posts["timestamp"][0] == pd.Timestamp("2023-07-01T08:00:00Z")


def test_epoch_milliseconds_in_a_mapped_export_are_utc(tmp_path):
    export = write(tmp_path / "g1.csv", "id,ms,who,msg\n1,1688198400000,anna,hi\n")
    mapping = write(tmp_path / "map.yaml", "columns: {id: post_id, ms: timestamp, who: author, "
                    "msg: text}\nepoch: ms\n")
    corpus = chatcode.ingest(export, mapping=mapping, timezone="Europe/Berlin")
    # 1688198400 s since 1970-01-01 UTC is 2023-07-01 08:00 UTC
    assert corpus.posts["timestamp"][0] == pd.Timestamp("2023-07-01T08:00:00Z")


def test_errors_are_chatcode_errors():
    assert issubclass(SchemaError, ChatcodeError) and issubclass(IngestError, ChatcodeError)
