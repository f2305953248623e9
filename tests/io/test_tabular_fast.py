"""The fast paths of chatcode._io.tabular give what the general paths give.

A UTF-8 CSV file is parsed from its bytes (``_read_utf8_csv``: delimiter and header from the
first lines, pyarrow checking the encoding); every other file is decoded in Python and read
by ``read_csv_text``. An all-text sheet column is converted by Arrow (``_all_text``) instead
of type inference. Each pair must agree cell for cell, row number for row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatcode._io import tabular
from chatcode._io.tabular import decode, read_csv_text, read_table
from chatcode.errors import IngestError


def general(raw: bytes, path: Path) -> pd.DataFrame:
    """The table as read before the UTF-8 fast path: decode, then ``read_csv_text``."""
    text, encoding = decode(raw, path)
    return read_csv_text(text, path, encoding)[0]


def outcome(read, *args) -> pd.DataFrame | str:
    """The table ``read`` gives, or the message of the IngestError it raises."""
    try:
        return read(*args)
    except IngestError as exc:
        return str(exc)


def assert_same(raw: bytes, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(raw)
    fast = outcome(lambda: read_table(path).data)
    slow = outcome(general, raw, path)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow, check_dtype=len(fast) > 0)


def csv_bytes(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue().encode("utf-8")


LONG = [["a", "b", "c"]] + [[f"id{i}", "x" * (i % 50), f'say "hi"\n{i}'] for i in range(6000)]
FILES = {
    "plain": b"a,b,c\n1,2,3\n4,5,6\n",
    "quoted line breaks": b'a,b,c\n"x\ny","1,2",3\r\n"say ""hi""",,\n',
    "empty rows": b"a;b\n1;2\n;\n3;4\n",
    "blank line": b"a;b\n1;2\n\n3;4\n",
    "trailing delimiters": b"a,b,\n1,2,\n3,4,\n",
    "header only": b"a,b\n",
    "no final line break": b"a\tb\n1\t2",
    "longer than the head": csv_bytes(LONG),
    "umlauts and emoji": "a|b\nGrüße|🙂 ok\n".encode(),
    "not utf-8 after the head": csv_bytes(LONG) + "z,Köln,1\n".encode("cp1252"),
    "cp1252": "a;b\nKöln;5 €\n".encode("cp1252"),
    "utf-8 with BOM": b"\xef\xbb\xbfa,b\n1,2\n",
    "utf-16": "a,b\n1,2\n".encode("utf-16"),
    "blank lines before the header": b"\n\na,b\n1,2\n",
    "header over two lines": b'a,"b\nc"\n1,2\n',
    "quote in the first field": b'x"y,"z\nw",v\n1,2\n',
    "odd quotes in the header": b'a,"b\n1,2\n',
}


@pytest.mark.parametrize("raw", FILES.values(), ids=FILES.keys())
def test_a_csv_file_reads_the_same_through_either_path(raw, tmp_path):
    assert_same(raw, tmp_path)


def test_the_fast_path_is_taken_for_a_plain_utf8_file_and_not_otherwise(tmp_path):
    path = tmp_path / "x.csv"
    assert tabular._read_utf8_csv(FILES["longer than the head"], path) is not None
    for name in ("not utf-8 after the head", "cp1252", "utf-8 with BOM", "utf-16",
                 "blank lines before the header"):
        assert tabular._read_utf8_csv(FILES[name], path) is None, name


def test_a_row_too_wide_after_the_head_still_names_its_row(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(LONG) + b"1,2,3,4\n")
    with pytest.raises(IngestError, match=r"row\(s\) 6002 have more cells"):
        read_table(path)


CELL = st.text(st.sampled_from(list('ab ,;"\n\r\tä€🙂')), max_size=6)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
       delimiter=st.sampled_from([",", ";", "\t", "|"]),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_random_tables_read_the_same_through_either_path(rows, delimiter, newline,
                                                          tmp_path_factory):
    raw = csv_bytes([["h1", "h2", "h3"], *rows], delimiter, newline)
    assert_same(raw, tmp_path_factory.mktemp("csv"))


def infer_rule(values: np.ndarray) -> bool:
    """The rule ``_all_text`` replaces: pandas infers the column as all strings."""
    return bool(len(values)) and pd.api.types.infer_dtype(values, skipna=False) == "string"


CALAMINE_CELLS = st.one_of(st.text(max_size=3), st.just(""), st.integers(-5, 5),
                           st.floats(allow_nan=False), st.booleans(),
                           st.datetimes(min_value=dt.datetime(1990, 1, 1)),
                           st.dates(), st.none())


@settings(max_examples=200, deadline=None)
@given(st.lists(CALAMINE_CELLS, max_size=6))
def test_a_sheet_column_is_text_exactly_when_pandas_infers_strings(cells):
    values = np.empty(len(cells), dtype=object)
    values[:] = cells
    text = tabular._all_text(values)
    assert (text is not None) == infer_rule(values)
    if text is not None:
        assert text.to_pylist() == [v if v != "" else None for v in cells]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.one_of(st.text(max_size=2), st.just(""), st.integers(0, 3)),
                         min_size=3, max_size=3), min_size=1, max_size=6),
       st.integers(1, 3))
def test_an_all_text_sheet_converted_in_one_pass_equals_column_by_column(body, width):
    """``_text_sheet`` (one Arrow pass over the rows) against the per-column conversion."""
    header = ["a", "b", "c"][:width]
    fast = tabular._sheet_columns(body, header)
    original = tabular._text_sheet
    try:
        tabular._text_sheet = lambda *args: None
        slow = tabular._sheet_columns(body, header)
    finally:
        tabular._text_sheet = original
    pd.testing.assert_frame_equal(fast, slow)
