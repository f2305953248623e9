"""``chatcode suggest``: coding suggestions learnt from one coder, gated per code by held-out
kappa."""

import io
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcode._io.output import atomic_file, check_writable, csv_text
from chatcode.cli._app import _state, app, emit, err

if TYPE_CHECKING:  # pandas is imported by the command when it runs
    import pandas as pd


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Order(StrEnum):
    time = "time"
    uncertain = "uncertain"


class Features(StrEnum):
    tfidf = "tfidf"
    embeddings = "embeddings"


_EPILOG = (
    "Examples:\n\n"
    "  chatcode suggest corpus.xlsx anna.sqlite --codebook diabpeers.yaml --evaluate "
    "--figure curve.png\n\n"
    "  chatcode suggest corpus.xlsx anna-main.xlsx --codebook diabpeers.yaml --order "
    "uncertain --format csv -o next.csv\n\n"
    "  chatcode suggest corpus.xlsx codes.csv --codebook cb.yaml --coder anna --pass main "
    "--features embeddings --model ~/models/minilm --evaluate\n\n"
    "Suggestions are never codes: show them while coding with chatcode sheet ... "
    "--suggest-from CODES or chatcode code ... --suggest-from CODES."
)


def _note(text: str) -> None:
    if not _state["quiet"]:
        err.print(text, markup=False, highlight=False)


def feature_factory(features: Features, model: Path | None):
    """The feature step chosen on the command line (a function making a fresh one)."""
    from chatcode.coding.suggest_features import EmbeddingFeatures, TfidfFeatures

    if features is Features.tfidf:
        if model is not None:
            raise typer.BadParameter("--model goes with --features embeddings",
                                     param_hint="--model")
        return TfidfFeatures
    if model is None:
        raise typer.BadParameter("--features embeddings needs --model FOLDER (a "
                                 "sentence-transformers model saved on this machine)",
                                 param_hint="--model")
    step = EmbeddingFeatures.from_sentence_transformers(model)
    return lambda: step


@app.command(epilog=_EPILOG)
def suggest(
    corpus: Annotated[Path, typer.Argument(
        help="The corpus (written by chatcode ingest).", exists=True, show_default=False)],
    codes: Annotated[list[Path], typer.Argument(
        help="The codes to learn from: coding sheets, codes tables or coding stores of one "
        "coder and pass.", exists=True, dir_okay=False, show_default=False)],
    codebook: Annotated[Path, typer.Option(
        "--codebook", "-c", help="The codebook (YAML).", exists=True, dir_okay=False,
        show_default=False)],
    coder: Annotated[str | None, typer.Option(
        help="The coder to learn from (needed when CODES hold several).",
        show_default=False)] = None,
    pass_: Annotated[str | None, typer.Option(
        "--pass", help="The pass to learn from (needed when CODES hold several).",
        show_default=False)] = None,
    evaluate: Annotated[bool, typer.Option(
        "--evaluate", help="Print the held-out agreement per code (kappa [95% CI], AC1, "
        "precision, recall, F1, keyword baseline, posts needed to clear --min-kappa) and "
        "save the learning curve (--figure).")] = False,
    min_kappa: Annotated[float, typer.Option(
        help="Suggestions for a code are shown only when the lower bound of its held-out "
        "kappa's 95% CI is at least this.", min=0.0, max=1.0)] = 0.8,
    folds: Annotated[int, typer.Option(help="Folds of the cross-validation.", min=2)] = 5,
    group_folds: Annotated[str | None, typer.Option(
        help="Keep posts with the same value of this corpus column in one fold; 'thread' "
        "keeps each thread together.", show_default=False)] = None,
    seed: Annotated[int, typer.Option(help="Seed of the folds and of the curve.")] = 0,
    order: Annotated[Order, typer.Option(
        help="Order of the uncoded posts: time, or uncertain (active learning: the posts "
        "the models are least sure about first, rare codes early).")] = Order.time,
    features: Annotated[Features, typer.Option(
        help="Features: tfidf (word and character n-grams, default) or embeddings (a local "
        "sentence-transformers model, --model).")] = Features.tfidf,
    model: Annotated[Path | None, typer.Option(
        help="Folder of a sentence-transformers model on this machine (--features "
        "embeddings); nothing is downloaded.", file_okay=False, show_default=False)] = None,
    figure: Annotated[Path | None, typer.Option(
        help="Where --evaluate saves the learning curve (.png or .svg; default "
        "learning-curve.png).", dir_okay=False, show_default=False)] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")
                      ] = Format.table,
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Write the output to this file instead of stdout.",
        dir_okay=False, show_default=False)] = None,
    force: Annotated[bool, typer.Option(help="Replace output files that exist.")] = False,
) -> None:
    """Suggest codes for uncoded posts, learnt from the posts one coder has coded.

    Per code, a logistic regression on word and character n-grams of the text plus the
    role, is-reply and attachments of the post; k-fold cross-validation measures its
    agreement with the coder on posts it did not see, and only codes whose kappa's lower
    95% CI bound clears --min-kappa are suggested. Offline, CPU only. Without --evaluate:
    the gate per code (table) or the suggestions for the posts not coded yet (csv, json).
    """
    from chatcode.codebook import load_codebook
    from chatcode.coding.codes import read_codes
    from chatcode.corpus.corpus import read_corpus

    figure_path = (figure or Path("learning-curve.png")) if evaluate else None
    for path in (out, figure_path):
        if path is not None:
            check_writable(path, force=force)
    if figure_path is not None and figure_path.suffix.lower() not in (".png", ".svg"):
        raise typer.BadParameter("the figure must be .png or .svg", param_hint="--figure")
    cb = load_codebook(codebook)
    posts_corpus = read_corpus(corpus)
    table = read_codes(codes, codebook=cb, corpus=posts_corpus)
    make = feature_factory(features, model)
    if evaluate:
        _evaluate(posts_corpus, table, cb, coder, pass_, make, min_kappa, folds, seed,
                  group_folds, format, out, figure_path, force)
        return
    from chatcode.coding.suggest import train_suggester

    suggester = train_suggester(posts_corpus, table, cb, coder=coder, pass_=pass_,
                                features=make, min_kappa=min_kappa, folds=folds, seed=seed,
                                groups=group_folds)
    rows = uncoded_suggestions(suggester, posts_corpus.posts, table, order)
    if format is Format.table:
        text = _gate_text(suggester, rows)
    elif format is Format.csv:
        text = csv_text(rows)
    else:
        text = rows.to_json(orient="records", force_ascii=False, indent=1) + "\n"
    if emit(text, out, force=force):
        _note(f"wrote {out}")


def uncoded_suggestions(suggester, posts: "pd.DataFrame", codes: "pd.DataFrame",
                        order: Order) -> "pd.DataFrame":
    """Suggested codes (gate open) for the posts the coder has not coded, in ``order``."""
    from chatcode.corpus import schema as S

    mine = codes[codes[S.CODER].eq(suggester.coder) & codes[S.PASS].eq(suggester.pass_)]
    todo = posts[~posts[S.POST_ID].isin(set(mine[S.POST_ID]))]
    if order is Order.uncertain:
        ranking = suggester.order(todo)
        todo = todo.set_index(S.POST_ID).loc[ranking[S.POST_ID]].reset_index()
    rows = suggester.suggest(todo)
    rows = rows[rows["suggested"]].drop(columns=["suggested", "gate_open"])
    if order is Order.uncertain:
        rank = dict(zip(ranking[S.POST_ID], ranking["rank"], strict=True))
        rows.insert(0, "rank", rows[S.POST_ID].map(rank))
    return rows.reset_index(drop=True)


def _num(value: object, digits: int = 2) -> str:
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(float(value), digits) + 0.0:.{digits}f}"


def _render(tables: list, lines: list[str]) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=170, highlight=False, soft_wrap=False,
                      force_terminal=False, color_system=None)
    for t in tables:
        console.print(t)
    for line in lines:
        console.print(line, markup=False)
    return buffer.getvalue()


def _gate_text(suggester, rows: "pd.DataFrame") -> str:
    import pandas as pd
    from rich.table import Table

    t = Table(title=f"Suggestions learnt from {suggester.coder}/{suggester.pass_} "
              f"({suggester.n_posts} coded posts); gate: kappa CI low >= "
              f"{suggester.min_kappa:g}", title_justify="left")
    for h in ("dimension", "code", "kappa [95% CI]", "suggestions", "uncoded posts"):
        t.add_column(h, justify="right" if h in ("kappa [95% CI]", "uncoded posts") else "left")
    counts = rows.groupby(["dimension", "code"]).size() if len(rows) else pd.Series(dtype=int)
    for r in suggester.evaluation.itertuples():
        on = suggester.gate.get(f"{r.dimension}:{r.code}", False)
        t.add_row(r.dimension, r.code, f"{_num(r.kappa)} [{_num(r.kappa_ci_low)}, "
                  f"{_num(r.kappa_ci_high)}]", "on" if on else "off",
                  str(int(counts.get((r.dimension, r.code), 0))) if on else "")
    return _render([t], ["'uncoded posts': posts not coded yet for which the code is "
                         "suggested. --format csv lists them."])


def _evaluate(corpus, table, cb, coder, pass_, make, min_kappa, folds, seed, groups,
              format: Format, out: Path | None, figure: Path, force: bool) -> None:
    from chatcode.coding.suggest_eval import evaluate

    ev = evaluate(corpus, table, cb, coder=coder, pass_=pass_, features=make,
                  min_kappa=min_kappa, folds=folds, seed=seed, groups=groups)
    if format is Format.table:
        text = evaluation_text(ev)
    elif format is Format.csv:
        text = csv_text(ev.table)
    else:
        text = ev.table.to_json(orient="records", indent=1) + "\n"
    if emit(text, out, force=force):
        _note(f"wrote {out}")
    fig = ev.figure()
    with atomic_file(figure, force=force) as tmp:
        fig.savefig(tmp, format=figure.suffix.lower().lstrip("."), dpi=150,
                    metadata={"Software": None} if figure.suffix.lower() == ".png" else
                    {"Date": None})
    _note(f"wrote the learning curve to {figure}")
    opened = int(ev.table["gate_open"].sum())
    _note(f"{opened} of {len(ev.table)} code(s) clear kappa {min_kappa:g} (lower CI bound); "
          "suggestions are shown only for those")


def evaluation_text(ev) -> str:
    """The evaluation as a rich text table (what ``chatcode suggest --evaluate`` prints)."""
    import pandas as pd
    from rich.table import Table

    grouped = f", folds grouped by {ev.groups}" if ev.groups else ""
    t = Table(title=f"Held-out agreement of suggestions with {ev.coder}/{ev.pass_}: "
              f"{ev.n_posts} coded posts, {ev.folds}-fold cross-validation{grouped}",
              title_justify="left")
    heads = ("dimension", "code", "yes", "kappa [95% CI]", "AC1", "precision", "recall", "F1",
             "keyword kappa", f"posts to {ev.min_kappa:g}", "gate")
    for h in heads:
        t.add_column(h, justify="left" if h in ("dimension", "code", "gate") else "right")
    for r in ev.table.itertuples():
        needed = "not reached" if pd.isna(r.posts_needed) else str(int(r.posts_needed))
        t.add_row(r.dimension, r.code, str(int(r.human_yes)),
                  f"{_num(r.kappa)} [{_num(r.kappa_ci_low)}, {_num(r.kappa_ci_high)}]",
                  _num(r.ac1), _num(r.precision), _num(r.recall), _num(r.f1),
                  _num(r.keyword_kappa), needed, "on" if r.gate_open else "off")
    return _render([t], [
        "yes: posts the coder gave the code. kappa: Cohen's kappa model vs coder on posts the "
        "model did not see, asymptotic 95% CI. keyword kappa: the codebook's keywords as a "
        "baseline.",
        f"posts to {ev.min_kappa:g}: coded posts the models needed before the CI's lower bound "
        f"stayed at or above {ev.min_kappa:g} (learning curve); gate on: suggestions shown."])
