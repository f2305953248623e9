"""``chatcode code``: the terminal coder (a full-screen app writing to a coding store)."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from chatcode.cli._app import app, err
from chatcode.errors import CodingError

_EPILOG = (
    "Examples:\n\n"
    "  chatcode code corpus.xlsx --codebook diabpeers.yaml --coder anna --store anna.sqlite\n\n"
    "  chatcode code corpus.xlsx --codebook diabpeers.yaml --coder ben --pass pretest "
    "--first 10 --group g1 --store ben-pretest.sqlite\n\n"
    "  chatcode code corpus.xlsx --codebook diabpeers.yaml --coder anna --sample 20 --seed 7 "
    "--stratify --store anna-sample.sqlite\n\n"
    "  chatcode code corpus.xlsx --codebook diabpeers.yaml --coder anna --store anna.sqlite "
    "--suggest-from anna.sqlite --order uncertain\n\n"
    "Run the same command again to resume where you stopped. Read the codes with "
    "chatcode agree STORE... or chatcode tables CORPUS STORE."
)


def _selection(first: float | None, group: str | None, sample: float | None,
               seed: int | None, stratify: bool):
    from chatcode.coding.selection import Selection

    if first is not None and sample is not None:
        raise typer.BadParameter("give either --first or --sample, not both",
                                 param_hint="'--first' / '--sample'")
    if first is not None:
        return Selection("first", pct=first, group=group, seed=seed, stratify=stratify)
    if sample is not None:
        return Selection("sample", pct=sample, group=group, seed=seed, stratify=stratify)
    return Selection("all", group=group, seed=seed, stratify=stratify)


def _require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CodingError(
            "the terminal coder needs an interactive terminal, and stdin or stdout is not "
            "one (a pipe, a notebook, CI)",
            hint="run chatcode code in a terminal window; to code in Excel instead, make a "
            "coding sheet with chatcode sheet")


@app.command(name="code", epilog=_EPILOG)
def code(
    corpus: Annotated[Path, typer.Argument(
        help="The corpus (written by chatcode ingest).", exists=True, show_default=False)],
    codebook: Annotated[Path, typer.Option(
        "--codebook", help="The codebook (YAML).", exists=True, dir_okay=False,
        show_default=False)],
    coder: Annotated[str, typer.Option(
        "--coder", help="Your name or initials; stored with every decision.",
        show_default=False)],
    store: Annotated[Path, typer.Option(
        "--store", help="The coding store (.sqlite): created when new, resumed when it "
        "exists. Every decision is saved in it at once.", dir_okay=False,
        show_default=False)],
    pass_: Annotated[str, typer.Option(
        "--pass", help="Name of the coding pass, e.g. main or pretest.")] = "main",
    first: Annotated[float | None, typer.Option(
        "--first", help="Code the first PCT% of the posts of --group (a pretest).",
        metavar="PCT", show_default=False)] = None,
    group: Annotated[str | None, typer.Option(
        "--group", help="Code only the posts of this group (needed with --first when "
        "the corpus has several groups).",
        show_default=False)] = None,
    sample: Annotated[float | None, typer.Option(
        "--sample", help="Code a random PCT% of the posts (needs --seed).", metavar="PCT",
        show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Seed of the random sample (the same seed gives the same posts).",
        show_default=False)] = None,
    stratify: Annotated[bool, typer.Option(
        "--stratify", help="Sample the same percentage from each group.")] = False,
    suggest_from: Annotated[list[Path] | None, typer.Option(
        "--suggest-from", help="Show coding suggestions learnt from these codes (a store, "
        "sheet or codes table of one coder; may be this store). Only codes whose held-out "
        "kappa clears --min-kappa are suggested; + accepts a suggestion.", exists=True,
        dir_okay=False, show_default=False)] = None,
    min_kappa: Annotated[float, typer.Option(
        "--min-kappa", help="With --suggest-from: the bar for the lower bound of a code's "
        "held-out kappa CI.", min=0.0, max=1.0)] = 0.8,
    order: Annotated[str, typer.Option(
        "--order", help="Coding order of a new store: time, or uncertain (active learning, "
        "needs --suggest-from).")] = "time",
) -> None:
    """Code posts in a full-screen terminal app, one post at a time.

    Keys: 1-9 and letters toggle the codes of the focused dimension,
    0 = no code, Tab = next dimension, Enter confirms the post (open
    dimensions count as no code) and goes on, Left goes back, j jumps to
    the next uncoded post, u undoes, q quits. Every decision is saved in
    the store at once: closing the terminal loses nothing.
    """
    from chatcode.codebook import load_codebook
    from chatcode.coding.selection import select_posts
    from chatcode.coding.store import CodingStore
    from chatcode.corpus import schema as S
    from chatcode.corpus.corpus import read_corpus

    selection = _selection(first, group, sample, seed, stratify)
    if order not in ("time", "uncertain"):
        raise typer.BadParameter("use time or uncertain", param_hint="'--order'")
    if order == "uncertain" and not suggest_from:
        raise typer.BadParameter("--order uncertain needs --suggest-from CODES (the models "
                                 "that rank the posts)", param_hint="'--order'")
    cb = load_codebook(codebook)
    posts = read_corpus(corpus).posts
    selected = select_posts(posts, selection)
    suggester = _suggester(suggest_from, posts, cb, coder, pass_, min_kappa)
    ids = _coding_order(store, selected, suggester if order == "uncertain" else None)
    _require_terminal()
    resumed = store.exists() and store.stat().st_size > 0
    suggestions = None if suggester is None else suggester.suggest(
        selected.set_index(S.POST_ID, drop=False).loc[ids].reset_index(drop=True))
    with CodingStore.open(store, codebook=cb, coder=coder, pass_=pass_, selection=selection,
                          post_ids=ids) as coding:
        _run_app(coding, cb, posts, resumed, suggestions)
        n_done, n = coding.progress()
    err.print(f"{n_done} of {n} posts coded; every decision is saved in {store}")


def _suggester(sources, posts, cb, coder: str, pass_: str, min_kappa: float):
    if not sources:
        return None
    from chatcode.coding.codes import read_codes
    from chatcode.coding.suggest import describe_gate, train_for_coding

    suggester = train_for_coding(posts, read_codes(sources, codebook=cb), cb, coder=coder,
                                 pass_=pass_, min_kappa=min_kappa)
    err.print(describe_gate(suggester), markup=False)
    return suggester


def _coding_order(store: Path, selected, suggester) -> list[str]:
    """Time order, or the active-learning order for a new store; a store resumes in the
    order it was made with."""
    from chatcode.coding.store import stored_order
    from chatcode.corpus import schema as S

    ids = selected[S.POST_ID].astype(str).tolist()
    before = stored_order(store) if store.exists() and store.stat().st_size > 0 else None
    if before is not None and set(before) == set(ids):
        return list(before)
    if suggester is None:
        return ids
    return suggester.order(selected)[S.POST_ID].tolist()


def _run_app(coding, cb, posts, resumed: bool, suggestions=None) -> None:
    from chatcode.coding.tui import CoderApp

    n_done, n = coding.progress()
    position = coding.position()
    if not resumed:
        note = f"new store: {n} posts to code ({coding.meta['selection']})"
    elif position is None:
        note = f"all {n} posts are coded already; showing post 1 of {n} to review"
    else:
        note = f"resuming at post {position + 1} of {n} ({n_done} coded)"
    err.print(note)
    coder_app = CoderApp(coding, cb, posts, suggestions=suggestions)
    coder_app.message = note
    coder_app.run()
