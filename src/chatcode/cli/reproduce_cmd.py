"""``chatcode reproduce`` and ``chatcode check-published``: a sample's published figures,
reproduced through the pipeline, and consistency checks of published tables. No analysis
here: see chatcode.reproduce.run and chatcode.published."""

import io
import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcode._io.output import atomic_dir, check_writable, csv_text
from chatcode.cli._app import _state, app, err

if TYPE_CHECKING:  # pandas and rich are imported by the commands when they run
    import pandas as pd

    from chatcode._io.terminal import SafeConsole


class Format(StrEnum):
    table = "table"
    json = "json"


class Rounding(StrEnum):
    half_up = "half_up"
    half_even = "half_even"


FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="table (for people) or json (the document only, on stdout).")]


def _note(text: str) -> None:
    if not _state["quiet"]:
        err.print(text, markup=False, highlight=False)


def _console(buffer: io.StringIO) -> "SafeConsole":
    from chatcode._io.terminal import SafeConsole
    from chatcode.cli._app import out

    return SafeConsole(file=buffer, width=out.width, soft_wrap=False, force_terminal=False,
                       color_system=None)  # the terminal's width


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


@app.command(
    "reproduce",
    epilog="Examples:\n\n"
    "  chatcode reproduce\n\n"
    "  chatcode reproduce data/samples/diabpeers --format json > figures.json\n\n"
    "  chatcode reproduce path/to/sample -o reproduced --force",
)
def reproduce_command(
    sample: Annotated[Path | None, typer.Argument(
        help="A sample folder with sample.yaml (default: the bundled DiabPeerS sample).",
        exists=True, show_default=False)] = None,
    format: FormatOpt = Format.table,
    out_dir: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Also write figures.csv, figures.json and tables.xlsx into this "
        "folder (it must not exist, unless --force).", file_okay=False, show_default=False)
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace the output folder if it exists.")
                     ] = False,
) -> None:
    """Reproduce every published figure of a sample and print published vs reproduced.

    Ingests the exports (and checks the bulk-export JSONL gives the same corpus), reads the
    coding sheets, computes agreement and the tables with the normal pipeline, and compares
    each figure at its printed precision (rounded half up). Exit 1 when a figure is missed.
    See docs/reproduce.md.
    """
    from chatcode.reproduce.run import run_sample

    if out_dir is not None:
        check_writable(out_dir, force=force, folder=True)
    start = time.perf_counter()
    rep = run_sample(sample)
    figures = rep.figures
    for note in figures.attrs.get("notes", []):
        _note(f"note: {note}")
    if format is Format.json:
        _write(json.dumps(rep.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        _write(_figures_text(figures))
    if out_dir is not None:
        _write_out(rep, out_dir, force)
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in rep.seconds.items())
    _note(f"reproduced {rep.sample.name} in {time.perf_counter() - start:.1f} s ({parts})")
    missed = figures[~figures["match"]]
    if len(missed):
        _note(f"missed {len(missed)} figure(s): {', '.join(missed['id'])}")
        raise typer.Exit(1)


_RATIOS = {"figure": 3, "where": 1, "published": 1, "reproduced": 1, "note": 3}


def _figures_text(figures: "pd.DataFrame") -> str:
    """Published vs reproduced, one row per figure. In a terminal narrower than 120 columns
    the "where" column joins the note, so ids and values stay readable at 80."""
    from rich import box
    from rich.table import Table

    buffer = io.StringIO()
    console = _console(buffer)
    wide = console.width >= 120
    view = Table(title="Published vs reproduced", title_justify="left", box=box.SIMPLE_HEAD,
                 expand=True)
    names = ["figure", *(["where"] if wide else []), "published", "reproduced", "", "note"]
    for name in names:
        view.add_column(name, justify="right" if name in ("published", "reproduced") else
                        "left", overflow="fold", ratio=_RATIOS.get(name))
    for r in figures.itertuples():
        place = [r.where[:40]] if wide else []
        note = r.note if wide else "; ".join(x for x in (r.where, r.note) if x)
        view.add_row(r.id, *place, r.published, r.reproduced, "✓" if r.match else "✗", note)
    console.print(view)
    console.print(f"{int(figures['match'].sum())} of {len(figures)} published figures "
                  "reproduced")
    return buffer.getvalue()


def _write_out(rep, out_dir: Path, force: bool) -> None:
    from chatcode.tables.report import provenance, write_workbook

    with atomic_dir(out_dir, force=force) as tmp:
        (tmp / "figures.csv").write_text(csv_text(rep.figures), encoding="utf-8",
                                         newline="")
        (tmp / "figures.json").write_text(json.dumps(rep.to_dict(), ensure_ascii=False,
                                                     indent=2) + "\n", encoding="utf-8")
        prov = provenance(rep.coded, inputs=[*rep.sample.exports, *rep.sample.codes,
                                             rep.sample.codebook],
                          options={"sample": rep.sample.name})
        write_workbook(rep.tables, tmp / "tables.xlsx", provenance=prov)
    _note(f"wrote {out_dir}: figures.csv, figures.json, tables.xlsx")


@app.command(
    "check-published",
    epilog="Examples:\n\n"
    "  chatcode check-published data/samples/diabpeers/published.yaml --max-value 12\n\n"
    "  chatcode check-published published.yaml --n-total 2584 --format json",
)
def check_published_command(
    file: Annotated[Path, typer.Argument(
        help="A published.yaml listing the published tables and figures.", exists=True,
        dir_okay=False, show_default=False)],
    n_total: Annotated[int | None, typer.Option(
        help="Posts in the whole population (default: population.posts in the file, else "
        "derived from a count and its percentage).", min=2, show_default=False)] = None,
    max_value: Annotated[int | None, typer.Option(
        help="The largest possible value per post (default: population.max_value in the "
        "file, else unbounded).", min=1, show_default=False)] = None,
    rounding: Annotated[Rounding, typer.Option(
        help="How the paper rounded: half_up (SPSS, Excel) or half_even.")
    ] = Rounding.half_up,
    format: FormatOpt = Format.table,
) -> None:
    """Check that published means, SDs, percentages and stars can come from integer data.

    GRIM and GRIMMER-style checks of every mean (SD) cell, the group sizes each cell allows,
    the sizes that fit the with and without cells of one population together, which t-tests
    can give the printed stars, and notes on time figures. Exit 1 when a printed figure is
    impossible. See docs/reproduce.md.
    """
    from chatcode.reproduce.checks import check_published

    start = time.perf_counter()
    report = check_published(file, n_total=n_total, max_value=max_value,
                             rounding=rounding.value)
    if format is Format.json:
        _write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        _write(_check_text(report))
    _note(f"checked {file} in {time.perf_counter() - start:.1f} s")
    if not report.consistent:
        _note(f"{len(report.problems)} published figure(s) impossible: "
              + "; ".join(report.problems))
        raise typer.Exit(1)


_SECTIONS = (
    ("joint", "Group sizes that fit each with/without row within one population",
     ("table", "code", "sizes", "values")),
    ("percentages", "Counts each printed percentage allows", ("id", "value", "pct_of",
                                                              "counts")),
    ("tests", "Which t-tests can give the printed stars (p over the feasible sizes and the "
     "rounding intervals)", ("table", "code", "printed", "welch_p", "welch_stars",
                             "student_p", "student_stars")),
    ("cells", "Each cell alone: sizes n for which the printed mean (SD) is possible",
     ("table", "code", "side", "mean", "sd", "n_feasible", "sizes")),
)


def _check_text(report) -> str:
    from rich.table import Table

    buffer = io.StringIO()
    console = _console(buffer)
    console.print(f"Population: {report.population['text']}; rounding {report.rounding}; "
                  f"values 0..{report.max_value if report.max_value else 'unbounded'}")
    for attr, title, columns in _SECTIONS:
        frame = getattr(report, attr)
        if not len(frame):
            continue
        view = Table(title=title, title_justify="left")
        for c in columns:
            view.add_column(c, overflow="fold")
        for rec in frame.to_dict("records"):
            view.add_row(*(str(rec.get(c, "")) for c in columns))
        console.print(view)
    for note in report.notes:
        console.print(f"note: {note}")
    console.print("consistent: every published figure is possible" if report.consistent
                  else "INCONSISTENT: " + "; ".join(report.problems))
    return buffer.getvalue()
