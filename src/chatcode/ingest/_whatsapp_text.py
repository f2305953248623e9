"""The patterns of a WhatsApp .txt export: message headers, system messages, media
placeholders, deleted and edited markers (English and German, Android and iOS).

Every pattern here is valid both for Python's ``re`` and for RE2 (which pyarrow uses to run
them over a whole column at once), so no lookarounds and no backreferences.

Sources of the variants: the WhatsR table of system-message and media patterns per language
and OS (gesiscss/WhatsR ``inst/Languages.csv``), and the header variants users reported to
Pustur/whatsapp-chat-parser (``tests/parser.test.ts``).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "HEADER",
    "MARKS",
    "classify",
    "is_header",
    "strip_marks",
]

# U+200E LEFT-TO-RIGHT MARK and U+FEFF (BOM / zero-width no-break space): invisible marks that
# WhatsApp (and hand-edited files) put at line starts, before attachments and inside headers.
MARKS = "\u200e\ufeff"
_M = f"[{MARKS}]*"
_SP = "[ \u00a0\u202f]"  # space, no-break space, narrow no-break space (iOS before AM/PM)
_AMPM = f"[AaPp]\\.?{_SP}?[Mm]\\.?"
_DATE = r"(?P<d1>\d{1,4})[./-](?P<d2>\d{1,2})[./-](?P<d3>\d{1,4})"
_TIME = (rf"(?P<hh>\d{{1,2}})[:.](?P<mm>\d{{2}})(?:[:.](?P<ss>\d{{2}}))?"
         rf"(?:{_SP}?(?P<ampm>{_AMPM}))?")
# Android: ``dd.mm.yy, HH:MM - body``; iOS: ``[dd.mm.yy, HH:MM:SS] body``. The comma after the
# date is optional (``9/24/2019 11:30 p.m. - ``), so is a dot after the time (``13:01. -``);
# Finnish exports write ``13.6.2018 klo 21.25.15 - ``.
# ``head`` is the whole header, so the body is what follows it on the line.
HEADER = (rf"^(?P<head>{_M}(?P<open>\[?){_M}(?P<stamp>{_DATE}(?:,| klo)?{_SP}{_TIME})"
          rf"(?:\]|\.?{_SP}-){_SP}?)")
_HEADER_RE = re.compile(HEADER)

_A = "[^:\n]*"  # an actor's name in a system message: no colon, so "Name: ..." never matches
_SYSTEM = [
    # end-to-end encryption notices (also shown with the group as sender)
    r"Messages (?:and calls )?(?:you send )?(?:to this (?:group|chat) )?are (?:now secured with )?"
    r"end-to-end encrypt.*",
    r"Nachrichten (?:und Anrufe )?.*Ende-zu-Ende-verschlüssel.*",
    rf"Your security code with {_A} changed.*",
    rf"Dein Sicherheitscode für {_A} hat sich geändert.*",
    # groups
    rf"{_A} created (?:group .*|this group)",
    rf"{_A} changed the (?:subject|group name) .*",
    rf"{_A} changed (?:this group's icon|the group description|the group's settings.*)",
    rf"{_A} deleted this group's icon",
    rf"{_A} (?:added|removed) {_A}",
    rf"{_A} left(?: the group)?",
    rf"{_A} joined(?: using this group's invite link| from the community)?",
    rf"{_A} (?:was|were) added",
    rf"{_A} changed (?:their phone number .*|to {_A})",
    rf"{_A} turned (?:on|off) (?:disappearing messages|admin approval|advanced chat).*",
    r"You(?:'re| are) (?:now an admin|no longer an admin)",
    rf"{_A} is a contact",
    r"Du hast (?:die Gruppe .* erstellt|diese Gruppe erstellt)\.?",
    rf"{_A} hat die Gruppe .* erstellt\.?",
    rf"{_A} (?:hat|hast) {_A} (?:hinzugefügt|entfernt)\.?",
    rf"{_A} (?:hat|hast) die Gruppe verlassen\.?",
    rf"{_A} (?:hat|hast) den Gruppennamen .* geändert\.?",
    rf"{_A} (?:hat|hast) (?:das Gruppenbild|die Gruppenbeschreibung) (?:geändert|gelöscht)\.?",
    rf"{_A} (?:ist|bist) über den Einladungslink dieser Gruppe beigetreten\.?",
    rf"{_A} (?:wurde|wurden) hinzugefügt\.?",
    rf"{_A} hat eine neue Telefonnummer.*",
    rf"{_A} hat zu {_A} gewechselt\.?",
    rf"{_A} (?:hat|hast) selbstlöschende Nachrichten (?:aktiviert|deaktiviert).*",
    r"Du bist (?:jetzt ein\*e Admin|kein\*e Admin mehr)\.?",
]
SYSTEM = "(?s)^(?:" + "|".join(_SYSTEM) + ")$"
# notices that are system messages even with a sender (the group's name) before them
NOTICE = "(?s)^(?:" + "|".join(_SYSTEM[:4]) + ")$"

_FILE = r"[^\n<>]+?\.[0-9A-Za-z]{2,5}"
_MEDIA = [
    r"<(?:Media|media|Medien|Video message|Video note|Videonachricht)"
    r" (?:omitted|ausgeschlossen|weggelassen)>",
    r"(?:image|audio|video|GIF|sticker|Contact card|video message|video note|document)"
    r" omitted",
    r"(?:Bild|Audio|Video|GIF|Sticker|Kontaktkarte|Videonachricht|Videonotiz|Dokument)"
    r" (?:weggelassen|ausgelassen)",
    rf"{_FILE}(?: • [^\n]*)? (?:document )?(?:omitted|weggelassen|ausgelassen)",
    rf"< ?(?:attached|Anhang): ?{_FILE} ?>",
    rf"{_FILE} <attached>",
    rf"{_FILE} \((?:file attached|Datei angehängt)\)",
]
# the placeholder on the first line of a message, and the caption (if any) on the next lines
MEDIA_START = "^(?:" + "|".join(_MEDIA) + ")(?:\n|$)"
MEDIA = "(?s)^(?P<media>" + "|".join(_MEDIA) + r")(?:\n(?P<caption>.*))?$"
DELETED = ("^(?:This message was deleted|You deleted this message|Message deleted|"
           "Diese Nachricht wurde gelöscht|Du hast diese Nachricht gelöscht)\\.?$")
EDITED = r"\s*<(?:This message was edited|Diese Nachricht wurde bearbeitet)>$"


def is_header(line: str) -> bool:
    """True when ``line`` starts a WhatsApp message (Android or iOS layout)."""
    return _HEADER_RE.match(line) is not None


def strip_marks(values: pa.Array) -> pa.Array:
    """The strings without LRM and BOM marks."""
    for mark in MARKS:
        values = pc.replace_substring(values, mark, "")
    return values


def _flag(values: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(values, pattern), False)


def _split_author(body: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(has author, author, text) of ``Name: text`` bodies; the name holds no colon and no
    line break, the text loses one space after the colon."""
    parts = pc.split_pattern(body, ":", max_splits=1)
    first = parts.offsets.to_numpy()[:-1]
    two = (pc.list_value_length(parts).to_numpy(zero_copy_only=False) == 2)
    values = parts.values
    author = pc.take(values, pa.array(first))
    rest = pc.take(values, pa.array(np.where(two, first + 1, first), mask=~two))
    rest = pc.fill_null(rest, "")
    has_author = pc.and_(pa.array(two), pc.invert(pc.match_substring(author, "\n")))
    has_author = pc.and_(has_author, pc.greater(pc.utf8_length(author), 0))
    text = pc.if_else(pc.starts_with(rest, " "), pc.utf8_slice_codeunits(rest, 1), rest)
    return has_author, author, text


def _media(text: pa.Array, candidates: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The placeholder (or null) and the text without it (the caption), for each text."""
    media = pa.nulls(len(text), text.type)
    rows = pc.indices_nonzero(candidates)
    if not len(rows):
        return media, text
    subset = pc.take(text, rows)
    parts = pc.extract_regex(subset, MEDIA)
    found = pc.if_else(parts.is_valid(), parts.field("media"), pa.scalar(None, text.type))
    captions = pc.if_else(parts.is_valid(), pc.fill_null(parts.field("caption"), ""), subset)
    return (pc.replace_with_mask(media, candidates, found),
            pc.replace_with_mask(text, candidates, captions))


def classify(body: pa.Array) -> dict[str, pa.Array]:
    """Split message bodies into author and text and classify them.

    Returns arrays: ``author`` (the name as shown; "" for system messages), ``text`` (marks
    and markers removed; "" for deleted messages and bare media placeholders), ``system``,
    ``media`` (the placeholder or null), ``deleted`` and ``edited`` (booleans).
    """
    has_author, author, raw_text = _split_author(body)
    sender = pa.array(np.zeros(len(body), dtype=bool))  # a system line with a sender
    if pc.any(pc.match_substring_regex(body, f"[{MARKS}]")).as_py():
        text, clean_body = strip_marks(raw_text), strip_marks(body)
        marked = pc.starts_with(raw_text, "\u200e")  # iOS marks system lines with an LRM
        sender = pc.and_(marked, _flag(text, SYSTEM))
        author = strip_marks(author)
    else:
        text, clean_body = raw_text, body
    whole = pc.or_(pc.invert(has_author), _flag(clean_body, SYSTEM))
    sender = pc.and_(pc.invert(whole), pc.or_(sender, _flag(text, NOTICE)))
    system = pc.or_(whole, sender)
    text = pc.if_else(whole, clean_body, text)
    edited = pc.and_(pc.invert(system), _flag(text, EDITED))
    if pc.any(edited).as_py():
        text = pc.if_else(edited, pc.replace_substring_regex(text, EDITED, ""), text)
    deleted = pc.and_(pc.invert(system), _flag(text, DELETED))
    candidates = pc.and_(pc.invert(pc.or_(system, deleted)), _flag(text, MEDIA_START))
    media, text = _media(text, candidates)
    text = pc.if_else(deleted, "", text)
    author = pc.if_else(system, "", pc.utf8_trim_whitespace(author))
    return {"author": author, "text": text, "system": system, "media": media,
            "deleted": deleted, "edited": edited}
