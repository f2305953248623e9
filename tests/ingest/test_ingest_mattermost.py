"""The three Mattermost readers: channel-export plugin CSV, compliance export CSV (16, 18 and
20 columns, batches), bulk export JSONL.

Every fixture in tests/fixtures/mattermost/ is hand-made, and so is each golden corpus
(golden_*/posts.csv and reactions.csv): the ingest must equal it. The 16/18/20-column
compliance files hold the same posts, so they share one golden corpus.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import IngestError, SchemaError
from chatcode.ingest.mattermost_plugin import go_times_as_iso

MM = Path(__file__).parents[1] / "fixtures" / "mattermost"
PLUGIN = MM / "plugin_channel.csv"
JSONL = MM / "bulk_export.jsonl"
BATCHES = MM / "compliance_batches"


def golden(name: str) -> chatcode.Corpus:
    return chatcode.read_corpus(MM / f"golden_{name}")


def assert_corpus_equal(got: chatcode.Corpus, expected: chatcode.Corpus) -> None:
    pd.testing.assert_frame_equal(got.posts, expected.posts)
    pd.testing.assert_frame_equal(got.reactions, expected.reactions)


def excel_value(text: str) -> object:
    """A CSV cell as Excel keeps it when the CSV is opened and saved as .xlsx."""
    if text == "":
        return None
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text


def csv_as_xlsx(src: Path, dest: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    with open(src, newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh)):
            ws.append(row if i == 0 else [excel_value(v) for v in row])
    wb.save(dest)
    return dest


# --- channel-export plugin CSV ------------------------------------------------------------
def test_plugin_csv_equals_its_golden_corpus():
    """Newest-first rows, multi-line quoted messages, a +0200 CEST and a -0500 CDT time,
    a tie in time, a system post and a bot post."""
    corpus, report = chatcode.ingest_report(PLUGIN, timezone="UTC")
    assert_corpus_equal(corpus, golden("plugin"))
    assert f"{PLUGIN}: kept 1 system post with the role system" in report
    assert f"{PLUGIN}: kept 1 bot post with the role bot" in report


def test_plugin_csv_saved_by_excel_reads_the_same(tmp_path):
    xlsx = csv_as_xlsx(PLUGIN, tmp_path / "plugin_channel.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(xlsx).active
    numbers = [c.value for row in ws.iter_rows(min_row=2) for c in row if c.data_type == "n"
               and c.value is not None]
    assert 1002003004 in numbers and 42 in numbers and 4711 in numbers  # as Excel has them
    assert chatcode.detect_format(xlsx) == "mattermost-csv"
    assert_corpus_equal(chatcode.ingest(xlsx, timezone="UTC"), golden("plugin"))


def test_plugin_group_option_names_the_group():
    corpus = chatcode.ingest(PLUGIN, group="Support Group", timezone="UTC")
    assert set(corpus.posts[S.GROUP]) == {"Support Group"}


@pytest.mark.parametrize(("go", "iso"), [
    ("2023-05-02 08:00:00 +0000 UTC", "2023-05-02T08:00:00+00:00"),
    ("2023-05-02 10:15:00.25 +0200 CEST", "2023-05-02T10:15:00.25+02:00"),
    ("2023-05-02 08:00:00.123456789 -0300 -03", "2023-05-02T08:00:00.123456789-03:00"),
    ("2023-05-02 08:00:00 +0000 UTC m=+0.000123", "2023-05-02T08:00:00+00:00"),
    ("2023-05-02T08:00:00+02:00", "2023-05-02T08:00:00+02:00"),  # ISO stays as it is
])
def test_go_time_strings_become_iso(go, iso):
    """Go's time.Time.String() layout: "2006-01-02 15:04:05.999999999 -0700 MST"
    (https://pkg.go.dev/time#Time.String)."""
    assert go_times_as_iso(pd.Series([go], dtype="str")).tolist() == [iso]


def test_plugin_times_keep_their_offset_whatever_the_timezone():
    utc = chatcode.ingest(PLUGIN, timezone="UTC")
    auckland = chatcode.ingest(PLUGIN, timezone="Pacific/Auckland")
    assert_corpus_equal(auckland, utc)


def test_plugin_unreadable_time_names_the_row(tmp_path):
    lines = PLUGIN.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("2023-05-03 04:00:00.25 -0500 CDT", "yesterday")
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SchemaError, match=re.escape(
            f'{bad}, column "timestamp": cannot read 1 timestamp(s) in rows 3 (\'yesterday\')')):
        chatcode.ingest(bad, timezone="UTC")


def test_plugin_missing_column_is_named(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Post Creation Time,User Name,Post Id,Parent Post Id\n"
                   "2023-05-02 08:00:00 +0000 UTC,anna,p1,\n", encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape("missing column 'Post Message'")):
        chatcode.ingest(bad, format="mattermost-csv", timezone="UTC")


PLUGIN_HEADER = ["Post Creation Time", "User Id", "User Email", "User Type", "User Name",
                 "Post Id", "Parent Post Id", "Post Message", "Post Type"]


def plugin_workbook(path: Path, posts: list[list[object]], reactions: list[list[object]] | None,
                    *, extra: list[str] = (), reaction_header: list[str] | None = None) -> Path:
    """A hand-made channel-export workbook: sheet posts (plugin columns + ``extra``) and,
    unless ``reactions`` is None, a sheet reactions."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "posts"
    ws.append(PLUGIN_HEADER + list(extra))
    for row in posts:
        ws.append(row)
    if reactions is not None:
        rs = wb.create_sheet("reactions")
        rs.append(reaction_header or ["Post Id", "User Id", "User Name", "Emoji Name",
                                      "Create At"])
        for row in reactions:
            rs.append(row)
    wb.save(path)
    return path


def test_plugin_workbook_reads_reactions_file_ids_and_channel(tmp_path):
    """The chatcode extensions of a plugin workbook: a reactions sheet, File Ids (counted
    as attachments) and Channel Display Name (the group); newest post first."""
    book = plugin_workbook(tmp_path / "export.xlsx", [
        ["2023-05-02 09:30:00 +0000 UTC", "u2", "bo@x.org", "user", "bo", "p2", "p1",
         "Same here!", "", "", "Peer Group"],
        ["2023-05-02 08:00:00 +0000 UTC", "u1", "an@x.org", "user", "anna", "p1", "",
         "Look at my lunch", "", "f1,f2", "Peer Group"],
    ], [["p1", "u2", "bo", "heart", "2023-05-02 08:05:00 +0000 UTC"],
        ["p2", "u1", "anna", "+1", None]],
        extra=["File Ids", "Channel Display Name"])
    corpus, report = chatcode.ingest_report(book, timezone="UTC")
    posts = corpus.posts
    assert posts[S.POST_ID].tolist() == ["p1", "p2"]
    assert posts[S.GROUP].tolist() == ["Peer Group", "Peer Group"]
    assert posts[S.ATTACHMENTS].tolist() == [2, 0]
    assert posts[S.PARENT_ID].tolist()[1] == "p1"
    assert not any(c in posts.columns for c in ("src_file_ids", "src_channel_display_name"))
    reactions = corpus.reactions
    assert reactions[S.POST_ID].tolist() == ["p1", "p2"]
    assert reactions[S.AUTHOR].tolist() == ["bo", "anna"]
    assert reactions[S.EMOJI].tolist() == ["heart", "+1"]
    assert reactions[S.TIMESTAMP].iloc[0] == pd.Timestamp("2023-05-02 08:05", tz="UTC")
    assert pd.isna(reactions[S.TIMESTAMP].iloc[1])
    assert reactions["src_user_id"].tolist() == ["u2", "u1"]
    assert f'{book}: read 2 reactions from the sheet "reactions"' in report
    # p1: bo's reply and bo's heart (anna's +1 on the reply is her own thread: no count)
    assert chatcode.responses(corpus)[S.RESPONSES].tolist() == [2, 1]


def test_plugin_workbook_without_extensions_is_read_as_before(tmp_path):
    book = plugin_workbook(tmp_path / "g1.xlsx", [
        ["2023-05-02 08:00:00 +0000 UTC", "u1", "an@x.org", "user", "anna", "p1", "",
         "Hello", ""]], None)
    corpus = chatcode.ingest(book, timezone="UTC")
    assert corpus.posts[S.GROUP].tolist() == ["g1"]
    assert corpus.posts[S.ATTACHMENTS].tolist() == [0]
    assert corpus.reactions.empty


def test_plugin_reactions_sheet_without_emoji_is_refused(tmp_path):
    book = plugin_workbook(tmp_path / "g1.xlsx", [
        ["2023-05-02 08:00:00 +0000 UTC", "u1", "an@x.org", "user", "anna", "p1", "",
         "Hello", ""]], [["p1", "u2", "bo", "2023-05-02 08:05:00 +0000 UTC"]],
        reaction_header=["Post Id", "User Id", "User Name", "Create At"])
    with pytest.raises(IngestError, match=re.escape("missing column 'Emoji Name'")):
        chatcode.ingest(book, timezone="UTC")


def test_progress_is_reported_in_rows():
    calls = []
    chatcode.ingest(PLUGIN, timezone="UTC", progress=lambda done, total: calls.append(
        (done, total)))
    assert calls[-1] == (8, 8)


# --- compliance export CSV ----------------------------------------------------------------
@pytest.mark.parametrize(("layout", "extra", "join_leave"), [
    (16, [], 8),
    (18, ["src_user_type", "src_previews_post_id"], 8),
    (20, ["src_post_update_time", "src_post_update_type", "src_user_type",
          "src_previews_post_id"], 7),
])
def test_compliance_layouts_equal_one_golden_corpus(layout, extra, join_leave):
    """Same posts in the 16-, 18- and 20-column layouts: attachments, an edit, a deleted
    post, join/leave rows, a repeated row, a direct-message channel."""
    path = MM / f"compliance_{layout}.csv"
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    expected = golden("compliance")
    pd.testing.assert_frame_equal(corpus.posts[list(expected.posts.columns)], expected.posts)
    assert set(corpus.posts.columns) == set(expected.posts.columns) | set(extra)
    assert corpus.reactions.empty
    for note in ("left out 1 repeated row (the same row twice, e.g. in two batches)",
                 f"left out {join_leave} join/leave rows",
                 "left out 1 earlier version of edited posts (each post keeps its final text)",
                 "left out 1 deleted post (2 rows)",
                 "counted 3 attachment rows as the attachments of 2 posts"):
        assert any(line.startswith(f"{path}: {note}") for line in report), note


def _zip(dest: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return dest


def _batch_zips(folder: Path) -> list[Path]:
    folder.mkdir()
    return [_zip(folder / f"{b}.zip", {"posts.csv": (BATCHES / b / "posts.csv").read_bytes(),
                                       "metadata.json": b"{}"})
            for b in ("batch001", "batch002")]


def _check_batches(corpus: chatcode.Corpus, report: list[str], batch: str) -> None:
    expected = golden("compliance")
    pd.testing.assert_frame_equal(corpus.posts[list(expected.posts.columns)], expected.posts)
    assert corpus.posts["src_batch"].tolist() == [batch] * 5  # every final row is in batch 2
    assert any("merged 2 rows that repeat a post" in line for line in report)
    assert any("left out 1 repeated row" in line for line in report)


def test_compliance_folder_of_batches_is_one_corpus():
    corpus, report = chatcode.ingest_report(BATCHES, timezone="UTC")
    _check_batches(corpus, report, "batch002/posts.csv")


def test_compliance_batch_zips_in_a_folder_or_a_zip(tmp_path):
    zips = _batch_zips(tmp_path / "export")
    corpus, report = chatcode.ingest_report(tmp_path / "export", timezone="UTC")
    _check_batches(corpus, report, "batch002.zip/posts.csv")
    outer = _zip(tmp_path / "job.zip", {z.name: z.read_bytes() for z in zips})
    corpus, report = chatcode.ingest_report(outer, timezone="UTC")
    _check_batches(corpus, report, "batch002.zip/posts.csv")


def test_compliance_one_batch_zip(tmp_path):
    batch = _zip(tmp_path / "batch.zip", {"posts.csv": (MM / "compliance_20.csv").read_bytes()})
    assert chatcode.detect_format(batch) == "mattermost-compliance"
    expected = golden("compliance")
    corpus = chatcode.ingest(batch, timezone="UTC")
    pd.testing.assert_frame_equal(corpus.posts[list(expected.posts.columns)], expected.posts)


def test_overlapping_batches_given_as_separate_files_are_refused():
    """Documented: give the folder or zip of all batches, so repeats are merged."""
    with pytest.raises(IngestError, match=re.escape(
            "2 post id(s) appear in more than one export")):
        chatcode.ingest([BATCHES / "batch001" / "posts.csv", BATCHES / "batch002" / "posts.csv"],
                        timezone="UTC")


def _compliance_csv(tmp_path: Path, rows: list[str], header: str | None = None) -> Path:
    header = header or (MM / "compliance_18.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    path = tmp_path / "posts.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_compliance_bad_rows_are_all_reported_with_row_and_column(tmp_path):
    path = _compliance_csv(tmp_path, [
        "1683014400000,t,peers,Peers,c1,ch,Channel,public,u1,a@x.org,anna,p1,,,Hi,message,user,",
        "yesterday,t,peers,Peers,c1,ch,Channel,public,u1,a@x.org,anna,p2,,,Hi,message,user,",
        "1683014400000,t,peers,Peers,c1,ch,Channel,public,u1,a@x.org,,p3,,,Hi,message,user,",
    ])
    with pytest.raises(IngestError) as info:
        chatcode.ingest(path, timezone="UTC")
    text = str(info.value)
    assert f'{path}, column "Post Creation Time": not a time in epoch milliseconds in row(s) 3' \
        in text
    assert f'{path}, column "Username": no user name in row(s) 4' in text


def test_compliance_roles_groups_and_name_clashes(tmp_path):
    path = _compliance_csv(tmp_path, [
        "1683014400000,t1,peers,Peer Support,c1,town-square,Town Square,public,u1,a@x.org,anna,"
        "p1,,,Hello,message,user,",
        "1683014500000,t2,other,Other Team,c2,town-square,Town Square,public,u2,b@x.org,"
        "remind-bot,p2,,,Log your values,message,bot,",
        "1683014600000,t1,peers,Peer Support,c1,town-square,Town Square,public,u1,a@x.org,anna,"
        "p3,,,anna updated the channel header,system_header_change,user,",
        "1683014700000,t1,peers,Peer Support,c1,town-square,Town Square,public,u3,c@x.org,cleo,"
        "p4,,,cleo joined the channel.,system_join_channel,user,",
    ])
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    p = corpus.posts.set_index(S.POST_ID)
    assert p[S.ROLE].to_dict() == {"p1": "participant", "p2": "bot", "p3": "system"}
    assert p[S.GROUP].to_dict() == {"p1": "Peer Support / Town Square",
                                    "p2": "Other Team / Town Square",
                                    "p3": "Peer Support / Town Square"}
    assert any("left out 1 join/leave row" in line for line in report)


def test_compliance_detects_a_workbook_saved_by_excel(tmp_path):
    xlsx = csv_as_xlsx(MM / "compliance_18.csv", tmp_path / "posts.xlsx")
    assert chatcode.detect_format(xlsx) == "mattermost-compliance"
    expected = golden("compliance")
    corpus = chatcode.ingest(xlsx, timezone="UTC")
    pd.testing.assert_frame_equal(corpus.posts[list(expected.posts.columns)], expected.posts)


# --- bulk export JSONL --------------------------------------------------------------------
def test_jsonl_equals_its_golden_corpus():
    """Replies, reactions on posts and replies, roots out of time order, a direct post, a
    system post, a bot post, two identical posts, two "Town Square" channels of different
    teams."""
    corpus, report = chatcode.ingest_report(JSONL, timezone="UTC")
    assert_corpus_equal(corpus, golden("jsonl"))
    assert (f"{JSONL}: lines without messages: 1 bot, 3 channel, 1 direct_channel, 1 emoji, "
            "2 team, 2 user (used for display names and bot roles only)") in report
    assert f"{JSONL}: kept 1 bot post with the role bot" in report


def test_jsonl_id_follows_the_documented_recipe():
    """docs/formats-mattermost.md: BLAKE2b (10-byte digest) of the compact JSON list
    ["post", team, channel, user, create_at, message]; a reply: ["reply", root id, ...]."""
    def digest(parts):
        text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
        return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()

    root = digest(["post", "peers", "support-group", "anna.mod", 1683014400000,
                   "Welcome to the group! Introduce yourselves, please."])
    reply = digest(["reply", root, "cleo", 1683014700000, 'Hi everyone "from Vienna"'])
    posts = chatcode.ingest(JSONL, timezone="UTC").posts.set_index(S.POST_ID)
    assert posts.loc[root, S.TEXT].startswith("Welcome")
    assert posts.loc[reply, S.PARENT_ID] == root


def test_jsonl_ids_do_not_depend_on_the_order_of_lines(tmp_path):
    lines = JSONL.read_text(encoding="utf-8").splitlines()
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    corpus = chatcode.ingest(shuffled, group="unused", timezone="UTC")
    assert_corpus_equal(corpus, golden("jsonl"))


def test_jsonl_in_a_zip(tmp_path):
    bundle = _zip(tmp_path / "export.zip", {"import.jsonl": JSONL.read_bytes(),
                                            "data/meal.jpg": b"\xff\xd8"})
    assert chatcode.detect_format(bundle) == "mattermost-jsonl"
    assert_corpus_equal(chatcode.ingest(bundle, timezone="UTC"), golden("jsonl"))


def test_jsonl_broken_lines_are_all_reported_with_their_line_number():
    path = MM / "bulk_broken.jsonl"
    with pytest.raises(IngestError) as info:
        chatcode.ingest(path, timezone="UTC")
    text = str(info.value)
    assert text.startswith(f"{path}: 2 problem(s) in the export:")
    assert (f"{path}, line 3: not valid JSON (Expecting ',' delimiter, column 101); each line "
            "must be one JSON object") in text
    assert f'{path}, line 5: post: no "user"; mmctl export writes every post' in text


def test_jsonl_without_version_line_is_refused(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"type":"post","post":{"team":"t","channel":"c","user":"u",'
                    '"message":"m","create_at":1}}\n', encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f'{path}, line 1: the first line is not the version line {{"type": "version"}}')):
        chatcode.ingest(path, format="mattermost-jsonl", timezone="UTC")


@pytest.mark.parametrize("path", [JSONL, MM / "compliance_20.csv", BATCHES])
def test_epoch_milliseconds_do_not_depend_on_the_timezone(path):
    utc = chatcode.ingest(path, timezone="UTC")
    assert_corpus_equal(chatcode.ingest(path, timezone="America/Los_Angeles"), utc)


# --- detection and the command line -------------------------------------------------------
@pytest.mark.parametrize(("path", "name"), [
    (PLUGIN, "mattermost-csv"),
    (MM / "compliance_16.csv", "mattermost-compliance"),
    (MM / "compliance_18.csv", "mattermost-compliance"),
    (MM / "compliance_20.csv", "mattermost-compliance"),
    (BATCHES, "mattermost-compliance"),
    (JSONL, "mattermost-jsonl"),
    (MM / "golden_plugin", "canonical"),
])
def test_format_is_detected_from_the_content(tmp_path, path, name):
    assert chatcode.detect_format(path) == name
    if path.is_file():  # a misleading file name changes nothing
        renamed = tmp_path / ("export.txt" if path.suffix == ".jsonl" else "export.jsonl")
        shutil.copy(path, renamed)
        assert chatcode.detect_format(renamed) == name


@pytest.mark.parametrize(("path", "name"), [
    (PLUGIN, "mattermost-csv"),
    (MM / "compliance_18.csv", "mattermost-compliance"),
    (JSONL, "mattermost-jsonl"),
])
def test_cli_ingest_says_which_format_it_detected(cli, tmp_path, path, name):
    out = tmp_path / "corpus.xlsx"
    result = cli("ingest", path, "-o", out, "--timezone", "UTC")
    assert result.returncode == 0, result.stderr
    # rich's log handler wraps long lines on a non-terminal stderr: compare words
    assert f"{path}: detected format {name}" in " ".join(result.stderr.split())
    assert result.stdout == ""
    expected = chatcode.ingest(path, timezone="UTC")
    assert_corpus_equal(chatcode.read_corpus(out), expected)


def test_jsonl_of_an_older_server_recognises_untyped_system_posts():
    """Mattermost 5.x wrote join/leave/added/removed/header posts without a "type"; the
    fixture (hand-made, server wording in English and German) has 7 such posts, one
    participant post that only resembles one, and one post quoting another user's join
    (ben writing "anna joined the channel.": not the poster's own event, kept)."""
    path = MM / "bulk_old_server.jsonl"
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    posts = corpus.posts.set_index(S.TEXT)
    system = posts[posts[S.ROLE].eq(S.SYSTEM)]
    assert sorted(system["src_system_inferred"]) == [
        "system_add_to_channel", "system_header_change", "system_header_change",
        "system_join_channel", "system_join_team", "system_leave_channel",
        "system_remove_from_channel"]
    assert posts.loc["Hallo zusammen! Ich bin dem Kanal gern beigetreten.", S.ROLE] == \
        S.DEFAULT_ROLE
    assert posts.loc["anna joined the channel.", S.ROLE] == S.DEFAULT_ROLE
    assert (f"{path}: of these, 7 posts without a type were recognised as system posts by "
            "the server's wording (1 system_add_to_channel, 2 system_header_change, "
            "1 system_join_channel, 1 system_join_team, 1 system_leave_channel, "
            "1 system_remove_from_channel); see src_system_inferred") in report


def test_compliance_reply_to_a_deleted_post_is_reported(tmp_path):
    """A reply whose thread root was deleted stays a post; the report says why it counts
    as nobody's response (compliance_16.csv plus one reply to its deleted post)."""
    text = (MM / "compliance_16.csv").read_text(encoding="utf-8")
    reply = ("1683019900000,9r3kx7w2peerzq5m1n8b4v6c0t,peers,Peer Support,"
             "ch4nsup9x7w2q5m1n8b4v6c3zt,support-group,Support Group,public,"
             "c1eo5n8v2b7x4q9w3e6r0t1ymz,cleo@example.org,cleo,r3plyt0de1x7w2q5m1n8b4v6cq,,"
             "d4c4dele9x7w2q5m1n8b4v6czq,no worries,\n")
    path = tmp_path / "posts.csv"
    path.write_text(text.rstrip("\n") + "\n" + reply, encoding="utf-8")
    with pytest.warns(chatcode.ChatcodeWarning, match="parent post is not in the export"):
        corpus, report = chatcode.ingest_report(path, timezone="UTC")
    assert "r3plyt0de1x7w2q5m1n8b4v6cq" in set(corpus.posts[S.POST_ID])
    assert (f"{path}: 1 reply to a left-out deleted post kept as a post; its parent is not in "
            "the corpus, so it is not counted as a response") in report
