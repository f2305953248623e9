"""Reading a small UTF-8 text file a user wrote (a roles file, a phrase table): its text, or
an error that names the file and the option that gave it."""

from __future__ import annotations

from pathlib import Path

from chatcode.errors import IngestError, Location

__all__ = ["read_user_text"]


def read_user_text(path: Path, what: str, option: str) -> str:
    """The text of ``path`` (UTF-8, a BOM skipped); ``what`` names the file in errors
    ("roles file") and ``option`` the CLI option that gives it ("--roles")."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise IngestError(f"{what} not found", where=Location(path),
                          hint=f"check the path given to {option}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read the {what} ({exc})", where=Location(path),
                          hint="save it as UTF-8 text") from exc
