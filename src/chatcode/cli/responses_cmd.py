"""``chatcode responses`` and ``chatcode latency``: a stored corpus -> a table on stdout or
in a file (docs/responses.md). No analysis here: see chatcode.engagement.responses and
chatcode.latency."""

import json
import logging
import math
import warnings
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcode._io.output import atomic_file, check_writable, csv_text, write_workbook
from chatcode.cli._app import app, err, out, records, write_stdout
from chatcode.engagement.choices import COMPONENTS, QUANTILE_METHODS, RESPONDERS
from chatcode.errors import ChatcodeWarning

if TYPE_CHECKING:  # pandas and the library are imported by the commands that run
    import pandas as pd
    from rich.table import Table

    from chatcode.corpus.corpus import Corpus


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class By(StrEnum):
    group = "group"


Responders = StrEnum("Responders", [(r, r) for r in RESPONDERS])
Component = StrEnum("Component", [(c, c) for c in COMPONENTS])
QuantileMethod = StrEnum("QuantileMethod", [(m, m) for m in QUANTILE_METHODS])

FILE_KINDS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx"}

CorpusArg = Annotated[Path, typer.Argument(
    help="A stored corpus: NAME.xlsx, a folder of CSV files, or NAME.parquet "
    "(written by chatcode ingest).", exists=True, show_default=False)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="table (for people), csv or json (the only thing on stdout).")]
OutOpt = Annotated[Path | None, typer.Option(
    "-o", "--out", help="Write the whole table to this file instead of stdout: .csv, .json "
    "or .xlsx (with --format csv/json, the suffix must match).", dir_okay=False,
    show_default=False)]
ForceOpt = Annotated[bool, typer.Option(help="Replace the --out file if it exists.")]
SelfOpt = Annotated[bool, typer.Option(
    "--include-self", help="Also count responses by the post's own author.")]
RespondersOpt = Annotated[Responders, typer.Option(
    help="Count responses by all authors, or only by authors with the role participant.")]


@app.command(
    "responses",
    epilog="Examples:\n\n"
    "  chatcode responses corpus.xlsx\n\n"
    "  chatcode responses corpus.xlsx --format csv > responses.csv\n\n"
    "  chatcode responses corpus --responders participants -o responses.xlsx",
)
def responses_command(
    corpus: CorpusArg,
    format: FormatOpt = Format.table,
    out_file: OutOpt = None,
    include_self: SelfOpt = False,
    responders: RespondersOpt = Responders.all,
    count: Annotated[list[Component] | None, typer.Option(
        "--count", help="What makes up 'responses' (repeat the option to give several; "
        "default: replies, reactions and reply_reactions).", show_default=False)] = None,
    force: ForceOpt = False,
) -> None:
    """Count the responses each post received: replies, reactions, reactions to replies.

    One row per post, in corpus order: post_id, group, replies, reactions,
    reply_reactions, responses, first_response_hours. A response by the post's own author
    does not count unless --include-self is given. See docs/responses.md.
    """
    from chatcode.corpus.corpus import read_corpus
    from chatcode.engagement.responses import responses

    kind = _target_kind(format, out_file, force)
    components = [c.value for c in count] if count else list(COMPONENTS)
    data = read_corpus(corpus)
    _warn_empty(data, corpus)
    _name_inferred(data)
    table = responses(data, include_self=include_self,
                      responders=responders.value, count=components)
    if out_file is not None:
        _write(table, out_file, kind, force=force, sheet="responses")
    elif format is Format.table:
        out.print(_responses_table(table))
    else:
        _print_document(table, format.value)


@app.command(
    "latency",
    epilog="Examples:\n\n"
    "  chatcode latency corpus.xlsx\n\n"
    "  chatcode latency corpus.xlsx --by group --format json\n\n"
    "  chatcode latency corpus --responders participants --quantile-method weibull\n\n"
    "  chatcode latency corpus.xlsx --survival --by group",
)
def latency_command(
    corpus: CorpusArg,
    by: Annotated[By | None, typer.Option(
        help="Also one row per group (after the row 'all').", show_default=False)] = None,
    format: FormatOpt = Format.table,
    out_file: OutOpt = None,
    include_self: SelfOpt = False,
    responders: RespondersOpt = Responders.all,
    quantile_method: Annotated[QuantileMethod, typer.Option(
        help="How quartiles are interpolated (numpy.percentile; linear = R type 7, "
        "weibull = SPSS).")] = QuantileMethod.linear,
    survival: Annotated[bool, typer.Option(
        "--survival", help="Time to first response as survival data: every post, censored "
        "at the end of its group's export; Kaplan-Meier median with 95% CI, log-rank test "
        "across groups.")] = False,
    force: ForceOpt = False,
) -> None:
    """Reply latency: n, mean, median and quartiles of the time from a post to its replies.

    Hours are decimal hours; the mean is also shown as "7 h 27 min". Replies dated before
    their parent count as responses but are left out of the delays. See docs/responses.md.
    """
    from chatcode.corpus.corpus import read_corpus
    from chatcode.engagement.latency import latency

    kind = _target_kind(format, out_file, force)
    data = read_corpus(corpus)
    _warn_empty(data, corpus)
    _name_inferred(data)
    if survival:
        _survival(data, by, format, out_file, kind, include_self=include_self,
                  responders=responders.value, force=force)
        return
    table = latency(data, by=by.value if by else None,
                    include_self=include_self, responders=responders.value,
                    quantile_method=quantile_method.value)
    if out_file is not None:
        _write(table, out_file, kind, force=force, sheet="latency")
    elif format is Format.table:
        out.print(_latency_table(table))
    else:
        _print_document(table, format.value)


def _target_kind(format: Format, path: Path | None, force: bool) -> str:
    """What to write: the format, or for -o the file kind (checked before any work)."""
    if path is None:
        return format.value
    kind = FILE_KINDS.get(path.suffix.lower())
    if kind is None or (format is not Format.table and kind != format.value):
        wanted = f".{format.value}" if format is not Format.table else ".csv, .json or .xlsx"
        raise typer.BadParameter(
            f"cannot write --format {format.value} to {path} (suffix "
            f"{path.suffix or 'none'}); name the output file with {wanted}",
            param_hint="'-o' / '--out'")
    check_writable(path, force=force)
    return kind




def _document(table: "pd.DataFrame", kind: str) -> str:
    if kind == "json":
        return json.dumps({"rows": records(table)}, ensure_ascii=False, allow_nan=False)
    return csv_text(table)


def _print_document(table: "pd.DataFrame", kind: str) -> None:
    write_stdout(_document(table, kind) + ("\n" if kind == "json" else ""))


def _write(table: "pd.DataFrame", path: Path, kind: str, *, force: bool, sheet: str) -> None:
    if kind == "xlsx":
        write_workbook(path, {sheet: table}, force=force)
    else:
        with atomic_file(path, force=force) as tmp:
            tmp.write_text(_document(table, kind), encoding="utf-8")
    err.print(f"wrote {path}: {len(table)} rows")


def _hours(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2f}"


def _responses_table(table: "pd.DataFrame", head: int = 10, tail: int = 5) -> "Table":
    import pandas as pd
    from rich.table import Table

    from chatcode.corpus import schema as S
    from chatcode.engagement.latency import format_hours

    counts = [S.REPLIES, S.REACTIONS, S.REPLY_REACTIONS, S.RESPONSES]
    view = Table(title="Responses per post", show_footer=True)
    # long derived ids are cut in this human view (csv/json have them whole)
    view.add_column(S.POST_ID, footer="total", no_wrap=True, overflow="ellipsis",
                    max_width=12)
    view.add_column(S.GROUP, min_width=7)
    for col in counts:
        view.add_column(col.replace("_", "\n"), justify="right", no_wrap=True,
                        footer=str(int(table[col].sum())))
    view.add_column("first\nresponse", justify="right", no_wrap=True)
    shown = table if len(table) <= head + tail else pd.concat([table.head(head),
                                                                table.tail(tail)])
    for i, row in enumerate(shown.itertuples(index=False)):
        if i == head and len(table) > head + tail:
            view.add_row("…", "", *[""] * 5)
        first = getattr(row, S.FIRST_RESPONSE_HOURS)
        view.add_row(str(getattr(row, S.POST_ID)), str(getattr(row, S.GROUP)),
                     *[str(getattr(row, c)) for c in counts],
                     "–" if math.isnan(first) else format_hours(first))
    mean = table[S.RESPONSES].mean() if len(table) else math.nan
    none = int(table[S.RESPONSES].eq(0).sum())
    view.caption = (f"{len(table)} posts; mean responses per post: {_hours(mean)}; "
                    f"posts without a response: {none}")
    return view


def _latency_table(table: "pd.DataFrame") -> "Table":
    from rich.table import Table

    from chatcode.corpus import schema as S

    view = Table(title="Reply latency (hours)")
    for name in ("group", "n", "mean", "median", "Q1", "Q3", "mean (h min)"):
        view.add_column(name, justify="left" if name == "group" else "right")
    for row in table.itertuples(index=False):
        view.add_row(str(getattr(row, S.GROUP)), str(getattr(row, S.N)),
                     *[_hours(getattr(row, c)) for c in (S.MEAN_HOURS, S.MEDIAN_HOURS,
                                                        S.Q1_HOURS, S.Q3_HOURS)],
                     getattr(row, S.FORMATTED))
    return view


def _survival(data: "Corpus", by: By | None, format: Format, out_file: Path | None, kind: str,
              *, include_self: bool, responders: str, force: bool) -> None:
    from rich.table import Table

    from chatcode.engagement.survival import survival_summary, time_to_response

    table = survival_summary(time_to_response(data, include_self=include_self,
                                              responders=responders),
                             by=by.value if by else None)
    lr = table.attrs.get("logrank")
    if lr:
        err.print(f"log-rank test across groups: chi2 = {lr['chi2']:.2f}, df = {lr['df']}, "
                  f"p = {lr['p_value']:.3g}")
    if out_file is not None:
        _write(table, out_file, kind, force=force, sheet="time_to_response")
    elif format is Format.table:
        view = Table(title="Time to first response (hours; Kaplan-Meier, censored at the "
                     "end of the export)")
        for name in ("group", "n", "responded", "censored", "median", "95% CI",
                     "% in 1 h", "% in 24 h"):
            view.add_column(name, justify="left" if name == "group" else "right")
        for r in table.to_dict("records"):
            view.add_row(str(r[table.columns[0]]), str(r["n"]), str(r["responded"]),
                         str(r["censored"]), _hours(r["median_hours"]),
                         f"{_hours(r['median_ci_low'])}-{_hours(r['median_ci_high'])}",
                         _hours(r["pct_within_1h"]), _hours(r["pct_within_24h"]))
        out.print(view)
    else:
        _print_document(table, format.value)


def _warn_empty(data: "Corpus", path: Path) -> None:
    if data.posts.empty:
        warnings.warn(ChatcodeWarning(f"{path}: the corpus holds no posts, so every count "
                                      "below is empty; check the corpus"), stacklevel=2)


def _name_inferred(corpus: "Corpus") -> None:
    """Every report on a corpus with inferred reply links says so (on stderr)."""
    from chatcode.corpus.corpus import inferred_replies_note

    note = inferred_replies_note(corpus.posts)
    if note:
        logging.getLogger("chatcode").warning(f"note: {note}")
