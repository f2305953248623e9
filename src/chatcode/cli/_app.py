"""The typer app, the stderr console, and the error/warning handling every command shares."""

import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import typer
from typer._click import exceptions as cx  # typer ships its own click

from chatcode import __version__
from chatcode._io.output import atomic_file, formula_guard
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


class _Console:
    """A :class:`~chatcode._io.terminal.SafeConsole` made when it is used: rich is imported
    only when something is printed (not for ``--help``), and each use reads the terminal
    (its width, stdout or stderr) as it is then, as one console made at start-up did."""

    def __init__(self, **options: object) -> None:
        self._options = options

    def console(self):
        from chatcode._io.terminal import SafeConsole

        return SafeConsole(**self._options)

    def __getattr__(self, name: str) -> object:
        return getattr(self.console(), name)


# Every string these consoles print is shown literally: markup is off and control/escape
# sequences are shown as symbols (chatcode._io.terminal), since chat text reaches them.
err = _Console(stderr=True, soft_wrap=True)
out = _Console(soft_wrap=True)
_state = {"debug": False, "quiet": False, "strict": False, "warnings": 0}

#: exit codes (README, "Errors and data safety")
EXIT_DATA = 1  # a ChatcodeError (bad input data or file), or warnings under --strict
EXIT_USAGE = 2  # a usage error: unknown option, missing argument, bad option value


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
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors: exit 1 "
                                "when any warning was printed (e.g. chatcode --strict ingest "
                                "export.csv -o corpus.xlsx)."),
    raw_csv: bool = typer.Option(False, "--raw-csv", help="Write CSV cells as they are; by "
                                 "default a text starting with = + - @, tab or CR gets a "
                                 "leading ' so spreadsheet programs never run it as a formula "
                                 "(e.g. chatcode --raw-csv responses corpus.xlsx --format csv)."),
) -> None:
    _state["debug"] = debug
    _state["quiet"] = quiet
    _state["strict"] = strict
    _state["warnings"] = 0
    formula_guard.set(not raw_csv)
    # plain lines on stderr: never wrapped or padded, so logs and CI output stay greppable;
    # made safe for the terminal (names and texts from a chat appear in them)
    handler = _CountingHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("%(message)s"))
    logger = logging.getLogger("chatcode")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    logger.propagate = False


class _SafeFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from chatcode._io.terminal import safe_text

        return safe_text(super().format(record))


class _CountingHandler(logging.StreamHandler):
    """Counts warnings logged (for --strict)."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            _state["warnings"] += 1
        super().emit(record)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    from rich.text import Text

    from chatcode._io.terminal import styled

    _state["warnings"] += 1
    label = "warning: "
    if issubclass(category, ChatcodeWarning):
        err.print(Text.assemble(styled(label, "yellow"), styled(message)))
    else:
        err.print(styled(label + str(message)))


def print_error(exc: BaseException | str) -> None:
    """One error message on stderr, shown literally (safe for the terminal, no markup)."""
    from rich.text import Text

    from chatcode._io.terminal import styled

    err.print(Text.assemble(styled("error:", "bold red"), " ", styled(exc)))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code: 0 ok, 1 bad data (a ChatcodeError, or a
    warning under ``--strict``), 2 a usage error (unknown option, bad option value)."""
    warnings.showwarning = _show_warning
    _state["warnings"] = 0
    try:
        from chatcode.cli._help import tidy_help

        code = tidy_help(typer.main.get_command(app))(args=argv, prog_name="chatcode",
                                                      standalone_mode=False)
    except ChatcodeError as exc:
        if _state["debug"]:
            raise
        print_error(exc)
        return EXIT_DATA
    except typer.Abort:
        print_error("aborted")
        return EXIT_DATA
    except cx.NoArgsIsHelpError as exc:
        exc.show()
        return exc.exit_code
    except cx.ClickException as exc:  # usage errors: shown literally, exit 2
        from chatcode._io.terminal import styled

        if exc.exit_code == EXIT_USAGE and isinstance(exc, cx.UsageError) and exc.ctx:
            err.print(styled(exc.ctx.get_usage()))
            err.print(styled(f"Try '{exc.ctx.command_path} --help' for help."))
        print_error(exc.format_message())
        return exc.exit_code
    except SystemExit as exc:  # typer.Exit and --help end a run with SystemExit
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_DATA)
    except OSError as exc:  # a file system refusal while writing: never a traceback
        if _state["debug"]:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print_error(f"{where}{exc.strerror or exc}; check the path and its permissions")
        return EXIT_DATA
    if isinstance(code, int) and code:  # typer.Exit(code) ends a run with that code
        return code
    if _state["strict"] and _state["warnings"]:
        print_error(f"{_state['warnings']} warning(s) above, and --strict treats warnings "
                    "as errors; fix the input or run without --strict")
        return EXIT_DATA
    return 0


@contextlib.contextmanager
def progress_bar(description: str, total: int | None) -> Iterator:
    """A rich progress bar on stderr; yields ``update(done, total)``. Silent with --quiet."""
    console = err.console()
    if _state["quiet"] or not console.is_terminal:
        yield lambda done, total=None: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
            "{task.percentage:>3.0f}%"), TimeRemainingColumn(), console=console,
            transient=True) as prog:
        task = prog.add_task(description, total=total)

        def update(done: int, total_: int | None = None) -> None:
            if total_ is not None:
                prog.update(task, total=total_)
            prog.update(task, completed=done)

        yield update


def write_stdout(text: str) -> None:
    """A document on stdout: as it is into a pipe or file, made safe on a terminal (where
    an escape sequence in a chat text would act instead of being shown)."""
    from chatcode._io.terminal import safe_text

    sys.stdout.write(safe_text(text) if sys.stdout.isatty() else text)
    sys.stdout.flush()


def records(table) -> list[dict]:
    """Rows of a DataFrame as dicts of plain Python values for a JSON document; NaN and
    infinities become None (JSON null); numbers unrounded."""
    import math

    import numpy as np
    import pandas as pd

    def plain(v: object) -> object:
        if isinstance(v, np.generic):
            v = v.item()
        if v is None or v is pd.NA or (isinstance(v, float) and not math.isfinite(v)):
            return None
        return v

    return [{k: plain(v) for k, v in row.items()} for row in table.to_dict("records")]


def emit(text: str, path: Path | None, *, force: bool) -> bool:
    """A machine-readable document: the only thing on stdout, or written atomically to
    ``path`` (refused without ``force`` when it exists). Returns True when a file was written."""
    if path is None:
        write_stdout(text)
        return False
    with atomic_file(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")  # the text exactly, as on stdout
    return True
