"""User-written text files (roles files, phrase tables): a missing or unreadable file is an
IngestError naming the file and the option that gave it."""

from __future__ import annotations

import re

import pytest

import chatcode
from chatcode.corpus.roles import read_roles
from chatcode.errors import IngestError

CHAT = "13/03/2024, 09:00 - Anna: hi\n"


def _ingest_with_phrases(tmp_path, table):
    chat = tmp_path / "chat.txt"
    chat.write_text(CHAT, encoding="utf-8")
    return chatcode.ingest(chat, timezone="UTC", dayfirst=True, phrases=[table])


@pytest.mark.parametrize(("read", "what", "option"), [
    (lambda tmp_path, path: read_roles(path), "roles file", "--roles"),
    (_ingest_with_phrases, "phrase table", "--phrases"),
])
def test_missing_and_unreadable_files_name_the_file_and_the_option(tmp_path, read, what,
                                                                   option):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(IngestError, match=re.escape(f"{what} not found")) as err:
        read(tmp_path, missing)
    assert str(missing) in str(err.value) and f"check the path given to {option}" in str(
        err.value)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("moderator: [Jürgen]\n".encode("latin-1"))
    with pytest.raises(IngestError, match=re.escape(f"cannot read the {what} (")) as err:
        read(tmp_path, latin1)
    assert str(latin1) in str(err.value) and "save it as UTF-8 text" in str(err.value)
