"""The report page: one self-contained HTML file (inline CSS and SVG, no script, no network).

The page is a list of sections, each made by one small function that returns
``Section(id, heading, html)``: the summary header, the methods-and-results draft, the
reliability checks, one section per table (journal table, note, figure and caption), and
the provenance. :func:`html_page` adds the contents list. To add a section, write a function
that returns a :class:`Section` and pass it in ``extra`` (it is placed before the
provenance). Everything that came from a chat or a codebook is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from chatcode.tables.journal import JournalColumn, cell_text, journal_columns
from chatcode.tables.layouts import Table
from chatcode.tables.summary import ReliabilityCheck, RunSummary

__all__ = ["Section", "html_page", "methods_section", "provenance_section",
           "reliability_section", "summary_section", "table_section"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#222;line-height:1.45;font-size:16px}
h1{font-size:1.7rem;margin-bottom:.3rem}h2{font-size:1.25rem;margin-top:2.4rem;
border-bottom:1px solid #ccc;padding-bottom:.2rem}h3{font-size:1.05rem;margin-top:1.4rem}
.synthetic{background:#fff4e5;border-left:4px solid #dd6b20;padding:.5rem .8rem;margin:1rem 0}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1.2rem;margin:1rem 0}
dl.summary dt{font-weight:600}dl.summary dd{margin:0}
nav.contents ol{columns:2;margin:.4rem 0}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .55rem;text-align:center}th:first-child,td:first-child{text-align:left}
thead tr:first-child th{border-top:2px solid #222}
thead tr:last-child th{border-bottom:1px solid #222}
thead th.span{border-bottom:1px solid #888}
tbody tr:last-child td{border-bottom:2px solid #222}
p.table-number{font-weight:700;margin:1.2rem 0 0}p.table-title{font-style:italic;margin:0}
p.note{font-size:.88rem;color:#333;max-width:62rem}
figure{margin:1.2rem 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.88rem;color:#333;max-width:62rem}
.methods p{max-width:62rem}
table.rel td:nth-child(2),table.rel th:nth-child(2){text-align:left}
table.prov td{text-align:left;font-family:ui-monospace,monospace;font-size:.8rem;
word-break:break-all}
"""


@dataclass(frozen=True)
class Section:
    """One part of the page: its anchor id, its heading, and its HTML body."""

    id: str
    heading: str
    html: str


def _e(value: object) -> str:
    return html.escape(str(value))


def summary_section(summary: RunSummary) -> Section:
    """The facts of the run: corpus, period, groups, authors by role, coding, codebook,
    the response definition, the test, whether the data are synthetic."""
    s = summary
    groups = ", ".join(f"{_e(g)} ({n:,} posts)" for g, n in s.groups.items())
    roles = ", ".join(f"{n:,} {_e(r)}{'s' if n != 1 else ''}"
                      for r, n in s.authors_by_role.items())
    synthetic = {True: "yes — invented posts, not observed conversations",
                 False: "no", None: "not stated"}[s.synthetic]
    rows = [("Corpus", f"{s.corpus_posts:,} posts ({s.root_posts:,} opening posts, "
                       f"{s.replies:,} replies), {s.reactions:,} reactions"),
            ("Period", f"{_e(s.first_day)} to {_e(s.last_day)} "
                       f"({s.weeks} {'week' if s.weeks == 1 else 'weeks'})"),
            ("Groups", groups), ("Authors by role", roles),
            ("Coded posts", f"{s.coded_posts:,}, coder {_e(s.coder)}, pass {_e(s.pass_)}"),
            ("Codebook", f"{_e(s.codebook)} version {_e(s.codebook_version)}: "
                         f"{s.n_codes} codes in {len(s.dimensions)} dimensions"),
            ("Response", _e(s.response_definition[:1].upper() + s.response_definition[1:])),
            ("Test", _e("; ".join(s.tests)) or "none (no with/without table)"),
            ("Reliability", _e("; ".join(c.title for c in s.reliability))
             or "no second coder or pass given"),
            ("Synthetic data", synthetic)]
    body = "<dl class=\"summary\">" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) \
        + "</dl>"
    if s.synthetic:
        body = ("<p class=\"synthetic\"><strong>Synthetic data.</strong> These posts are "
                "invented; the figures show what chatcode computes, nothing about real "
                "conversations.</p>") + body
    return Section("summary", "Summary", body)


def methods_section(paragraphs_html: str) -> Section:
    """The methods-and-results draft (already HTML)."""
    intro = ("<p class=\"note\">A draft to edit: every number below comes from this run "
             "(the corpus, the codebook, the agreement results and the tables).</p>")
    return Section("methods", "Methods and results (draft)",
                   intro + f"<div class=\"methods\">{paragraphs_html}</div>")


def _fmt(value: object) -> str:
    if value is None or value != value:  # NaN
        return "–"
    return f"{value:.3f}".replace("0.", ".", 1) if abs(value) < 1 else f"{value:.3f}"


def _kappa_ci(row) -> str:
    if row["kappa"] != row["kappa"]:
        return "undefined"
    text = _fmt(row["kappa"])
    if row.get("kappa_ci_low") == row.get("kappa_ci_low"):
        text += f" [{_fmt(row['kappa_ci_low'])}, {_fmt(row['kappa_ci_high'])}]"
    return text


def _reliability_table(check: ReliabilityCheck) -> str:
    r = check.result
    head = ("<thead><tr><th>Dimension</th><th>Code</th><th><em>n</em></th><th>% agree</th>"
            "<th>κ [95% CI]</th><th>AC1</th><th>PABAK</th><th>Remark</th></tr></thead>")
    body = []
    flat = set(r.without_variation())
    for _, row in r.codes.iterrows():
        key = f"{row['dimension']}:{row['code']}"
        remark = "never varies" if key in flat else ("rare" if row["rare"] else "")
        body.append(f"<tr><td>{_e(row['dimension'])}</td><td>{_e(row['code'])}</td>"
                    f"<td>{row['n']}</td><td>{100 * row['percent_agreement']:.1f}</td>"
                    f"<td>{_kappa_ci(row)}</td><td>{_fmt(row['ac1'])}</td>"
                    f"<td>{_fmt(row['pabak'])}</td><td>{remark}</td></tr>")
    for _, row in r.dimensions.iterrows():
        body.append(f"<tr><td>{_e(row['dimension'])}</td><td>(nominal)</td><td>{row['n']}"
                    f"</td><td>{100 * row['percent_agreement']:.1f}</td>"
                    f"<td>{_kappa_ci(row)}</td><td>{_fmt(row['ac1'])}</td>"
                    f"<td>{_fmt(row['pabak'])}</td><td></td></tr>")
    return f"<table class=\"rel\">{head}<tbody>{''.join(body)}</tbody></table>"


def reliability_section(checks: Sequence[ReliabilityCheck]) -> Section:
    """One agreement table per check (pretest, re-test), with its notes."""
    from chatcode.reliability.agreement import GATE_RULE

    if not checks:
        return Section("reliability", "Reliability",
                       "<p>No second coder or coding pass was given, so no agreement was "
                       "computed (give every coding sheet as CODES).</p>")
    parts = []
    for check in checks:
        parts.append(f"<h3>{_e(check.title)} ({check.result.n_units} posts)</h3>")
        parts.append(_reliability_table(check))
        parts.append("<p class=\"note\"><em>Note.</em> κ: Cohen's kappa with its asymptotic "
                     "95% CI. Rare: kappa is unstable, read AC1 and PABAK. Never varies: "
                     f"kappa undefined, the coders agree on every post. Kappa gate: "
                     f"{_e(GATE_RULE)}.</p>")
    return Section("reliability", "Reliability", "\n".join(parts))


STAT_SYMBOLS = frozenset({"n", "M", "SD", "U", "t", "z", "p", "p adj."})


def _name(name: str) -> str:
    """A column header; statistical symbols in italics (APA)."""
    return f"<em>{_e(name)}</em>" if name in STAT_SYMBOLS else _e(name)


def _header_rows(columns: list[JournalColumn]) -> str:
    top, j = [], 0
    while j < len(columns):
        group = columns[j].group
        k = j
        while k + 1 < len(columns) and group is not None and columns[k + 1].group == group:
            k += 1
        span = k - j + 1
        top.append(f"<th colspan=\"{span}\" class=\"span\">{_e(group)}</th>" if group
                   else "<th></th>")
        j = k + 1
    second = "".join(f"<th>{_name(c.name)}</th>" for c in columns)
    if all(c.group is None for c in columns):
        return f"<tr>{second}</tr>"
    return f"<tr>{''.join(top)}</tr><tr>{second}</tr>"


def journal_table_html(table: Table) -> str:
    """The table with its spanning headers, cells formatted as the journal prints them."""
    columns = journal_columns(table)
    n = len(columns[0].values) if columns else 0
    body = "".join("<tr>" + "".join(f"<td>{_e(cell_text(c.values[i], c.fmt))}</td>"
                                    for c in columns) + "</tr>" for i in range(n))
    return f"<table><thead>{_header_rows(columns)}</thead><tbody>{body}</tbody></table>"


def _inline_svg(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""


def table_section(table: Table, svg: str | None, *, note: str, caption: str,
                  workbook_sheet: str | None = None) -> Section:
    """A table (number, italic title, journal table, note) and its figure with a caption.
    With ``workbook_sheet`` the table itself is left to the workbook (a long table)."""
    from chatcode.tables.report import heading

    number, _, title = heading(table).partition(". ")
    parts = [f"<p class=\"table-number\">{_e(number)}</p>"
             f"<p class=\"table-title\">{_e(title)}</p>" if title else ""]
    if workbook_sheet:
        parts.append(f"<p>The {len(table.data):,} rows of this table are on the sheet "
                     f"<strong>{_e(workbook_sheet)}</strong> of tables.xlsx; the figure "
                     "shows them.</p>")
    else:
        parts.append(journal_table_html(table))
        if note:
            parts.append(f"<p class=\"note\"><em>Note.</em> {_e(note)}</p>")
    if svg:
        parts.append(f"<figure>{_inline_svg(svg)}<figcaption>{_e(caption)}</figcaption>"
                     "</figure>")
    return Section(f"table-{table.id}", heading(table), "\n".join(parts))


def provenance_section(prov: Sequence[tuple[str, object]]) -> Section:
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in prov)
    return Section("provenance", "Provenance",
                   f"<table class=\"prov\"><tbody>{rows}</tbody></table>")


def html_page(sections: Sequence[Section], *, title: str, subtitle: str = "") -> str:
    """The page: title, contents list, then every section in order."""
    toc = "".join(f"<li><a href=\"#{_e(s.id)}\">{_e(s.heading)}</a></li>" for s in sections)
    parts = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{_e(title)}</h1>",
             f"<p>{_e(subtitle)}</p>" if subtitle else "",
             f"<nav class=\"contents\" aria-label=\"Contents\"><h2>Contents</h2><ol>{toc}</ol>"
             "</nav>"]
    parts += [f"<section id=\"{_e(s.id)}\"><h2>{_e(s.heading)}</h2>\n{s.html}</section>"
              for s in sections]
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)
