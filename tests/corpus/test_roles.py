"""Roles files (--roles): reading them, applying them, and counting posts per role."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import chatcode
from chatcode.corpus.roles import apply_roles, read_roles, role_counts
from chatcode.errors import ChatcodeWarning, IngestError

POSTS_CSV = (
    "post_id,timestamp,author,text,src_user_id\n"
    "1,2023-07-01T10:00:00Z,anna.mod,Welcome!,u-anna\n"
    "2,2023-07-01T10:05:00Z,ben,Hi,u-ben\n"
    "3,2023-07-01T10:06:00Z,cleo,Hello,u-cleo\n"
    "4,2023-07-01T10:07:00Z,ben,Thanks,u-ben\n"
    "5,2023-07-01T10:08:00Z,study.team,Reminder,u-team\n"
)


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "g1.csv"
    path.write_text(POSTS_CSV, encoding="utf-8")
    return path


def roles_file(tmp_path, text: str):
    path = tmp_path / "roles.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_names_are_read_as_written(tmp_path):
    # YAML 1.1 would read no as False, 0123 as 83 and 1:20 as 80
    path = roles_file(tmp_path, "moderator: [no, '7', 0123]\nteam: 1:20\nbot: []\n")
    assert read_roles(path) == {"moderator": ["no", "7", "0123"], "team": ["1:20"], "bot": []}


def test_every_problem_of_a_roles_file_is_reported_at_once(tmp_path):
    path = roles_file(tmp_path, "moderator: [anna]\nadmin: [ben]\nteam: [anna]\n"
                                "bot: {name: x}\n")
    with pytest.raises(IngestError) as info:
        read_roles(path)
    assert str(info.value) == (
        f"{path}: the roles file has 3 problems:\n"
        f"  - {path}: unknown role 'admin'; use one of moderator, participant, team, bot, "
        "system\n"
        f"  - {path}: 'anna' is listed as moderator and as team; give every user one role\n"
        f"  - {path}: the users of 'bot' must be a list of names; write 'bot: [name1, name2]'")


@pytest.mark.parametrize(("text", "message"), [
    ("moderator: [anna\n", "the roles file is not valid YAML"),
    ("- anna\n- ben\n", "the roles file must map roles to lists of user names"),
    ("", "the roles file must map roles to lists of user names"),
])
def test_unreadable_roles_files(tmp_path, text, message):
    path = roles_file(tmp_path, text)
    with pytest.raises(IngestError, match=re.escape(message)):
        read_roles(path)


def test_roles_are_matched_by_name_or_user_id_and_counted_in_the_report(tmp_path, export):
    path = roles_file(tmp_path, "moderator: [anna.mod]\nteam: [u-team]\n")
    corpus, report = chatcode.ingest_report(export, roles=path, timezone="UTC")
    assert corpus.posts.set_index("post_id")["role"].to_dict() == {
        "1": "moderator", "2": "participant", "3": "participant", "4": "participant",
        "5": "team"}
    assert "role moderator: 1 author(s), 1 posts" in report
    assert "role participant: 2 author(s), 3 posts" in report
    assert "role team: 1 author(s), 1 posts" in report


def test_a_roles_file_that_names_nobody_in_the_export(tmp_path, export):
    path = roles_file(tmp_path, "moderator: [Anna, Moderator]\n")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: the roles file names nobody who posts in the export (Anna, Moderator); "
            "use the user names or ids of the export, e.g. anna.mod, ben, cleo, study.team")):
        chatcode.ingest(export, roles=path, timezone="UTC")


def test_a_listed_name_that_never_posts_is_a_warning(tmp_path, export):
    path = roles_file(tmp_path, "moderator: [anna.mod, dora]\n")
    with pytest.warns(ChatcodeWarning, match=re.escape(
            f"{path}: 1 listed user(s) never post: dora")):
        corpus = chatcode.ingest(export, roles=path, timezone="UTC")
    assert (corpus.posts["role"] == "moderator").sum() == 1


def test_apply_roles_leaves_the_callers_table_alone():
    posts = chatcode.Corpus(pd.DataFrame({
        "post_id": ["1", "2"], "group": "g", "timestamp": ["2023-07-01T10:00:00Z"] * 2,
        "author": ["anna", "ben"], "text": ["a", "b"]})).posts
    before = posts.copy()
    out = apply_roles(posts, {"moderator": ["anna"]})
    pd.testing.assert_frame_equal(posts, before)
    assert out["role"].tolist() == ["moderator", "participant"]
    assert role_counts(out) == {"moderator": {"authors": 1, "posts": 1},
                                "participant": {"authors": 1, "posts": 1}}


def test_roles_through_the_cli(tmp_path, export, cli):
    path = roles_file(tmp_path, "moderator: [anna.mod]\n")
    result = cli("ingest", export, "--roles", path, "--timezone", "UTC", "-o",
                 tmp_path / "corpus")
    assert result.returncode == 0, result.stderr
    assert "role moderator: 1 author(s), 1 posts" in result.stderr
    bad = roles_file(tmp_path, "moderator: [nobody]\n")
    result = cli("ingest", export, "--roles", bad, "--timezone", "UTC", "-o", tmp_path / "c2")
    assert result.returncode == 1
    assert "the roles file names nobody who posts in the export (nobody)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "c2").exists()
