"""The sweep: 150+ bad or odd inputs through the CLI. Every run ends with exit code 1 (bad
data) or 2 (usage), no traceback, and a message naming the place (the file, or the option);
a run that succeeds on suspicious data must at least warn, naming the file.

The inputs are generated here, in a temporary folder; the CLI runs in this process (as the
console script does, through ``chatcode.cli.run``), so the sweep stays fast.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_inprocess
from openpyxl import Workbook

FIX = Path(__file__).parent / "fixtures"
CODEBOOK = FIX / "agreement" / "codebook.yaml"
CORPUS = FIX / "responses" / "corpus"
HEADER = "post_id,group,timestamp,author,text,parent_id\n"
ROW = "p1,g,2023-05-01T08:00:00+00:00,anna,hello,\n"


cli = run_inprocess  # the CLI in this process (tests/conftest.py)


def _xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet") -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


# --- bad files: name -> (suffix, maker). Each goes through several commands. ---------------
CSV_TEXTS: dict[str, str] = {
    "header_only": HEADER,
    "whitespace_only": "  \n\t\n",
    "duplicate_text_column": "post_id,text,text\n1,a,b\n",
    "row_with_more_cells": HEADER + ROW + "p2,g,2023-05-01T09:00:00+00:00,ben,hi,,extra\n",
    "unclosed_quote": HEADER + 'p2,g,2023-05-01,ben,"never closed\n',
    "no_header_names": ",,,\n1,2,3\n",
    "empty_column_name": "post_id,,text\n1,a,b\n",
    "json_in_csv": '{"messages": []}',
    "bad_timestamp": HEADER + "p1,g,31.02.2023 25:10,anna,hi,\n",
    "year_2999": HEADER + "p1,g,2999-05-01T08:00:00+00:00,anna,hi,\n",
    "year_0001": HEADER + "p1,g,0001-01-01T00:00:00,anna,hi,\n",
    "epoch_seconds_huge": HEADER + "p1,g,99999999999999,anna,hi,\n",
    "epoch_negative_huge": HEADER + "p1,g,-99999999999999999,anna,hi,\n",
    "duplicate_post_ids": HEADER + ROW + ROW,
    "empty_author": HEADER + "p1,g,2023-05-01T08:00:00+00:00,,hi,\n",
    "missing_timestamp": HEADER + "p1,g,,anna,hi,\n",
    "only_unknown_columns": "foo,bar\n1,2\n",
    "missing_text_column": "post_id,group,timestamp,author\n1,g,2023-05-01,anna\n",
    "reply_cycle": HEADER + "p1,g,2023-05-01T08:00:00+00:00,anna,a,p2\n"
    "p2,g,2023-05-01T09:00:00+00:00,ben,b,p1\n",
    "self_parent": HEADER + "p1,g,2023-05-01T08:00:00+00:00,anna,a,p1\n",
    "bad_attachments": "post_id,group,timestamp,author,text,attachments\n"
    "p1,g,2023-05-01T08:00:00+00:00,anna,a,many\n",
    "semicolon_garbage": "a;b;c\n1;2\n3;4;5;6;7\n",
    "tab_header_only": "post_id\ttext\n",
    "mixed_tz_garbage": HEADER + "p1,g,2023-05-01T08:00:00+99:00,anna,hi,\n",
    "nat_text": HEADER + "p1,g,NaT,anna,hi,\n",
    "negative_attachments": "post_id,group,timestamp,author,text,attachments\n"
    "p1,g,2023-05-01T08:00:00+00:00,anna,a,-3\n",
}
BYTES: dict[str, tuple[str, bytes]] = {
    "empty_csv": (".csv", b""),
    "binary": (".csv", bytes(range(256)) * 4),
    "nul_bytes": (".csv", b"post_id,text\n1,a\x00b\n"),
    "ole_xls": (".xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    "encrypted_xlsx": (".xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
                       + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100),
    "truncated_zip": (".xlsx", b"PK\x03\x04" + b"\x14\x00" * 20),
    "png_as_csv": (".csv", b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 50),
    "bad_utf16": (".csv", b"\xff\xfe" + "post_id,text\n".encode("utf-16-le") + b"\x00\xd8"),
    "empty_json": (".json", b""),
    "broken_json": (".json", b'{"name": "chat", "messages": [ {"id": 1,'),
    "json_list_of_numbers": (".json", b"[1, 2, 3]"),
    "jsonl_garbage": (".jsonl", b'{"type": "version"}\nnot json at all\n'),
    "txt_random": (".txt", b"just some words\nwithout any chat format\n"),
}


def _make_files(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for name, text in CSV_TEXTS.items():
        files[name] = folder / f"{name}.csv"
        files[name].write_text(text, encoding="utf-8")
    for name, (suffix, data) in BYTES.items():
        files[name] = folder / f"{name}{suffix}"
        files[name].write_bytes(data)
    files["zip_of_text"] = folder / "zip_of_text.xlsx"
    _zip(files["zip_of_text"], {"notes.txt": b"hello"})
    files["empty_zip"] = folder / "empty_zip.zip"
    _zip(files["empty_zip"], {})
    files["xlsx_empty_sheet"] = folder / "xlsx_empty_sheet.xlsx"
    _xlsx(files["xlsx_empty_sheet"], [])
    files["xlsx_header_only"] = folder / "xlsx_header_only.xlsx"
    _xlsx(files["xlsx_header_only"], [["post_id", "group", "timestamp", "author", "text"]])
    files["xlsx_formula_text"] = folder / "xlsx_formula_text.xlsx"
    _xlsx(files["xlsx_formula_text"], [["post_id", "group", "timestamp", "author", "text"],
                                       ["p1", "g", "2023-05-01T08:00:00+00:00", "anna",
                                        "=1+1"]])
    files["xlsx_dup_columns"] = folder / "xlsx_dup_columns.xlsx"
    _xlsx(files["xlsx_dup_columns"], [["post_id", "text", "text"], ["1", "a", "b"]])
    files["xlsx_year_2999"] = folder / "xlsx_year_2999.xlsx"
    _xlsx(files["xlsx_year_2999"], [["post_id", "group", "timestamp", "author", "text"],
                                    ["p1", "g", "2999-01-01 08:00", "anna", "hi"]])
    files["folder_without_posts"] = folder / "folder_without_posts"
    files["folder_without_posts"].mkdir()
    (files["folder_without_posts"] / "notes.txt").write_text("x")
    files["parquet_damaged"] = folder / "parquet_damaged.parquet"
    files["parquet_damaged"].mkdir()
    (files["parquet_damaged"] / "posts.parquet").write_bytes(b"PAR1 not really")
    return files


FILE_NAMES = [*CSV_TEXTS, *BYTES, "zip_of_text", "empty_zip", "xlsx_empty_sheet",
              "xlsx_header_only", "xlsx_formula_text", "xlsx_dup_columns", "xlsx_year_2999",
              "folder_without_posts", "parquet_damaged"]
# inputs that are odd but readable: a run may succeed, but must warn naming the problem
WARN_OK = {"header_only", "xlsx_header_only", "reply_cycle", "self_parent",
           "xlsx_formula_text", "tab_header_only", "json_in_csv"}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return _make_files(tmp_path_factory.mktemp("bad"))


def check(code: int, out: str, err: str, place: str, *, name: str, warn_ok: bool = False,
          usage: bool = False) -> None:
    assert "Traceback" not in err + out, (name, err)
    if code == 0:
        assert warn_ok, f"{name}: exit 0 on bad data\n{err}"
        assert "warning:" in err, f"{name}: exit 0 without a warning\n{err}"
        return
    assert code == (2 if usage else 1), (name, code, err)
    assert err.count("error:") >= 1, (name, err)
    assert place in err, f"{name}: the message does not name {place!r}\n{err}"


@pytest.mark.parametrize("name", FILE_NAMES)
@pytest.mark.parametrize("command", ["ingest", "responses", "latency"])
def test_a_bad_file(files, tmp_path, command, name):
    path = files[name]
    if command == "ingest":
        result = cli("ingest", path, "-o", tmp_path / "out.xlsx")
    else:
        result = cli(command, path)
    check(*result, path.name, name=f"{command} {name}", warn_ok=name in WARN_OK)


# --- mapping and roles files ----------------------------------------------------------------
MAPPINGS = {
    "onto_taken_names": "columns:\n  a: text\n  text: author\n  b: author\n",
    "unknown_source_column": "columns:\n  Nachricht: text\n",
    "not_yaml": "columns: [unclosed\n",
    "a_list": "- a\n- b\n",
    "unknown_target": "columns:\n  text: colour\n",
    "two_onto_one": "columns:\n  a: text\n  b: text\n",
    "empty": "",
}
ROLES = {
    "not_yaml": "moderator: [unclosed\n",
    "a_string": "just text\n",
    "unknown_role": "wizard: [anna]\n",
    "name_twice": "moderator: [anna]\nteam: [anna]\n",
    "nested": "moderator: {a: {b: c}}\n",
}


@pytest.mark.parametrize("name", MAPPINGS)
def test_a_bad_mapping_file(tmp_path, name):
    export = tmp_path / "export.csv"
    export.write_text("post_id,group,timestamp,author,text,a,b\n"
                      "1,g,2023-05-01T08:00:00+00:00,anna,hi,x,y\n", encoding="utf-8")
    mapping = tmp_path / f"map_{name}.yaml"
    mapping.write_text(MAPPINGS[name], encoding="utf-8")
    code, out, err = cli("ingest", export, "--mapping", mapping, "-o", tmp_path / "o.xlsx")
    check(code, out, err, mapping.name, name=name)


@pytest.mark.parametrize("name", ROLES)
def test_a_bad_roles_file(tmp_path, name):
    roles = tmp_path / f"roles_{name}.yaml"
    roles.write_text(ROLES[name], encoding="utf-8")
    code, out, err = cli("ingest", CORPUS, "--roles", roles, "-o", tmp_path / "o.xlsx")
    check(code, out, err, roles.name, name=name, warn_ok=name == "unknown_role")


# --- outputs --------------------------------------------------------------------------------
OUTPUTS: dict[str, Callable[[Path], Path]] = {
    "existing_folder_as_file": lambda d: (d / "exists.xlsx").mkdir() or d / "exists.xlsx",
    "missing_folder": lambda d: d / "missing" / "out.xlsx",  # the message names "missing"
    "under_a_file": lambda d: (d / "f.txt").write_text("x") and d / "f.txt" / "out.xlsx",
    "existing_file": lambda d: (d / "there.xlsx").write_bytes(b"x") and d / "there.xlsx",
    "existing_csv_folder": lambda d: (d / "corpus").mkdir() or d / "corpus",
    "unknown_suffix": lambda d: d / "out.docx",
}


@pytest.mark.parametrize("name", OUTPUTS)
@pytest.mark.parametrize("command", ["ingest", "responses", "tables"])
def test_a_bad_output(tmp_path, command, name):
    out = OUTPUTS[name](tmp_path)
    args = {"ingest": ["ingest", CORPUS, "-o", out],
            "responses": ["responses", CORPUS, "-o", out],
            "tables": ["tables", FIX / "tables" / "corpus", FIX / "tables" / "codes.csv",
                       "--codebook", FIX / "tables" / "codebook.yaml", "--format", "xlsx",
                       "-o", out]}[command]
    code, stdout, err = cli(*args)
    usage = code == 2  # a suffix the command cannot write is a usage error
    place = out.parent.name if name in ("missing_folder", "under_a_file") else out.name
    check(code, stdout, err, place if not usage else "-o", name=f"{command} {name}",
          usage=usage)


# --- options --------------------------------------------------------------------------------
OPTION_RUNS = {
    "unknown_option": ["responses", CORPUS, "--bogus"],
    "latency_no_such_option": ["latency", CORPUS, "--mapping", "m.yaml"],
    "latency_on_a_raw_export": ["latency", FIX / "mattermost" / "bulk_export.jsonl"],
    "responses_on_a_zip": ["responses", "{tmp}/export.zip"],
    "bad_format_choice": ["responses", CORPUS, "--format", "docx"],
    "bad_timezone": ["ingest", CORPUS, "--timezone", "Mars/Olympus", "-o", "{tmp}/o.xlsx"],
    "missing_corpus": ["responses", "{tmp}/nothing.xlsx"],
    "bad_export_format": ["ingest", CORPUS, "--format", "fax", "-o", "{tmp}/o.xlsx"],
    "bad_scrub": ["ingest", CORPUS, "--scrub", "dna", "-o", "{tmp}/o.xlsx"],
    "negative_infer": ["ingest", CORPUS, "--infer-replies", "-5", "-o", "{tmp}/o.xlsx"],
    "latency_bad_by": ["latency", CORPUS, "--by", "planet"],
    "sheet_no_coder": ["sheet", CORPUS, "--codebook", CODEBOOK, "-o", "{tmp}/s.xlsx"],
    "sheet_first_and_sample": ["sheet", CORPUS, "--codebook", CODEBOOK, "--coder", "a",
                               "--first", "10", "--sample", "10", "-o", "{tmp}/s.xlsx"],
    "sheet_bad_percent": ["sheet", CORPUS, "--codebook", CODEBOOK, "--coder", "a",
                          "--sample", "250", "--seed", "1", "-o", "{tmp}/s.xlsx"],
    "agree_one_file": ["agree", FIX / "agreement" / "codes_anna.csv", "--codebook", CODEBOOK],
    "codebook_missing": ["codebook", "check", "{tmp}/none.yaml"],
    "tables_unknown_table": ["tables", FIX / "tables" / "corpus", FIX / "tables" / "codes.csv",
                             "--codebook", FIX / "tables" / "codebook.yaml", "--table", "99"],
}


@pytest.mark.parametrize("name", OPTION_RUNS)
def test_a_bad_option(tmp_path, name):
    (tmp_path / "export.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in OPTION_RUNS[name]]
    code, out, err = cli(*args)
    assert "Traceback" not in err + out, err
    assert code in (1, 2), (name, code, err)
    assert "error:" in err, err
    if name == "latency_on_a_raw_export":  # never suggest an option latency lacks
        assert "--format for a JSON" not in err and "--mapping" not in err.split("error:")[-1]


# --- codes and codebooks ----------------------------------------------------------------------
CODES = {
    "empty": "",
    "header_only": "post_id,coder,pass,dimension,code,value\n",
    "bad_value": "post_id,coder,pass,dimension,code,value\np1,anna,main,support,emotional,7\n",
    "unknown_code": "post_id,coder,pass,dimension,code,value\np1,anna,main,support,magic,1\n",
    "binary": "\x00\x01\x02",
    "no_columns": "a,b\n1,2\n",
}
CODEBOOKS = {
    "not_yaml": "name: [unclosed\n",
    "empty": "",
    "no_dimensions": "name: x\nversion: 1\n",
    "a_list": "- 1\n- 2\n",
    "dimension_without_codes": "name: x\nversion: 1\ndimensions:\n  - id: d\n    label: D\n",
}


@pytest.mark.parametrize("name", CODES)
def test_a_bad_codes_file(tmp_path, name):
    path = tmp_path / f"codes_{name}.csv"
    path.write_text(CODES[name], encoding="utf-8")
    code, out, err = cli("agree", path, FIX / "agreement" / "codes_ben.csv",
                         "--codebook", CODEBOOK)
    check(code, out, err, path.name, name=name)
    if name == "header_only":
        assert f"{path.name}: holds no codes" in err


@pytest.mark.parametrize("name", CODEBOOKS)
@pytest.mark.parametrize("command", ["check", "show"])
def test_a_bad_codebook(tmp_path, command, name):
    path = tmp_path / f"cb_{name}.yaml"
    path.write_text(CODEBOOKS[name], encoding="utf-8")
    code, out, err = cli("codebook", command, path)
    check(code, out, err, path.name, name=name)


def test_the_sweep_has_at_least_150_inputs():
    n = (3 * len(FILE_NAMES) + len(MAPPINGS) + len(ROLES) + 3 * len(OUTPUTS)
         + len(OPTION_RUNS) + len(CODES) + 2 * len(CODEBOOKS))
    assert n >= 150, n


def test_json_helpers_are_json():  # keeps the generated JSON inputs honest
    assert json.loads(BYTES["json_list_of_numbers"][1]) == [1, 2, 3]
    assert pd.isna(pd.NA)
