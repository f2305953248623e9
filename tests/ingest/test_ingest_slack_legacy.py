"""Slack exports as people have them: before 2019, shared channels, and folders of day files
without channels.json or users.json (tests/fixtures/slack/legacy/ and dayfiles/).

The fixtures are hand-made in the layout of Slack's export (``file_share`` with one ``file``
object and ``file_comment`` with a ``comment`` object as Slack wrote them before 2019;
``user_team``/``user_profile`` on messages of people of another workspace). The golden
corpora (golden_legacy/, golden_dayfiles/) were checked by hand: authors from users.json
(display_name, else real_name) or the message profiles, roles, parents and counts.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import ChatcodeWarning

SLACK = Path(__file__).parents[1] / "fixtures" / "slack"
LEGACY = SLACK / "legacy"
DAYFILES = SLACK / "dayfiles"


def assert_corpus_equal(got: chatcode.Corpus, expected: chatcode.Corpus) -> None:
    pd.testing.assert_frame_equal(got.posts, expected.posts)
    pd.testing.assert_frame_equal(got.reactions, expected.reactions)


def ingest(path: Path, **kw) -> tuple[chatcode.Corpus, list[str]]:
    with pytest.warns(ChatcodeWarning) as caught:
        corpus, report = chatcode.ingest_report(path, timezone="UTC", **kw)
    return corpus, report + [str(w.message) for w in caught]


def test_legacy_export_equals_its_golden_corpus():
    corpus, report = ingest(LEGACY)
    assert_corpus_equal(corpus, chatcode.read_corpus(SLACK / "golden_legacy"))
    assert f"{LEGACY}: left out 2 messages: 1 channel_join, 1 channel_leave" in report


def test_old_uploads_count_and_file_comments_have_their_author():
    posts = ingest(LEGACY)[0].posts.set_index(S.POST_ID)
    upload = posts.loc["peers:1456819500.000004"]
    assert (upload[S.AUTHOR], upload[S.ATTACHMENTS]) == ("Ben Ott", 1)
    comment = posts.loc["peers:1456819560.000005"]
    assert (comment[S.AUTHOR], comment[S.TEXT], comment[S.PARENT_ID], comment[S.ATTACHMENTS]) \
        == ("anna.mod", "Looks tasty!", "peers:1456819500.000004", 0)


def test_a_person_adding_a_bot_is_not_a_bot():
    posts = ingest(LEGACY)[0].posts.set_index(S.POST_ID)
    events = posts.loc[["peers:1456819800.000006", "peers:1456820400.000008",
                        "peers:1456821600.000012"]]
    assert events[S.ROLE].tolist() == [S.SYSTEM] * 3  # bot_add, pinned_item, bot_remove
    assert events[S.AUTHOR].tolist() == ["anna.mod", "Ben Ott", "anna.mod"]
    assert posts.loc["peers:1456820100.000007", S.ROLE] == S.BOT  # the bot itself


def test_reactions_and_replies_of_a_left_out_join_are_reported():
    _, report = ingest(LEGACY)
    assert f"{LEGACY}: 1 reaction on a left-out channel_join message dropped" in report
    assert (f"{LEGACY}: 1 reply to a left-out channel_join message kept as a post; its parent "
            "is not in the corpus, so it is not counted as a response") in report


def test_shared_channel_people_are_named_from_any_of_their_messages():
    corpus, report = ingest(LEGACY)
    posts = corpus.posts.set_index(S.POST_ID)
    assert posts.loc["peers:1456821300.000011", S.AUTHOR] == "dr.dana"  # no profile here
    assert posts.loc["peers:1456821000.000010", S.TEXT] == "Hi @dr.dana"
    assert "dr.dana" in set(corpus.reactions[S.AUTHOR])
    assert (f"{LEGACY}: shared channel: 2 messages by 1 person of other workspaces, named "
            "from the profiles in their messages") in report


def test_roles_by_user_id():
    corpus, _ = ingest(LEGACY, roles={"moderator": ["U0DANA"]})
    by_author = corpus.posts.drop_duplicates(S.AUTHOR).set_index(S.AUTHOR)[S.ROLE]
    assert by_author["dr.dana"] == "moderator"


def test_folder_of_channel_folders_without_channels_or_users_json():
    corpus, report = ingest(DAYFILES)
    assert_corpus_equal(corpus, chatcode.read_corpus(SLACK / "golden_dayfiles"))
    assert (f"{DAYFILES}: no channels.json: read 2 folders of day files as channels named "
            "by the folder (general, random)") in report
    assert (f"{DAYFILES}: no users.json: 1 author named from their messages' profiles, "
            "1 author named by their user id; a roles file can still give roles by user id, "
            "e.g. 'moderator: [U0BEN]' (src_user_id)") in report
    assert chatcode.detect_format(DAYFILES) == "slack"


def test_one_day_file_on_its_own():
    """A single day file is one day of the channel its folder names (detected, too)."""
    expected = chatcode.read_corpus(SLACK / "golden_dayfiles").posts
    day = DAYFILES / "random" / "2016-03-02.json"
    assert chatcode.detect_format(day) == "slack"
    corpus, report = ingest(day)
    random = expected[expected[S.GROUP].eq("random")].reset_index(drop=True)
    random = random.drop(columns=["src_thread_ts"])  # only other channels' messages have it
    # the profile naming anna.mod is in another day's file: here she is named by her id
    random[S.AUTHOR] = random[S.SRC_PREFIX + "user_id"]
    pd.testing.assert_frame_equal(corpus.posts, random)
    assert (f"{day}: no channels.json: read 1 folder of day files as channels named by the "
            "folder (random)") in report


def test_one_channel_folder_and_a_zip_of_it(tmp_path):
    expected = chatcode.read_corpus(SLACK / "golden_dayfiles")
    general = expected.posts[expected.posts[S.GROUP].eq("general")].reset_index(drop=True)
    corpus, _ = ingest(DAYFILES / "general")
    pd.testing.assert_frame_equal(corpus.posts, general)
    path = tmp_path / "general.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for day in sorted((DAYFILES / "general").iterdir()):
            zf.write(day, day.name)
    assert chatcode.detect_format(path) == "slack"
    pd.testing.assert_frame_equal(ingest(path)[0].posts, general)


def test_a_folder_of_other_json_files_is_not_slack(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "2023-05-02.json").write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(chatcode.ChatcodeError, match=re.escape("cannot tell which export")):
        chatcode.detect_format(tmp_path)


def test_people_in_users_json_are_never_counted_as_another_workspace(tmp_path):
    """Enterprise Grid and slackdump exports give users.json members another team id than
    their messages' user_team; only people missing from users.json are external."""
    import shutil

    copy = tmp_path / "legacy"
    shutil.copytree(LEGACY, copy)
    users = (copy / "users.json").read_text(encoding="utf-8").replace("T0HOME", "T0GRID")
    (copy / "users.json").write_text(users, encoding="utf-8")
    _, report = ingest(copy)
    assert (f"{copy}: shared channel: 2 messages by 1 person of other workspaces, named "
            "from the profiles in their messages") in report
