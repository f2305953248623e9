"""Writing a codebook for people and other tools: Excel, Markdown, YAML and REFI-QDA ``.qdc``.

``export_codebook(cb, "codebook.xlsx")`` picks the format from the suffix. A ``.qdc`` file
(REFI-QDA Codebook exchange format, https://www.qdasoftware.org/) opens in MAXQDA, NVivo,
ATLAS.ti and QualCoder; :func:`import_qdc` reads one back (the mapping is described in
:mod:`chatcode.codebook.qdc`). Every write is atomic and refuses
to replace a file without ``force``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from chatcode._io.output import atomic_file, excel_escape
from chatcode.codebook.formats import EXPORT_FORMATS
from chatcode.codebook.model import Code, Codebook, codebook_to_dict
from chatcode.codebook.qdc import QdcImport, codebook_qdc, import_qdc, qdc_problems, read_qdc
from chatcode.errors import CodebookError, Location

__all__ = [
    "EXPORT_FORMATS",
    "QdcImport",
    "codebook_markdown",
    "codebook_qdc",
    "codebook_rows",
    "codebook_yaml",
    "export_codebook",
    "import_qdc",
    "qdc_problems",
    "read_qdc",
    "write_codebook_xlsx",
]

XLSX_COLUMNS = ("dimension", "multiple", "id", "label", "parent", "definition", "include",
                "exclude", "examples", "keywords", "note")
_WIDTHS = {"dimension": 14, "multiple": 10, "id": 20, "label": 28, "parent": 16,
           "definition": 60, "include": 50, "exclude": 50, "examples": 50, "keywords": 40,
           "note": 30}


def _weeks(n: object) -> str:
    """``1 week``, ``6 weeks``; empty when not given."""
    return "" if not n else f"{n} week" + ("" if n == 1 else "s")


def export_codebook(cb: Codebook, path: str | Path, *, force: bool = False) -> Path:
    """Write ``cb`` in the format of the file's suffix (.xlsx, .md, .qdc, .yaml).

    Raises :class:`CodebookError` for another suffix, and
    :class:`~chatcode.errors.ChatcodeError` when the file exists and ``force`` is not given.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_codebook_xlsx(cb, path, force=force)
    if suffix not in EXPORT_FORMATS:
        known = ", ".join(f"{k} ({v})" for k, v in EXPORT_FORMATS.items() if k != ".yml")
        raise CodebookError(f"cannot tell the export format from the suffix {suffix!r}",
                            where=Location(path), hint=f"end the file name with {known}")
    text = {".md": codebook_markdown, ".qdc": codebook_qdc}.get(suffix, codebook_yaml)(cb)
    with atomic_file(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return path


# --- YAML ---------------------------------------------------------------------------------

def codebook_yaml(cb: Codebook) -> str:
    """The codebook as YAML in the layout ``load_codebook`` reads (same content, same hash)."""
    name, version = (" ".join(t.split()) for t in (cb.name, cb.version))
    head = f"# codebook {name}, version {version} (hash {cb.hash}); see docs/codebook.md\n"
    body = yaml.safe_dump(codebook_to_dict(cb), sort_keys=False, allow_unicode=True,
                          width=100, default_flow_style=False)
    return head + body


# --- one row per code (Excel) -------------------------------------------------------------

def _keywords_text(code: Code) -> str:
    return "\n".join(f"{lang}: {', '.join(words)}" for lang, words in code.keywords)


def codebook_rows(cb: Codebook) -> list[dict[str, str]]:
    """One dict per code (columns ``XLSX_COLUMNS``); lists are one item a line."""
    rows = []
    for dim in cb.dimensions:
        for code in dim.codes:
            rows.append({
                "dimension": dim.id, "multiple": "yes" if dim.multiple else "no",
                "id": code.id, "label": code.label, "parent": code.parent or "",
                "definition": code.definition, "include": "\n".join(code.include),
                "exclude": "\n".join(code.exclude), "examples": "\n".join(code.examples),
                "keywords": _keywords_text(code),
                "note": "; ".join(filter(None, [
                    "extension" if code.extension else "",
                    _weeks(code.duration_weeks), code.note])),
            })
    return rows


def write_codebook_xlsx(cb: Codebook, path: str | Path, *, force: bool = False) -> Path:
    """A formatted workbook: sheet ``codes`` (one row per code) and sheet ``about``.

    Bold frozen header, wrapped text, set column widths; every text cell is written as text,
    so a definition starting with ``=`` is never read as a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "codes"
    wrap = Alignment(wrap_text=True, vertical="top")
    _append_text(ws, XLSX_COLUMNS, font=Font(bold=True))
    for row in codebook_rows(cb):
        _append_text(ws, [row[c] for c in XLSX_COLUMNS], alignment=wrap)
    for i, col in enumerate(XLSX_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = _WIDTHS[col]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    about = wb.create_sheet("about")
    _append_text(about, ("key", "value"), font=Font(bold=True))
    for key, value in (("name", cb.name), ("version", cb.version), ("hash", cb.hash),
                       ("description", cb.description),
                       ("dimensions", ", ".join(d.id for d in cb.dimensions)),
                       ("tables", ", ".join(t.id for t in cb.tables))):
        _append_text(about, (key, value), alignment=wrap)
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 90
    about.freeze_panes = "A2"
    with atomic_file(path, force=force) as tmp:
        wb.save(tmp)
    return path


def _append_text(ws, values, *, font=None, alignment=None) -> None:
    ws.append([excel_escape(str(v)) for v in values])
    for cell in ws[ws.max_row]:
        cell.data_type = "s"  # text, never a formula
        if font is not None:
            cell.font = font
        if alignment is not None:
            cell.alignment = alignment


# --- Markdown -----------------------------------------------------------------------------

def _md(text: str) -> str:
    """Inline Markdown text: no line breaks, and no accidental table or HTML markup."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def codebook_markdown(cb: Codebook) -> str:
    """The codebook as a Markdown document: dimensions, codes with all rules, tables."""
    lines = [f"# Codebook {_md(cb.name)}, version {_md(cb.version)}", "",
             f"Hash `{cb.hash}`: {len(cb.dimensions)} dimensions, {cb.n_codes} codes, "
             f"{len(cb.tables)} tables.", ""]
    if cb.description:
        lines += [_md(cb.description), ""]
    for dim in cb.dimensions:
        how = "several codes per post" if dim.multiple else "at most one code per post"
        lines += [f"## {_md(dim.label)} (`{dim.id}`, {how})", ""]
        if dim.definition:
            lines += [_md(dim.definition), ""]
        for code in dim.codes:
            lines += _code_markdown(code)
    if cb.tables:
        lines += ["## Tables", "", "| id | kind | dimension | title | rows |",
                  "|---|---|---|---|---|"]
        for t in cb.tables:
            rows = ", ".join(f"{r} ({_md(t.label(r))})" if dict(t.labels).get(r) else r
                             for r in t.rows) or "all codes"
            if not t.rows and t.labels:
                rows += "; labels: " + ", ".join(f"{k}: {_md(v)}" for k, v in t.labels)
            lines.append(f"| {t.id} | {t.kind} | {t.dimension or ''} | {_md(t.title)} | "
                         f"{rows if t.dimension else ''} |")
        lines.append("")
    return "\n".join(lines)


def _code_markdown(code: Code) -> list[str]:
    extra = [f"subcode of `{code.parent}`"] if code.parent else []
    extra += ["extension"] if code.extension else []
    extra += [_md(_weeks(code.duration_weeks))] if code.duration_weeks else []
    head = f"### {_md(code.label)} (`{code.id}`{', ' if extra else ''}{', '.join(extra)})"
    lines = [head, "", f"**Definition.** {_md(code.definition)}", ""]
    for title, items in (("Include", code.include), ("Exclude", code.exclude),
                         ("Examples", code.examples)):
        if items:
            lines += [f"**{title}:**", ""] + [f"- {_md(i)}" for i in items] + [""]
    if code.keywords:
        kw = "; ".join(f"{lang}: {', '.join(_md(w) for w in words)}"
                       for lang, words in code.keywords)
        lines += [f"**Keywords.** {kw}", ""]
    if code.note:
        lines += [f"**Note.** {_md(code.note)}", ""]
    return lines

