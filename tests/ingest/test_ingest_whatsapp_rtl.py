"""WhatsApp exports from right-to-left phones: Arabic headers in Arabic-Indic digits with the
Arabic comma, ص/م for AM/PM and RLM (U+200F) marks between the date fields; Persian digits;
Hebrew headers and names wrapped in RLM/LRM marks.

The fixtures in tests/fixtures/whatsapp/rtl/ are hand-made after the layout of such exports
(Android and iOS); each ``*_expected.csv`` is the corpus it must give. Without the header
normalisation no line of them is read as a message (the file is no WhatsApp export).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.ingest._whatsapp_dates import ascii_headers

RTL = Path(__file__).parents[1] / "fixtures" / "whatsapp" / "rtl"
COLS = ["group", "timestamp", "author", "role", "text", "attachments", "src_edited",
        "src_poll", "src_author", "src_line", "src_media"]


def _frame(posts: pd.DataFrame) -> pd.DataFrame:
    out = posts[COLS].copy()
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    out["attachments"] = out["attachments"].astype(str)
    return out.astype(object).where(out.notna(), "").astype(str).reset_index(drop=True)


@pytest.mark.parametrize(("name", "expected"), [
    ("دردشة واتساب مع أصدقاء.txt", "ar_expected.csv"),
    ("צ'אט WhatsApp עם חברים.txt", "he_expected.csv"),
    ("he_ios.txt", "he_ios_expected.csv"),
])
def test_rtl_export_equals_its_golden_corpus(name, expected):
    """Arabic (Android, 12 h with ص/م, 12 م is noon and 12:30 ص half past midnight) and Hebrew
    (Android and iOS, RLM around the fields and the names): dates, authors, system lines,
    placeholders, deleted and edited messages, continuation lines; the chat's name from the
    file name; found by --format auto."""
    corpus, report = chatcode.ingest_report(RTL / name, timezone="UTC")
    frame = pd.read_csv(RTL / expected, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(_frame(corpus.posts), frame)
    assert any("detected format whatsapp" in line for line in report)


def test_names_wrapped_in_marks_are_normalised_and_reported():
    """The Hebrew chat's two names wrapped in RLM/LRM marks are matched as plain names; the
    report counts them (in the plural)."""
    corpus, report = chatcode.ingest_report(RTL / "צ'אט WhatsApp עם חברים.txt", timezone="UTC")
    assert not corpus.posts[S.AUTHOR].str.contains("[\u200e\u200f]").any()
    assert any(line.endswith("2 author names with invisible characters or odd spaces: "
                             "normalised (the name as exported in src_author)")
               for line in report)


def test_digits_in_messages_stay_as_written():
    """Only the headers are rewritten: a message's own Arabic-Indic digits are kept."""
    posts = chatcode.ingest(RTL / "دردشة واتساب مع أصدقاء.txt", timezone="UTC").posts
    assert "الموعد ١٠:٣٠ يوم ١٤/٣" in posts[S.TEXT].iloc[2]


def test_persian_digits():
    posts = chatcode.ingest(RTL / "persian_digits.txt", timezone="UTC").posts
    assert posts[S.TIMESTAMP].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2024-03-13 21:05", "2024-03-14 08:00"]
    assert posts[S.TEXT].tolist() == ["سلام ۱۲", "ok"]


AR = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
FA = str.maketrans("0123456789", "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9")
RLM, LRM = "\u200f", "\u200e"


@pytest.mark.parametrize(("line", "ascii"), [
    (f"13{RLM}/3{RLM}/2024\u060c 9:05".translate(AR) + " \u0645 - A: \u0661",
     "13/3/2024, 9:05 PM - A: \u0661"),
    ("[13/03/2024\u060c 9:05:00".translate(AR) + " \u0635] A: x",
     "[13/03/2024, 9:05:00 AM] A: x"),
    ("13/3/24\u060c 9:05".translate(FA) + " \u0628.\u0638. - A: x", "13/3/24, 9:05 PM - A: x"),
    (f"{RLM}13.3.2024, 9:00{RLM} - {RLM}A{LRM}: x", f"13.3.2024, 9:00 - {RLM}A{LRM}: x"),
])
def test_headers_become_ascii(line, ascii):
    assert ascii_headers(line) == ascii


def test_text_without_rtl_characters_is_returned_as_it_is():
    text = "13/03/2024, 09:00 - Ana: hi\n13/03/2024, 09:01 - Ben: \u200eimage omitted\n"
    assert ascii_headers(text) is text
