"""The hidden ``_chatcode`` sheet that marks a workbook chatcode wrote for coding.

It has two columns, ``key`` and ``value``, one row per entry. ``kind`` says what the
workbook is (``coding_sheet``, ``disagreements``, ``codes``); the other keys depend on the
kind (``codebook_hash``, ``codebook_version``, ``coder``, ``pass``, ``selection``,
``chatcode_version``, ``created``). Readers use it to recognise a workbook, and to reject a
sheet made from another codebook version.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from chatcode._io.tabular import kind_of, read_table, sheet_names
from chatcode.errors import CodingError, Location

__all__ = ["META_SHEET", "add_meta_sheet", "check_codebook", "read_meta"]

META_SHEET = "_chatcode"


def add_meta_sheet(workbook, meta: Mapping[str, object]) -> None:
    """Append the hidden meta sheet to an openpyxl ``Workbook`` (normal, not write-only)."""
    from chatcode import __version__

    ws = workbook.create_sheet(META_SHEET)
    ws.append(["key", "value"])
    entries = {"chatcode_version": __version__, **meta}
    for key, value in entries.items():
        ws.append([str(key), "" if value is None else str(value)])
        for cell in ws[ws.max_row]:
            cell.data_type = "s"  # text, never a formula
    ws.sheet_state = "hidden"


def read_meta(path: str | Path) -> dict[str, str] | None:
    """The meta entries of a workbook chatcode wrote, or ``None`` for any other file."""
    path = Path(path)
    if not path.is_file() or kind_of(path) != "xlsx" or META_SHEET not in sheet_names(path):
        return None
    data = read_table(path, sheet=META_SHEET).data
    return {str(k): "" if v is None else str(v) for k, v in zip(data["key"], data["value"],
                                                                  strict=True)}


def check_codebook(meta: Mapping[str, str], codebook, path: str | Path, *, made: str,
                   hint: str) -> None:
    """Raise when a workbook chatcode wrote was made with another codebook than ``codebook``.

    ``made`` says what was made and how (e.g. ``"the sheet was made from"``); ``hint`` how to
    fix it. Nothing is checked when ``codebook`` is ``None``.
    """
    if codebook is None or meta.get("codebook_hash") == codebook.hash:
        return
    raise CodingError(
        f"{made} codebook {meta.get('codebook_name')!r} version "
        f"{meta.get('codebook_version')!r} (hash {meta.get('codebook_hash')}), but the "
        f"codebook given is {codebook.name!r} version {codebook.version!r} "
        f"(hash {codebook.hash})", where=Location(path), hint=hint)
