"""``chatcode sheet``: an Excel coding sheet for one coder (all posts, a pretest, a sample)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcode._io.output import check_writable
from chatcode.cli._app import app, err

if TYPE_CHECKING:  # pandas and the library are imported by the command when it runs
    from chatcode.coding.selection import Selection


def _selection(first: float | None, sample: float | None, group: str | None,
               seed: int | None, stratify: bool) -> "Selection":
    from chatcode.coding.selection import Selection

    if first is not None and sample is not None:
        raise typer.BadParameter("give --first or --sample, not both", param_hint="--first")
    if first is not None:
        return Selection("first", pct=first, group=group, seed=seed, stratify=stratify)
    if sample is not None:
        return Selection("sample", pct=sample, group=group, seed=seed, stratify=stratify)
    return Selection("all", group=group, seed=seed, stratify=stratify)


@app.command(
    help="Write an Excel coding sheet: one row per post, a column per code, for one coder."
    "\n\nContext columns (group, time, role, author, text, the post replied to) are locked; "
    "the coder fills the code columns: a dropdown per single-choice dimension (a code, or "
    "none for no code of that dimension) and 0/1 per code of a multiple-choice dimension. "
    "Empty rows are posts not coded yet. The sheet holds no other coder's codes.",
    epilog="Examples:\n\n"
    "  chatcode sheet corpus.xlsx --codebook codebook.yaml --coder anna -o anna.xlsx\n\n"
    "  chatcode sheet corpus.xlsx --codebook codebook.yaml --coder ben --pass pretest "
    "--first 10 --group g1 -o ben-pretest.xlsx\n\n"
    "  chatcode sheet corpus.xlsx --codebook codebook.yaml --coder ben --pass reliability "
    "--sample 20 --seed 7 --stratify -o ben-sample.xlsx\n\n"
    "  chatcode sheet corpus.xlsx --codebook codebook.yaml --coder anna --pass main2 "
    "--suggest-from anna-main.xlsx --order uncertain -o anna-next.xlsx\n\n"
    "Read the filled sheet back wherever CODES is asked for, e.g. "
    "chatcode agree anna.xlsx ben.xlsx --codebook codebook.yaml",
)
def sheet(
    corpus: Annotated[Path, typer.Argument(
        help="The corpus (written by chatcode ingest).", exists=True, show_default=False)],
    codebook: Annotated[Path, typer.Option(
        help="The codebook (YAML).", exists=True, dir_okay=False, show_default=False)],
    coder: Annotated[str, typer.Option(help="The coder's name.", show_default=False)],
    out: Annotated[Path, typer.Option(
        "-o", "--out", help="Where to write the sheet (.xlsx).", show_default=False)],
    pass_: Annotated[str, typer.Option(
        "--pass", help="The coding pass, e.g. main, pretest or reliability.")] = "main",
    first: Annotated[float | None, typer.Option(
        help="Only the first PCT percent of the posts of --group, in time order (pretest).",
        metavar="PCT", show_default=False)] = None,
    sample: Annotated[float | None, typer.Option(
        help="A random PCT percent of the posts (of --group, if given); needs --seed.",
        metavar="PCT", show_default=False)] = None,
    group: Annotated[str | None, typer.Option(
        help="The group to take posts from.", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(
        help="Seed of the random sample (the same seed gives the same posts).",
        show_default=False)] = None,
    stratify: Annotated[bool, typer.Option(
        help="With --sample: take PCT percent of each group.")] = False,
    timezone: Annotated[str | None, typer.Option(
        help="Show times in this zone, e.g. Europe/Berlin (default: this machine's).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
    suggest_from: Annotated[list[Path] | None, typer.Option(
        "--suggest-from", help="Add a locked 'suggested' column with coding suggestions "
        "learnt from these codes (one coder's sheet, store or codes table); only codes whose "
        "held-out kappa clears --min-kappa. Never filled into the code columns.",
        exists=True, dir_okay=False, show_default=False)] = None,
    min_kappa: Annotated[float, typer.Option(
        "--min-kappa", help="With --suggest-from: the bar for the lower bound of a code's "
        "held-out kappa CI.", min=0.0, max=1.0)] = 0.8,
    order: Annotated[str, typer.Option(
        "--order", help="Row order: time, or uncertain (active learning, needs "
        "--suggest-from).")] = "time",
) -> None:
    """Write an Excel coding sheet (see chatcode.coding.sheets.write_sheet)."""
    from chatcode.codebook import load_codebook
    from chatcode.coding.sheets import write_sheet
    from chatcode.corpus.corpus import read_corpus

    selection = _selection(first, sample, group, seed, stratify)
    if out.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the sheet must be an .xlsx file", param_hint="--out")
    check_writable(out, force=force)
    if order not in ("time", "uncertain"):
        raise typer.BadParameter("use time or uncertain", param_hint="'--order'")
    if order == "uncertain" and not suggest_from:
        raise typer.BadParameter("--order uncertain needs --suggest-from CODES",
                                 param_hint="'--order'")
    cb = load_codebook(codebook)
    the_corpus = read_corpus(corpus)
    suggestions = ranking = None
    if suggest_from:
        from chatcode.coding.codes import read_codes
        from chatcode.coding.selection import select_posts
        from chatcode.coding.suggest import describe_gate, train_for_coding

        suggester = train_for_coding(the_corpus, read_codes(suggest_from, codebook=cb), cb,
                                     coder=coder, pass_=pass_, min_kappa=min_kappa)
        err.print(describe_gate(suggester), markup=False)
        selected = select_posts(the_corpus.posts, selection)
        suggestions = suggester.suggest(selected)
        if order == "uncertain":
            ranking = suggester.order(selected)["post_id"].tolist()
    written = write_sheet(the_corpus, cb, out, coder=coder, pass_=pass_,
                          selection=selection, force=force, timezone=timezone,
                          suggestions=suggestions, order=ranking)
    from chatcode.coding.meta import read_meta

    meta = read_meta(written) or {}
    err.print(f"wrote {written}: {meta.get('selection', '')}, coder {coder}, pass {pass_}, "
              f"codebook {cb.name} version {cb.version}")
