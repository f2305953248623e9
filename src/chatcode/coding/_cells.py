"""The sheets of a filled workbook read with python-calamine, as the few openpyxl views the
coding-sheet reader uses (``ws[1]``, ``iter_rows``, ``max_row``, ``merged_cells.ranges``).

openpyxl's ``load_workbook`` builds a styled object per cell and takes seconds for a sheet of
a few thousand rows; calamine reads the same values many times faster. Calamine returns the
value Excel cached for a formula, not the formula, so a workbook holding any formula is not
read here (``read_cells`` returns None) and the caller opens it with openpyxl, which names
each formula cell.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cell", "Cells", "CellsWorkbook", "read_cells"]

# a formula element <f>, <f t="shared" ...> or <f/> (with or without a namespace prefix)
_FORMULA = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")


@dataclass(frozen=True, slots=True)
class Cell:
    value: object
    data_type: str = "s"  # never "f": workbooks with formulas are read with openpyxl


@dataclass(frozen=True)
class MergedRange:
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def coord(self) -> str:
        from openpyxl.utils import get_column_letter

        return (f"{get_column_letter(self.min_col)}{self.min_row}:"
                f"{get_column_letter(self.max_col)}{self.max_row}")


@dataclass(frozen=True)
class _Merged:
    ranges: list[MergedRange]


class Cells:
    """One sheet's values (1-based rows and columns, as in openpyxl; empty cells are None)."""

    def __init__(self, rows: list[list[object]], merged: Sequence[MergedRange]) -> None:
        self._rows = [[None if v == "" else v for v in row] for row in rows]
        while self._rows and all(v is None for v in self._rows[-1]):
            self._rows.pop()
        self.max_row = max(len(self._rows), 1)
        self.merged_cells = _Merged(list(merged))

    def __getitem__(self, row: int) -> tuple[Cell, ...]:
        values = self._rows[row - 1] if row <= len(self._rows) else []
        return tuple(Cell(v) for v in values) or (Cell(None),)

    def iter_rows(self, *, min_row: int = 1, max_row: int | None = None,
                  max_col: int | None = None, values_only: bool = False) -> Iterator[tuple]:
        last = self.max_row if max_row is None else max_row
        width = max_col or max((len(r) for r in self._rows), default=1)
        for r in range(min_row, last + 1):
            values = self._rows[r - 1] if r <= len(self._rows) else []
            values = (list(values[:width]) + [None] * (width - len(values)))
            yield tuple(values) if values_only else tuple(Cell(v) for v in values)


def has_formulas(path: Path) -> bool:
    """True when any worksheet of the workbook holds a formula (or the zip cannot be read)."""
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with zf.open(name) as fh:
                        if _FORMULA.search(fh.read()):
                            return True
    except (zipfile.BadZipFile, OSError, KeyError):
        return True
    return False


@dataclass(frozen=True)
class CellsWorkbook:
    """The sheet names of a workbook and the sheets read (``wb[name]``, as openpyxl)."""

    sheetnames: list[str]
    sheets: dict[str, Cells]

    def __getitem__(self, name: str) -> Cells:
        return self.sheets[name]


def read_cells(path: Path, sheets: Sequence[str]) -> CellsWorkbook | None:
    """The named sheets (those the workbook has) as :class:`Cells`; None when the workbook
    holds a formula or calamine cannot read it (the caller then uses openpyxl)."""
    from python_calamine import CalamineWorkbook

    if has_formulas(path):
        return None
    try:
        wb = CalamineWorkbook.from_path(str(path))
        out = {}
        for name in sheets:
            if name not in wb.sheet_names:
                continue
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [MergedRange(r0 + 1, c0 + 1, r1 + 1, c1 + 1)
                      for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            out[name] = Cells(rows, merged)
        names = list(wb.sheet_names)
        wb.close()
    except Exception:  # calamine's own error types: let openpyxl give its message
        return None
    return CellsWorkbook(names, out)
