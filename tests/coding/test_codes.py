"""Reading codes back: filled coding sheets (every way a sheet can break), codes tables,
coding stores, disagreement workbooks, several sources, and the CLI round trip."""

from __future__ import annotations

import os
import re
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from chatcode._io.output import write_workbook
from chatcode.codebook import load_codebook
from chatcode.coding.codes import read_codes, read_sheet, validate_codes
from chatcode.coding.meta import add_meta_sheet
from chatcode.coding.sheets import write_sheet
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import read_corpus
from chatcode.errors import ChatcodeWarning, CodingError

HERE = Path(__file__).parents[1] / "fixtures" / "coding"
CODEBOOK = HERE / "codebook.yaml"
CORPUS = HERE / "corpus"
# the sheet of the fixture corpus lists the posts in time order, from row 3 on:
ROW = {"p06": 3, "p01": 4, "p02": 5, "p03": 6, "p04": 7, "p05": 8, "p07": 9, "p08": 10}
COL = {"support:informational": "H", "support:emotional": "I", "support:esteem": "J",
       "topic": "K"}
CB = load_codebook(CODEBOOK)


@pytest.fixture
def sheet(tmp_path):
    path = tmp_path / "anna.xlsx"
    write_sheet(read_corpus(CORPUS), CB, path, coder="anna", pass_="main", timezone="UTC")
    return path


def edit(path: Path, change) -> None:
    """Open the sheet as a coder would, change it, save it."""
    wb = load_workbook(path)
    change(wb["coding"])
    wb.save(path)


def code(path: Path, entries: dict[str, tuple]) -> None:
    """Enter (informational, emotional, esteem, topic) for posts; None leaves a cell empty."""
    def change(ws):
        for pid, values in entries.items():
            for header, value in zip(COL, values, strict=True):
                if value is not None:
                    ws[f"{COL[header]}{ROW[pid]}"] = value
    edit(path, change)


def full(pid: str, support: tuple[int, int, int], topic: tuple[int, int, int]) -> list[tuple]:
    return [(pid, "support", c, v) for c, v in zip(("informational", "emotional", "esteem"),
                                                    support, strict=True)] + \
           [(pid, "topic", c, v) for c, v in zip(("diet", "exercise", "medication"), topic,
                                                 strict=True)]


def decisions(df: pd.DataFrame) -> list[tuple]:
    return list(df[[S.POST_ID, S.DIMENSION, S.CODE, S.VALUE]].itertuples(index=False,
                                                                          name=None))


def read_quietly(path, **kw) -> pd.DataFrame:
    with pytest.warns(ChatcodeWarning, match="not coded yet"):
        return read_codes(path, **kw)


# --- a filled sheet gives exactly the codes entered ------------------------------------------

def test_exactly_the_codes_entered(sheet):
    code(sheet, {"p06": (1, 0, 1, "diet"), "p01": (0, 0, 0, "none"),
                 "p02": (0, 1, 0, "medication")})
    with pytest.warns(ChatcodeWarning, match=re.escape(
            "5 of 8 post(s) not coded yet (empty rows 6, 7, 8, 9, 10); they have no codes")):
        got = read_codes(sheet, codebook=CB)
    assert decisions(got) == (full("p06", (1, 0, 1), (1, 0, 0))
                              + full("p01", (0, 0, 0), (0, 0, 0))
                              + full("p02", (0, 1, 0), (0, 0, 1)))
    assert list(got.columns) == [*S.CODES_COLUMNS, S.CODED_AT, S.CODEBOOK_HASH]
    assert set(got[S.CODER]) == {"anna"} and set(got[S.PASS]) == {"main"}
    assert set(got[S.CODEBOOK_HASH]) == {CB.hash}
    assert got[S.VALUE].dtype == "int64"


def test_uncoded_posts_have_no_rows_and_coded_none_has_zeros(sheet):
    code(sheet, {"p01": (0, 0, 0, "none")})
    got = read_quietly(sheet, codebook=CB)
    assert set(got[S.POST_ID]) == {"p01"}
    assert got[S.VALUE].sum() == 0 and len(got) == 6


def test_a_sheet_with_every_post_coded_reads_without_a_warning(sheet):
    code(sheet, {pid: (1, 1, 0, "exercise") for pid in ROW})
    got = read_codes(sheet, codebook=CB)
    assert len(got) == 8 * 6


def test_typed_values_are_read_like_picked_ones(sheet):
    code(sheet, {"p06": ("1", 0.0, 1.0, " Diet "), "p01": (0, "0", 0, "NONE")})
    got = read_quietly(sheet, codebook=CB)
    assert decisions(got) == full("p06", (1, 0, 1), (1, 0, 0)) + full("p01", (0, 0, 0),
                                                                      (0, 0, 0))


def test_without_the_codebook_the_sheet_describes_itself(sheet):
    code(sheet, {"p06": (1, 0, 1, "diet"), "p01": (0, 0, 0, "none")})
    with pytest.warns(ChatcodeWarning):
        pd.testing.assert_frame_equal(read_codes(sheet), read_codes(sheet, codebook=CB))


def test_coded_at_is_the_file_modification_time(sheet):
    code(sheet, {"p06": (1, 0, 1, "diet")})
    moment = pd.Timestamp("2023-05-02T08:00:00Z")
    os.utime(sheet, (moment.timestamp(), moment.timestamp()))
    got = read_quietly(sheet)
    assert set(got[S.CODED_AT]) == {moment}
    assert str(got[S.CODED_AT].dtype) == "datetime64[ns, UTC]"


def test_texts_with_windows_line_ends_and_outer_spaces_read_back(tmp_path):
    from chatcode.corpus.corpus import Corpus

    posts = read_corpus(CORPUS).posts.copy()
    posts.loc[0, S.TEXT] = "  Good morning!\r\nHow are you?\r"
    path = tmp_path / "s.xlsx"
    write_sheet(Corpus.trusted(posts), CB, path, coder="anna", timezone="UTC")
    code(path, {"p01": (1, 0, 0, "none"), "p02": (0, 0, 0, "diet")})  # p02 shows p01's text
    got = read_quietly(path, codebook=CB)
    assert decisions(got) == full("p01", (1, 0, 0), (0, 0, 0)) + full("p02", (0, 0, 0),
                                                                      (1, 0, 0))


# --- every way a filled sheet is rejected ----------------------------------------------------

def where(sheet: Path, row: int, column: str | None = None) -> str:
    text = f'{sheet}, sheet "coding", row {row}'
    return text + (f', column "{column}"' if column else "") + ": "


def test_a_row_coded_in_part_names_the_empty_cells(sheet):
    code(sheet, {"p06": (1, None, 0, None)})
    with pytest.raises(CodingError, match=re.escape(
            where(sheet, 3) + "the row is coded in part: empty code cell(s) "
            "I (support:emotional), K (topic); finish the row")):
        read_codes(sheet, codebook=CB)


@pytest.mark.parametrize(("values", "cell", "message"), [
    ((1, 0, 0, "sport"), "K (topic)", "unknown code 'sport' of dimension topic; use one of "
     "diet, exercise, medication, or none"),
    ((1, 0, 0, 1), "K (topic)", "unknown code '1' of dimension topic"),
    ((2, 0, 0, "diet"), "H (support:informational)", "'2' is not 0 or 1; enter 1 when"),
    ((1, "yes", 0, "diet"), "I (support:emotional)", "'yes' is not 0 or 1"),
    ((1, 0, True, "diet"), "J (support:esteem)", "'True' is not 0 or 1"),
    ((1, 0, 0.5, "diet"), "J (support:esteem)", "'0.5' is not 0 or 1"),
    (("=1+0", 0, 0, "diet"), "H (support:informational)",
     "a formula (=1+0) in a code cell; type the code itself"),
])
def test_invalid_code_cells_are_named(sheet, values, cell, message):
    code(sheet, {"p06": values})
    with pytest.raises(CodingError, match=re.escape(where(sheet, 3, cell) + message)):
        read_codes(sheet, codebook=CB)


def test_merged_code_cells(sheet):
    code(sheet, {"p06": (1, 0, 0, "diet"), "p01": (None, 0, 0, "diet")})
    edit(sheet, lambda ws: ws.merge_cells("H3:H4"))
    with pytest.raises(CodingError, match=re.escape(
            where(sheet, 3, "H (support:informational)") + "merged cells H3:H4 in the code "
            "columns; unmerge them")):
        read_codes(sheet, codebook=CB)


def copy_row(ws, source: int, target: int, *, with_id: bool = True) -> None:
    for col in range(1 if with_id else 2, 12):
        ws.cell(row=target, column=col).value = ws.cell(row=source, column=col).value


def test_a_row_pasted_in_without_a_post_id(sheet):
    code(sheet, {"p06": (1, 0, 0, "diet")})
    edit(sheet, lambda ws: copy_row(ws, 3, 11, with_id=False))
    with pytest.raises(CodingError, match=re.escape(
            where(sheet, 11) + "the row has no post id (rows pasted in?); rows were moved")):
        read_codes(sheet, codebook=CB)


def test_a_duplicated_post_id(sheet):
    code(sheet, {"p06": (1, 0, 0, "diet")})
    edit(sheet, lambda ws: copy_row(ws, 3, 11))
    with pytest.raises(CodingError, match=re.escape(
            where(sheet, 11) + "post p06 appears twice (rows 3 and 11)")):
        read_codes(sheet, codebook=CB)


def swap_rows(ws, a: int, b: int, *, with_id: bool = True) -> None:
    for col in range(1 if with_id else 2, 12):
        x, y = ws.cell(row=a, column=col), ws.cell(row=b, column=col)
        x.value, y.value = y.value, x.value


def test_rows_moved_with_their_ids(sheet):
    code(sheet, {"p06": (1, 0, 0, "diet"), "p01": (0, 0, 0, "none")})
    edit(sheet, lambda ws: swap_rows(ws, 3, 4))
    with pytest.raises(CodingError) as info:
        read_codes(sheet, codebook=CB)
    text = str(info.value)
    assert "the coding sheet has 2 problem(s)" in text
    assert (where(sheet, 3) + "the row holds post p01, but the sheet was written with post "
            "p06 in this row") in text
    assert (where(sheet, 4) + "the row holds post p06, but the sheet was written with post "
            "p01 in this row") in text


def test_cells_moved_away_from_their_hidden_id(sheet):
    code(sheet, {"p06": (1, 0, 0, "diet"), "p01": (0, 0, 0, "none")})
    edit(sheet, lambda ws: swap_rows(ws, 3, 4, with_id=False))
    with pytest.raises(CodingError, match=re.escape(
            where(sheet, 3) + "the group, time, role, author or text in this row do not "
            "belong to post p06 (cells moved or edited)")):
        read_codes(sheet, codebook=CB)


def test_a_changed_post_id(sheet):
    code(sheet, {"p06": (1, 0, 0, "diet")})
    edit(sheet, lambda ws: ws.cell(row=3, column=1, value="p99"))
    with pytest.raises(CodingError, match=re.escape(
            where(sheet, 3) + "the row holds post p99, but the sheet was written with post "
            "p06 in this row")):
        read_codes(sheet, codebook=CB)
    with pytest.raises(CodingError, match=re.escape(
            where(sheet, 3) + "post p99 is not in the corpus")):
        read_codes(sheet, codebook=CB, corpus=read_corpus(CORPUS))


def test_a_cleared_row(sheet):
    def clear(ws):
        for col in range(1, 12):
            ws.cell(row=5, column=col).value = None
    edit(sheet, clear)
    with pytest.raises(CodingError, match=re.escape(
            where(sheet, 5) + "row(s) 5 are empty, but the sheet was written with post(s) "
            "p02 there")):
        read_codes(sheet, codebook=CB)


def test_a_sheet_made_from_another_codebook_version(sheet):
    v2 = load_codebook(HERE / "codebook_v2.yaml")
    with pytest.raises(CodingError, match=re.escape(
            f"{sheet}: the sheet was made from codebook 'sheettest' version '1' (hash "
            f"{CB.hash}), but the codebook given is 'sheettest' version '2' (hash {v2.hash})")):
        read_codes(sheet, codebook=v2)


def test_columns_inserted(sheet):
    edit(sheet, lambda ws: ws.insert_cols(8))
    with pytest.raises(CodingError, match=re.escape(
            f'{sheet}, sheet "coding", row 1, column "H": expected the header '
            "'support:informational', found (empty)")):
        read_codes(sheet, codebook=CB)


def test_the_hidden_post_list_changed(sheet):
    wb = load_workbook(sheet)
    wb["_posts"]["A2"] = "p99"
    wb.save(sheet)
    with pytest.raises(CodingError, match=re.escape(
            "the post ids recorded in the hidden sheet were changed")):
        read_codes(sheet)


def test_not_a_coding_sheet(tmp_path):
    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    with pytest.raises(CodingError, match=re.escape(
            f"{path}: not a coding sheet written by chatcode")):
        read_sheet(path)


def test_every_problem_of_a_sheet_is_reported_at_once(sheet):
    code(sheet, {"p06": (1, None, 0, "diet"), "p01": (0, 0, 0, "sport"),
                 "p02": ("=A1", 0, 0, "diet")})
    with pytest.raises(CodingError) as info:
        read_codes(sheet, codebook=CB)
    text = str(info.value)
    assert text.startswith(f"{sheet}: the coding sheet has 3 problem(s):")
    for message in ("row 3: the row is coded in part", "unknown code 'sport'",
                    "a formula (=A1)"):
        assert message in text


# --- codes tables ----------------------------------------------------------------------------

def test_a_codes_table_csv():
    got = read_codes(HERE / "codes.csv", codebook=CB)
    assert decisions(got) == full("p01", (1, 0, 0), (0, 1, 0)) + full("p02", (0, 0, 0),
                                                                      (0, 0, 0))
    assert got[S.CODED_AT].iloc[0] == pd.Timestamp("2023-06-01T08:00:00Z")
    assert str(got[S.CODED_AT].dtype) == "datetime64[ns, UTC]"


def test_a_codes_table_workbook_round_trips(tmp_path):
    table = pd.read_csv(HERE / "codes.csv", dtype=str)
    write_workbook(tmp_path / "codes.xlsx", {"codes": table})
    pd.testing.assert_frame_equal(read_codes(tmp_path / "codes.xlsx", codebook=CB),
                                  read_codes(HERE / "codes.csv", codebook=CB))


def bad_table(tmp_path, change) -> Path:
    table = pd.read_csv(HERE / "codes.csv", dtype=str)
    table = change(table)
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.assign(value=t["value"].where(t.index != 2, "2")),
     "value is not 0 or 1 in row(s) 4 ('2')"),
    (lambda t: t.assign(dimension=t["dimension"].where(t.index != 0, "mood")),
     "unknown dimension in row(s) 2 ('mood'); the codebook's dimensions are support, topic"),
    (lambda t: t.assign(code=t["code"].where(t.index != 0, "advice")),
     "unknown code in row(s) 2 ('support:advice')"),
    (lambda t: t.drop(index=[1]),
     "incomplete coding (a post coded in a dimension lacks rows for some of its codes) in "
     "row(s) 2, 3"),
    (lambda t: t.assign(value=t["value"].where(t.index != 3, "1")),
     "more than one code of a single-choice dimension for one post in row(s) 5, 6"),
    (lambda t: pd.concat([t, t.iloc[[0]]]),
     "the same decision (post, coder, pass, dimension, code) twice in row(s) 2, 14"),
    (lambda t: t.assign(codebook_hash="0000aaaa0000aaaa"),
     "coded with another codebook (hash 0000aaaa0000aaaa; the codebook given is "
     "'sheettest' version '1', hash b6446f44880e399d)"),
    (lambda t: t.assign(coded_at=t["coded_at"].where(t.index != 0, "yesterday")),
     "cannot read coded_at in row(s) 2 ('yesterday')"),
    (lambda t: t.drop(columns=["pass"]), "not a codes table: missing column(s) pass"),
])
def test_invalid_codes_tables(tmp_path, change, message):
    with pytest.raises(CodingError, match=re.escape(message)):
        read_codes(bad_table(tmp_path, change), codebook=CB)


def parquet_table(tmp_path, change=lambda t: t, *, timed: bool = True) -> Path:
    """codes.csv as a Parquet file in row groups of 5 rows, with a column a codes table does
    not keep; ``timed``: coded_at as aware datetimes (else as text)."""
    table = change(pd.read_csv(HERE / "codes.csv", dtype=str))
    table["value"] = pd.to_numeric(table["value"], errors="coerce").astype("Int64")
    if timed:
        table["coded_at"] = pd.to_datetime(table["coded_at"], utc=True)
    table["notes"] = "not read"
    path = tmp_path / "codes.parquet"
    table.to_parquet(path, index=False, row_group_size=5)
    return path


@pytest.mark.parametrize("timed", [True, False])
def test_a_codes_table_parquet_reads_as_the_csv(tmp_path, monkeypatch, timed):
    """Only the columns a codes table keeps are read, its row groups are combined into one
    chunk, and the table is the same as from CSV (regular layout checked in a few passes,
    or, with coded_at as text, row by row)."""
    import pyarrow.parquet as pq

    path = parquet_table(tmp_path, timed=timed)
    assert pq.ParquetFile(path).num_row_groups == 3
    asked = []
    read_table, read_row_group = pq.read_table, pq.ParquetFile.read_row_group
    monkeypatch.setattr(pq, "read_table", lambda *a, **kw: asked.append(kw.get("columns"))
                        or read_table(*a, **kw))
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", lambda self, i, **kw: asked.append(
        kw.get("columns")) or read_row_group(self, i, **kw))
    import chatcode.coding.codes as codes_module

    checked = []
    validate = codes_module.validate_codes
    monkeypatch.setattr(codes_module, "validate_codes", lambda *a, **kw: checked.append(1)
                        or validate(*a, **kw))
    got = read_codes(path, codebook=CB)
    # each of the 3 row groups, and the whole table again when checked row by row
    assert asked == [[*S.CODES_COLUMNS, S.CODED_AT, S.CODEBOOK_HASH]] * (3 if timed else 4)
    assert checked == ([] if timed else [1])  # row by row only when coded_at is text
    key = [S.POST_ID, S.CODER, S.PASS, S.DIMENSION, S.CODE]
    for c in key:  # text columns come back categorical, categories sorted
        assert isinstance(got[c].dtype, pd.CategoricalDtype)
        assert list(got[c].cat.categories) == sorted(set(got[c].astype(str)))
    csv = read_codes(HERE / "codes.csv", codebook=CB)
    pd.testing.assert_frame_equal(got.astype({c: "str" for c in key}), csv)
    assert (got[S.POST_ID] == csv[S.POST_ID]).all() and got[S.CODER].eq("anna").all()


def test_parquet_regular_path_and_row_by_row_give_the_same_table(tmp_path, monkeypatch):
    """The vectorised checks of a regular table give exactly the table (values, dtypes,
    categories) of the row-by-row check; also with two coders, text columns stored as
    dictionaries (pandas categoricals) and several row groups."""
    import chatcode.coding._parquet_codes as pq_codes

    def two_coders(t):
        return pd.concat([t, t.assign(coder="bo")], ignore_index=True)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    paths = [parquet_table(tmp_path / "a"), parquet_table(tmp_path / "b", two_coders)]
    stored = pd.read_parquet(paths[0]).astype({"coder": "category", "dimension": "category"})
    paths.append(tmp_path / "dict.parquet")
    stored.to_parquet(paths[2], index=False, row_group_size=4)
    import chatcode.coding.codes as codes_module

    checked = []
    validate = codes_module.validate_codes
    monkeypatch.setattr(codes_module, "validate_codes", lambda *a, **kw: checked.append(1)
                        or validate(*a, **kw))
    fast = [read_codes(p, codebook=CB) for p in paths]
    assert checked == []  # all three took the vectorised checks
    monkeypatch.setattr(pq_codes, "_regular", lambda *a: None)
    for path, got in zip(paths, fast, strict=True):
        pd.testing.assert_frame_equal(got, read_codes(path, codebook=CB))
    assert list(fast[1][S.CODER].cat.categories) == ["anna", "bo"]
    assert isinstance(fast[2][S.CODER].dtype, pd.CategoricalDtype)


def test_parquet_categories_sort_as_python_strings(tmp_path, monkeypatch):
    """The vectorised path ranks the distinct texts in byte order; its categories and codes
    equal those of the row-by-row path, which sorts Python strings (code point order), also
    for non-ASCII texts, numbers in texts and texts told apart only by case."""
    import chatcode.coding._parquet_codes as pq_codes

    rows = pd.read_csv(HERE / "codes.csv", dtype=str).iloc[:6]
    posts = ["p10", "p9", "Zeta", "zeta", "é", "e", "ß", "\U0001f600", "Ärger", "a b"]
    table = pd.concat([rows.assign(post_id=p, coder=c) for p in posts
                       for c in ["Émile", "anna"]], ignore_index=True)
    table["value"] = table["value"].astype("int64")
    table["coded_at"] = pd.to_datetime(table["coded_at"], utc=True)
    path = tmp_path / "codes.parquet"
    table.to_parquet(path, index=False, row_group_size=7)
    fast = read_codes(path, codebook=CB)
    assert list(fast[S.POST_ID].cat.categories) == sorted(posts)
    assert list(fast[S.CODER].cat.categories) == ["anna", "Émile"]
    monkeypatch.setattr(pq_codes, "_regular", lambda *a: None)
    pd.testing.assert_frame_equal(fast, read_codes(path, codebook=CB))


@pytest.mark.parametrize("groups", [[60] * 30, [60, 1740], [1800]])
def test_parquet_row_groups_with_many_dictionaries(tmp_path, monkeypatch, groups):
    """Read a row group at a time, the post ids of 300 posts come in dictionaries of their
    own (several small ones, a small and a large one, or one); the integers held while
    reading widen as the dictionaries add up, and the table equals the row-by-row one."""
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    import chatcode.coding._parquet_codes as pq_codes

    rows = pd.read_csv(HERE / "codes.csv", dtype=str).iloc[:6]
    posts = [f"id{i:04d}" for i in range(300)]
    random.Random(5).shuffle(posts)
    table = pd.concat([rows.assign(post_id=p) for p in posts], ignore_index=True)
    table["value"] = table["value"].astype("int64")
    table["coded_at"] = pd.to_datetime(table["coded_at"], utc=True)
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    path = tmp_path / "codes.parquet"
    with pq.ParquetWriter(path, arrow.schema) as writer:
        start = 0
        for size in groups:
            writer.write_table(arrow.slice(start, size))
            start += size
    assert pq.ParquetFile(path).num_row_groups == len(groups)
    import chatcode.coding.codes as codes_module

    checked = []
    validate = codes_module.validate_codes
    monkeypatch.setattr(codes_module, "validate_codes", lambda *a, **kw: checked.append(1)
                        or validate(*a, **kw))
    fast = read_codes(path, codebook=CB)
    assert checked == []  # the vectorised checks
    assert list(fast[S.POST_ID].cat.categories) == sorted(posts)
    assert fast[S.POST_ID].astype(str).tolist() == table["post_id"].tolist()
    monkeypatch.setattr(pq_codes, "_regular", lambda *a: None)
    pd.testing.assert_frame_equal(fast, read_codes(path, codebook=CB))


def test_parquet_and_text_sources_read_together(tmp_path):
    """Codes from a Parquet table and a CSV table concatenate: a key column is categorical
    only when every source gives it so, and equals the text."""
    table = pd.read_csv(HERE / "codes.csv", dtype=str)
    a, b = table[table["post_id"].eq("p01")], table[~table["post_id"].eq("p01")]
    a.assign(value=a["value"].astype(int)).to_parquet(tmp_path / "a.parquet", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    b.assign(value=b["value"].astype(int)).to_parquet(tmp_path / "b.parquet", index=False)
    mixed = read_codes([tmp_path / "a.parquet", tmp_path / "b.csv"], codebook=CB)
    both = read_codes([tmp_path / "a.parquet", tmp_path / "b.parquet"], codebook=CB)
    assert mixed[S.POST_ID].dtype == "str"
    assert isinstance(both[S.POST_ID].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(both.astype({c: "str" for c in
                                               [S.POST_ID, S.CODER, S.PASS, S.DIMENSION,
                                                S.CODE]}), mixed)


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.assign(value=t["value"].where(t.index != 2, "2")),
     "value is not 0 or 1 in row(s) 3 (2)"),
    (lambda t: t.assign(code=t["code"].where(t.index != 0, "advice")),
     "unknown code in row(s) 1 ('support:advice')"),
    (lambda t: t.drop(index=[1]),
     "incomplete coding (a post coded in a dimension lacks rows for some of its codes) in "
     "row(s) 1, 2"),
    (lambda t: t.assign(value=t["value"].where(t.index != 3, "1")),
     "more than one code of a single-choice dimension for one post in row(s) 4, 5"),
    (lambda t: pd.concat([t, t.iloc[:6]]),
     "the same decision (post, coder, pass, dimension, code) twice in row(s) 1, 2, 3, 4, 5, "
     "6, 13, 14 and 4 more"),
    (lambda t: t.assign(post_id=t["post_id"].where(t.index != 6, " ")),
     "empty post_id in row(s) 7"),
    (lambda t: t.assign(codebook_hash="0000aaaa0000aaaa"),
     "coded with another codebook (hash 0000aaaa0000aaaa"),
])
def test_invalid_codes_tables_parquet(tmp_path, change, message):
    """Problems are named as in a CSV table; rows count from 1 (a Parquet file has no
    header line)."""
    with pytest.raises(CodingError, match=re.escape(message)):
        read_codes(parquet_table(tmp_path, change), codebook=CB)


def test_a_parquet_file_that_is_not_one(tmp_path):
    path = tmp_path / "codes.parquet"
    path.write_text("post_id,coder\n")
    with pytest.raises(CodingError, match=re.escape("cannot read the Parquet file")):
        read_codes(path)
    pd.DataFrame({"post_id": ["p1"]}).to_parquet(path)
    with pytest.raises(CodingError, match=re.escape(
            "not a codes table: missing column(s) coder, pass, dimension, code, value")):
        read_codes(path)


def test_completeness_without_a_codebook_uses_the_codes_seen(tmp_path):
    path = bad_table(tmp_path, lambda t: t.drop(index=[7]))  # p02 lacks support:emotional
    with pytest.raises(CodingError, match=re.escape("lacks rows for some of its codes) in "
                                                    "row(s) 8, 9")):
        read_codes(path)


def test_validate_codes_does_not_change_its_input():
    table = pd.read_csv(HERE / "codes.csv", dtype=str)
    before = table.copy()
    validate_codes(table, codebook=CB)
    pd.testing.assert_frame_equal(table, before)


def test_post_ids_must_be_in_the_corpus_when_it_is_given(tmp_path):
    path = bad_table(tmp_path, lambda t: t.assign(post_id=t["post_id"].replace("p02", "zz")))
    with pytest.raises(CodingError, match=re.escape(
            f"{path}: 1 post id(s) are not in the corpus: zz")):
        read_codes(path, codebook=CB, corpus=read_corpus(CORPUS))


# --- several sources, stores, disagreement workbooks -------------------------------------

def test_several_sources_are_concatenated(tmp_path):
    sheet = tmp_path / "ben.xlsx"
    write_sheet(read_corpus(CORPUS), CB, sheet, coder="ben", timezone="UTC")
    code(sheet, {pid: (0, 1, 0, "none") for pid in ROW})
    got = read_codes([HERE / "codes.csv", sheet], codebook=CB)
    assert got.groupby(S.CODER).size().to_dict() == {"anna": 12, "ben": 48}
    assert got[S.CODER].tolist() == ["anna"] * 12 + ["ben"] * 48


def test_the_same_decision_in_two_sources(tmp_path):
    other = tmp_path / "copy.csv"
    other.write_bytes((HERE / "codes.csv").read_bytes())
    with pytest.raises(CodingError, match=re.escape(
            f"{other}: 12 decision(s) appear both here and in {HERE / 'codes.csv'}, e.g. post "
            "p01, coder anna, pass main, support:informational")):
        read_codes([HERE / "codes.csv", other])


def test_a_coding_store(tmp_path):
    from chatcode.coding.store import CodingStore

    path = tmp_path / "anna.sqlite"
    with CodingStore.open(path, codebook=CB, coder="anna", pass_="main",
                          post_ids=["p01", "p02"]) as store:
        store.set_codes("p01", "support", {"emotional"})
        store.set_codes("p01", "topic", {"diet"})
        store.mark_done("p01")
    got = read_codes(path, codebook=CB)
    assert decisions(got) == full("p01", (0, 1, 0), (1, 0, 0))


def test_a_disagreement_workbook_is_read_by_its_reader(tmp_path, monkeypatch):
    path = tmp_path / "disagreements.xlsx"
    wb = Workbook()
    add_meta_sheet(wb, {"kind": "disagreements", "codebook_hash": CB.hash})
    wb.save(path)
    consensus = pd.read_csv(HERE / "codes.csv", dtype=str).assign(**{S.PASS: "consensus"})
    calls = []

    def read_disagreements(p, *, codebook=None):
        calls.append((Path(p), codebook))
        return consensus

    fake = types.ModuleType("chatcode.coding.disagreements")
    fake.read_disagreements = read_disagreements
    monkeypatch.setitem(sys.modules, "chatcode.coding.disagreements", fake)
    got = read_codes(path, codebook=CB)
    assert calls == [(path, CB)]
    assert set(got[S.PASS]) == {"consensus"} and len(got) == 12


# --- the CLI ---------------------------------------------------------------------------------

def test_cli_writes_a_sheet_that_reads_back(cli, tmp_path):
    out = tmp_path / "ben.xlsx"
    result = cli("sheet", CORPUS, "--codebook", CODEBOOK, "--coder", "ben", "--pass",
                 "pretest", "--first", "50", "--group", "g1", "--timezone", "UTC", "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "first 50% of group g1 (3 posts), coder ben, pass pretest" in result.stderr
    wb = load_workbook(out)
    ws = wb["coding"]
    assert [ws.cell(row=r, column=1).value for r in (3, 4, 5)] == ["p01", "p02", "p03"]
    for r, values in zip((3, 4, 5), ((1, 0, 0, "diet"), (0, 0, 1, "none"),
                                     (0, 1, 0, "exercise")), strict=True):
        for letter, v in zip("HIJK", values, strict=True):
            ws[f"{letter}{r}"] = v
    wb.save(out)
    got = read_codes(out, codebook=CB)
    assert decisions(got) == (full("p01", (1, 0, 0), (1, 0, 0)) + full("p02", (0, 0, 1),
                                                                          (0, 0, 0))
                              + full("p03", (0, 1, 0), (0, 1, 0)))
    assert set(got[S.CODER]) == {"ben"} and set(got[S.PASS]) == {"pretest"}


@pytest.mark.parametrize(("args", "code_", "message"), [
    (["--first", "10"], 1, "error: --first needs --group: the corpus has 2 groups"),
    (["--first", "10", "--sample", "5", "--group", "g1"], 2, "give --first or --sample, "
     "not both"),
    (["--sample", "10", "--seed", "1", "--group", "g9"], 1,
     "error: the corpus has no group 'g9'; its groups are g1, g2"),
])
def test_cli_selection_errors(cli, tmp_path, args, code_, message):
    out = tmp_path / "x.xlsx"
    result = cli("sheet", CORPUS, "--codebook", CODEBOOK, "--coder", "ben", "-o", out, *args)
    assert result.returncode == code_
    assert message in result.stderr
    assert not out.exists()


def test_an_empty_file(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_bytes(b"")
    with pytest.raises(CodingError, match=re.escape(
            f"{path}: the file is empty; give a filled coding sheet")):
        read_codes(path)
