"""Writing the tables: JSON, CSV, Markdown, a journal-style workbook, and a whole report.

- :func:`to_json` (docs/tables.md, unrounded), :func:`to_csv` (one tidy table with a
  ``table`` column), :func:`to_markdown` (the journal layout);
- :func:`journal_frame`: a table as printed in a paper (``0.54* (1.033)``: mean with stars,
  SD in brackets; 2 decimals for means, 3 for SDs as in the DiabPeerS paper);
- :func:`write_workbook` (:mod:`chatcode.tables.workbook`): one sheet per table, numbers as
  numbers, plus a ``Provenance`` sheet; :func:`chatcode.tables.docx.write_docx`: the same
  tables in Word;
- :func:`write_report`: a folder with the workbook, ``tables.json``, the report page
  (:mod:`chatcode.tables.html`: summary, methods-and-results draft from
  :mod:`chatcode.tables.methods`, reliability, every table and figure), ``report.docx``,
  ``methods.md``, and the figures as PNG and SVG.

Text is written to workbooks as text (never as a formula) and every write is atomic and
refuses to overwrite without ``force`` (:mod:`chatcode._io.output`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from chatcode._io.output import atomic_dir, csv_text
from chatcode.corpus import schema as S
from chatcode.tables.journal import cell_text
from chatcode.tables.layouts import CodedPosts, Table, build_tables, table_specs
from chatcode.tables.workbook import write_workbook

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
            lambda v: cell_text(v, "stat")), "p": d[S.P_VALUE].map(_p)})
    if S.P_ADJUSTED in d:
        out["p adjusted"] = d[S.P_ADJUSTED].map(_p)
    if S.IRR in d:
        out["IRR (95% CI)"] = [f"{_num(i, 2)} ({_num(lo, 2)}-{_num(hi, 2)})" if math.isfinite(i)
                               else NA for i, lo, hi in zip(d[S.IRR], d[S.IRR_CI_LOW],
                                                            d[S.IRR_CI_HIGH], strict=True)]
    if table.effect_size and len(d):
        from chatcode.tables.effects import effect_cells
        out = pd.concat([out, effect_cells(d)], axis=1)
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
    if table.effect_size and S.EFFECT_MEASURE in table.data and len(table.data):
        from chatcode.tables.effects import EFFECT_NOTE
        parts += [EFFECT_NOTE[str(table.data[S.EFFECT_MEASURE].iat[0])] + "; 95% CI of "
                  "each mean: mean -+ t(n-1) SD / sqrt(n)."]
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

LONG_TABLES = ("participation",)  # kinds shown as a figure; their rows go to the workbook


def write_report(coded: CodedPosts, out: str | Path, *, tables: str | Sequence[str] = "all",
                 inputs: Sequence[str | Path] = (), options: dict[str, object] | None = None,
                 codes: pd.DataFrame | None = None, synthetic: bool | None = None,
                 force: bool = False, **overrides: object) -> Path:
    """Write a report folder: ``report.html``, ``report.docx``, ``methods.md``,
    ``tables.xlsx``, ``tables.json`` and ``figures/*.png`` / ``*.svg``.

    ``tables="all"`` builds every table of :func:`chatcode.tables.table_specs` (the
    codebook's tables and the built-in frequencies, latency and participation tables);
    ``overrides`` as in :func:`chatcode.tables.build_table`. ``codes``: the whole codes
    table; every other coder/pass in it that coded posts of the tables' coder/pass gets a
    reliability check (a pretest, a re-test). ``synthetic``: say on the page whether the
    data are synthetic (None: not stated). The folder is written atomically and replaces an
    existing one only with ``force``.
    """
    from chatcode.reliability.agreement import rater_label
    from chatcode.tables import figures
    from chatcode.tables.docx import write_docx
    from chatcode.tables.methods import methods_and_results
    from chatcode.tables.methods import to_markdown as methods_markdown
    from chatcode.tables.summary import reliability_checks, run_summary

    every = tables == "all" or list(tables) == ["all"]
    ids = [t.id for t in table_specs(coded.codebook)] if every else tables
    built = build_tables(coded, tables=ids, **overrides)
    if every:  # the whole report: time to first response and the reply network too
        built += figures.report_sections(coded, built)
    prov = provenance(coded, inputs=inputs, options={**(options or {}), **{
        k: v for k, v in overrides.items() if v is not None}})
    checks = reliability_checks(codes, coded.codebook, rater_label(coded.coder, coded.pass_)) \
        if codes is not None else []
    summary = run_summary(coded, built, synthetic=synthetic, reliability=checks)
    methods = methods_and_results(summary, built, coded.codebook)
    figs = figures.report_figures(coded, built)
    title = f"Engagement report: {coded.codebook.name}"
    with atomic_dir(Path(out), force=force) as tmp:
        write_workbook(built, tmp / "tables.xlsx", provenance=prov)
        (tmp / "tables.json").write_text(to_json(built), encoding="utf-8")
        (tmp / "methods.md").write_text(methods_markdown(methods), encoding="utf-8")
        write_docx(built, tmp / "report.docx", title=title, methods=methods)
        (tmp / "figures").mkdir()
        svgs = {name: figures.save(fig, tmp / "figures" / name) for name, fig in figs.items()}
        page = report_page(built, svgs, prov, summary=summary, methods=methods, title=title)
        (tmp / "report.html").write_text(page, encoding="utf-8")
    return Path(out)


def report_page(tables: Sequence[Table], svgs: dict[str, str],
                prov: Sequence[tuple[str, object]], *, summary, methods: Sequence[str],
                title: str, extra: Sequence = ()) -> str:
    """The report page: summary, methods draft, reliability, the tables with their
    figures, ``extra`` sections (:class:`chatcode.tables.html.Section`), provenance."""
    from chatcode.tables import html as page
    from chatcode.tables.figures import figure_caption
    from chatcode.tables.methods import to_html
    from chatcode.tables.workbook import sheet_name

    used: set[str] = {"provenance"}
    sheets = {t.id: sheet_name(t, used) for t in tables}
    sections = [page.summary_section(summary), page.methods_section(to_html(methods)),
                page.reliability_section(summary.reliability)]
    sections += [page.table_section(t, svgs.get(f"table_{t.id}"), note=table_note(t),
                                    caption=figure_caption(t),
                                    workbook_sheet=sheets[t.id] if t.kind in LONG_TABLES
                                    else None) for t in tables]
    sections += [*extra, page.provenance_section(prov)]
    period = f"{summary.first_day} to {summary.last_day}" if summary.first_day else ""
    return page.html_page(sections, title=title, subtitle=f"{summary.corpus_posts:,} posts"
                          f", {len(summary.groups)} groups, {period}; coder "
                          f"{summary.coder}, pass {summary.pass_}")
