"""Pseudonymization across every export format: no original name survives in the corpus
workbook, whichever reader produced it (authors, reactors, and name-bearing export columns
such as nicknames, members, mentions, user names, ids and e-mails)."""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import pytest

import chatcode

F = Path(__file__).parents[1] / "fixtures"
EXPORTS = [
    F / "telegram" / "single_chat.json",
    F / "telegram" / "full_account.json",
    F / "slack" / "workspace",
    F / "slack" / "legacy",
    F / "slack" / "dayfiles",
    F / "matrix" / "element_export.json",
    F / "messenger" / "download",
    F / "messenger" / "lea_e2ee.json",
    F / "signal" / "sigexport",
    F / "discord" / "channel.json",
    F / "discord" / "peer-support_iso.csv",
    F / "whatsapp" / "WhatsApp Chat with Diabetes Peers.txt",
    F / "mattermost" / "bulk_export.jsonl",
    F / "mattermost" / "plugin_channel.csv",
    F / "mattermost" / "compliance_20.csv",
]
NAME_COLUMNS = ("nickname", "user_name", "username", "user_email", "user_id", "members",
                "forwarded", "mentions")


def original_names(export: Path) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = chatcode.ingest(export, timezone="UTC")
    names = set(plain.posts["author"]) | set(plain.reactions["author"].dropna())
    for col in plain.posts.columns:
        if any(k in col for k in NAME_COLUMNS):
            for value in plain.posts[col].dropna():
                names |= {x.strip() for x in re.split(r"[,;]", str(value)) if x.strip()}
    return {n for n in names if len(n) > 2 and n != "system"}


@pytest.mark.parametrize("export", EXPORTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_original_name_in_a_pseudonymized_workbook(tmp_path, export):
    names = original_names(export)
    assert names, "the fixture must name people, or the test proves nothing"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = chatcode.ingest(export, timezone="UTC", pseudonymize=tmp_path / "key.yaml")
    out = chatcode.write_corpus(corpus, tmp_path / "out.xlsx")
    with zipfile.ZipFile(out) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist()).decode("utf-8", "ignore")
    leaks = sorted(n for n in names
                   if re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", blob, re.IGNORECASE))
    assert leaks == []
    key = (tmp_path / "key.yaml").read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        authors = set(chatcode.ingest(export, timezone="UTC").posts["author"]) - {"system"}
    assert all(a in key for a in authors)  # the key file is where the originals are kept
