"""Journal tables in a Word document (python-docx), to paste into a manuscript.

APA style: the table number in bold, the title in italics on the next line, three rules
(above and below the header, below the last row), spanning headers (``With`` /
``Without``) with a rule under them, no vertical lines, and a note below starting with
*Note.* Tables wider than eight columns go into a landscape section. An optional
methods-and-results draft comes first. Written atomically, never overwritten without
``force``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from chatcode._io.output import atomic_file
from chatcode.tables.html import STAT_SYMBOLS
from chatcode.tables.journal import JournalColumn, cell_text, journal_columns
from chatcode.tables.layouts import Table

__all__ = ["write_docx"]

_FONT = "Times New Roman"


def _border(cell, **edges: str) -> None:
    """Set cell borders, e.g. ``top="single"``; size 8 eighths of a point (1 pt)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge, value in edges.items():
        old = borders.find(qn(f"w:{edge}"))
        if old is not None:
            borders.remove(old)
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), value)
        el.set(qn("w:sz"), "8")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)


def _text(cell, text: str, *, italic: bool = False, align: str = "center") -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    par = cell.paragraphs[0]
    par.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT,
                     "center": WD_ALIGN_PARAGRAPH.CENTER}[align]
    par.paragraph_format.space_after = 0
    run = par.add_run(text)
    run.italic = italic


def _spans(columns: list[JournalColumn]) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for j, c in enumerate(columns):
        if c.group is not None and out and out[-1][0] == c.group and out[-1][2] == j - 1:
            out[-1] = (c.group, out[-1][1], j)
        elif c.group is not None:
            out.append((c.group, j, j))
    return out


def _table(doc, table: Table) -> None:
    from docx.shared import Pt

    columns = journal_columns(table)
    spans = _spans(columns)
    n_head = 2 if spans else 1
    n_rows = len(columns[0].values) if columns else 0
    grid = doc.add_table(rows=n_head + n_rows, cols=len(columns))
    grid.autofit = True
    for group, first, last in spans:
        cell = grid.cell(0, first).merge(grid.cell(0, last)) if last > first \
            else grid.cell(0, first)
        _text(cell, group)
        _border(cell, bottom="single")
    for j, c in enumerate(columns):
        _text(grid.cell(n_head - 1, j), c.name, align="left" if j == 0 else "center",
              italic=c.name in STAT_SYMBOLS)
        _border(grid.cell(0, j), top="single")
        _border(grid.cell(n_head - 1, j), bottom="single")
        for i, value in enumerate(c.values):
            _text(grid.cell(n_head + i, j), cell_text(value, c.fmt),
                  align="left" if j == 0 else "center")
        if n_rows:
            _border(grid.cell(n_head + n_rows - 1, j), bottom="single")
    for row in grid.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                for run in par.runs:
                    run.font.size = Pt(10)


def _heading(doc, table: Table) -> None:
    from chatcode.tables.report import heading

    number, _, title = heading(table).partition(". ")
    par = doc.add_paragraph()
    par.add_run(number if title else heading(table)).bold = True
    par.paragraph_format.space_after = 0
    if title:
        doc.add_paragraph().add_run(title).italic = True


def _note(doc, table: Table) -> None:
    from docx.shared import Pt

    from chatcode.tables.report import table_note

    note = table_note(table)
    if note:
        par = doc.add_paragraph()
        par.add_run("Note. ").italic = True
        par.add_run(note)
        for run in par.runs:
            run.font.size = Pt(10)


def _methods(doc, paragraphs: Sequence[str]) -> None:
    from chatcode.tables.methods import runs

    doc.add_heading("Methods and results (draft)", level=1)
    for p in paragraphs:
        par = doc.add_paragraph()
        for text, italic, sub in runs(p):
            run = par.add_run(text)
            run.italic = italic
            run.font.subscript = sub


def _landscape(doc) -> None:
    from docx.enum.section import WD_ORIENT, WD_SECTION

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    if section.page_width < section.page_height:
        section.page_width, section.page_height = section.page_height, section.page_width


def write_docx(tables: Sequence[Table], path: str | Path, *, title: str | None = None,
               methods: Sequence[str] = (), force: bool = False) -> Path:
    """A .docx with the methods-and-results draft (``methods``: paragraphs with Markdown
    italics, see :mod:`chatcode.tables.methods`) and every table in the journal layout."""
    from docx import Document
    from docx.shared import Pt

    path = Path(path)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = _FONT
    style.font.size = Pt(12)
    if title:
        doc.add_heading(title, level=0)
    if methods:
        _methods(doc, methods)
    wide = False
    for k, t in enumerate(tables):
        if len(journal_columns(t)) > 8 and not wide:
            _landscape(doc)
            wide = True
        elif k or methods or title:
            doc.add_paragraph()
        _heading(doc, t)
        _table(doc, t)
        _note(doc, t)
    with atomic_file(path, force=force) as tmp:
        doc.save(str(tmp))
    return path
