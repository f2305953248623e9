"""Formula cells in input workbooks: found and reported, never read silently as empty.

python-calamine reads a formula cell as the value Excel saved with it (its cached value).
A workbook written by a program that does not compute formulas (openpyxl, some exporters)
has formula cells without a saved value, which read as empty. :func:`formula_report` finds
both kinds in a sheet's XML, so the reader can warn with counts and an example cell.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FormulaReport", "formula_report"]

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
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
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
