"""DiscordChatExporter JSON and CSV (tests/fixtures/discord/).

Fixtures and golden corpora are hand-made. JSON layout as in the real exports of
public DiscordChatExporter files plus the ``users`` list of newer exporters; CSV layout from
DiscordChatExporter's CsvMessageWriter.cs (header, ``name (count)`` reactions, comma-joined
attachment URLs) and ExportContext.FormatDate (.NET "g" pattern of the exporting culture).
The CSV golden corpus names posts x1..x4: the derived ids are checked for form, stability
and sameness across date formats, not copied from the implementation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import IngestError

DC = Path(__file__).parents[1] / "fixtures" / "discord"
JSON = DC / "channel.json"
CSV_VARIANTS = ["en-US", "de-DE", "old-default", "iso"]


def assert_corpus_equal(got: chatcode.Corpus, expected: chatcode.Corpus) -> None:
    pd.testing.assert_frame_equal(got.posts, expected.posts)
    pd.testing.assert_frame_equal(got.reactions, expected.reactions)


def golden(name: str) -> chatcode.Corpus:
    return chatcode.read_corpus(DC / f"golden_{name}")


def with_positional_ids(corpus: chatcode.Corpus) -> chatcode.Corpus:
    names = {pid: f"x{i}" for i, pid in enumerate(corpus.posts[S.POST_ID], start=1)}
    posts = corpus.posts.assign(**{S.POST_ID: corpus.posts[S.POST_ID].map(names)})
    reactions = corpus.reactions.assign(
        **{S.POST_ID: corpus.reactions[S.POST_ID].map(names)})
    return chatcode.Corpus(posts, reactions)


def test_json_equals_its_golden_corpus():
    """System types (join, pin with a reference that is no reply), a Reply, a bot, times
    with +02:00 and -04:00 offsets, an attachment, listed and unlisted reactors and a
    message repeated with the same id (as in the real SV_5A_5M.json sample)."""
    corpus, report = chatcode.ingest_report(JSON, timezone="Pacific/Auckland")
    assert_corpus_equal(corpus, golden("json"))
    assert f"{JSON}: detected format discord" in report
    assert (f"{JSON}: left out 1 repeated message (same id and content as an earlier one)"
            in report)


def test_json_same_id_with_other_content_is_an_error(tmp_path):
    data = json.loads(JSON.read_text(encoding="utf-8"))
    data["messages"][4]["content"] = "edited elsewhere"
    path = tmp_path / "channel.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: message id 1002 occurs twice with different content")):
        chatcode.ingest(path, timezone="UTC")


def test_json_truncated_names_the_byte_offset(tmp_path):
    raw = JSON.read_bytes()
    cut = raw[: raw.index(b'"name": "\xf0\x9f\x91\x8d",') + len(b'"name": "\xf0\x9f\x91\x8d",')]
    path = tmp_path / "channel.json"
    path.write_bytes(cut)
    assert chatcode.detect_format(path) == "discord"
    line = cut.count(b"\n") + 1
    with pytest.raises(IngestError, match=re.escape(
            f"{path}, line {line}: the JSON ends too early at byte offset "
            f"{len(cut)}")):
        chatcode.ingest(path, timezone="UTC")


@pytest.mark.parametrize("variant", CSV_VARIANTS)
def test_csv_variants_equal_one_golden_corpus(variant):
    """The same export with the dates of four exporter cultures/formats, read in
    Europe/Berlin (CEST, UTC+2): 5/13/2023 12:05 AM is 2023-05-12T22:05Z."""
    path = DC / f"peer-support_{variant}.csv"
    corpus = chatcode.ingest(path, timezone="Europe/Berlin", group="peer-support")
    assert_corpus_equal(with_positional_ids(corpus), golden("csv"))


def test_csv_ids_are_derived_stable_and_the_same_for_every_date_format():
    ids = [chatcode.ingest(DC / f"peer-support_{v}.csv", timezone="Europe/Berlin",
                           group="peer-support").posts[S.POST_ID].tolist()
           for v in CSV_VARIANTS]
    assert all(i == ids[0] for i in ids)
    assert all(re.fullmatch(r"dce-[0-9a-f]{16}", i) for i in ids[0])
    assert len(set(ids[0])) == 4


def test_csv_group_defaults_to_the_file_name():
    path = DC / "peer-support_iso.csv"
    assert set(chatcode.ingest(path, timezone="UTC").posts[S.GROUP]) == {"peer-support_iso"}


def test_csv_identical_rows_get_numbered_ids(tmp_path):
    path = tmp_path / "chan.csv"
    row = '"10","anna","2023-05-02 08:05","same","",""\n'
    path.write_text("AuthorID,Author,Date,Content,Attachments,Reactions\n" + row * 2,
                    encoding="utf-8")
    ids = chatcode.ingest(path, timezone="UTC").posts[S.POST_ID].tolist()
    assert ids[1] == ids[0] + "-2"


def ambiguous(tmp_path: Path) -> Path:
    path = tmp_path / "chan.csv"
    path.write_text("AuthorID,Author,Date,Content,Attachments,Reactions\n"
                    '"10","anna","02/05/2023 08:05","a","",""\n'
                    '"11","ben","03/05/2023 08:05","b","",""\n', encoding="utf-8")
    return path


def test_csv_ambiguous_dates_need_dayfirst_or_monthfirst(tmp_path):
    path = ambiguous(tmp_path)
    with pytest.raises(IngestError, match=re.escape(
            f'{path}, column "Date": cannot tell whether the dates are day first or month '
            "first (every date, e.g. 02/05/2023, fits both); give --dayfirst")):
        chatcode.ingest(path, timezone="UTC")
    day = chatcode.ingest(path, timezone="UTC", dayfirst=True).posts[S.TIMESTAMP]
    month = chatcode.ingest(path, timezone="UTC", dayfirst=False).posts[S.TIMESTAMP]
    assert day.tolist() == [pd.Timestamp("2023-05-02T08:05Z"), pd.Timestamp("2023-05-03T08:05Z")]
    assert month.tolist() == [pd.Timestamp("2023-02-05T08:05Z"),
                              pd.Timestamp("2023-03-05T08:05Z")]


def test_csv_unreadable_date_names_the_rows(tmp_path):
    path = tmp_path / "chan.csv"
    path.write_text("AuthorID,Author,Date,Content,Attachments,Reactions\n"
                    '"10","anna","2023-05-02 08:05","a","",""\n'
                    '"11","ben","yesterday","b","",""\n', encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}, column \"Date\": cannot read 1 date(s) in rows 3 ('yesterday')")):
        chatcode.ingest(path, timezone="UTC")


def test_csv_missing_column_is_named(tmp_path):
    path = tmp_path / "chan.csv"
    path.write_text("AuthorID,Author,Date,Content,Attachments\n"
                    '"10","anna","2023-05-02 08:05","a",""\n', encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape("missing column 'Reactions'")):
        chatcode.ingest(path, format="discord", timezone="UTC")


@pytest.mark.parametrize("path", [JSON, *(DC / f"peer-support_{v}.csv" for v in CSV_VARIANTS)])
def test_auto_detection(path):
    assert chatcode.detect_format(path) == "discord"


def test_cli_ingest_with_monthfirst(cli, tmp_path):
    path = ambiguous(tmp_path)
    out = tmp_path / "corpus"
    result = cli("ingest", path, "-o", out, "--timezone", "UTC", "--monthfirst")
    assert result.returncode == 0, result.stderr
    assert "detected format discord" in result.stderr
    posts = chatcode.read_corpus(out).posts
    assert posts[S.TIMESTAMP].tolist()[0] == pd.Timestamp("2023-02-05T08:05Z")
    failed = cli("ingest", path, "-o", tmp_path / "c2", "--timezone", "UTC")
    assert failed.returncode == 1
    assert "give --dayfirst (20/05/2018) or --monthfirst (05/20/2018)" in failed.stderr
