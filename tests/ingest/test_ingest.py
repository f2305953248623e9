"""The ingest framework: detection, several files into one corpus, clear errors."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import chatcode
from chatcode.corpus.corpus import Corpus, write_corpus
from chatcode.errors import ChatcodeWarning, IngestError


def corpus_for(group: str, ids: list[str]) -> Corpus:
    return Corpus(pd.DataFrame({
        "post_id": ids, "group": group,
        "timestamp": [f"2023-05-0{i + 1}T08:00:00+00:00" for i in range(len(ids))],
        "author": ["anna"] * len(ids), "text": ["hello"] * len(ids),
        "parent_id": [None] + [ids[0]] * (len(ids) - 1)}))


def test_several_canonical_files_make_one_corpus(tmp_path):
    write_corpus(corpus_for("g1", ["a1", "a2"]), tmp_path / "g1.xlsx")
    write_corpus(corpus_for("g2", ["b1", "b2", "b3"]), tmp_path / "g2")
    corpus, report = chatcode.ingest_report([tmp_path / "g1.xlsx", tmp_path / "g2"],
                                            timezone="UTC")
    assert corpus.posts["group"].tolist() == ["g1", "g1", "g2", "g2", "g2"]
    assert any("detected format canonical" in line for line in report)
    assert any(line == "naive timestamps are read in UTC" for line in report)


def test_default_zone_is_named_in_the_report(tmp_path):
    write_corpus(corpus_for("g1", ["a1"]), tmp_path / "g1.xlsx")
    _, report = chatcode.ingest_report(tmp_path / "g1.xlsx")
    assert re.search(r"naive timestamps are read in \S+ \(this machine's zone", report[0])


def test_the_same_post_id_in_two_files_is_an_error(tmp_path):
    write_corpus(corpus_for("g1", ["x1", "x2"]), tmp_path / "g1.xlsx")
    write_corpus(corpus_for("g2", ["x2", "x3"]), tmp_path / "g2.xlsx")
    with pytest.raises(IngestError, match=re.escape("1 post id(s) appear in more than one "
                                                    "export, e.g. 'x2' in")):
        chatcode.ingest([tmp_path / "g1.xlsx", tmp_path / "g2.xlsx"], timezone="UTC")


def test_a_file_of_no_known_format_says_what_it_saw(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("Dear diary, today I\nwent for a walk\n", encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape("cannot tell which export format this is")):
        chatcode.ingest(f, timezone="UTC")


def test_unknown_format_name_lists_the_formats(tmp_path):
    write_corpus(corpus_for("g1", ["a1"]), tmp_path / "g1.xlsx")
    with pytest.raises(IngestError, match=re.escape("unknown format 'excel'; use auto or one of")):
        chatcode.ingest(tmp_path / "g1.xlsx", format="excel", timezone="UTC")


def test_group_option_names_posts_without_a_group(tmp_path):
    posts = corpus_for("g1", ["a1"]).posts.drop(columns="group")
    posts.assign(timestamp=posts["timestamp"].astype(str)).to_csv(tmp_path / "export.csv",
                                                                  index=False)
    corpus = chatcode.ingest(tmp_path / "export.csv", group="Group 1", timezone="UTC")
    assert corpus.posts["group"].tolist() == ["Group 1"]
    corpus = chatcode.ingest(tmp_path / "export.csv", timezone="UTC")
    assert corpus.posts["group"].tolist() == ["export"]


def test_structure_problems_are_warned_with_counts(tmp_path):
    c = corpus_for("g1", ["a1", "a2"])
    posts = c.posts.copy()
    posts.loc[1, "parent_id"] = "gone"
    write_corpus(Corpus(posts), tmp_path / "c.xlsx")
    with pytest.warns(ChatcodeWarning, match=re.escape("1 repl(y/ies) whose parent post is not "
                                                       "in the export")):
        chatcode.ingest(tmp_path / "c.xlsx", timezone="UTC")
