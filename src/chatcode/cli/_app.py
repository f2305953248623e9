"""The typer app, the stderr console, and the error/warning handling every command shares."""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from chatcode import __version__
from chatcode._io.output import atomic_file
from chatcode.errors import ChatcodeError, ChatcodeWarning

app = typer.Typer(
    name="chatcode",
    help="Content analysis of chat protocols: ingest chat exports, code posts, check coder "
    "agreement and report which posts engage people.\n\n"
    "Example: chatcode ingest export.csv -o corpus.xlsx && chatcode responses corpus.xlsx",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: wraps to any terminal (cli/_help.py)
    context_settings={"help_option_names": ["-h", "--help"]},
)

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
_state = {"debug": False, "quiet": False}


def _version(value: bool) -> None:
    if value:
        print(f"chatcode {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print no progress or notes."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    _state["debug"] = debug
    _state["quiet"] = quiet
    # plain lines on stderr: never wrapped or padded, so logs and CI output stay greppable
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("chatcode")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, ChatcodeWarning):
        err.print(f"[yellow]warning:[/yellow] {message}", markup=True)
    else:
        err.print(f"warning: {message}", markup=False)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code (0 ok, 1 ChatcodeError, 2 usage)."""
    warnings.showwarning = _show_warning
    try:
        from chatcode.cli._help import tidy_help

        tidy_help(typer.main.get_command(app))(args=argv, prog_name="chatcode")
    except ChatcodeError as exc:
        if _state["debug"]:
            raise
        err.print(f"[bold red]error:[/bold red] {exc}", markup=True, highlight=False)
        return 1
    except SystemExit as exc:  # typer/click end every run with SystemExit
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


@contextlib.contextmanager
def progress_bar(description: str, total: int | None) -> Iterator:
    """A rich progress bar on stderr; yields ``update(done, total)``. Silent with --quiet."""
    if _state["quiet"] or not err.is_terminal:
        yield lambda done, total=None: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
            "{task.percentage:>3.0f}%"), TimeRemainingColumn(), console=err,
            transient=True) as prog:
        task = prog.add_task(description, total=total)

        def update(done: int, total_: int | None = None) -> None:
            if total_ is not None:
                prog.update(task, total=total_)
            prog.update(task, completed=done)

        yield update


def emit(text: str, path: Path | None, *, force: bool) -> bool:
    """A machine-readable document: the only thing on stdout, or written atomically to
    ``path`` (refused without ``force`` when it exists). Returns True when a file was written."""
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return False
    with atomic_file(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return True
