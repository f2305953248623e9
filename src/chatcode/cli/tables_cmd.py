"""``chatcode tables`` and ``chatcode report``: corpus + codes + codebook -> the engagement
tables (docs/tables.md). No analysis here: see chatcode.tables.layouts,
chatcode.engagement.comparisons and
chatcode.report."""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcode._io.output import check_writable
from chatcode.cli._app import app, emit, err, out
from chatcode.engagement.choices import ADJUST_METHODS, CLUSTERS, RESPONDERS, TESTS

if TYPE_CHECKING:  # pandas and the library are imported by the commands when they run
    from rich.table import Table as RichTable

    from chatcode.engagement.coded import CodedPosts
    from chatcode.tables.layouts import Table


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    md = "md"
    xlsx = "xlsx"
    docx = "docx"


Adjust = StrEnum("Adjust", [(a, a) for a in ("none", *ADJUST_METHODS)])


class Family(StrEnum):
    table = "table"
    all = "all"


Test = StrEnum("Test", [(t, t) for t in TESTS])
Cluster = StrEnum("Cluster", [(c, c) for c in CLUSTERS])
Responders = StrEnum("Responders", [(r, r) for r in RESPONDERS])
SUFFIX = {".csv": Format.csv, ".json": Format.json, ".md": Format.md, ".xlsx": Format.xlsx,
          ".docx": Format.docx}

CorpusArg = Annotated[Path, typer.Argument(
    help="A stored corpus: NAME.xlsx, a folder of CSV files, or NAME.parquet.", exists=True,
    show_default=False)]
CodesArg = Annotated[list[Path], typer.Argument(
    help="The codes: filled coding sheets, codes tables (.csv/.xlsx), coding stores or "
    "disagreement workbooks, or a workbench project folder.", exists=True, show_default=False)]
CodebookOpt = Annotated[Path, typer.Option(
    "--codebook", help="The codebook (YAML) the posts were coded with.", exists=True,
    dir_okay=False, show_default=False)]
TableOpt = Annotated[list[str] | None, typer.Option(
    "--table", "-t", help="Table ids of the codebook (repeat, or 7,10), or all.",
    show_default=False)]
CoderOpt = Annotated[str | None, typer.Option(
    help="The coder whose codes to use (needed when CODES hold several).", show_default=False)]
PassOpt = Annotated[str | None, typer.Option(
    "--pass", help="The coding pass to use, e.g. main or consensus.", show_default=False)]
TestOpt = Annotated[Test | None, typer.Option(
    help="Test of with/without tables (default: the codebook's option, else mannwhitney).",
    show_default=False)]
ContinuityOpt = Annotated[bool | None, typer.Option(
    "--continuity/--no-continuity", help="Continuity correction of the Mann-Whitney test "
    "(default: none, as SPSS).", show_default=False)]
AdjustOpt = Annotated[Adjust | None, typer.Option(
    help="Adjust the p-values: Holm, Benjamini-Hochberg (fdr_bh), Bonferroni or "
    "Benjamini-Yekutieli (fdr_by).", show_default=False)]
FamilyOpt = Annotated[Family, typer.Option(
    "--adjust-family", help="Adjust p-values per table, or over all with/without tables "
    "as one family (e.g. --adjust-family all --adjust holm).")]
EffectOpt = Annotated[bool, typer.Option(
    "--effect-size", help="Show effect sizes (rank-biserial r, Hedges' g) and 95% CIs of "
    "the means in journal layouts (JSON and CSV always carry them).")]
ClusterOpt = Annotated[Cluster | None, typer.Option(
    help="Cluster-aware p-values by author or group, for every test (t with G-1 df below "
    "20 clusters).", show_default=False)]
SelfOpt = Annotated[bool, typer.Option(
    "--include-self", help="Also count responses by the post's own author.")]
RespondersOpt = Annotated[Responders, typer.Option(
    help="Count responses by all authors, or only by participants.")]
StrictOpt = Annotated[bool, typer.Option(
    help="Stop with an error when posts of the corpus have no codes (default: leave them "
    "out with a warning).")]
ForceOpt = Annotated[bool, typer.Option(help="Replace the output if it exists.")]


def _coded(corpus: Path, codes: list[Path], codebook: Path, coder: str | None,
           pass_: str | None, include_self: bool, responders: Responders,
           strict: bool) -> "CodedPosts":
    from chatcode.codebook import load_codebook
    from chatcode.coding.codes import read_codes
    from chatcode.corpus.corpus import read_corpus
    from chatcode.engagement.coded import coded_posts

    cb = load_codebook(codebook)
    return coded_posts(read_corpus(corpus), read_codes(codes, codebook=cb), cb, coder=coder,
                       pass_=pass_, include_self=include_self, responders=responders.value,
                       strict=strict)


def _overrides(test: Test | None, continuity: bool | None, adjust: Adjust | None,
               cluster: Cluster | None, effect_size: bool = False) -> dict[str, object]:
    return {"test": test.value if test else None, "continuity": continuity,
            "adjust": adjust.value if adjust else None,
            "cluster": cluster.value if cluster else None,
            "effect_size": True if effect_size else None}


def _format(format: Format | None, path: Path | None, force: bool) -> Format:
    """The output format: --format, else the suffix of -o, else a table; checked early."""
    kind = SUFFIX.get(path.suffix.lower()) if path is not None else None
    if path is not None and kind is None:
        raise typer.BadParameter(f"cannot tell the format of {path}: name it .csv, .json, .md, "
                                 ".xlsx or .docx", param_hint="'-o' / '--out'")
    if format is not None and path is not None and format is not Format.table \
            and kind is not format:
        raise typer.BadParameter(f"--format {format.value} does not match {path}",
                                 param_hint="'-o' / '--out'")
    chosen = kind or format or Format.table
    if chosen in (Format.xlsx, Format.docx) and path is None:
        raise typer.BadParameter(f"a .{chosen.value} file is written to a file: give -o "
                                 f"TABLES.{chosen.value}", param_hint="'--format'")
    if path is not None:
        check_writable(path, force=force)
    return chosen


def _rich(table: "Table") -> "RichTable":
    from rich import box
    from rich.table import Table as RichTable

    from chatcode.tables.report import heading, journal_frame, table_note

    frame = journal_frame(table)

    # no vertical rules (a journal table has none): 9 columns fit 80 terminal columns
    view = RichTable(title=heading(table), title_justify="left", caption=table_note(table),
                     caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for j, name in enumerate(frame.columns):
        cells = ["" if v is None else str(v) for v in frame.iloc[:, j]]
        # a column is as wide as its longest word: mean and (SD), header words, wrap apart
        word = max(len(w) for text in [str(name), *cells] for w in text.split() or [""])
        word = max(word, min(max(map(len, cells), default=0), 12))  # "2 h 56 min" whole
        if j == 0:  # row labels wrap between words, never inside one
            view.add_column(str(name), justify="left", min_width=12, overflow="fold")
        else:
            view.add_column(str(name), justify="right", overflow="fold",
                            max_width=max(word, 4))
    for row in frame.itertuples(index=False, name=None):
        view.add_row(*("" if v is None else str(v) for v in row))
    return view


@app.command(
    "tables",
    epilog="Examples:\n\n"
    "  chatcode tables corpus.xlsx codes.csv --codebook codebooks/diabpeers.yaml\n\n"
    "  chatcode tables corpus.xlsx codes.csv --codebook cb.yaml --table 7 --table 10 "
    "--format json\n\n"
    "  chatcode tables corpus codes.csv --codebook cb.yaml --coder A --pass main "
    "--test negbin --cluster author -o tables.xlsx\n\n"
    "  chatcode tables corpus.xlsx codes.csv --codebook cb.yaml --effect-size --cluster "
    "author --adjust holm --adjust-family all\n\n"
    "  chatcode tables corpus.xlsx codes.csv --codebook cb.yaml -o tables.docx",
)
def tables_command(
    corpus: CorpusArg,
    codes: CodesArg,
    codebook: CodebookOpt,
    table: TableOpt = None,
    format: Annotated[Format | None, typer.Option(
        "--format", "-f", help="table (default), csv, json, md, xlsx or docx (journal "
        "tables; xlsx and docx need -o). With -o: from its suffix.",
        show_default=False)] = None,
    out_file: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Write to this file (.csv, .json, .md, .xlsx, .docx).",
        dir_okay=False, show_default=False, metavar="FILE")] = None,
    coder: CoderOpt = None,
    pass_: PassOpt = None,
    test: TestOpt = None,
    continuity: ContinuityOpt = None,
    adjust: AdjustOpt = None,
    cluster: ClusterOpt = None,
    effect_size: EffectOpt = False,
    adjust_family: FamilyOpt = Family.table,
    include_self: SelfOpt = False,
    responders: RespondersOpt = Responders.all,
    strict: StrictOpt = False,
    force: ForceOpt = False,
) -> None:
    """The engagement tables the codebook declares (tables:), or those named by --table.

    With/without tables compare the mean (SD) responses of posts with and without each
    code and name the test used; support_characteristics, topics, frequencies, latency and
    participation tables describe the posts. JSON and CSV numbers are unrounded. See
    docs/tables.md.
    """
    from chatcode.tables.layouts import build_tables
    from chatcode.tables.report import provenance, to_csv, to_json, to_markdown, write_workbook

    kind = _format(format, out_file, force)
    coded = _coded(corpus, codes, codebook, coder, pass_, include_self, responders, strict)
    overrides = _overrides(test, continuity, adjust, cluster, effect_size)
    built = build_tables(coded, tables=table or "all", adjust_family=adjust_family.value,
                         **overrides)
    if kind is Format.xlsx:
        prov = provenance(coded, inputs=[corpus, *codes, codebook], options={
            "tables": table or "all", **{k: v for k, v in overrides.items() if v is not None},
            "adjust_family": adjust_family.value})
        write_workbook(built, out_file, provenance=prov, force=force)
    elif kind is Format.docx:
        from chatcode.tables.docx import write_docx

        write_docx(built, out_file, force=force)
    elif kind is Format.table and out_file is None:
        for t in built:
            out.print(_rich(t), soft_wrap=False)  # fold to the terminal width
            out.print()
        return
    else:
        text = {Format.csv: to_csv, Format.json: to_json, Format.md: to_markdown,
                Format.table: to_markdown}[kind](built)
        if not emit(text, out_file, force=force):
            return
    err.print(f"wrote {out_file}: {len(built)} table(s)")


@app.command(
    "report",
    epilog="Examples:\n\n"
    "  chatcode report corpus.xlsx codes.csv --codebook codebooks/diabpeers.yaml -o report\n\n"
    "  chatcode report corpus main.xlsx pretest.xlsx retest.xlsx --codebook cb.yaml "
    "--coder A --pass main -o report --force",
)
def report_command(
    corpus: CorpusArg,
    codes: CodesArg,
    codebook: CodebookOpt,
    out_dir: Annotated[Path, typer.Option(
        "-o", "--out", help="The folder to write (it must not exist, unless --force).",
        file_okay=False, show_default=False)],
    table: TableOpt = None,
    coder: CoderOpt = None,
    pass_: PassOpt = None,
    test: TestOpt = None,
    continuity: ContinuityOpt = None,
    adjust: AdjustOpt = None,
    cluster: ClusterOpt = None,
    effect_size: EffectOpt = False,
    adjust_family: FamilyOpt = Family.table,
    include_self: SelfOpt = False,
    responders: RespondersOpt = Responders.all,
    strict: StrictOpt = False,
    synthetic: Annotated[bool | None, typer.Option(
        "--synthetic/--real", help="Say on the report that the data are synthetic (or "
        "real); default: not stated.", show_default=False)] = None,
    force: ForceOpt = False,
) -> None:
    """Write a report folder: a page, a Word document, the workbook and the figures.

    report.html (summary, methods-and-results draft, reliability, every table and figure),
    report.docx, methods.md, tables.xlsx, tables.json and figures/.

    Give every coding sheet as CODES (with --coder/--pass for the tables): the other
    coders and passes become the reliability section. See docs/tables.md.
    """
    from chatcode.codebook import load_codebook
    from chatcode.coding.codes import read_codes
    from chatcode.corpus.corpus import read_corpus
    from chatcode.engagement.coded import coded_posts
    from chatcode.tables.report import write_report

    check_writable(out_dir, force=force, folder=True)
    cb = load_codebook(codebook)
    all_codes = read_codes(codes, codebook=cb)
    coded = coded_posts(read_corpus(corpus), all_codes, cb, coder=coder, pass_=pass_,
                        include_self=include_self, responders=responders.value,
                        strict=strict)
    overrides = _overrides(test, continuity, adjust, cluster, effect_size)
    overrides["adjust_family"] = adjust_family.value
    path = write_report(coded, out_dir, tables=table or "all",
                        inputs=[corpus, *codes, codebook], codes=all_codes,
                        synthetic=synthetic, options={"tables": table or "all"},
                        force=force, **overrides)
    figures = len(list((path / "figures").glob("*.png")))
    err.print(f"wrote {path}: report.html, report.docx, methods.md, tables.xlsx, "
              f"tables.json and {figures} figure(s) in figures/")
