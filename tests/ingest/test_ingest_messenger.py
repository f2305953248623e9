"""Facebook Messenger / Instagram JSON from Meta's "Download your information"
(tests/fixtures/messenger/).

The fixtures are hand-made in the layout Meta writes: a group thread split over
message_1.json (newer half) and message_2.json (older half), newest message first, every
text's UTF-8 bytes written as Latin-1 characters ("Sch\\u00c3\\u00a4fer"); a direct-message
thread; and one thread of the newer end-to-end-encrypted layout (camelCase keys, proper
UTF-8). The golden corpora were checked by hand: the download's 11 messages (9 in the
group, 2 in the direct thread) are 8 posts (2 of them system: the group's name and the video
chat) + 3 left out (1 added, 1 unsent, 1 left); of 5 reactions 4 are kept and 1 is dropped
with the unsent message.
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
from chatcode.ingest.messenger import repair

FB = Path(__file__).parents[1] / "fixtures" / "messenger"
DOWNLOAD = FB / "download"
GROUP = DOWNLOAD / "your_facebook_activity" / "messages" / "inbox" / "bewegungsgruppe_7345567812"


def assert_corpus_equal(got: chatcode.Corpus, expected: chatcode.Corpus) -> None:
    pd.testing.assert_frame_equal(got.posts, expected.posts)
    pd.testing.assert_frame_equal(got.reactions, expected.reactions)


def test_download_folder_equals_its_golden_corpus():
    corpus, report = chatcode.ingest_report(DOWNLOAD, timezone="UTC")
    assert_corpus_equal(corpus, chatcode.read_corpus(FB / "golden_download"))
    for line in ("detected format messenger",
                 "read 2 threads from 3 files: 8 messages, 4 reactions; ids derived from the "
                 "content",
                 "left out 3 messages: 1 added, 1 deleted, 1 left",
                 "1 reaction on a left-out deleted message dropped",
                 "kept 2 call or group events with the role system"):
        assert f"{DOWNLOAD}: {line}" in report, line


def test_text_names_and_reactions_are_repaired():
    corpus = chatcode.ingest(DOWNLOAD, timezone="UTC")
    assert set(corpus.posts[S.GROUP]) == {"Bewegungsgruppe 🏃", "Jonas Müller"}
    assert "Heute 8.000 – morgen mehr!" in set(corpus.posts[S.TEXT])
    assert set(corpus.reactions[S.AUTHOR]) == {"Anna Schäfer", "Jonas Müller", "Zoë Brandt"}
    assert set(corpus.reactions[S.EMOJI]) == {"👍", "❤", "😍"}


@pytest.mark.parametrize(("text", "expected"), [
    ("Sch\u00c3\u00a4fer", "Schäfer"),
    ("\u00f0\u009f\u0091\u008d", "👍"),
    ("Schäfer", "Schäfer"),          # already right: é/ä alone is not a UTF-8 sequence
    ("plain", "plain"),
    ("❤️ 👍", "❤️ 👍"),              # not Latin-1 at all: kept
])
def test_repair(text, expected):
    assert repair(text) == expected


def test_files_of_one_thread_make_one_group_however_given(tmp_path):
    folder = chatcode.ingest(DOWNLOAD, timezone="UTC").posts
    group = folder[folder[S.GROUP].eq("Bewegungsgruppe 🏃")].reset_index(drop=True)
    files = chatcode.ingest([GROUP / "message_1.json", GROUP / "message_2.json"],
                            timezone="UTC").posts  # one corpus, in the order of the files
    pd.testing.assert_frame_equal(
        files.sort_values(S.TIMESTAMP, kind="stable").reset_index(drop=True), group)
    pd.testing.assert_frame_equal(chatcode.ingest(GROUP, timezone="UTC").posts, group)
    bundle = tmp_path / "facebook-anna-2024-06-02.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        for path in sorted(DOWNLOAD.rglob("*.json")):
            zf.write(path, path.relative_to(DOWNLOAD).as_posix())
    assert chatcode.detect_format(bundle) == "messenger"
    pd.testing.assert_frame_equal(chatcode.ingest(bundle, timezone="UTC").posts, folder)


def test_newer_end_to_end_encrypted_layout():
    corpus, report = chatcode.ingest_report(FB / "lea_e2ee.json", timezone="UTC")
    assert_corpus_equal(corpus, chatcode.read_corpus(FB / "golden_e2ee"))
    assert corpus.posts[S.ATTACHMENTS].tolist() == [1, 0]


def test_a_download_without_messages_is_an_error(tmp_path):
    (tmp_path / "inbox" / "x_1").mkdir(parents=True)
    path = tmp_path / "inbox" / "x_1" / "message_1.json"
    path.write_text('{"participants": [{"name": "A"}], "title": "X", "messages": []}',
                    encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: the download holds no messages: there is nothing to ingest")):
        chatcode.ingest(path, timezone="UTC")


def test_german_attachment_line_counts_as_an_attachment():
    """Meta writes "X hat einen Anhang gesendet." for an attachment without text in a German
    account (wording as in the public example export of the qronicle project's README): it
    counts 1 attachment and leaves an empty text, as the English "X sent an attachment." does;
    the other message keeps its (repaired) text and no attachment."""
    path = FB / "de_attachment" / "hans_1020" / "message_1.json"
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    posts = corpus.posts.sort_values(S.TIMESTAMP).reset_index(drop=True)
    assert posts[S.TEXT].tolist() == ["", "Nächste Woche!"]
    assert posts[S.ATTACHMENTS].tolist() == [1, 0]
    assert posts[S.ROLE].tolist() == [S.DEFAULT_ROLE, S.DEFAULT_ROLE]
    assert any("1 message \"... sent an attachment.\" (or its German wording) counted as an "
               "attachment" in line for line in report)
