"""WhatsApp exports in the 20 languages of the phrase tables, and what the tables drive:
system events, calls, deleted and unreadable messages, media placeholders, edited markers,
polls, chat names from file names, names with ": " and invisible characters, albums.

Every fixture in tests/fixtures/whatsapp/languages/<language>/ is hand-made in the Android
layout, with WhatsApp's wording in that language (looked up in WhatsApp's strings as
collected by public parsers); expected.csv is the corpus it must give. A phrase the tables do
not recognise turns a system line into a member post, a placeholder into text, or keeps a
deleted message: the golden comparison then fails.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import chatcode
from chatcode.corpus import schema as S
from chatcode.errors import IngestError
from chatcode.ingest import _whatsapp_phrases as P
from chatcode.ingest import whatsapp

LANG = Path(__file__).parents[1] / "fixtures" / "whatsapp" / "languages"
LANGUAGES = ["en", "de", "es", "pt-BR", "pt-PT", "fr", "it", "nl", "tr", "id", "ru", "pl",
             "ar", "he", "hi", "sv", "da", "nb", "fi", "cs"]
COLS = ["group", "timestamp", "author", "role", "text", "attachments", "src_edited",
        "src_poll", "src_author", "src_line", "src_media"]


def _fixture(code: str) -> Path:
    return next((LANG / code).glob("*.txt"))


def _frame(posts: pd.DataFrame) -> pd.DataFrame:
    out = posts[COLS].copy()
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    out["attachments"] = out["attachments"].astype(str)
    return out.astype(object).where(out.notna(), "").astype(str).reset_index(drop=True)


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_language_equals_its_golden_corpus(code):
    """Encryption notice and a member leaving (no author: structural), a member added whose
    name has ': ' (a system phrase; the name is then read whole), a media placeholder of
    each platform, a file attached with a caption, a deleted and an unreadable message (left
    out, counted), the edited marker, a missed call (system), a poll, a phone number in
    bidi marks; the chat's name from the file name."""
    path = _fixture(code)
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    expected = pd.read_csv(LANG / code / "expected.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(_frame(corpus.posts), expected)
    assert set(corpus.posts[S.AUTHOR]) == {"system", "Ana", "Ben", "Dr: Who",
                                           "+49 151 2345678"}
    assert corpus.posts[S.GROUP].eq("Peers").all()
    text = "\n".join(report)
    assert "1 deleted message: left out" in text
    assert "1 unreadable message ('Waiting for this message'): left out" in text
    assert "4 system messages: kept with the role system and the author 'system', 1 call" \
        in text
    assert "1 author name with ': ': read whole" in text


def _instances(template: str) -> list[str]:
    """Texts a template must match: each placeholder filled with a sample."""
    text = template.rstrip("*")
    for token, value in (("{name}", "Ana María"), ("{any}", "Diabetes: Wien"),
                         ("{file}", "IMG-20240313-WA0001.jpg"), ("{n}", "12")):
        text = text.replace(token, value)
    return [text, text + " tail"] if template.endswith("*") else [text]


def _recognised(got: dict, i: int, kind: str) -> bool:
    """Whether line i of a classified batch was read as the phrase class ``kind`` (an
    edited line's text must be left as 'ok' once its marker is cut off)."""
    return bool({"system": got["system"][i] and not got["call"][i], "call": got["call"][i],
                 "deleted": got["deleted"][i], "waiting": got["waiting"][i],
                 "media": got["n_media"][i] == 1, "attached": got["n_media"][i] == 1,
                 "edited": got["edited"][i] and got["text"][i] == "ok",
                 "poll": got["poll"][i]}[kind])


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_phrase_of_the_table_is_recognised(code):
    """Each template of a language's table, filled in, is read as what its class says: the
    marked text of an iOS line for system phrases and calls, a participant's text for
    placeholders and markers."""
    lang = P.load().languages[code]
    lines, expect = [], []
    for kind, templates in lang.phrases.items():
        for t in templates:
            for text in _instances(t):
                # system phrases as iOS writes them: a marked text after a sender (each line
                # another sender, so no sender is taken for the chat by another line)
                body = f"S{len(lines)}: \u200e{text}" if kind == "system" \
                    else f"Ana: \u200e{text}" if kind == "call" \
                    else f"Ana: {text}" if kind != "edited" else f"Ana: ok {text}"
                lines.append(body)
                expect.append((kind, t, text))
    parts = whatsapp.T.classify(pa.array(lines, type=pa.large_string()), P.load(), set())
    got = {k: v.to_pylist() if hasattr(v, "to_pylist") else v for k, v in parts.items()}
    wrong = []
    for i, (kind, t, text) in enumerate(expect):
        if not _recognised(got, i, kind):
            wrong.append(f"{kind}: {t!r} (as {text!r})")
    assert not wrong, f"{code}: not recognised: " + "; ".join(wrong)


@pytest.mark.parametrize(("file_name", "name"), [
    ("WhatsApp Chat with Diabetes Peers.txt", "Diabetes Peers"),
    ("WhatsApp Chat mit Zuckerpeers.zip", "Zuckerpeers"),
    ("Chat de WhatsApp con Grupo: Madrid.txt", "Grupo: Madrid"),
    ("Conversa do WhatsApp com Amigos.txt", "Amigos"),
    ("Discussion WhatsApp avec Les Amis.txt", "Les Amis"),
    ("WhatsApp-chat met Vrienden.txt", "Vrienden"),
    ("Dostlar ile WhatsApp Sohbeti.txt", "Dostlar"),
    ("Чат WhatsApp с Друзья.txt", "Друзья"),
    ("WhatsApp Chat - Peers.zip", "Peers"),
    ("notes.txt", "notes"),
])
def test_chat_name_from_the_file_name_in_any_language(file_name, name):
    assert whatsapp.chat_name(file_name) == name


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_names_with_colons_and_invisible_characters(tmp_path):
    """'~ Kendi:)' and 'John 14:13😘' are split at ': ', not at the first colon; U+202F after
    '~', bidi marks and no-break spaces around a phone number are removed from the author
    (kept in src_author), and a roles file typed by a person matches the normalised name."""
    path = _write(tmp_path, "chat.txt", [
        "13/03/2024, 09:00 - ~\u202fKendi:): hello: all",
        "13/03/2024, 09:01 - ~ John 14:13😘: hi",
        "13/03/2024, 09:02 - \u202a+49\u00a0151\u00a02345678\u202c: moin",
    ])
    roles = tmp_path / "roles.yaml"
    roles.write_text("moderator: ['+49 151 2345678', '~ Kendi:)']\n", encoding="utf-8")
    posts = chatcode.ingest(path, timezone="UTC", roles=roles).posts
    assert posts[S.AUTHOR].tolist() == ["~ Kendi:)", "~ John 14:13😘", "+49 151 2345678"]
    assert posts[S.TEXT].tolist() == ["hello: all", "hi", "moin"]
    assert posts[S.ROLE].tolist() == ["moderator", "participant", "moderator"]
    assert posts["src_author"].tolist()[0] == "~\u202fKendi:)"
    assert pd.isna(posts["src_author"].iloc[1])


def test_ios_album_is_one_post_with_all_its_attachments(tmp_path):
    """A 'Name:' line followed by that author's media messages: one post, no empty post."""
    path = _write(tmp_path, "_chat.txt", [
        "[13/03/2024, 09:00:00] Peers: \u200eMessages and calls are end-to-end encrypted.",
        "[13/03/2024, 09:01:00] Anna:",
        "[13/03/2024, 09:01:00] Anna: \u200e<attached: 00000012-PHOTO-2024-03-13-09-01-00.jpg>",
        "[13/03/2024, 09:01:01] Anna: \u200e<attached: 00000013-PHOTO-2024-03-13-09-01-01.jpg>",
        "[13/03/2024, 09:02:00] Ben: nice",
        "[13/03/2024, 09:03:00] Anna:",
        "\u200e<attached: 00000014-PHOTO-2024-03-13-09-03-00.jpg>",
        "\u200e<attached: 00000015-PHOTO-2024-03-13-09-03-00.jpg>",
    ])
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    posts = corpus.posts
    assert posts[S.AUTHOR].tolist() == ["system", "Anna", "Ben", "Anna"]
    assert posts[S.ATTACHMENTS].tolist() == [0, 2, 0, 2]
    assert posts[S.TEXT].tolist()[1] == "" and posts[S.TEXT].tolist()[3] == ""
    assert any("1 iOS album: folded into one post" in line for line in report)


def test_ios_lines_of_the_chat_itself_are_system_lines(tmp_path):
    """iOS: a marked line whose sender is the chat's own name is a system line even when no
    phrase knows its wording; its placeholders stay the chat's (1:1 chats)."""
    path = _write(tmp_path, "WhatsApp Chat - Zuckerpeers.txt", [
        "[13.03.24, 09:00:00] Zuckerpeers: \u200eEin neues Ereignis, das keine Tabelle kennt",
        "[13.03.24, 09:01:00] Anna: Hallo",
        "[13.03.24, 09:02:00] Zuckerpeers: \u200eBild weggelassen",
        "[13.03.24, 09:03:00] Zuckerpeers: normal text",
    ])
    posts = chatcode.ingest(path, timezone="UTC").posts
    assert posts[S.ROLE].tolist() == ["system", "participant", "participant", "participant"]
    assert posts[S.ATTACHMENTS].tolist() == [0, 0, 1, 0]


def test_german_events_that_used_to_slip_through(tmp_path):
    path = _write(tmp_path, "chat.txt", [
        "[13.03.24, 09:00:00] Gruppe: \u200eAnna hat eine Nachricht fixiert.",
        "[13.03.24, 09:01:00] Gruppe: \u200eBen hat die Telefonnummer gewechselt.",
        "[13.03.24, 09:02:00] Anna: \u200eDiese Nachricht wurde von Admin Ben gelöscht.",
        "[13.03.24, 09:03:00] Anna: Hallo zusammen: wie geht's?",
    ])
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    assert corpus.posts[S.ROLE].tolist() == ["system", "system", "participant"]
    assert any("1 deleted message: left out" in line for line in report)


def test_extra_phrase_table_extends_a_language(tmp_path):
    """--phrases FILE adds wording without code: here a new German placeholder."""
    path = _write(tmp_path, "chat.txt", ["13.03.24, 09:00 - Anna: <Sticker fehlt>",
                                         "13.03.24, 13:01 - Ben: ok"])
    assert chatcode.ingest(path, timezone="UTC").posts[S.ATTACHMENTS].tolist() == [0, 0]
    extra = tmp_path / "mehr.yaml"
    extra.write_text("language: de\nmedia:\n  - \"<Sticker fehlt>\"\n", encoding="utf-8")
    posts = chatcode.ingest(path, timezone="UTC", phrases=[extra]).posts
    assert posts[S.ATTACHMENTS].tolist() == [1, 0]


def test_bad_phrase_table_is_a_clear_error(tmp_path):
    extra = tmp_path / "bad.yaml"
    extra.write_text("language: de\nmedai: ['<x>']\n", encoding="utf-8")
    path = _write(tmp_path, "chat.txt", ["13.03.24, 09:00 - Anna: hi"])
    with pytest.raises(IngestError, match=re.escape("unknown phrase class 'medai'")):
        chatcode.ingest(path, timezone="UTC", phrases=[extra])


def test_ambiguous_dates_name_the_language_of_the_file(tmp_path):
    path = _write(tmp_path, "chat.txt", [
        "01/02/24, 09:00 - Los mensajes y las llamadas están cifrados de extremo a extremo.",
        "03/04/24, 10:00 - Ana: <Multimedia omitido>",
    ])
    with pytest.raises(IngestError) as err:
        chatcode.ingest(path, timezone="UTC")
    message = str(err.value)
    assert "every date fits both" in message
    assert "the file's system lines are in Spanish (es, 2 line(s)): day first" in message


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_password_protected_zip_is_a_clear_error(tmp_path):
    """The zip's chat member has the 'encrypted' flag: a ChatcodeError naming the file."""
    path = _zip(tmp_path / "WhatsApp Chat - Peers.zip",
                {"_chat.txt": b"[13.03.24, 09:00:00] Anna: hi\n"})
    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set bit 0 of the flags
        i = raw.find(sig)
        raw[i + at] |= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(IngestError, match="password-protected") as err:
        chatcode.ingest(path, timezone="UTC")
    assert str(path) in str(err.value)


def test_zip_packed_with_a_method_zipfile_cannot_unpack_is_named(tmp_path):
    """The chat member's compression method is Deflate64 (9), as Windows writes for large
    zips: the error names the method and says to unzip it, not that the zip is damaged."""
    path = _zip(tmp_path / "WhatsApp Chat - Peers.zip",
                {"_chat.txt": b"[13.03.24, 09:00:00] Anna: hi\n"})
    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # the compression method
        i = raw.find(sig)
        raw[i + at:i + at + 2] = (9).to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    assert chatcode.detect_format(path) == "whatsapp"
    with pytest.raises(IngestError, match=re.escape(
            "the chat in the zip is packed with compression method 9, which Python's zipfile "
            "cannot unpack")) as err:
        chatcode.ingest(path, timezone="UTC")
    assert str(path) in str(err.value) and "7-Zip" in str(err.value)


def test_truncated_zip_is_a_clear_error(tmp_path):
    whole = _zip(tmp_path / "full.zip", {"WhatsApp Chat with Peers.txt":
                                         b"13/03/24, 09:00 - Anna: hi\n" * 200})
    cut = tmp_path / "WhatsApp Chat with Peers.zip"
    cut.write_bytes(whole.read_bytes()[:300])
    with pytest.raises(IngestError, match="damaged or cut short") as err:
        chatcode.ingest(cut, timezone="UTC")
    assert "workbook" not in str(err.value) and str(cut) in str(err.value)


def test_empty_ios_message_is_an_attachment_and_known_names_keep_a_bare_colon(tmp_path):
    """'Carol:' alone (what a view-once photo leaves, no album after it) is one attachment,
    not an empty post; 'John:.' is John's message '.' (John writes other messages); a hand-
    made line with the chat's name as sender and an encryption notice is a system line."""
    path = _write(tmp_path, "chat.txt", [
        "[13/03/2024, 09:00:00] Peers Chat: Messages and calls are end-to-end encrypted.",
        "[13/03/2024, 09:01:00] Carol:",
        "[13/03/2024, 09:02:00] John: hi",
        "[13/03/2024, 09:03:00] John:.",
    ])
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    posts = corpus.posts
    assert posts[S.AUTHOR].tolist() == ["system", "Carol", "John", "John"]
    assert posts[S.TEXT].tolist()[1:] == ["", "hi", "."]
    assert posts[S.ATTACHMENTS].tolist() == [0, 1, 0, 0]
    assert any("1 empty message ('Name:' only, e.g. a view-once photo): counted as one "
               "attachment" in line for line in report)


def test_user_folder_of_phrase_tables_is_read(tmp_path, monkeypatch):
    """A table in the folder named by $CHATCODE_PHRASES extends every run."""
    folder = tmp_path / "phrases"
    folder.mkdir()
    (folder / "nl-extra.yaml").write_text("language: nl\ndeleted: ['Bericht weg']\n",
                                          encoding="utf-8")
    monkeypatch.setenv("CHATCODE_PHRASES", str(folder))
    path = _write(tmp_path, "chat.txt", ["13-03-2024 09:00 - Anna: Bericht weg",
                                         "13-03-2024 13:00 - Ben: hoi"])
    corpus, report = chatcode.ingest_report(path, timezone="UTC")
    assert corpus.posts[S.AUTHOR].tolist() == ["Ben"]
    assert any("1 deleted message: left out" in line for line in report)


def _samples() -> pd.DataFrame:
    return pd.read_csv(LANG / "samples.csv", dtype=str, keep_default_na=False)


def test_samples_cover_every_class_of_every_language():
    """samples.csv holds WhatsApp's literal wording (no placeholders) for each of the 8
    phrase classes in each of the 20 languages, and the phrases added from public sources."""
    have = set(zip(_samples()["language"], _samples()["class"], strict=True))
    classes = ["system", "call", "deleted", "waiting", "media", "attached", "edited", "poll"]
    missing = [(c, k) for c in LANGUAGES for k in classes if (c, k) not in have]
    assert not missing


@pytest.mark.parametrize("code", LANGUAGES)
def test_literal_wording_is_recognised_as_its_class(code):
    """Each literal sample of samples.csv (written out, not generated from the tables, so a
    changed or dropped phrase fails here) is read as its class: system phrases and calls as
    marked iOS texts, placeholders and markers as a participant's text."""
    rows = _samples()[lambda d: d["language"] == code]
    lines = []
    for i, (kind, text) in enumerate(zip(rows["class"], rows["text"], strict=True)):
        lines.append(f"S{i}: \u200e{text}" if kind == "system"
                     else f"Ana: \u200e{text}" if kind == "call"
                     else f"Ana: ok {text}" if kind == "edited" else f"Ana: {text}")
    parts = whatsapp.T.classify(pa.array(lines, type=pa.large_string()), P.load(), set())
    got = {k: v.to_pylist() if hasattr(v, "to_pylist") else v for k, v in parts.items()}
    wrong = []
    for i, (kind, text) in enumerate(zip(rows["class"], rows["text"], strict=True)):
        if not _recognised(got, i, kind):
            wrong.append(f"{kind}: {text!r}")
    assert not wrong, f"{code}: not recognised: " + "; ".join(wrong)
