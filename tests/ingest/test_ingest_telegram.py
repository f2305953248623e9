"""Telegram Desktop JSON export: single chat and full account (tests/fixtures/telegram/).

Both fixtures and both golden corpora (golden_*/posts.csv, reactions.csv) are hand-made:
the epoch seconds were converted by hand with ``date -u -d @SECONDS``; the layout follows
tdesktop's export_output_json.cpp .
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

TG = Path(__file__).parents[1] / "fixtures" / "telegram"
SINGLE = TG / "single_chat.json"
FULL = TG / "full_account.json"


def assert_corpus_equal(got: chatcode.Corpus, expected: chatcode.Corpus) -> None:
    pd.testing.assert_frame_equal(got.posts, expected.posts)
    pd.testing.assert_frame_equal(got.reactions, expected.reactions)


def golden(name: str) -> chatcode.Corpus:
    return chatcode.read_corpus(TG / f"golden_{name}")


def test_single_chat_export_equals_its_golden_corpus():
    """Service messages (system), text as entity list, reply ids, photo and file, a
    message with only ``date`` (naive, read in Europe/Berlin), a deleted account (from:
    null), reactions with listed reactors (one with only ``date``) and one unlisted."""
    corpus, report = chatcode.ingest_report(SINGLE, timezone="Europe/Berlin")
    assert_corpus_equal(corpus, golden("single"))
    assert f"{SINGLE}: detected format telegram" in report
    assert f"{SINGLE}: kept 2 service messages (joins, pins, calls, ...) with the role " \
           "system" in report
    assert f"{SINGLE}: 1 reaction counted without the reactor's name (Telegram lists only " \
           "the recent reactors)" in report


def test_full_account_export_makes_one_group_per_chat():
    """chats.list and left_chats.list; message ids repeat across chats, so ids are
    prefixed with the chat id and replies stay in their chat."""
    corpus, report = chatcode.ingest_report(FULL, timezone="UTC")
    assert_corpus_equal(corpus, golden("full"))
    assert f"{FULL}: full-account export: read 3 chats, 5 messages, 1 reaction" in report


def test_date_unixtime_does_not_depend_on_the_timezone():
    utc = chatcode.ingest(SINGLE, timezone="UTC").posts.set_index(S.POST_ID)[S.TIMESTAMP]
    berlin = chatcode.ingest(SINGLE, timezone="Europe/Berlin").posts.set_index(
        S.POST_ID)[S.TIMESTAMP]
    assert utc["1001:2"] == berlin["1001:2"]
    # message 4 has only the naive local "date" 10:15: UTC reads it two hours later
    assert utc["1001:4"] - berlin["1001:4"] == pd.Timedelta(hours=2)


def test_same_chat_names_are_told_apart_by_id(tmp_path):
    data = json.loads(FULL.read_text(encoding="utf-8"))
    data["chats"]["list"][1]["name"] = "Peer Group"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    groups = chatcode.ingest(path, timezone="UTC").posts[S.GROUP]
    assert sorted(set(groups)) == ["Old Group", "Peer Group (1001)", "Peer Group (2)"]


def test_group_option_names_a_single_chat_and_missing_ids_are_positions(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"messages": [
        {"type": "message", "date_unixtime": "1683014400", "from": "A", "text": "x"},
        {"type": "message", "date_unixtime": "1683014460", "from": "B", "text": "y"}]}),
        encoding="utf-8")
    posts = chatcode.ingest(path, timezone="UTC").posts
    assert posts[S.POST_ID].tolist() == ["export:#1", "export:#2"]
    assert set(posts[S.GROUP]) == {"export"}
    named = chatcode.ingest(path, timezone="UTC", group="G1").posts
    assert set(named[S.GROUP]) == {"G1"}


@pytest.mark.parametrize("marker", ['"emoji": "👍",', '"text": "my diary'])
def test_truncated_json_names_the_byte_offset_and_line(tmp_path, marker):
    """The offset counts bytes (the emoji before it takes 4 bytes, 1 character)."""
    raw = SINGLE.read_bytes()
    cut = raw[: raw.index(marker.encode("utf-8")) + len(marker.encode("utf-8"))]
    path = tmp_path / "result.json"
    path.write_bytes(cut)
    line = cut.count(b"\n") + 1
    offset = len(cut) if marker.endswith(",") else len(cut) - len(b'"my diary')
    with pytest.raises(IngestError, match=re.escape(
            f"{path}, line {line}: the JSON ends too early at byte offset {offset}")):
        chatcode.ingest(path, format="telegram", timezone="UTC")


def test_truncated_json_is_still_detected_as_telegram(tmp_path):
    path = tmp_path / "result.json"
    path.write_bytes(SINGLE.read_bytes()[:700])
    assert chatcode.detect_format(path) == "telegram"
    with pytest.raises(IngestError, match=re.escape("ends too early at byte offset")):
        chatcode.ingest(path, timezone="UTC")


def test_damaged_json_is_not_valid(tmp_path):
    text = SINGLE.read_text(encoding="utf-8").replace('"id": 1001,', '"id": 1001;', 1)
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    offset = text.encode("utf-8").index(b";")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}, line 4: the JSON is not valid JSON at byte offset {offset} (column 12")):
        chatcode.ingest(path, timezone="UTC")


def test_json_without_messages_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"name": "x", "items": []}', encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            'no Telegram messages in the file: it holds no "messages" list nor "chats" '
            "(found: name, items)")):
        chatcode.ingest(path, format="telegram", timezone="UTC")


def test_unreadable_time_is_reported_with_the_message(tmp_path):
    data = json.loads(SINGLE.read_text(encoding="utf-8"))
    data["messages"][3]["date"] = "yesterday"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            "message 1001:4: cannot read its time 'yesterday'")):
        chatcode.ingest(path, timezone="UTC")


@pytest.mark.parametrize("path", [SINGLE, FULL])
def test_auto_detection(path):
    assert chatcode.detect_format(path) == "telegram"


def test_cli_ingest_writes_the_corpus(cli, tmp_path):
    out = tmp_path / "corpus"
    result = cli("ingest", SINGLE, "-o", out, "--timezone", "Europe/Berlin")
    assert result.returncode == 0, result.stderr
    assert "detected format telegram" in result.stderr
    assert_corpus_equal(chatcode.read_corpus(out), golden("single"))


FIXTURES = Path(__file__).parents[1] / "fixtures"
OTHER_EXPORTS = sorted(p for p in (FIXTURES / "mattermost").iterdir() if p.is_file())


@pytest.mark.parametrize("path", OTHER_EXPORTS, ids=lambda p: p.name)
def test_other_exports_are_not_taken_for_telegram_slack_or_discord(path):
    """The new readers come first in auto-detection; they must not claim other formats."""
    from chatcode.ingest import discord, slack, telegram
    from chatcode.ingest.base import Source

    source = Source(path)
    assert not any(m.sniff(source) for m in (telegram, slack, discord))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_account_export_without_chats_is_an_error(tmp_path):
    """An account export where no chat type was ticked has an empty chats.list."""
    path = _write(tmp_path, {"about": "Here is the data you requested.",
                             "personal_information": {"first_name": "Anna"},
                             "chats": {"about": "chats", "list": []}})
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: the account export holds no chats (chats.list is empty): there is "
            "nothing to ingest; in Telegram Desktop, Settings > Advanced > Export Telegram "
            "data: tick the chat types")):
        chatcode.ingest(path, timezone="UTC")


def test_chat_without_messages_is_an_error(tmp_path):
    path = _write(tmp_path, {"name": "Peers", "type": "private_supergroup", "id": 1,
                             "messages": []})
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: the chat holds no messages: there is nothing to ingest")):
        chatcode.ingest(path, timezone="UTC")


def test_empty_chats_among_others_are_warned_about_by_name(tmp_path):
    data = json.loads(FULL.read_text(encoding="utf-8"))
    data["chats"]["list"].append({"name": "Old group", "type": "private_group", "id": 99,
                                  "messages": []})
    path = _write(tmp_path, data)
    with pytest.warns(chatcode.ChatcodeWarning, match=re.escape(
            f"{path}: 1 chat without messages, left out: Old group")):
        corpus = chatcode.ingest(path, timezone="UTC")
    assert "Old group" not in set(corpus.posts[S.GROUP])


def test_damaged_structures_do_not_crash(tmp_path):
    """A value where a list belongs is read as an empty list, not a traceback."""
    data = json.loads(FULL.read_text(encoding="utf-8"))
    data["left_chats"]["list"][0]["messages"][0]["reactions"] = True
    data["chats"]["list"][0]["messages"][0]["reactions"] = {"count": 2}
    corpus = chatcode.ingest(_write(tmp_path, data), timezone="UTC")
    assert len(corpus.posts) == len(chatcode.ingest(FULL, timezone="UTC").posts)
