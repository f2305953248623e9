"""``chatcode ingest``: chat exports -> one canonical corpus."""

import logging
import warnings
from pathlib import Path
from typing import Annotated

import typer

from chatcode._io.output import check_writable
from chatcode.cli._app import app, progress_bar
from chatcode.errors import ChatcodeWarning

#: the names of chatcode.FORMATS, in detection order, for --help: importing chatcode.ingest
#: loads pandas, which --help does without (tests/test_lazy_imports.py pins the two equal)
FORMAT_NAMES = ("signal", "messenger", "matrix", "discord", "slack", "telegram", "whatsapp",
                "mattermost-jsonl", "mattermost-compliance", "mattermost-csv", "canonical",
                "table")
_FORMATS_HELP = ", ".join(FORMAT_NAMES)


@app.command(
    epilog="Examples:\n\n"
    "  chatcode ingest group1.csv group2.csv -o corpus.xlsx --roles roles.yaml\n\n"
    "  chatcode ingest export.jsonl -o corpus --timezone Europe/Berlin\n\n"
    "  chatcode ingest my-export.xlsx --mapping map.yaml -o corpus.xlsx --group G1\n\n"
    "  chatcode ingest chat.csv -o shared/corpus.xlsx --pseudonymize keys/study.yaml "
    "--scrub phone,email,url\n\n"
    "  chatcode ingest \"WhatsApp Chat mit Zuckerpeers.zip\" -o corpus --phrases extra-de.yaml",
)
def ingest(
    exports: Annotated[list[Path], typer.Argument(
        help="Export files (one per group is fine); all go into one corpus.",
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "-o", "--out", help="Where to write the corpus: NAME.xlsx, NAME.parquet or NAME "
        "(a folder of CSV files).", show_default=False)],
    format: Annotated[str, typer.Option(
        "--format", "-f", help=f"Export format: auto (detected from the content) or one of "
        f"{_FORMATS_HELP}. What each reads: docs/ingest.md#formats.", metavar="NAME")
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
    infer_replies: Annotated[float | None, typer.Option(
        "--infer-replies", metavar="MINUTES", min=0,
        help="For exports without reply links (WhatsApp): a message by another author within "
        "MINUTES counts as a reply to the previous post (marked as inferred).")] = None,
    dayfirst: Annotated[bool | None, typer.Option(
        "--dayfirst/--monthfirst",
        help="For exports with ambiguous dates (WhatsApp): force day or month first "
        "(default: inferred from the whole file).", show_default=False)] = None,
    pseudonymize: Annotated[Path | None, typer.Option(
        "--pseudonymize", metavar="KEYFILE", dir_okay=False,
        help="Replace authors, user ids, e-mails, @-mentions and names in texts by stable "
        "pseudonyms (M01 moderators, P01 participants, T01 team, B01 bots). KEYFILE (YAML) "
        "keeps the originals: it is created, or reused and extended; store it apart from "
        "the data.")] = None,
    scrub: Annotated[list[str] | None, typer.Option(
        "--scrub", metavar="phone,email,url",
        help="Replace phone numbers, e-mail addresses and/or URLs in texts by [phone], "
        "[email], [url] (comma-separated or repeated).")] = None,
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
    phrases: Annotated[list[Path] | None, typer.Option(
        "--phrases", metavar="FILE", exists=True, dir_okay=False,
        help="WhatsApp: a YAML phrase table that adds wording (system messages, placeholders, "
        "markers) for a language, e.g. --phrases my-es.yaml (repeatable; see "
        "docs/formats-whatsapp.md).")] = None,
) -> None:
    """Read chat exports into one canonical corpus (tables posts and reactions).

    The format is detected from each file's content unless --format is given; what was
    detected, the time zone used, and the posts per role are printed on stderr.
    """
    from chatcode.corpus.corpus import write_corpus
    from chatcode.corpus.pseudonymize import check_key_path
    from chatcode.ingest import ingest_report

    # fail before the work, not after it (.xlsx is a file; NAME and NAME.parquet folders)
    check_writable(out, force=force, folder=out.suffix.lower() != ".xlsx")
    if pseudonymize is not None:
        check_key_path(pseudonymize, out, exports)
        if pseudonymize.resolve().parent == out.resolve().parent:
            warnings.warn(ChatcodeWarning(
                f"the key file {pseudonymize} is in the same folder as the corpus {out}: "
                "move it apart from the data before sharing that folder"), stacklevel=1)
    with progress_bar("reading", None) as update:
        corpus, _ = ingest_report(exports, format=format, group=group, timezone=timezone,
                                  roles=roles, mapping=mapping, progress=update,
                                  infer_replies=infer_replies, dayfirst=dayfirst,
                                  pseudonymize=pseudonymize, scrub=scrub or (),
                                  phrases=phrases or ())
    with progress_bar("writing", len(corpus.posts) + len(corpus.reactions)) as update:
        write_corpus(corpus, out, force=force, progress=update)
    logging.getLogger("chatcode").info(
        f"wrote {out}: {len(corpus.posts)} posts, {len(corpus.reactions)} reactions")
