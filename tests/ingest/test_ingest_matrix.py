"""Matrix room exports as Element's "Export chat" (JSON) writes them
(tests/fixtures/matrix/element_export.json).

The fixture is hand-made in the layout of Element's JSON exporter (room_name, room_creator,
topic, export_date, exported_by, messages) with events as the Matrix client-server
specification defines them: replies (m.in_reply_to, with the quoted fallback of older
clients), a thread message (m.thread), reactions (m.annotation), an edit (m.replace with
m.new_content), a redacted message with a reaction and a reply, a withdrawn reaction, a
notice by a bot, a poll with one vote, an undecryptable message, and room events. The golden
corpus (golden_element/) was checked by hand: 26 events = 12 posts + 3 reactions (2 emoji,
1 poll vote) + 7 left out (1 deleted, 4 joins, 1 leave, 1 undecryptable) + 1 edit + 1
redaction + 1 withdrawn reaction + 1 reaction dropped with the deleted message.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import IngestError

MATRIX = Path(__file__).parents[1] / "fixtures" / "matrix"
EXPORT = MATRIX / "element_export.json"


def ingest(path: Path, **kw) -> tuple[chatcode.Corpus, list[str]]:
    with pytest.warns(chatcode.ChatcodeWarning, match="parent post is not in the export"):
        return chatcode.ingest_report(path, timezone="UTC", **kw)


def test_element_export_equals_its_golden_corpus():
    corpus, report = ingest(EXPORT)
    golden = chatcode.read_corpus(MATRIX / "golden_element")
    pd.testing.assert_frame_equal(corpus.posts, golden.posts)
    pd.testing.assert_frame_equal(corpus.reactions, golden.reactions)
    assert f"{EXPORT}: detected format matrix" in report
    for line in ("read 26 events: 12 posts, 3 reactions",
                 "left out 7 events: 1 deleted, 4 join, 1 leave, 1 undecryptable",
                 "1 reaction on a left-out deleted event dropped",
                 "1 reply to a left-out deleted event kept as a post; its parent is not in "
                 "the corpus, so it is not counted as a response",
                 "1 edited message kept with the final text (src_edited)",
                 "left out 1 withdrawn reaction, vote or edit",
                 "1 message could not be decrypted by the exporting session and was left "
                 "out: export again from a session that has the room keys"):
        assert f"{EXPORT}: {line}" in report, line


def test_replies_threads_edits_and_reactions():
    corpus, _ = ingest(EXPORT)
    posts = corpus.posts.set_index(S.POST_ID)
    assert (posts.loc["$e2", S.TEXT], posts.loc["$e2", S.PARENT_ID]) == ("Ich, 20 Minuten", "$e1")
    assert posts.loc["$e7", S.PARENT_ID] == "$e5"  # a thread message: the thread root
    assert posts.loc["$e3", S.TEXT] == "Ich war schwimmen"  # the edit's m.new_content
    assert not {"$e4", "$e6", "$e11"} & set(posts.index)  # edit, deleted, undecryptable
    assert posts.loc["$e9", S.ROLE] == S.BOT
    reactions = corpus.reactions
    assert sorted(reactions.loc[reactions[S.POST_ID].eq("$e1"), S.EMOJI]) == ["❤️", "👍"]


def _with(tmp_path: Path, change) -> Path:
    data = json.loads(EXPORT.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_bundled_edits_and_reaction_counts_of_a_server_are_used(tmp_path):
    """Servers bundle the latest edit and (older servers) the reaction counts in
    unsigned.m.relations; an export without the edit and reaction events uses them."""
    def change(data):
        events = data["messages"]
        data["messages"] = [e for e in events if e["event_id"] not in ("$e4", "$r1", "$r2")]
        e3 = next(e for e in data["messages"] if e["event_id"] == "$e3")
        e3["unsigned"]["m.relations"] = {"m.replace": copy.deepcopy(
            next(e for e in events if e["event_id"] == "$e4"))}
        e1 = next(e for e in data["messages"] if e["event_id"] == "$e1")
        e1["unsigned"]["m.relations"] = {"m.annotation": {"chunk": [
            {"type": "m.reaction", "key": "👍", "count": 2}]}}
    corpus, report = ingest(_with(tmp_path, change))
    posts = corpus.posts.set_index(S.POST_ID)
    assert posts.loc["$e3", S.TEXT] == "Ich war schwimmen"
    on_e1 = corpus.reactions[corpus.reactions[S.POST_ID].eq("$e1")]
    assert on_e1[S.EMOJI].tolist() == ["👍", "👍"] and on_e1[S.AUTHOR].isna().all()
    assert any("2 reactions from the server's counts, without the reactor" in r for r in report)


def test_people_with_one_display_name_are_told_apart(tmp_path):
    def change(data):
        for e in data["messages"]:
            if e["type"] == "m.room.member" and e["state_key"] == "@cara:example.org":
                e["content"]["displayname"] = "Ben"
    corpus, _ = ingest(_with(tmp_path, change))
    assert {"Ben (@ben:example.org)", "Ben (@cara:example.org)"} <= set(
        corpus.posts[S.AUTHOR])


def test_roles_by_matrix_id():
    with pytest.warns(chatcode.ChatcodeWarning):
        corpus = chatcode.ingest(EXPORT, timezone="UTC",
                                 roles={"moderator": ["@anna:example.org"]})
    anna = corpus.posts[corpus.posts["src_user_id"].eq("@anna:example.org")
                        & corpus.posts[S.ROLE].ne(S.SYSTEM)]
    assert set(anna[S.ROLE]) == {"moderator"}


def test_an_export_without_events_is_an_error(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text(json.dumps({"room_name": "R", "messages": []}), encoding="utf-8")
    assert chatcode.detect_format(path) == "matrix"
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: the room export holds no events: there is nothing to ingest")):
        chatcode.ingest(path, timezone="UTC")


def test_an_event_without_id_or_time_is_named(tmp_path):
    def change(data):
        del data["messages"][7]["origin_server_ts"]
    path = _with(tmp_path, change)
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: event 8 (m.room.message) has no event_id or origin_server_ts")):
        chatcode.ingest(path, timezone="UTC")


def test_the_zip_element_writes_with_attachments(tmp_path):
    import zipfile

    bundle = tmp_path / "matrix - Bewegung im Alltag - Chat Export - 2024-03-04.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("images/IMG_2041-04-03-2024.jpg", b"\xff\xd8\xff")
        zf.write(EXPORT, "export.json")
    assert chatcode.detect_format(bundle) == "matrix"
    corpus, _ = ingest(bundle)
    pd.testing.assert_frame_equal(corpus.posts,
                                  chatcode.read_corpus(MATRIX / "golden_element").posts)


def test_damaged_relations_and_content_do_not_crash(tmp_path):
    def change(data):
        e2 = next(e for e in data["messages"] if e["event_id"] == "$e2")
        e2["content"]["m.relates_to"] = {"m.in_reply_to": "$e1"}
        e3 = next(e for e in data["messages"] if e["event_id"] == "$e3")
        e3["unsigned"] = ["not an object"]
    corpus, _ = ingest(_with(tmp_path, change))
    posts = corpus.posts.set_index(S.POST_ID)
    assert pd.isna(posts.loc["$e2", S.PARENT_ID])
