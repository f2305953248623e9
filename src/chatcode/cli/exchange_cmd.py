"""``chatcode export`` and ``chatcode import``: the coded chat to and from SPSS, Stata, R and
REFI-QDA (MAXQDA, NVivo, ATLAS.ti, QualCoder). No analysis here: see chatcode.exchange."""

from pathlib import Path
from typing import Annotated

import typer

from chatcode._io.output import check_writable
from chatcode.cli._app import app, emit, err


@app.command(
    "export",
    help="Write the coded chat for SPSS (.sav), Stata (.dta), R/Python (.parquet, .feather) "
    "or a QDA program (.qdpx), chosen by the suffix of OUT."
    "\n\nData files: one row per post one coder coded, with group, time (UTC), author, role, "
    "the response counts and hours to the first response, and the codes (0/1 per code, one "
    "categorical variable per single-choice dimension), with variable and value labels from "
    "the codebook. A .qdpx project holds every coder and pass: the chat as text, the "
    "codebook as codes, each coded post a coded selection.",
    epilog="Examples:\n\n"
    "  chatcode export corpus.xlsx A-main.xlsx --codebook codebook.yaml -o study.sav\n\n"
    "  chatcode export corpus.xlsx codes.csv --codebook codebook.yaml --coder A --pass main "
    "-o study.dta\n\n"
    "  chatcode export corpus.xlsx A-main.xlsx B-pretest.xlsx --codebook codebook.yaml "
    "-o study.qdpx",
)
def export(
    corpus: Annotated[Path, typer.Argument(
        help="The corpus (written by chatcode ingest).", exists=True, show_default=False)],
    codes: Annotated[list[Path], typer.Argument(
        help="Coding sheets, codes tables or coding stores.", exists=True, dir_okay=False,
        show_default=False, metavar="CODES...")],
    codebook: Annotated[Path, typer.Option(
        help="The codebook (YAML).", exists=True, dir_okay=False, show_default=False)],
    out: Annotated[Path, typer.Option(
        "-o", "--out", help="The file to write: .sav, .dta, .parquet, .feather or .qdpx.",
        show_default=False)],
    coder: Annotated[str | None, typer.Option(
        help="The coder whose codes to write (data files; needed when CODES hold several).",
        show_default=False)] = None,
    pass_: Annotated[str | None, typer.Option(
        "--pass", help="The pass whose codes to write (data files).",
        show_default=False)] = None,
    dummies: Annotated[bool, typer.Option(
        help="0/1 variables for single-choice dimensions too, instead of one categorical "
        "variable each.")] = False,
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Export the coded chat (see chatcode.exchange)."""
    from chatcode.codebook import load_codebook
    from chatcode.coding.codes import read_codes
    from chatcode.corpus.corpus import read_corpus
    from chatcode.exchange import STAT_SUFFIXES, analysis_frame, write_qdpx, write_statfile

    suffix = out.suffix.lower()
    if suffix != ".qdpx" and suffix not in STAT_SUFFIXES:
        raise typer.BadParameter("use .sav, .dta, .parquet, .feather or .qdpx",
                                 param_hint="--out")
    check_writable(out, force=force)
    cb = load_codebook(codebook)
    posts = read_corpus(corpus)
    table = read_codes(codes, codebook=cb, corpus=posts)
    if suffix == ".qdpx":
        write_qdpx(posts, table, cb, out, force=force)
        users = table[["coder", "pass"]].drop_duplicates()
        err.print(f"wrote {out}: {posts.posts['group'].nunique()} source(s), "
                  f"{len(users)} coder/pass user(s), codebook {cb.name} version {cb.version}",
                  markup=False, highlight=False)
        return
    from chatcode.engagement.coded import coded_posts

    frame = analysis_frame(coded_posts(posts, table, cb, coder=coder, pass_=pass_),
                           dummies=dummies)
    write_statfile(frame, out, force=force)
    err.print(f"wrote {out}: {len(frame.data)} posts, {frame.data.shape[1]} variables "
              f"({STAT_SUFFIXES[suffix]})", markup=False, highlight=False)


@app.command(
    "import",
    help="Read the codings of a REFI-QDA project (.qdpx) into a codes table."
    "\n\nA project written by chatcode export and coded in MAXQDA, NVivo, ATLAS.ti or "
    "QualCoder comes back with one row per post, coder, pass and code. Users named "
    "coder/pass give both; other users get --pass. The result is accepted wherever CODES "
    "is asked for (chatcode agree, chatcode tables); a .qdpx itself is accepted there too.",
    epilog="Examples:\n\n"
    "  chatcode import study.qdpx --codebook codebook.yaml -o codes.csv\n\n"
    "  chatcode agree codes.csv --codebook codebook.yaml",
)
def import_(
    project: Annotated[Path, typer.Argument(
        help="The REFI-QDA project (.qdpx).", exists=True, dir_okay=False,
        show_default=False)],
    codebook: Annotated[Path, typer.Option(
        help="The codebook (YAML) the codes are matched to.", exists=True, dir_okay=False,
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "-o", "--out", help="Where to write the codes table (.csv or .xlsx).",
        show_default=False)],
    pass_: Annotated[str, typer.Option(
        "--pass", help="The pass of users whose name is not coder/pass.")] = "qda",
    all_coded: Annotated[bool | None, typer.Option(
        "--all-coded/--selected-only",
        help="Count every post of a source as coded by each user who coded in it (default "
        "for projects not written by chatcode), or only the posts a user selected.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Import codings from a REFI-QDA project (see chatcode.exchange.read_qdpx)."""
    from chatcode._io.output import csv_text, write_workbook
    from chatcode.codebook import load_codebook
    from chatcode.exchange import read_qdpx

    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise typer.BadParameter("write the codes table as .csv or .xlsx", param_hint="--out")
    check_writable(out, force=force)
    table = read_qdpx(project, codebook=load_codebook(codebook), pass_=pass_,
                      all_coded=all_coded)
    if suffix == ".csv":  # read back by chatcode: no formula guard
        emit(csv_text(table, guard=False), out, force=force)
    else:
        write_workbook(out, {"codes": table}, force=force)
    users = table[["coder", "pass"]].drop_duplicates()
    err.print(f"wrote {out}: {len(table)} decisions of {table['post_id'].nunique()} posts by "
              f"{len(users)} coder/pass", markup=False, highlight=False)
