"""A methods-and-results paragraph in APA style, every number filled in from the run.

:func:`methods_and_results` returns paragraphs (sample, coding, reliability, responses and
test, results). Each sentence is built from the corpus, the codebook, the agreement results
or the tables of the run; nothing is typed in. The researcher edits the text; it is a draft.

The text marks italics the Markdown way (``*M*``); :func:`to_markdown`, :func:`to_html` and
:func:`runs` (for Word) render it. Asterisks that come from the data (labels, names) are
replaced by ``∗`` so they never toggle italics.

Conventions (APA 7): statistics that cannot exceed 1 (kappa, p) lose the leading zero;
means 2 decimals, SDs 2 decimals; p exact to 3 decimals, ``< .001`` below; a result is
described as a difference when ``p < .05`` (two-sided).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence

import pandas as pd

from chatcode.corpus import schema as S
from chatcode.tables.journal import cell_text, stat_symbol
from chatcode.tables.layouts import Table
from chatcode.tables.summary import ReliabilityCheck, RunSummary

__all__ = ["ALPHA", "EFFECT_COLUMNS", "methods_and_results", "runs", "to_html", "to_markdown"]

ALPHA = 0.05
#: effect-size columns of a with/without table, shown in the results when present:
#: column -> (symbol, CI low column, CI high column)
EFFECT_COLUMNS: dict[str, tuple[str, str | None, str | None]] = {
    "rank_biserial": ("*r*<sub>rb</sub>", "rank_biserial_ci_low", "rank_biserial_ci_high"),
    "cohens_d": ("*d*", "cohens_d_ci_low", "cohens_d_ci_high"),
    "hedges_g": ("*g*", "hedges_g_ci_low", "hedges_g_ci_high"),
}


def _t(value: object) -> str:
    """Text from the data, safe inside the italics markup."""
    return str(value).replace("*", "∗")


def _apa(value: float, digits: int = 2, *, bounded: bool = False) -> str:
    text = f"{value:.{digits}f}"
    return text.replace("0.", ".", 1) if bounded and abs(value) < 1 else text


def _p(p: float) -> str:
    return "*p* < .001" if p < 0.001 else f"*p* = {_apa(p, 3, bounded=True)}"


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def _sample(s: RunSummary) -> str:
    roles = _join([_count(n, role) for role, n in s.authors_by_role.items()])
    text = (f"The corpus comprised {_count(s.corpus_posts, 'post')} ({s.root_posts:,} "
            f"opening posts and {_count(s.replies, 'reply', 'replies')}) and "
            f"{_count(s.reactions, 'reaction')} in {_count(len(s.groups), 'group')}, "
            f"written between {s.first_day} and {s.last_day} ({_count(s.weeks, 'week')}) by "
            f"{_count(sum(s.authors_by_role.values()), 'author')} ({_t(roles)}).")
    if s.synthetic:
        text += (" These data are synthetic: invented posts built to match published "
                 "aggregates, not observed conversations.")
    return text


def _coding(s: RunSummary) -> str:
    return (f"Coder {_t(s.coder)} coded {_count(s.coded_posts, 'post')} "
            f"(pass {_t(s.pass_)}) with the codebook {_t(s.codebook)} (version "
            f"{_t(s.codebook_version)}), which defines {_count(s.n_codes, 'code')} in "
            f"{_count(len(s.dimensions), 'dimension')} ({_t(_join(list(s.dimensions)))}).")


def _kappa_ci(row: pd.Series) -> str:
    text = f"κ = {_apa(row['kappa'], 2, bounded=True)}"
    if math.isfinite(row.get("kappa_ci_low", math.nan)):
        text += (f", 95% CI [{_apa(row['kappa_ci_low'], 2, bounded=True)}, "
                 f"{_apa(row['kappa_ci_high'], 2, bounded=True)}]")
    return text


def _dimension_kappa(check: ReliabilityCheck, dim, label: str) -> str:
    result, dim_id = check.result, dim.id
    nominal = result.dimensions[result.dimensions["dimension"] == dim_id]
    if len(nominal) and math.isfinite(nominal["kappa"].iat[0]):
        return f"{_t(label)}, {_kappa_ci(nominal.iloc[0])}"
    codes = result.codes[result.codes["dimension"] == dim_id]
    defined = codes[codes["kappa"].astype("float64").notna()]
    if not len(defined):
        return f"{_t(label)}, κ undefined (no code used)"
    low = defined.loc[defined["kappa"].astype("float64").idxmin()]
    high = float(defined["kappa"].max())
    span = (f"κ = {_apa(float(low['kappa']), 2, bounded=True)} to "
            f"{_apa(high, 2, bounded=True)}" if high > low["kappa"]
            else f"κ = {_apa(high, 2, bounded=True)}")
    return (f"{_t(label)}, {span} over {_count(len(defined), 'code')} (lowest: "
            f"{_t(dim.code(low['code']).label)}, {_kappa_ci(low)})")


def _reliability(s: RunSummary, dims: Sequence) -> str:
    parts = []
    for check in s.reliability:
        r = check.result
        kind = ("Inter-coder agreement" if check.kind == "inter-coder"
                else "Intra-coder (re-test) agreement")
        per_dim = "; ".join(_dimension_kappa(check, d, d.label) for d in dims)
        flat = r.without_variation()
        text = (f"{kind} was assessed on the {_count(r.n_units, 'post')} coded by both "
                f"{_t(check.raters[0])} and {_t(check.raters[1])}, with Cohen's kappa per "
                f"code (single-choice dimensions as one nominal variable): {per_dim}.")
        if flat:
            text += (f" {_count(len(flat), 'code')} did not vary in these posts (κ "
                     "undefined, full agreement).")
        parts.append(text)
    return " ".join(parts)


def _test(s: RunSummary) -> str:
    text = f"Responses were counted as {_t(s.response_definition)}."
    if s.tests:
        text += (" The responses of posts with and without each code were compared with "
                 f"the {_t(_join(list(s.tests)))}; a difference is reported where "
                 f"*p* < {_apa(ALPHA, 2, bounded=True)} (two-sided).")
    return text


def _effect(row: pd.Series) -> str:
    for col, (symbol, low, high) in EFFECT_COLUMNS.items():
        if col in row and pd.notna(row[col]):
            text = f", {symbol} = {_apa(float(row[col]), 2, bounded=True)}"
            if low in row and pd.notna(row[low]):
                text += (f", 95% CI [{_apa(float(row[low]), 2, bounded=True)}, "
                         f"{_apa(float(row[high]), 2, bounded=True)}]")
            return text
    return ""


def _difference(table: Table, row: pd.Series) -> str:
    more = "more" if row[S.MEAN_WITH] > row[S.MEAN_WITHOUT] else "fewer"
    return (f"posts with {_t(row[S.LABEL])} received {more} responses (*M* = "
            f"{row[S.MEAN_WITH]:.2f}, *SD* = {row[S.SD_WITH]:.2f}, *n* = {row[S.N_WITH]:,}) "
            f"than posts without (*M* = {row[S.MEAN_WITHOUT]:.2f}, *SD* = "
            f"{row[S.SD_WITHOUT]:.2f}, *n* = {row[S.N_WITHOUT]:,}), *{stat_symbol(table)}* = "
            f"{cell_text(row[S.STATISTIC], 'stat')}, {_p(row[S.P_VALUE])}{_effect(row)}")


def _results(tables: Sequence[Table]) -> str:
    parts = []
    for t in tables:
        if t.kind != "with_without" or not len(t.data):
            continue
        d = t.data
        p = d[S.P_VALUE].astype("float64")
        hits = d[p < ALPHA]
        name = f"Table {t.id}" if t.id[:1].isdigit() else _t(t.title)
        full = f"{name} ({_t(t.title)})" if t.id[:1].isdigit() else name
        if len(hits):
            parts.append(f"In {full}, " + "; ".join(
                _difference(t, r) for _, r in hits.iterrows()) + ".")
        rest = d[~(p < ALPHA)]
        if len(rest):
            lead = ("The remaining code" if len(rest) == 1 else
                    f"The other {len(rest)} codes") if len(hits) else (
                f"In {full}, the code" if len(rest) == 1 else f"In {full}, the {len(rest)} codes")
            parts.append(f"{lead} ({_t(_join(list(rest[S.LABEL])))}) "
                         f"showed no difference at *p* < {_apa(ALPHA, 2, bounded=True)}.")
    return " ".join(parts)


def _latency(tables: Sequence[Table]) -> str:
    for t in tables:
        if t.kind == "latency" and len(t.data):
            row = t.data.iloc[0]
            return (f"The mean delay from a post to a reply was {row[S.MEAN_HOURS]:.2f} hours "
                    f"({_t(row[S.FORMATTED])}; median {row[S.MEDIAN_HOURS]:.2f} hours, "
                    f"*n* = {int(row[S.N]):,} replies).")
    return ""


def methods_and_results(summary: RunSummary, tables: Sequence[Table], codebook
                        ) -> list[str]:
    """The paragraphs (Markdown italics): sample, coding and reliability, responses and test,
    results. ``codebook`` gives the dimension and code labels."""
    coding = _coding(summary)
    if summary.reliability:
        coding += " " + _reliability(summary, codebook.dimensions)
    paragraphs = [_sample(summary), coding, _test(summary),
                  " ".join(x for x in (_results(tables), _latency(tables)) if x)]
    return [p for p in paragraphs if p]


def to_markdown(paragraphs: Sequence[str]) -> str:
    return "\n\n".join(paragraphs) + "\n"


_MARK = re.compile(r"\*([^*]+)\*")


def to_html(paragraphs: Sequence[str]) -> str:
    out = []
    for p in paragraphs:
        text = html.escape(p, quote=False).replace("&lt;sub&gt;", "<sub>").replace(
            "&lt;/sub&gt;", "</sub>")
        out.append("<p>" + _MARK.sub(r"<em>\1</em>", text) + "</p>")
    return "\n".join(out)


def runs(paragraph: str) -> list[tuple[str, bool, bool]]:
    """``(text, italic, subscript)`` pieces of a paragraph, for Word."""
    out = []
    for k, piece in enumerate(paragraph.split("*")):
        for j, part in enumerate(re.split(r"</?sub>", piece)):
            if part:
                out.append((part, k % 2 == 1, j % 2 == 1))
    return out
