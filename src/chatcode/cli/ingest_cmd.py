"""``chatcode ingest``: chat exports -> one canonical corpus."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from chatcode.cli._app import app, progress_bar
from chatcode.corpus import write_corpus
from chatcode.ingest import FORMATS, ingest_report
from chatcode.output import check_writable

_FORMATS_HELP = "; ".join(f"{k}: {v}" for k, v in FORMATS.items())


@app.command(
    epilog="Examples:\n\n"
    "  chatcode ingest group1.csv group2.csv -o corpus.xlsx --roles roles.yaml\n\n"
    "  chatcode ingest export.jsonl -o corpus --timezone Europe/Berlin\n\n"
    "  chatcode ingest my-export.xlsx --mapping map.yaml -o corpus.xlsx --group G1",
)
def ingest(
    exports: Annotated[list[Path], typer.Argument(
        help="Export files (one per group is fine); all go into one corpus.",
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "-o", "--out", help="Where to write the corpus: NAME.xlsx, NAME.parquet or NAME "
        "(a folder of CSV files).", show_default=False)],
    format: Annotated[str, typer.Option(
        "--format", "-f", help=f"Export format, or auto to detect it. {_FORMATS_HELP}.")
    ] = "auto",
    group: Annotated[str | None, typer.Option(
        help="Group name for posts whose export names none (default: the file name).")
    ] = None,
    timezone: Annotated[str | None, typer.Option(
        help="Time zone of naive timestamps, e.g. Europe/Berlin (default: this machine's).")
    ] = None,
    roles: Annotated[Path | None, typer.Option(
        help="YAML file: role -> list of user names or ids (moderator, team, bot, ...).",
        exists=True, dir_okay=False)] = None,
    mapping: Annotated[Path | None, typer.Option(
        help="YAML mapping of a hand-made Excel/CSV export's columns to the canonical ones.",
        exists=True, dir_okay=False)] = None,
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Read chat exports into one canonical corpus (tables posts and reactions).

    The format is detected from each file's content unless --format is given; what was
    detected, the time zone used, and the posts per role are printed on stderr.
    """
    check_writable(out, force=force)  # fail before the work, not after it
    with progress_bar("reading", None) as update:
        corpus, _ = ingest_report(exports, format=format, group=group, timezone=timezone,
                                  roles=roles, mapping=mapping, progress=update)
    with progress_bar("writing", len(corpus.posts) + len(corpus.reactions)) as update:
        write_corpus(corpus, out, force=force, progress=update)
    logging.getLogger("chatcode").info(
        f"wrote {out}: {len(corpus.posts)} posts, {len(corpus.reactions)} reactions")
