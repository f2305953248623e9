"""The journal workbook: one sheet per table, named as a reader would ("Table 7",
"Reply delay"), numbers stored as numbers with number formats, stars in their own column,
spanning headers (``With`` / ``Without``), a wrapped note, landscape and fit-to-width
page setup; then a ``Provenance`` sheet.

Text is always stored as text, never as a formula; the file is written atomically and
never overwritten without ``force`` (:mod:`chatcode._io.output`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from chatcode._io.output import atomic_file, excel_text
from chatcode.errors import Location
from chatcode.tables.journal import EXCEL_FORMATS, JournalColumn, cell_text, journal_columns
from chatcode.tables.layouts import Table

__all__ = ["sheet_name", "write_workbook"]

_KIND_NAMES = {"frequencies": "Code frequencies", "latency": "Reply delay",
               "participation": "Participation per week"}
_HEADER_ROWS = 4  # number, title, blank, spanning header; then the header


def sheet_name(table: Table, used: set[str]) -> str:
    """``Table 7`` for a numbered table, else a short human name (31 characters at most)."""
    if table.id[:1].isdigit():
        base = f"Table {table.id}"
    else:
        base = _KIND_NAMES.get(table.id) or table.title or table.id
    name = "".join(c for c in base if c not in "[]:*?/\\")[:31].strip() or "Table"
    k = 2
    while name.lower() in used:
        name = f"{name[:27]} ({k})"
        k += 1
    used.add(name.lower())
    return name


def _put(ws, row: int, col: int, value: object, **style: object):
    from chatcode.tables.report import _plain

    value = _plain(value)
    if isinstance(value, str):  # control characters escaped as Excel does; never cut
        value = excel_text(value, Location(None, ws.title, row))
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # text, never a formula
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _spans(columns: list[JournalColumn]) -> list[tuple[str, int, int]]:
    """(group, first, last) 1-based column ranges of the spanning headers."""
    out: list[tuple[str, int, int]] = []
    for j, c in enumerate(columns, start=1):
        if c.group is not None and out and out[-1][0] == c.group and out[-1][2] == j - 1:
            out[-1] = (c.group, out[-1][1], j)
        elif c.group is not None:
            out.append((c.group, j, j))
    return out


def _header(ws, columns: list[JournalColumn]) -> int:
    from openpyxl.styles import Alignment, Border, Font, Side

    line, top = Side(style="thin"), _HEADER_ROWS
    for j, c in enumerate(columns, start=1):
        for row in (top, top + 1):
            ws.cell(row=row, column=j).border = Border(top=line if row == top else None,
                                                       bottom=line if row == top + 1 else None)
        _put(ws, top + 1, j, c.name, font=Font(bold=True), border=Border(bottom=line),
             alignment=Alignment(horizontal="left" if j == 1 else "center", wrap_text=True))
    for group, first, last in _spans(columns):
        _put(ws, top, first, group, font=Font(bold=True), border=Border(top=line),
             alignment=Alignment(horizontal="center"))
        for j in range(first, last + 1):
            ws.cell(row=top, column=j).border = Border(top=line, bottom=Side(style="hair"))
        if last > first:
            ws.merge_cells(start_row=top, start_column=first, end_row=top, end_column=last)
    return top + 2


def _body(ws, columns: list[JournalColumn], first_row: int) -> int:
    from openpyxl.styles import Alignment, Border, Side

    rows = len(columns[0].values) if columns else 0
    for j, c in enumerate(columns, start=1):
        align = Alignment(horizontal="left" if c.fmt == "text" and j == 1 else "center")
        for i, value in enumerate(c.values):
            missing = c.fmt != "text" and cell_text(value, c.fmt) == "n/a"
            cell = _put(ws, first_row + i, j, "n/a" if missing else value, alignment=align)
            if c.fmt != "text" and not missing:
                cell.number_format = EXCEL_FORMATS[c.fmt]
    last = first_row + rows - 1
    for j in range(1, len(columns) + 1):
        ws.cell(row=max(last, first_row - 1), column=j).border = Border(
            bottom=Side(style="thin"))
    return last


def _note(ws, text: str, row: int, width: int) -> None:
    from openpyxl.styles import Alignment, Font

    _put(ws, row, 1, "Note. " + text, font=Font(italic=True),
         alignment=Alignment(wrap_text=True, vertical="top"))
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(width, 1))
    chars_per_line = max(40, sum((ws.column_dimensions[ws.cell(row=1, column=j).column_letter]
                                  .width or 10) for j in range(1, width + 1)) * 1.1)
    ws.row_dimensions[row].height = 15 * (1 + int(len(text) / chars_per_line))


def _widths(ws, columns: list[JournalColumn]) -> None:
    for j, c in enumerate(columns, start=1):
        texts = [cell_text(v, c.fmt) for v in c.values]
        width = max([len(c.name)] + [len(t) for t in texts]) + 2
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = min(
            40 if j == 1 else 16, max(6, width))


def _page_setup(ws, header_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row - 1}:{header_row}"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)


def journal_sheet(ws, table: Table) -> None:
    """Write one table to a worksheet (see the module docstring)."""
    from openpyxl.styles import Font

    from chatcode.tables.report import heading, table_note

    columns = journal_columns(table)
    number, _, title = heading(table).partition(". ")
    _put(ws, 1, 1, number if title else heading(table), font=Font(bold=True, size=12))
    if title:
        _put(ws, 2, 1, title, font=Font(italic=True, size=12))
    _widths(ws, columns)
    first = _header(ws, columns)
    last = _body(ws, columns, first)
    note = table_note(table)
    if note:
        _note(ws, note, last + 2, len(columns))
    _page_setup(ws, first - 1)


def write_workbook(tables: Sequence[Table], path: str | Path, *,
                   provenance: Sequence[tuple[str, object]] = (), force: bool = False) -> Path:
    """A journal workbook: one sheet per table and a ``Provenance`` sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    with atomic_file(path, force=force) as tmp:
        wb = Workbook()
        wb.remove(wb.active)
        used: set[str] = {"provenance"}
        for t in tables:
            journal_sheet(wb.create_sheet(sheet_name(t, used)), t)
        ws = wb.create_sheet("Provenance")
        _put(ws, 1, 1, "key", font=Font(bold=True))
        _put(ws, 1, 2, "value", font=Font(bold=True))
        for i, (key, value) in enumerate(provenance, start=2):
            _put(ws, i, 1, str(key))
            _put(ws, i, 2, value if isinstance(value, int | float) else str(value),
                 alignment=Alignment(wrap_text=True))
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 90
        wb.save(tmp)
    return path
