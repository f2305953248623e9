"""Signal Desktop chats as signal-export writes them (tests/fixtures/signal/sigexport/: one
folder per chat with data.json, one JSON object per line: date in the exporting computer's
local time, sender, body with two trailing spaces, quote as "\\n\\n> text\\n\\n", reactions
as [name, emoji] pairs, attachments, sticker, deleted). Hand-made in that layout; the golden
corpus was checked by hand: 9 lines = 8 posts (1 call entry as system) + 1 deleted left out
with its 1 reaction; 2 of 3 quotes match an earlier message; 10:00 in Europe/Berlin
(summer time) is 08:00 UTC.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import IngestError

SIG = Path(__file__).parents[1] / "fixtures" / "signal"
EXPORT = SIG / "sigexport"


def test_export_folder_equals_its_golden_corpus():
    corpus, report = chatcode.ingest_report(EXPORT, timezone="Europe/Berlin")
    golden = chatcode.read_corpus(SIG / "golden_sigexport")
    pd.testing.assert_frame_equal(corpus.posts, golden.posts)
    pd.testing.assert_frame_equal(corpus.reactions, golden.reactions)
    for line in ("detected format signal",
                 "read 2 chats: 8 messages, 2 reactions; ids derived from the content",
                 "left out 1 message: 1 deleted",
                 "1 reaction on a left-out deleted message dropped",
                 "2 replies linked to the earlier message whose text they quote "
                 "(src_reply_from_quote); 1 quote matched no earlier message (kept without "
                 "parent)",
                 "kept 1 call entry with the role system"):
        assert f"{EXPORT}: {line}" in report, line


def test_one_chat_folder_or_its_data_json_with_a_group_name():
    folder = chatcode.ingest(EXPORT / "Ben", timezone="Europe/Berlin").posts
    assert set(folder[S.GROUP]) == {"Ben"}
    named = chatcode.ingest(EXPORT / "Ben" / "data.json", timezone="Europe/Berlin",
                            group="Ben (DM)").posts
    assert set(named[S.GROUP]) == {"Ben (DM)"}
    assert named[S.POST_ID].tolist() != folder[S.POST_ID].tolist()  # ids include the group
    assert named[S.TEXT].tolist() == ["Danke fürs Motivieren!", "Gern 😊"]


def test_a_broken_line_is_named(tmp_path):
    path = tmp_path / "data.json"
    text = (EXPORT / "Ben" / "data.json").read_text(encoding="utf-8")
    path.write_text(text + '{"date": "2024-05-03T09:02:00", "sender": "Ben", "bo\n',
                    encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(f"{path}, line 3: not valid JSON")):
        chatcode.ingest(path, timezone="UTC")
