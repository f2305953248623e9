"""Writing the tables: JSON, CSV, Markdown, a journal-style workbook, and a whole report.

- :func:`to_json` (docs/tables.md, unrounded), :func:`to_csv` (one tidy table with a
  ``table`` column), :func:`to_markdown` (the journal layout);
- :func:`journal_frame`: a table as printed in a paper (``0.54* (1.033)``: mean with stars,
  SD in brackets; 2 decimals for means, 3 for SDs as in the DiabPeerS paper);
- :func:`write_workbook`: one sheet per table (title row, header, rows, a note naming the
  test) plus a ``provenance`` sheet;
- :func:`write_report`: a folder with the workbook, ``tables.json``, a self-contained HTML
  page with every table and figure, and the figures as PNG and SVG.

Text is written to workbooks as text (never as a formula) and every write is atomic and
refuses to overwrite without ``force`` (:mod:`chatcode._io.output`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from chatcode._io.output import atomic_dir, atomic_file, csv_text, excel_text
from chatcode.corpus import schema as S
from chatcode.errors import Location
from chatcode.tables.layouts import CodedPosts, Table, build_tables, table_specs

__all__ = ["journal_frame", "provenance", "table_note", "to_csv", "to_json", "to_markdown",
           "write_report", "write_workbook"]

STARS_NOTE = "* p < .1, ** p < .05, *** p < .01"
NA = "n/a"
_STAT_NAME = {"Mann": "U", "Welch": "t", "Stude": "t", "negat": "z"}


# --- machine-readable ---------------------------------------------------------------------

def _plain(value: object) -> object:
    """A JSON value: numpy scalars -> Python, NaN -> None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def table_dict(table: Table) -> dict[str, object]:
    """One table as in docs/tables.md describes (plus ``notes`` and ``summary``)."""
    out: dict[str, object] = {"id": table.id, "title": table.title, "kind": table.kind,
                              "dimension": table.spec.dimension}
    if table.test:
        out["test"] = table.test
    rows = table.data.drop(columns=[S.TEST], errors="ignore")
    out["rows"] = [{k: _plain(v) for k, v in zip(rows.columns, r, strict=True)}
                   for r in rows.itertuples(index=False, name=None)]
    out["notes"] = list(table.notes)
    if table.summary:
        out["summary"] = {k: _plain(v) for k, v in table.summary.items()}
    return out


def to_json(tables: Sequence[Table]) -> str:
    """``{"tables": [...]}`` with unrounded numbers (NaN as null)."""
    return json.dumps({"tables": [table_dict(t) for t in tables]}, ensure_ascii=False,
                      indent=2, allow_nan=False) + "\n"


def to_csv(tables: Sequence[Table]) -> str:
    """All tables as one CSV: the column ``table`` (the id) first, then each table's
    columns (a column a table does not have stays empty). Numbers are unrounded."""
    frames = [t.data.assign(table=t.id)[["table", *t.data.columns]].astype(
        {c: "Int64" for c in t.data.columns if pd.api.types.is_integer_dtype(t.data[c])})
        for t in tables]
    if not frames:
        return "table\n"
    return csv_text(pd.concat(frames, ignore_index=True))


# --- journal layout -------------------------------------------------------------------------

def _num(value: object, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NA
    return f"{float(value):.{digits}f}"


def _p(value: object) -> str:
    if value is None or not math.isfinite(float(value)):
        return NA
    return "<.001" if value < 0.001 else f"{value:.3f}".replace("0.", ".", 1)


def mean_sd(mean: object, sd: object, stars: str = "") -> str:
    """``0.54* (1.033)``: the mean (2 decimals) with stars, the SD (3 decimals) in brackets."""
    return f"{_num(mean, 2)}{stars} ({_num(sd, 3)})"


def _n_pct(n: object, pct: object) -> str:
    text = _num(pct, 1)
    return f"{int(n)} ({text}%)" if text != NA else f"{int(n)} ({NA})"


def journal_frame(table: Table) -> pd.DataFrame:
    """The table as printed in a paper: cells are text (``0.54* (1.033)``) or counts."""
    d = table.data
    head = table.dimension_label or "Code"
    if table.kind == "with_without":
        return _journal_with_without(table, head)
    if table.kind == "support_characteristics":
        out = pd.DataFrame({head: d[S.LABEL], "n": d[S.N],
                            "% of peer-support posts": d[S.PCT_OF_SUPPORT_POSTS].map(
                                lambda v: _num(v, 1)),
                            "% of all posts": d[S.PCT_OF_ALL_POSTS].map(lambda v: _num(v, 1)),
                            "Moderators n (%)": [_n_pct(n, p) for n, p in zip(
                                d[S.N_MODERATOR], d[S.PCT_MODERATOR], strict=True)],
                            "Participants n (%)": [_n_pct(n, p) for n, p in zip(
                                d[S.N_PARTICIPANT], d[S.PCT_PARTICIPANT], strict=True)]})
        if d[S.N_OTHER].sum():
            out["Others n (%)"] = [_n_pct(n, p) for n, p in zip(d[S.N_OTHER], d[S.PCT_OTHER],
                                                                 strict=True)]
        return out
    if table.kind == "topics":
        return pd.DataFrame({head: d[S.LABEL], "n": d[S.N], "%": d[S.PCT].map(
            lambda v: _num(v, 1)), "Mean (SD)": [mean_sd(m, s) for m, s in zip(
                d[S.MEAN], d[S.SD], strict=True)]})
    if table.kind == "frequencies":
        return _journal_frequencies(d)
    if table.kind == "latency":
        return pd.DataFrame({"Group": d[S.GROUP], "n": d[S.N],
                             **{name: d[col].map(lambda v: _num(v, 2)) for name, col in (
                                 ("Mean (h)", S.MEAN_HOURS), ("Median (h)", S.MEDIAN_HOURS),
                                 ("Q1 (h)", S.Q1_HOURS), ("Q3 (h)", S.Q3_HOURS))},
                             "Mean": d[S.FORMATTED]})
    if table.kind == "participation":
        out = d.copy()
        out[S.MEAN_RESPONSES] = out[S.MEAN_RESPONSES].map(lambda v: _num(v, 2))
        return out.rename(columns=lambda c: c.replace("_", " ").capitalize())
    return d.copy()


def _journal_with_without(table: Table, head: str) -> pd.DataFrame:
    d = table.data
    stat = next((v for k, v in _STAT_NAME.items() if (table.test or "").startswith(k)), "")
    out = pd.DataFrame({
        head: d[S.LABEL],
        "With: mean (SD)": [mean_sd(m, s, st) for m, s, st in zip(
            d[S.MEAN_WITH], d[S.SD_WITH], d[S.STARS], strict=True)],
        "Without: mean (SD)": [mean_sd(m, s) for m, s in zip(d[S.MEAN_WITHOUT],
                                                               d[S.SD_WITHOUT], strict=True)],
        "n with": d[S.N_WITH], "% with": d[S.PCT_WITH].map(lambda v: _num(v, 1)),
        "n without": d[S.N_WITHOUT], stat or "Statistic": d[S.STATISTIC].map(
            lambda v: _num(v, 2)), "p": d[S.P_VALUE].map(_p)})
    if S.P_ADJUSTED in d:
        out["p adjusted"] = d[S.P_ADJUSTED].map(_p)
    if S.IRR in d:
        out["IRR (95% CI)"] = [f"{_num(i, 2)} ({_num(lo, 2)}-{_num(hi, 2)})" if math.isfinite(i)
                               else NA for i, lo, hi in zip(d[S.IRR], d[S.IRR_CI_LOW],
                                                            d[S.IRR_CI_HIGH], strict=True)]
    return out


def _journal_frequencies(d: pd.DataFrame) -> pd.DataFrame:
    cell = [_n_pct(n, p) for n, p in zip(d[S.N], d[S.PCT], strict=True)]
    long = d.assign(cell=cell, column=np.where(d[S.BY].eq("all"), "All posts", d[S.LEVEL]))
    wide = long.pivot_table(index=[S.DIMENSION, S.CODE, S.LABEL], columns="column",
                            values="cell", aggfunc="first", sort=False)
    order = ["All posts", *dict.fromkeys(long.loc[long[S.BY].ne("all"), "column"])]
    wide = wide[order].reset_index()
    wide = wide.rename(columns={S.DIMENSION: "Dimension", S.LABEL: "Code"})
    return wide.drop(columns=S.CODE).rename_axis(columns=None)


def heading(table: Table) -> str:
    """``Table 7. Title`` for a numbered table, else the title."""
    return f"Table {table.id}. {table.title}" if table.id[:1].isdigit() else table.title


def table_note(table: Table) -> str:
    """The note printed under a table: the test, the stars, SD convention, other notes."""
    parts = []
    if table.test:
        parts += [f"Test: {table.test}.", f"{STARS_NOTE}.",
                  "Mean (SD) of the responses per post; SD is the sample SD."]
    if table.kind == "topics":
        parts.append("Mean (SD) of the responses per post; SD is the sample SD.")
    if table.kind == "support_characteristics" and table.summary:
        s = table.summary
        parts.append(f"Peer-support posts (at least one code): {s['n_support_posts']} of "
                     f"{s['n_posts']} ({_num(s['pct_support_posts'], 1)}%).")
    if table.kind == "latency":
        parts.append("Delay from a post to each reply that counts as a response, in hours.")
    parts += [n if n.endswith(".") else n + "." for n in table.notes]
    return " ".join(parts)


def _cell_text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else str(value)


def to_markdown(tables: Sequence[Table]) -> str:
    """Every table in the journal layout as a Markdown pipe table, with its note."""
    out = []
    for t in tables:
        frame = journal_frame(t)
        out.append(f"### {heading(t)}\n")
        out.append("| " + " | ".join(map(str, frame.columns)) + " |")
        out.append("|" + "|".join("---" for _ in frame.columns) + "|")
        for row in frame.itertuples(index=False, name=None):
            out.append("| " + " | ".join(_cell_text(v).replace("|", "\\|") for v in row) + " |")
        note = table_note(t)
        out.append(f"\n*{note}*\n" if note else "")
    return "\n".join(out) + "\n"


# --- workbook -----------------------------------------------------------------------------

def _sheet_name(table: Table, used: set[str]) -> str:
    base = f"Table {table.id}" if table.id[:1].isdigit() else table.id
    name = "".join(c for c in base if c not in "[]:*?/\\")[:31] or "table"
    k = 2
    while name.lower() in used:
        name = f"{name[:28]}_{k}"
        k += 1
    used.add(name.lower())
    return name


def _put(ws, row: int, col: int, value: object, **style: object):
    value = _plain(value)
    if isinstance(value, str):  # control characters escaped as Excel does; never cut
        value = excel_text(value, Location(None, ws.title, row))
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # text, never a formula
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _journal_sheet(ws, table: Table) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    frame = journal_frame(table)
    _put(ws, 1, 1, heading(table), font=Font(bold=True, size=12))
    line = Side(style="thin")
    for j, name in enumerate(frame.columns, start=1):
        _put(ws, 3, j, str(name), font=Font(bold=True), border=Border(top=line, bottom=line),
             alignment=Alignment(horizontal="left" if j == 1 else "center", wrap_text=True))
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=4):
        for j, value in enumerate(row, start=1):
            _put(ws, i, j, value, alignment=Alignment(horizontal="left" if j == 1
                                                      else "center"))
    last = 3 + len(frame)
    for j in range(1, len(frame.columns) + 1):
        ws.cell(row=last, column=j).border = Border(bottom=line)
    note = table_note(table)
    if note:
        _put(ws, last + 2, 1, "Note. " + note, font=Font(italic=True))
    for j, name in enumerate(frame.columns, start=1):
        width = max([len(str(name))] + [len(_cell_text(v)) for v in frame.iloc[:, j - 1]])
        ws.column_dimensions[ws.cell(row=3, column=j).column_letter].width = min(
            60, max(8, width + 2))


def write_workbook(tables: Sequence[Table], path: str | Path, *,
                   provenance: Sequence[tuple[str, object]] = (), force: bool = False) -> Path:
    """A journal-style workbook: one sheet per table and a ``provenance`` sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    with atomic_file(path, force=force) as tmp:
        wb = Workbook()
        wb.remove(wb.active)
        used: set[str] = set()
        for t in tables:
            _journal_sheet(wb.create_sheet(_sheet_name(t, used)), t)
        ws = wb.create_sheet("provenance")
        _put(ws, 1, 1, "key", font=Font(bold=True))
        _put(ws, 1, 2, "value", font=Font(bold=True))
        for i, (key, value) in enumerate(provenance, start=2):
            _put(ws, i, 1, str(key))
            _put(ws, i, 2, value if isinstance(value, (int, float)) else str(value))
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 90
        wb.save(tmp)
    return path


# --- provenance -----------------------------------------------------------------------------

def file_sha256(path: str | Path) -> list[tuple[str, str]]:
    """``(path, sha256)`` of a file, or of every file in a folder (sorted)."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    out = []
    for f in files:
        digest = hashlib.sha256()
        with open(f, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
        out.append((str(f), digest.hexdigest()))
    return out


def provenance(coded: CodedPosts, *, inputs: Sequence[str | Path] = (),
               options: dict[str, object] | None = None) -> list[tuple[str, object]]:
    """What a run was made from: chatcode version, time, codebook, coder/pass, options,
    and the sha256 of every input file."""
    from chatcode import __version__

    cb = coded.codebook
    rows: list[tuple[str, object]] = [
        ("chatcode_version", __version__),
        ("created", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        ("codebook", f"{cb.name} version {cb.version}"),
        ("codebook_hash", cb.hash),
        ("coder", coded.coder), ("pass", coded.pass_),
        ("coded_posts", len(coded.units)), ("corpus_posts", len(coded.corpus.posts)),
        ("include_self", coded.include_self), ("responders", coded.responders),
        ("random_seed", "none (no random step in the tables)"),
    ]
    rows += [(f"option {k}", json.dumps(v) if not isinstance(v, str) else v)
             for k, v in (options or {}).items()]
    rows += [(f"input sha256 {p}", h) for path in inputs for p, h in file_sha256(path)]
    rows += [("note", n) for n in coded.notes]
    return rows


# --- report folder --------------------------------------------------------------------------

def write_report(coded: CodedPosts, out: str | Path, *, tables: str | Sequence[str] = "all",
                 inputs: Sequence[str | Path] = (), options: dict[str, object] | None = None,
                 force: bool = False, **overrides: object) -> Path:
    """Write a report folder: ``tables.xlsx``, ``tables.json``, ``report.html`` and
    ``figures/*.png`` / ``*.svg``.

    ``tables="all"`` builds every table of :func:`chatcode.tables.table_specs` (the
    codebook's tables and the built-in frequencies, latency and participation tables);
    ``overrides`` as in :func:`chatcode.tables.build_table`. The folder is written
    atomically and replaces an existing one only with ``force``.
    """
    from chatcode.tables import figures

    every = tables == "all" or list(tables) == ["all"]
    ids = [t.id for t in table_specs(coded.codebook)] if every else tables
    built = build_tables(coded, tables=ids, **overrides)
    prov = provenance(coded, inputs=inputs, options={**(options or {}), **{
        k: v for k, v in overrides.items() if v is not None}})
    figs = figures.report_figures(coded, built)
    with atomic_dir(Path(out), force=force) as tmp:
        write_workbook(built, tmp / "tables.xlsx", provenance=prov)
        (tmp / "tables.json").write_text(to_json(built), encoding="utf-8")
        (tmp / "figures").mkdir()
        svgs = {name: figures.save(fig, tmp / "figures" / name) for name, fig in figs.items()}
        page = html_page(built, svgs, prov, title=f"chatcode report: {coded.codebook.name}")
        (tmp / "report.html").write_text(page, encoding="utf-8")
    return Path(out)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{padding:.25rem .6rem;text-align:center}th:first-child,td:first-child{text-align:left}
thead th{border-top:2px solid #222;border-bottom:1px solid #222}
tbody tr:last-child td{border-bottom:2px solid #222}
p.note{font-size:.85rem;color:#444;font-style:italic;max-width:60rem}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
table.prov td{text-align:left;font-family:ui-monospace,monospace;font-size:.8rem}
"""


def _html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell_text(v))}</td>" for v in row)
                   + "</tr>" for row in frame.itertuples(index=False, name=None))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inline_svg(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""


def html_page(tables: Sequence[Table], svgs: dict[str, str],
              prov: Sequence[tuple[str, object]], *, title: str) -> str:
    """A self-contained HTML page (inline CSS and SVG; no script, no network)."""
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    for t in tables:
        parts.append(f"<h2 id=\"table-{html.escape(t.id)}\">{html.escape(heading(t))}</h2>")
        parts.append(_html_table(journal_frame(t)))
        note = table_note(t)
        if note:
            parts.append(f"<p class=\"note\">{html.escape(note)}</p>")
        for name, svg in svgs.items():
            if name.startswith(f"table_{t.id}_") or name == f"table_{t.id}":
                parts.append(f"<figure>{_inline_svg(svg)}</figure>")
    parts.append("<h2>Provenance</h2><table class=\"prov\"><tbody>" + "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
        for k, v in prov) + "</tbody></table></body></html>")
    return "\n".join(parts)
