"""The WhatsApp reader: .txt and .zip exports, Android and iOS layouts, 12/24 h clocks,
day/month inference, system messages, media, deleted and edited markers, --infer-replies.

Every fixture in tests/fixtures/whatsapp/ is hand-made, and so is each golden corpus
(golden_*/posts.csv). The post ids there are placeholders (e01, ...): the expected id of a
row is computed here from its own group, time, author and text with the formula documented
in ``chatcode.ingest.whatsapp`` (64-bit SipHash of pandas.util.hash_array), independently
of the reader's code.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import IngestError

WA = Path(__file__).parents[1] / "fixtures" / "whatsapp"
EN = WA / "WhatsApp Chat with Diabetes Peers.txt"
EN_ZIP = WA / "WhatsApp Chat with Diabetes Peers.zip"
DE = WA / "WhatsApp Chat mit Zuckerpeers.txt"
IOS = WA / "ios_12h_en.txt"
MARKS = WA / "marks_android_en.txt"
PM = WA / "pm_nbsp.txt"


def expected_id(group: str, local: pd.Timestamp, author: str, text: str) -> str:
    seconds = (local - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    key = "\x1f".join([group, str(seconds), author, text])
    h = pd.util.hash_array(np.array([key], dtype=object), categorize=False)[0]
    return f"wa-{int(h):016x}"


def golden(name: str) -> tuple[chatcode.Corpus, dict[str, str]]:
    """The golden corpus with real ids, and the map placeholder -> id."""
    corpus = chatcode.read_corpus(WA / f"golden_{name}")
    posts = corpus.posts.copy()
    ids, seen = {}, {}
    for row in posts.itertuples(index=False):
        base = expected_id(row.group, row.timestamp.tz_convert("UTC").tz_localize(None),
                           row.author, row.text)
        seen[base] = seen.get(base, 0) + 1
        ids[row.post_id] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    posts[S.POST_ID] = posts[S.POST_ID].map(ids).astype("str")
    posts[S.PARENT_ID] = posts[S.PARENT_ID].map(ids).astype("str")
    return chatcode.Corpus.trusted(posts, corpus.reactions), ids


def assert_corpus_equal(got: chatcode.Corpus, expected: chatcode.Corpus) -> None:
    pd.testing.assert_frame_equal(got.posts, expected.posts)
    pd.testing.assert_frame_equal(got.reactions, expected.reactions)


# --- golden corpora -------------------------------------------------------------------------
def test_android_24h_english_equals_its_golden_corpus():
    """Day first (13/03/23), system messages incl. one with a colon in the group name, a
    three-line message with an empty line, <Media omitted>, the edited marker, a deleted
    message (left out, counted), two identical messages in the same minute (-2)."""
    corpus, report = chatcode.ingest_report(EN, timezone="UTC")
    expected, ids = golden("en")
    assert_corpus_equal(corpus, expected)
    assert ids["e12"] == ids["e11"] + "-2"
    assert f"{EN}: detected format whatsapp" in report
    assert (f"{EN}: read 11 messages (3 continuation lines); dates read day first (inferred "
            "from line 1 ('13/03/23, 09:00')); ids derived from the content") in report
    assert f"{EN}: 4 system messages: kept with the role system and the author 'system'" in report
    assert (f"{EN}: 1 media placeholder: counted as attachments (placeholders in src_media, "
            "captions kept as text)") in report
    assert (f"{EN}: 1 deleted message: left out (nothing in the export refers to them: "
            "WhatsApp exports have no replies or reactions)") in report
    assert f"{EN}: 1 edited message: marker removed, src_edited TRUE" in report


def test_zip_export_equals_the_txt():
    """The .zip from 'Export chat' (the .txt and a photo) reads like the .txt."""
    assert chatcode.detect_format(EN_ZIP) == "whatsapp"
    assert_corpus_equal(chatcode.ingest(EN_ZIP, timezone="UTC"), golden("en")[0])


def test_lrm_and_bom_marks_are_removed():
    """BOM at the file start and before a line, LRM before a header and a placeholder."""
    raw = MARKS.read_text(encoding="utf-8")
    assert "\ufeff" in raw and "\u200e" in raw
    corpus = chatcode.ingest(MARKS, group="Diabetes Peers", timezone="UTC")
    assert_corpus_equal(corpus, golden("en")[0])


def test_ios_12h_with_narrow_no_break_space_equals_its_golden_corpus():
    """[13/03/23, 9:45:00\u202fPM]; system lines with the chat's name as sender and an LRM;
    'image omitted'; 'This message was deleted.' with a dot."""
    raw = IOS.read_text(encoding="utf-8")
    assert "\u202fPM]" in raw
    corpus = chatcode.ingest(IOS, group="Diabetes Peers", timezone="UTC")
    assert_corpus_equal(corpus, golden("ios")[0])


def test_german_android_equals_its_golden_corpus():
    """German system messages, <Medien ausgeschlossen>, a file attached with a caption,
    'Diese Nachricht wurde gelöscht', '<Diese Nachricht wurde bearbeitet>'; the group comes
    from 'WhatsApp Chat mit Zuckerpeers.txt'."""
    corpus, report = chatcode.ingest_report(DE, timezone="UTC")
    assert_corpus_equal(corpus, golden("de")[0])
    assert f"{DE}: 6 system messages: kept with the role system and the author 'system'" \
        in report


def test_pm_with_no_break_space_month_first_equals_its_golden_corpus():
    """'3/6/2023 1:55 p.\u00a0m.' (NBSP inside p. m.); 3/28/2023 proves month first;
    12:10 a. m. is 00:10."""
    corpus, report = chatcode.ingest_report(PM, timezone="UTC")
    assert_corpus_equal(corpus, golden("pm")[0])
    # the date is quoted with repr(): the no-break space shows as \xa0
    assert any("dates read month first (inferred from line 4 ('3/28/2023 12:10 a.\\xa0m.'))"
               in line for line in report)


def test_timezone_applies_to_the_local_times_and_not_to_the_ids():
    utc = chatcode.ingest(PM, timezone="UTC").posts
    vienna = chatcode.ingest(PM, timezone="Europe/Vienna").posts
    assert vienna[S.POST_ID].tolist() == utc[S.POST_ID].tolist()
    # 6 March 2023 13:55 in Vienna (CET, UTC+1) is 12:55 UTC
    assert vienna[S.TIMESTAMP][0] == pd.Timestamp("2023-03-06T12:55:00Z")


@pytest.mark.parametrize(("header", "expected"), [
    ("13/03/23, 09:05 - ", "2023-03-13 09:05"),
    ("13.03.23, 09:05 - ", "2023-03-13 09:05"),
    ("13-03-2023 09:05 - ", "2023-03-13 09:05"),
    ("2023/03/13, 09:05. - ", "2023-03-13 09:05"),
    ("[13.03.23, 09:05:07] ", "2023-03-13 09:05:07"),
    ("[13/03/2023 9:05:07 PM] ", "2023-03-13 21:05:07"),
    ("[13/03/2023, 12:05:07\u202fAM] ", "2023-03-13 00:05:07"),
    ("13/03/23, 12:05 p.m. - ", "2023-03-13 12:05"),
    ("13/03/23, 9:05 p. m. - ", "2023-03-13 21:05"),
    ("\u200e[13/03/23, 9:05:00 a.\u00a0m.] ", "2023-03-13 09:05"),
    ("13.3.2023 klo 21.05.07 - ", "2023-03-13 21:05:07"),
])
def test_header_variants(tmp_path, header, expected):
    """Layouts from pustur/whatsapp-chat-parser's test cases and WhatsR's samples; the
    day 13 makes the order unambiguous."""
    path = tmp_path / "chat.txt"
    path.write_text(f"{header}Anna: hello\n", encoding="utf-8")
    posts = chatcode.ingest(path, timezone="UTC").posts
    assert posts[S.TIMESTAMP].tolist() == [pd.Timestamp(expected, tz="UTC")]
    assert posts[[S.AUTHOR, S.TEXT]].values.tolist() == [["Anna", "hello"]]


def test_media_variants_count_as_attachments(tmp_path):
    """Placeholder forms from WhatsR's Languages.csv and pustur's attachment cases."""
    forms = ["<Media omitted>", "<Medien ausgeschlossen>", "image omitted", "Bild weggelassen",
             "<attached: 00000042-PHOTO-2020-06-07-15-13-20.jpg>",
             "IMG-20210428-WA0001.jpg (file attached)",
             "2015-08-04-PHOTO-00004762.jpg <\u200eattached>",
             "\u200e4f2680f1db95a8454775cc2eefc95bfc.jpg (Datei angehängt)"]
    lines = [f"13/03/23, 09:{i:02d} - Anna: {f}" for i, f in enumerate(forms)]
    path = tmp_path / "media.txt"
    path.write_text("\n".join(lines + ["13/03/23, 10:00 - Anna: just text"]), encoding="utf-8")
    posts = chatcode.ingest(path, timezone="UTC").posts
    assert posts[S.ATTACHMENTS].tolist() == [1] * len(forms) + [0]
    assert posts[S.TEXT].tolist() == [""] * len(forms) + ["just text"]


# --- --infer-replies ------------------------------------------------------------------------
def test_infer_replies_links_the_previous_message_of_another_author():
    """Window 10 min: Ben 09:12 -> Anna 09:05; Cleo 09:20 -> Ben 09:12; Cleo 09:21 -> Ben
    09:12 (the latest message of another author, not Cleo's own); Ben's deleted message
    09:30 is left out, so it neither replies nor is replied to. Anna 21:45 is too late;
    system messages take no part."""
    corpus, report = chatcode.ingest_report(EN, timezone="UTC", infer_replies=10)
    _, ids = golden("en")
    posts = corpus.posts.set_index(S.POST_ID)
    expected = {"e05": "e04", "e06": "e05", "e07": "e05"}
    got = {k: posts.loc[ids[k], S.PARENT_ID] for k in ids}
    assert {k: v for k, v in got.items() if isinstance(v, str)} == {
        k: ids[v] for k, v in expected.items()}
    inferred = posts["src_reply_inferred"]
    assert sorted(k for k in ids if inferred[ids[k]] == "TRUE") == sorted(expected)
    assert f"{EN}: replies inferred within 10 min: 3" in report


def test_infer_replies_window_is_inclusive_and_in_minutes():
    """Luis 14:05 is 10 min after Marta 13:55: a reply with --infer-replies 10, not with 9.5."""
    _, ids = golden("pm")
    ten = chatcode.ingest(PM, timezone="UTC", infer_replies=10).posts.set_index(S.POST_ID)
    less = chatcode.ingest(PM, timezone="UTC", infer_replies=9.5).posts.set_index(S.POST_ID)
    assert ten.loc[ids["p02"], S.PARENT_ID] == ids["p01"]
    assert pd.isna(less.loc[ids["p02"], S.PARENT_ID])
    assert less.loc[ids["p03"], S.PARENT_ID] == ids["p02"]


def test_without_infer_replies_every_post_is_a_root():
    corpus, report = chatcode.ingest_report(EN, timezone="UTC")
    assert corpus.posts[S.PARENT_ID].isna().all()
    assert "src_reply_inferred" not in corpus.posts.columns
    assert (f"{EN}: WhatsApp exports have no reply links: every post is a root post "
            "(--infer-replies MINUTES infers them)") in report


def test_infer_replies_must_be_positive():
    with pytest.raises(IngestError, match=re.escape(
            "--infer-replies must be a number of minutes above 0, not 0")):
        chatcode.ingest(EN, timezone="UTC", infer_replies=0)


# --- day/month order ------------------------------------------------------------------------
AMBIGUOUS = "01/02/23, 09:00 - Anna: hi\n03/04/23, 10:00 - Ben: hello\n"


def test_ambiguous_dates_ask_for_dayfirst(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text(AMBIGUOUS, encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: cannot tell whether the dates are day/month or month/day: every date "
            "fits both (e.g. line 1 ('01/02/23, 09:00') and line 2 ('03/04/23, 10:00')); give "
            "--dayfirst or --monthfirst")):
        chatcode.ingest(path, timezone="UTC")


@pytest.mark.parametrize(("dayfirst", "first"), [(True, "2023-02-01"), (False, "2023-01-02")])
def test_dayfirst_option_decides(tmp_path, dayfirst, first):
    path = tmp_path / "chat.txt"
    path.write_text(AMBIGUOUS, encoding="utf-8")
    corpus, report = chatcode.ingest_report(path, timezone="UTC", dayfirst=dayfirst)
    assert corpus.posts[S.TIMESTAMP][0] == pd.Timestamp(f"{first} 09:00", tz="UTC")
    how = "day first (given with --dayfirst)" if dayfirst else \
        "month first (given with --monthfirst)"
    assert any(f"dates read {how}" in line for line in report)


def test_dayfirst_option_against_the_file_names_the_dates(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("13/02/23, 09:00 - Anna: hi\n", encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: cannot read 1 date(s) as month/day/year: line 1 ('13/02/23, 09:00'); "
            "check --dayfirst/--monthfirst")):
        chatcode.ingest(path, timezone="UTC", dayfirst=False)


def test_day_first_and_month_first_in_one_file_is_an_error(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("13/02/23, 09:00 - Anna: hi\n02/14/23, 10:00 - Ben: hello\n",
                    encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: the file mixes day-first and month-first dates: line 1 "
            "('13/02/23, 09:00') can only be day first, line 2 ('02/14/23, 10:00') only "
            "month first; the file seems to hold two exports pasted together")):
        chatcode.ingest(path, timezone="UTC")


# --- bad input ------------------------------------------------------------------------------
def test_android_and_ios_lines_in_one_file_is_an_error(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("13/02/23, 09:00 - Anna: hi\n[13/02/23, 09:05:00] Ben: hello\n",
                    encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: the file mixes two layouts: line 1 ('13/02/23, 09:00') has the Android "
            "layout 'date, time - name: text', line 2 ('13/02/23, 09:05:00') has the iOS "
            "layout '[date, time] name: text'")):
        chatcode.ingest(path, timezone="UTC", format="whatsapp")


def test_a_txt_that_is_no_export_quotes_its_first_line(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Meeting notes\n13/02/23, 09:00 - Anna: hi\n", encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: not a WhatsApp chat export: line 1 does not start with a date and time: "
            "'Meeting notes'")):
        chatcode.ingest(path, timezone="UTC", format="whatsapp")
    other = tmp_path / "other.txt"
    other.write_text("just some text\n", encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{other}: not a WhatsApp chat export: its first line is 'just some text'")):
        chatcode.ingest(other, timezone="UTC", format="whatsapp")


def test_zip_without_a_chat_lists_what_it_holds(tmp_path):
    path = tmp_path / "WhatsApp Chat with Peers.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("IMG-20230313-WA0001.jpg", b"\xff\xd8")
        zf.writestr("PTT-20230313-WA0002.opus", b"OggS")
    assert chatcode.detect_format(path) == "whatsapp"
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: the zip holds no WhatsApp chat file (.txt); it holds "
            "IMG-20230313-WA0001.jpg, PTT-20230313-WA0002.opus")):
        chatcode.ingest(path, timezone="UTC")


def test_am_with_an_hour_above_12_names_the_line(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("13/02/23, 9:00 AM - Anna: hi\n13/02/23, 14:00 AM - Ben: hello\n",
                    encoding="utf-8")
    with pytest.raises(IngestError, match=re.escape(
            f"{path}: 1 time(s) above 12 with AM, first on line 2 ('13/02/23, 14:00 AM')")):
        chatcode.ingest(path, timezone="UTC")


# --- detection and naming -------------------------------------------------------------------
@pytest.mark.parametrize("path", [EN, DE, IOS, MARKS, PM, EN_ZIP])
def test_auto_detection(path):
    assert chatcode.detect_format(path) == "whatsapp"


def test_other_formats_are_not_taken_for_whatsapp(tmp_path):
    csv = tmp_path / "posts.csv"
    csv.write_text("post_id,timestamp,author,text\n1,2023-05-02T08:00:00Z,anna,hi\n",
                   encoding="utf-8")
    assert chatcode.detect_format(csv) == "canonical"


def test_group_from_the_file_name_and_the_group_option(tmp_path):
    ios_zip = tmp_path / "WhatsApp Chat - Peers Vienna.zip"
    with zipfile.ZipFile(ios_zip, "w") as zf:
        zf.write(IOS, "_chat.txt")
    assert set(chatcode.ingest(ios_zip, timezone="UTC").posts[S.GROUP]) == {"Peers Vienna"}
    assert set(chatcode.ingest(PM, timezone="UTC").posts[S.GROUP]) == {"pm_nbsp"}
    assert set(chatcode.ingest(EN, group="G1", timezone="UTC").posts[S.GROUP]) == {"G1"}


def test_ids_do_not_depend_on_the_line_or_other_messages(tmp_path):
    """Adding a message before the others changes no id of the others."""
    path = tmp_path / "WhatsApp Chat with Diabetes Peers.txt"
    shutil.copy(EN, path)
    before = set(chatcode.ingest(path, timezone="UTC").posts[S.POST_ID])
    text = "12/03/23, 08:00 - Eve: first!\n" + EN.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    after = set(chatcode.ingest(path, timezone="UTC").posts[S.POST_ID])
    assert before < after and len(after - before) == 1


def test_cli_ingest_with_infer_replies(cli, tmp_path):
    out = tmp_path / "corpus"
    result = cli("ingest", EN, "-o", out, "--timezone", "UTC", "--infer-replies", "10")
    assert result.returncode == 0, result.stderr
    assert "replies inferred within 10 min: 3" in result.stderr
    posts = pd.read_csv(out / "posts.csv", dtype=str)
    assert posts["src_reply_inferred"].eq("TRUE").sum() == 3


def test_marks_and_line_breaks_found_by_the_byte_scan():
    """The numpy scan that picks the rows to strip of LRM/BOM marks (and the multi-line
    texts) agrees with Python's ``in`` on sliced arrays, nulls and both offset widths."""
    import pyarrow as pa

    from chatcode.ingest import _whatsapp_text as T

    texts = ["a\u200eb", None, "\ufeffc", "d\ne", "\u200e", "é\u200e\n", ""]
    for kind in (pa.string(), pa.large_string()):
        values = pa.array(texts, kind).slice(1)
        expected = [None if t is None else t.replace("\u200e", "").replace("\ufeff", "")
                    for t in texts[1:]]
        assert T.strip_marks(values).to_pylist() == expected
        assert T.rows_with(values, (b"\n",)).tolist() == [
            t is not None and "\n" in t for t in texts[1:]]


def test_authors_cut_at_the_first_colon_space_of_the_bytes():
    """``_split_first`` (the first ": " found in the bodies' bytes) gives what Python's
    ``str.partition`` gives, also when ": " would span two bodies, on sliced arrays, with
    multi-byte characters and with small blocks for the byte scan."""
    import pyarrow as pa

    from chatcode.ingest import _whatsapp_text as T

    bodies = ["x", "Anna: hi: there", "a:", " b", "::  c", "", "Zoë: ü", "no colon",
              "line\nBen: two", ": lead", "tail: "]
    values = pa.array(bodies, pa.large_string()).slice(1)
    author, rest, two = T._split_first(values)
    expected = [b.partition(": ") for b in bodies[1:]]
    assert author.to_pylist() == [a for a, _, _ in expected]
    assert rest.to_pylist() == [r for _, _, r in expected]
    assert two.tolist() == [bool(sep) for _, sep, _ in expected]
    data = np.frombuffer(b"a: b:: c: ", dtype=np.uint8)
    assert T.positions(data, ord(":"), block=3).tolist() == [1, 4, 5, 8]


def test_header_numbers_read_from_bytes_agree_with_the_pattern():
    """The header fields read from the bytes (digit runs, '[' and a/p, a block of headers
    at a time) equal the fields the full header pattern extracts, for the layouts the
    pattern accepts (marks, iOS brackets, seconds, 'klo', a.m./p.m. with odd spaces)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from chatcode.ingest import _whatsapp_text as T
    from chatcode.ingest import whatsapp as W

    lines = ["1/2/21, 8:05 AM - A: x", "\u200e[29.01.18, 23:46:03] B: y",
             "2019/09/24 11:30 p.\u00a0m. - C: z", "13.6.2018 klo 21.25.15 - D: w",
             "\ufeff24-09-2019, 9:05\u202fpm - E: v", "12/31/2020, 12:00 a.m. - F: u",
             "05.03.23, 07:08. - G: t"]
    values = pa.array(lines, pa.large_string())
    heads = pc.extract_regex(values, T.HEAD_ONLY).field("head")
    got = W._headers(heads, np.arange(len(lines)), block=3)
    fields = pc.extract_regex(values, T.HEADER)
    assert fields.null_count == 0  # every line is a header

    def number(name: str) -> list[int]:
        return [int(v) if v else 0 for v in fields.field(name).to_pylist()]

    for name in ("d1", "d2", "d3", "hh", "mm", "ss"):
        assert getattr(got, name).tolist() == number(name), name
    assert got.year_width.tolist() == [len(v) for v in fields.field("d1").to_pylist()]
    assert got.open.tolist() == [v == "[" for v in fields.field("open").to_pylist()]
    assert got.ampm.tolist() == [2 if v.lower().startswith("p") else
                                 1 if v.lower().startswith("a") else 0
                                 for v in fields.field("ampm").to_pylist()]
