"""Formula cells in input workbooks: found and reported, never read silently as empty.

python-calamine reads a formula cell as the value Excel saved with it (its cached value).
A workbook written by a program that does not compute formulas (openpyxl, some exporters)
has formula cells without a saved value, which read as empty. :func:`formula_report` finds
both kinds in a sheet's XML, so the reader can warn with counts and an example cell.

A chat export's sheet XML is large (some 70 MB for 100,000 posts), and inflating it takes a
good part of what python-calamine takes to parse the sheet. :func:`formula_report_beside`
inflates it on another thread while the sheet is parsed: zlib lets go of Python's global
lock as it inflates, so the two run on two cores even though calamine holds the lock.
"""

from __future__ import annotations

import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FormulaReport", "formula_report", "formula_report_beside"]

_CELL_WITH_FORMULA = re.compile(rb'<c\b([^>]*)>((?:(?!</c>).){0,20000}?<f[\s>/].*?)</c>',
                                re.DOTALL)
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>[^<]+</v>|<is>")
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL2 = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


@dataclass(frozen=True)
class FormulaReport:
    """Formula cells of one sheet: how many, how many without a saved value, examples."""

    n_formulas: int
    n_without_value: int
    example: str | None
    example_without_value: str | None


def _sheet_member(zf: zipfile.ZipFile, sheet: str) -> str | None:
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    ids = {name.decode("utf-8", "replace"): rid for name, rid in _SHEET.findall(book)}
    targets = dict(_REL.findall(rels)) | {i: t for t, i in _REL2.findall(rels)}
    rid = ids.get(_xml_text(sheet))
    if rid is None or rid not in targets:
        return None
    target = targets[rid].decode("utf-8")
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
        posixpath.join("xl", target))


def _xml_text(name: str) -> str:
    return (name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def formula_report(path: Path, sheet: str) -> FormulaReport | None:
    """The formula cells of ``sheet`` in the workbook at ``path``; None when it has none
    (or the sheet's XML cannot be found)."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, sheet)
            if member is None:
                return None
            data = zf.read(member)
    except (OSError, zipfile.BadZipFile, KeyError, zlib.error):
        return None
    return _report(data)


def formula_report_beside(path: Path, sheet: str) -> Callable[[], FormulaReport | None]:
    """Begin :func:`formula_report` and return the function that finishes it (same result).

    The sheet's XML, when deflated (as Excel and every exporter write it), is read from the
    zip as it is stored and inflated by ``zlib.decompress`` on another thread, one call that
    runs without Python's global lock: work done meanwhile (parsing the sheet) goes on
    beside it. Any other member, or one that cannot be read so, is read by ``zipfile`` in
    the finishing call, as :func:`formula_report` does."""
    stored = _deflated_member(path, sheet)
    if stored is None:
        return lambda: formula_report(path, sheet)
    inflated: list[bytes | None] = []

    def inflate() -> None:
        try:
            inflated.append(zlib.decompress(stored, -zlib.MAX_WBITS))
        except zlib.error:
            inflated.append(None)

    worker = threading.Thread(target=inflate, name="chatcode-formula-scan", daemon=True)
    worker.start()

    def finish() -> FormulaReport | None:
        worker.join()
        data = inflated[0] if inflated else None
        return formula_report(path, sheet) if data is None else _report(data)

    return finish


# a zip member's local header: signature, ..., name length and extra length at 26 and 28
_LOCAL_HEADER = struct.Struct("<4s22xHH")


def _deflated_member(path: Path, sheet: str) -> bytes | None:
    """The deflated bytes of ``sheet``'s XML as stored in the zip (ZIP format: a local
    header of 30 bytes, the name and the extra field, then the data), or None when the
    member is not plainly deflated or cannot be found."""
    try:
        with open(path, "rb") as file, zipfile.ZipFile(file) as zf:
            member = _sheet_member(zf, sheet)
            if member is None:
                return None
            info = zf.getinfo(member)
            if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
                return None  # stored, another method, or encrypted
            file.seek(info.header_offset)
            signature, name, extra = _LOCAL_HEADER.unpack(file.read(_LOCAL_HEADER.size))
            if signature != b"PK\x03\x04":
                return None
            file.seek(info.header_offset + _LOCAL_HEADER.size + name + extra)
            data = file.read(info.compress_size)
    except (OSError, zipfile.BadZipFile, KeyError, struct.error):
        return None
    return data if len(data) == info.compress_size else None


def _report(data: bytes) -> FormulaReport | None:
    if b"<f" not in data:
        return None
    n = missing = 0
    example = example_missing = None
    for attrs, body in _CELL_WITH_FORMULA.findall(data):
        ref_match = _REF.search(attrs)
        ref = ref_match.group(1).decode() if ref_match else None
        n += 1
        example = example or ref
        if not _VALUE.search(body):
            missing += 1
            example_missing = example_missing or ref
    if not n:
        return None
    return FormulaReport(n, missing, example, example_missing)
