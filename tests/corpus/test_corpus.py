"""The canonical corpus: validation, storage round trips, text safety, atomic writes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.corpus.corpus import (
    Corpus,
    read_corpus,
    reply_links,
    structure_warnings,
    write_corpus,
)
from chatcode.errors import ChatcodeError, SchemaError


def small_posts() -> pd.DataFrame:
    return pd.DataFrame({
        "post_id": ["1", "2", "3", "4"],
        "group": ["g1", "g1", "g1", "g2"],
        "timestamp": ["2023-05-02T08:00:00+02:00", "2023-05-02 09:30:00",
                      "2023-05-02T10:00:00Z", "2023-05-03T10:00:00+00:00"],
        "author": ["anna", "ben", "cleo", "dan"],
        "text": ['=HYPERLINK("http://x","click")', "+43 660 1234567", "-1", "@SUM(A1)"],
        "parent_id": [None, "1", "99", "1"],
        "role": ["moderator", "participant", "", "participant"],
        "attachments": [0, 1, None, 2],
        "Channel Id": ["c", "c", "c", "d"],
    })


def test_validation_fills_defaults_and_keeps_export_columns():
    c = Corpus(small_posts())
    p = c.posts
    assert list(p.columns[:8]) == list(S.POST_COLUMNS)
    assert "src_Channel Id" in p.columns
    assert p[S.ROLE].tolist() == ["moderator", "participant", "participant", "participant"]
    assert p[S.ATTACHMENTS].tolist() == [0, 1, 0, 2]
    assert str(p[S.TIMESTAMP].dt.tz) == "UTC"
    # +02:00 keeps its instant; naive values are read in UTC by default
    assert p[S.TIMESTAMP].iloc[0] == pd.Timestamp("2023-05-02T06:00:00Z")
    assert p[S.TIMESTAMP].iloc[1] == pd.Timestamp("2023-05-02T09:30:00Z")


@pytest.mark.parametrize("name", ["c.xlsx", "c", "c.parquet"])
def test_round_trip_in_every_storage(tmp_path, name):
    c = Corpus(small_posts(), pd.DataFrame({"post_id": ["1", "1"], "author": ["ben", None],
                                            "emoji": ["thumbsup", "heart"],
                                            "timestamp": ["2023-05-02T09:00:00Z", None]}))
    write_corpus(c, tmp_path / name)
    back = read_corpus(tmp_path / name)
    pd.testing.assert_frame_equal(back.posts, c.posts)
    pd.testing.assert_frame_equal(back.reactions, c.reactions)


def test_formula_like_text_stays_text_in_the_workbook(tmp_path):
    from openpyxl import load_workbook

    write_corpus(Corpus(small_posts()), tmp_path / "c.xlsx")
    ws = load_workbook(tmp_path / "c.xlsx")["posts"]
    col = [c.value for c in ws[1]].index("text") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, 6)]
    assert [c.value for c in cells] == small_posts()["text"].tolist()
    assert all(c.data_type == "s" for c in cells)


def test_nothing_is_overwritten_without_force(tmp_path):
    c = Corpus(small_posts())
    write_corpus(c, tmp_path / "c.xlsx")
    before = (tmp_path / "c.xlsx").read_bytes()
    with pytest.raises(ChatcodeError, match=re.escape("already exists")):
        write_corpus(c, tmp_path / "c.xlsx")
    assert (tmp_path / "c.xlsx").read_bytes() == before
    write_corpus(c, tmp_path / "c.xlsx", force=True)
    write_corpus(c, tmp_path / "dir")
    write_corpus(c, tmp_path / "dir", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.xlsx", "dir"]


def test_every_problem_of_a_table_is_reported_at_once():
    bad = small_posts()
    bad.loc[1, "post_id"] = "1"
    bad.loc[2, "timestamp"] = "31.02.2023 25:10"
    bad.loc[3, "role"] = "admin"
    with pytest.raises(SchemaError) as info:
        Corpus(bad)
    msg = str(info.value)
    assert "duplicate post ids in rows 2 ('1'), 3 ('1')" in msg
    assert "cannot read 1 timestamp(s) in rows 4 ('31.02.2023 25:10')" in msg
    assert "unknown role in rows 5 ('admin')" in msg


def test_missing_column_names_the_columns_found_and_closest():
    df = small_posts().rename(columns={"timestamp": "Time stamp", "author": "User Name"})
    with pytest.raises(SchemaError, match=re.escape("missing required column 'timestamp'")) as e:
        Corpus(df)
    assert "closest: 'Time stamp'" in str(e.value)
    assert "'User Name'" in str(e.value)


def test_reply_links_and_structure_warnings():
    c = Corpus(small_posts())
    links = reply_links(c.posts).set_index("post_id")
    assert links.loc["2", "link"] == "ok"
    assert links.loc["3", "link"] == "missing_parent"
    assert links.loc["4", "link"] == "other_group"
    text = " ".join(structure_warnings(c))
    assert "1 repl(y/ies) whose parent post is not in the export" in text
    assert "1 repl(y/ies) whose parent is in another group" in text


def test_public_api_exports():
    assert chatcode.Corpus is Corpus
    assert "canonical" in chatcode.FORMATS
