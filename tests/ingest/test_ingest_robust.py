"""Bad or odd data handled with a clear message: real parse errors from detection, a mapping
onto canonical names, out-of-range dates as row errors, epoch milliseconds, reply cycles,
formula cells, empty exports and --strict."""

from __future__ import annotations

import contextlib
import io
import re
import warnings

import pandas as pd
import pytest
from openpyxl import Workbook

from chatcode import ingest, responses
from chatcode.cli import run
from chatcode.corpus.corpus import LINK, LINK_CYCLE, LINK_SELF, Corpus, reply_links
from chatcode.errors import ChatcodeError, ChatcodeWarning

HEADER = "post_id,group,timestamp,author,text,parent_id\n"


def cli(*args: object) -> tuple[int, str]:
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr), \
            warnings.catch_warnings():
        warnings.simplefilter("always")
        code = run([str(a) for a in args])
    return code, stderr.getvalue()


@pytest.mark.parametrize(("text", "error"), [
    ("post_id,group,timestamp,author,text\n1,g,2023-05-01,anna,hi\n2,g,2023-05-01,b,hi,x\n",
     "row(s) 3 have more cells than the first row has column names"),
    ("post_id,text,text\n1,a,b\n", "the column name 'text' appears twice"),
])
def test_detection_reports_the_real_error_of_the_table(tmp_path, text, error):
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ChatcodeError, match=re.escape(error)):
        ingest(path, timezone="UTC")


def test_a_mapping_beside_a_column_with_a_canonical_name_reads(tmp_path):
    """The export has its own 'attachments' column and the mapping maps other columns
    (this raised StopIteration)."""
    path = tmp_path / "export.csv"
    path.write_text("Nr,Gruppe,Zeit,Wer,Nachricht,attachments\n"
                    "1,g,2023-05-01T08:00:00+00:00,anna,hi,2\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  Nr: post_id\n  Gruppe: group\n  Zeit: timestamp\n"
                       "  Wer: author\n  Nachricht: text\n", encoding="utf-8")
    corpus = ingest(path, mapping=mapping, timezone="UTC")
    assert corpus.posts["attachments"].tolist() == [2]


@pytest.mark.parametrize("stamp", ["2999-05-01T08:00:00+00:00", "0001-01-01 00:00",
                                   "99999999999999999", "-99999999999999999"])
def test_a_date_out_of_range_is_a_row_error(tmp_path, stamp):
    path = tmp_path / "corpus.csv"
    path.write_text(HEADER + "p1,g,2023-05-01T08:00:00+00:00,anna,ok,\n"
                    f"p2,g,{stamp},ben,bad,\n", encoding="utf-8")
    with pytest.raises(ChatcodeError, match=r'column "timestamp": cannot read 1 timestamp\(s\) '
                       r"in rows 3 .*dates from 1677-09-22 to 2262-04-11"):
        ingest(path, timezone="UTC")


def test_epoch_milliseconds_in_a_canonical_csv_are_read_as_utc(tmp_path):
    path = tmp_path / "corpus.csv"
    path.write_text(HEADER + "p1,g,1683014400000,anna,hi,\np2,g,1683018000000,ben,ho,p1\n",
                    encoding="utf-8")
    corpus = ingest(path, timezone="Europe/Berlin")
    assert corpus.posts["timestamp"].tolist() == [
        pd.Timestamp("2023-05-02T08:00:00Z"), pd.Timestamp("2023-05-02T09:00:00Z")]


def test_reply_cycles_and_self_replies_are_reported_and_not_counted():
    posts = pd.DataFrame({
        "post_id": ["a", "b", "c", "d", "e"], "group": "g",
        "timestamp": [f"2023-05-01T0{i}:00:00+00:00" for i in range(5)],
        "author": ["x", "y", "z", "x", "y"], "text": "t",
        "parent_id": ["b", "a", "c", "b", "d"]})  # a<->b cycle, c itself, d->b, e->d ok
    corpus = Corpus(posts)
    links = reply_links(corpus.posts).set_index("post_id")[LINK]
    assert links.to_dict() == {"a": LINK_CYCLE, "b": LINK_CYCLE, "c": LINK_SELF, "d": "ok",
                               "e": "ok"}
    with pytest.warns(ChatcodeWarning, match=r"2 post\(s\) on cycles of reply links"):
        counts = responses(corpus).set_index("post_id")["replies"]
    assert counts.to_dict() == {"a": 0, "b": 1, "c": 0, "d": 1, "e": 0}


def test_formula_cells_of_an_input_workbook_are_reported(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["post_id", "group", "timestamp", "author", "text"])
    ws.append(["p1", "g", "2023-05-01T08:00:00+00:00", "anna", "=1+1"])
    wb.save(tmp_path / "export.xlsx")
    with pytest.warns(ChatcodeWarning, match=r'sheet "Sheet": 1 formula cell\(s\) \(e.g. E2\).*'
                      r"1 have no saved value \(e.g. E2\) and read as empty"):
        corpus = ingest(tmp_path / "export.xlsx", timezone="UTC")
    assert corpus.posts["text"].tolist() == [""]  # reported above, not silently


def test_an_export_without_posts_warns_and_strict_makes_it_exit_1(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text(HEADER, encoding="utf-8")
    code, err = cli("ingest", path, "-o", tmp_path / "a.xlsx")
    assert code == 0 and "header.csv: the export holds no posts" in err
    code, err = cli("--strict", "ingest", path, "-o", tmp_path / "b.xlsx")
    assert code == 1 and "--strict treats warnings as errors" in err


def test_usage_errors_exit_2_and_data_errors_exit_1(tmp_path):
    assert cli("responses", tmp_path / "none.xlsx")[0] == 2  # typer checks the path
    assert cli("latency", "--nope")[0] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("post_id,text,text\n1,a,b\n", encoding="utf-8")
    assert cli("ingest", bad, "-o", tmp_path / "o.xlsx")[0] == 1
