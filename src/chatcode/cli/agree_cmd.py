"""``chatcode agree``: agreement between coders or passes, the disagreement workbook, the gate."""

import io
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcode._io.output import check_writable, csv_text
from chatcode.cli._app import _state, app, emit, err
from chatcode.errors import AgreementError

if TYPE_CHECKING:  # pandas and the library are imported by the command when it runs
    import pandas as pd
    from rich.table import Table

    from chatcode.reliability.agreement import AgreementResult


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command(
    epilog="Examples:\n\n"
    "  chatcode agree sheet_anna.xlsx sheet_ben.xlsx --codebook codebook.yaml\n\n"
    "  chatcode agree codes.csv --codebook cb.yaml --coders anna/main,anna/retest "
    "--format json -o retest.json\n\n"
    "  chatcode agree a.xlsx b.xlsx --codebook cb.yaml --min-kappa 0.8 "
    "--disagreements discuss.xlsx --corpus corpus.xlsx",
)
def agree(
    codes: Annotated[list[Path], typer.Argument(
        help="Coding sheets, codes tables (.csv/.xlsx), coding stores or a settled "
        "disagreement workbook, or a workbench project folder.", exists=True, show_default=False)],
    codebook: Annotated[Path, typer.Option(
        "--codebook", "-c", help="The codebook the codes were made with (YAML).",
        exists=True, dir_okay=False, show_default=False)],
    coders: Annotated[str | None, typer.Option(
        help="Coder/pass combinations to compare, comma-separated, e.g. A/main,B/pretest "
        "(inter-coder) or A/main,A/retest (intra-coder). Default: all found.")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")
                      ] = Format.table,
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Write the output to this file instead of stdout.",
        dir_okay=False)] = None,
    min_kappa: Annotated[float | None, typer.Option(
        help="Exit 1 naming every code and single-choice dimension whose kappa is below "
        "K; codes that never vary pass (docs/agreement.md).", min=-1.0, max=1.0,
        metavar="K")] = None,
    require_variation: Annotated[bool, typer.Option(
        "--require-variation", help="With --min-kappa: also fail codes whose kappa is "
        "undefined because they never vary.")] = False,
    bootstrap: Annotated[int, typer.Option(
        help="Add a bootstrap CI of kappa from this many resamples of the posts.", min=0)
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap resampling.")] = 0,
    confidence: Annotated[float, typer.Option(
        help="Level of the confidence intervals.", min=0.5, max=0.999)] = 0.95,
    disagreements: Annotated[Path | None, typer.Option(
        help="Also write the posts the coders coded differently to this workbook (.xlsx), "
        "with an empty consensus column; read it back as CODES for the consensus pass.",
        dir_okay=False)] = None,
    corpus: Annotated[Path | None, typer.Option(
        help="The corpus the posts come from: its texts go into the disagreement workbook.",
        exists=True)] = None,
    force: Annotated[bool, typer.Option(help="Replace output files that exist.")] = False,
) -> None:
    """Agreement per code and per single-choice dimension between coders or coding passes.

    Units are the posts coded by all compared coder/pass combinations. For each code:
    percent agreement, Cohen's kappa with its 95% CI (Conger's kappa for more than two
    coders, plus Fleiss' kappa and every pair), PABAK, Gwet's AC1 and Krippendorff's alpha;
    rare codes, where kappa is unstable, are flagged. Notes go to stderr.
    """
    from chatcode.codebook import load_codebook
    from chatcode.coding.codes import read_codes
    from chatcode.corpus.corpus import read_corpus
    from chatcode.reliability.agreement import agreement

    for path in (out, disagreements):
        if path is not None:
            check_writable(path, force=force)
    if disagreements is not None and disagreements.suffix.lower() != ".xlsx":
        raise AgreementError("the disagreement workbook must be an .xlsx file",
                             hint=f"e.g. --disagreements {disagreements.with_suffix('.xlsx')}")
    cb = load_codebook(codebook)
    posts = read_corpus(corpus) if corpus is not None else None
    table = read_codes(codes, codebook=cb, corpus=posts)
    names = [c.strip() for c in coders.split(",") if c.strip()] if coders else None
    result = agreement(table, cb, coders=names, bootstrap=bootstrap, seed=seed,
                       confidence=confidence)
    _notes(result)
    _emit(_document(result, format), out, force)
    if disagreements is not None:
        from chatcode.coding.disagreements import write_disagreements

        rows = write_disagreements(table, cb, disagreements, coders=result.coders,
                                   corpus=posts, force=force)
        _note(f"wrote {disagreements}: {len(rows)} post/dimension pair(s) to settle "
              f"({rows['post_id'].nunique() if len(rows) else 0} post(s))")
    if min_kappa is not None:
        _gate(result, min_kappa, require_variation)


def _note(text: str) -> None:
    if not _state["quiet"]:
        err.print(text, markup=False, highlight=False)


def _notes(result: "AgreementResult") -> None:
    for note in result.notes:
        _note(f"note: {note}")


def _gate(result: "AgreementResult", min_kappa: float, require_variation: bool) -> None:
    failing = result.below(min_kappa, require_variation=require_variation)
    if len(failing):
        lines = [f"{r.dimension}:{r.code}" if isinstance(r.code, str) else
                 f"{r.dimension} (nominal)" for r in failing.itertuples()]
        details = "; ".join(f"{name}: {r.reason}" for name, r in
                            zip(lines, failing.itertuples(), strict=True))
        raise AgreementError(
            f"{len(failing)} of {len(result.codes) + len(result.dimensions)} code(s) and "
            f"dimension(s) below kappa {min_kappa:g}: {details}",
            hint="discuss the disagreements (--disagreements FILE.xlsx), sharpen the "
            "definitions and code again")
    flat = [] if require_variation else result.without_variation()
    _note(f"every code and single-choice dimension reaches kappa {min_kappa:g}"
          + (f"; {len(flat)} code(s) never vary and pass: {', '.join(flat)}" if flat else ""))


def _document(result: "AgreementResult", format: Format) -> str:
    if format is Format.json:
        return result.to_json() + "\n"
    if format is Format.csv:
        return csv_text(result.codes)
    from chatcode._io.terminal import SafeConsole
    from chatcode.cli._app import out as terminal
    from chatcode.reliability.agreement import RARE_MIN_POSTS, RARE_SHARE

    buffer = io.StringIO()

    console = SafeConsole(file=buffer, width=terminal.width, soft_wrap=False,
                          force_terminal=False, color_system=None)
    for table in _tables(result):
        console.print(table)
    console.print(f"rare: the rarer category is under {RARE_SHARE:.0%} of the ratings or some "
                  f"coder gave it to fewer than {RARE_MIN_POSTS} posts; kappa is unstable "
                  "there, read AC1 and PABAK. Labels: Landis & Koch (1977).")
    if result.bootstrap:
        console.print(f"bootstrap CI: percentiles of {result.bootstrap} resamples of the posts "
                      f"(seed {result.seed}).")
    return buffer.getvalue()


def _emit(text: str, out: Path | None, force: bool) -> None:
    if emit(text, out, force=force):
        _note(f"wrote {out}")


def _num(value: object, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(value, digits) + 0.0:.{digits}f}"  # + 0.0: no "-0.000"


def _kappa_ci(row: "pd.Series") -> str:
    text = _num(row["kappa"])
    if not math.isnan(row["kappa_ci_low"]):
        text += f" [{_num(row['kappa_ci_low'])}, {_num(row['kappa_ci_high'])}]"
    return text


def _boot_ci(row: "pd.Series") -> list[str]:
    if "kappa_boot_ci_low" not in row:
        return []
    if math.isnan(row["kappa_boot_ci_low"]):
        return ["–"]
    return [f"[{_num(row['kappa_boot_ci_low'])}, {_num(row['kappa_boot_ci_high'])}]"]


def _tables(result: "AgreementResult") -> "list[Table]":
    from rich.table import Table

    many = len(result.coders) > 2
    pct = f"{result.confidence:.0%}"
    title = (f"Agreement of {', '.join(result.coders)} on {result.n_units} post(s): "
             f"kappa [{pct} CI]" + (" (Conger's kappa)" if many else ""))
    codes = Table(title=title, title_justify="left")
    boot = ["bootstrap CI"] if result.bootstrap else []
    heads = ["dimension", "code", "n", "% agree", "kappa [CI]", *boot, "Landis & Koch", "AC1",
             "PABAK", "alpha", *(["Fleiss"] if many else []), "rare"]
    for h in heads:
        codes.add_column(h, justify="left" if h in ("dimension", "code", "Landis & Koch",
                                                    "rare") else "right")
    for _, r in result.codes.iterrows():
        codes.add_row(r["dimension"], r["code"], str(r["n"]),
                      _num(100 * r["percent_agreement"], 1), _kappa_ci(r), *_boot_ci(r),
                      r["interpretation"], _num(r["ac1"]), _num(r["pabak"]),
                      _num(r["alpha"]), *([_num(r["fleiss_kappa"])] if many else []),
                      "rare" if r["rare"] else "")
    tables = [codes]
    if len(result.dimensions):
        dims = Table(title="Single-choice dimensions (one nominal variable each)",
                     title_justify="left")
        for h in ("dimension", "n", "categories", "% agree", "kappa [CI]", *boot,
                  "Landis & Koch", "AC1", "PABAK", "alpha"):
            dims.add_column(h, justify="left" if h in ("dimension", "Landis & Koch")
                            else "right")
        for _, r in result.dimensions.iterrows():
            dims.add_row(r["dimension"], str(r["n"]), str(r["n_categories"]),
                         _num(100 * r["percent_agreement"], 1), _kappa_ci(r), *_boot_ci(r),
                         r["interpretation"], _num(r["ac1"]), _num(r["pabak"]),
                         _num(r["alpha"]))
        tables.append(dims)
    if many:
        tables.append(_pairs_table(result))
    return tables


def _pairs_table(result: "AgreementResult") -> "Table":
    from rich.table import Table

    pairs = result.pairs.assign(pair=result.pairs["coder_a"] + " – " + result.pairs["coder_b"],
                                variable=result.pairs["dimension"] + ":" +
                                result.pairs["code"].fillna("(nominal)"))
    wide = pairs.pivot_table(index="variable", columns="pair", values="kappa", sort=False,
                             dropna=False)
    table = Table(title="Cohen's kappa of every pair (on the posts both coded)",
                  title_justify="left")
    table.add_column("code")
    for col in wide.columns:
        table.add_column(col, justify="right")
    for variable, row in wide.iterrows():
        table.add_row(variable, *(_num(v) for v in row))
    return table
