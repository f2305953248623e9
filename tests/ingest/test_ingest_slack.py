"""Slack workspace export: the folder and the zip (tests/fixtures/slack/workspace/).

The fixture and its golden corpus (golden_workspace/) are hand-made: epoch ``ts`` values
converted by hand with ``date -u -d @SECONDS``; names picked from users.json by hand
(display_name, else real_name, else name). The layout follows Slack's export format as
seen in public Slack exports.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import IngestError

SLACK = Path(__file__).parents[1] / "fixtures" / "slack"
WORKSPACE = SLACK / "workspace"


def assert_corpus_equal(got: chatcode.Corpus, expected: chatcode.Corpus) -> None:
    pd.testing.assert_frame_equal(got.posts, expected.posts)
    pd.testing.assert_frame_equal(got.reactions, expected.reactions)


def golden() -> chatcode.Corpus:
    return chatcode.read_corpus(SLACK / "golden_workspace")


def zip_folder(folder: Path, dest: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(folder).as_posix())
    return dest


def test_folder_equals_its_golden_corpus():
    """Threads across day files, a thread_broadcast kept once as a reply, a tombstone root
    kept with empty text, joins/leaves and a repeated message left out and counted,
    bot_message and is_bot users as bots, channel_topic as system, files, reactions with
    listed and unlisted users, <@U..> mentions as @Name, a DM and an unlisted folder."""
    corpus, report = chatcode.ingest_report(WORKSPACE, timezone="UTC")
    assert_corpus_equal(corpus, golden())
    assert f"{WORKSPACE}: detected format slack" in report
    assert (f"{WORKSPACE}: left out 3 messages: 1 channel_join, 1 channel_leave, "
            "1 repeated") in report
    assert (f"{WORKSPACE}: kept 1 deleted thread root (tombstone) with an empty text, so "
            "their replies keep their parent") in report


@pytest.mark.parametrize("prefix", ["", "My Workspace Slack export May 2 2023/"])
def test_zip_reads_the_same(tmp_path, prefix):
    path = zip_folder(WORKSPACE, tmp_path / "export.zip", prefix)
    assert chatcode.detect_format(path) == "slack"
    assert_corpus_equal(chatcode.ingest(path, timezone="UTC"), golden())


def test_timezone_does_not_matter():
    assert_corpus_equal(chatcode.ingest(WORKSPACE, timezone="Pacific/Auckland"), golden())


def test_zip_without_a_slack_export_lists_what_it_holds(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "hello")
        zf.writestr("data/2023-05-02.json", '{"not": "a day file"}')
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: no Slack export here: channels.json is missing (it holds: "
            "data/2023-05-02.json, notes.txt); give the Slack export zip")):
        chatcode.ingest(path, format="slack", timezone="UTC")


def test_truncated_day_file_names_the_member_and_byte_offset(tmp_path):
    path = zip_folder(WORKSPACE, tmp_path / "export.zip")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    day = "peer-support/2023-05-03.json"
    members[day] = members[day][:150]
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    line = members[day].count(b"\n") + 1
    with pytest.raises(IngestError, match=re.escape(
            f"{broken / day}, line {line}: the JSON ends too early at byte offset")):
        chatcode.ingest(broken, timezone="UTC")


def test_reply_parent_is_the_thread_root_in_another_day_file():
    posts = chatcode.ingest(WORKSPACE, timezone="UTC").posts.set_index(S.POST_ID)
    broadcast = posts.loc["peer-support:1683101000.000300"]
    assert broadcast[S.PARENT_ID] == "peer-support:1683014700.000200"
    assert broadcast[S.TIMESTAMP].day == 3  # the root was posted on May 2


def test_ts_keeps_microseconds():
    posts = chatcode.ingest(WORKSPACE, timezone="UTC").posts.set_index(S.POST_ID)
    assert posts.loc["peer-support:1683015000.123456", S.TIMESTAMP] == pd.Timestamp(
        "2023-05-02T08:10:00.123456Z")


def test_a_workbook_is_not_taken_for_a_slack_zip(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["post_id", "timestamp", "author", "text"])
    wb.active.append(["1", "2023-05-02T08:00:00+00:00", "anna", "hi"])
    wb.save(tmp_path / "posts.xlsx")
    assert chatcode.detect_format(tmp_path / "posts.xlsx") == "canonical"


def test_cli_ingest_of_the_zip(cli, tmp_path):
    path = zip_folder(WORKSPACE, tmp_path / "export.zip")
    out = tmp_path / "corpus.xlsx"
    result = cli("ingest", path, "-o", out, "--timezone", "UTC")
    assert result.returncode == 0, result.stderr
    assert "detected format slack" in result.stderr
    assert_corpus_equal(chatcode.read_corpus(out), golden())


def test_unlisted_folder_is_named_in_the_report_and_progress_is_given():
    calls = []
    _, report = chatcode.ingest_report(WORKSPACE, timezone="UTC",
                                       progress=lambda done, total: calls.append((done, total)))
    assert (f"{WORKSPACE}: read 1 folder no channel file lists, named by the folder: "
            "old-stuff") in report
    assert calls[-1] == (3, 3)  # peer-support, the DM, old-stuff
