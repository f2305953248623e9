"""The ``chatcode`` command line: parse options -> one library call -> write.

No analysis happens here. Each command group lives in its own module and registers itself
on :data:`app`. ``main()`` turns a :class:`~chatcode.errors.ChatcodeError` into one message
on stderr and exit code 1 (``--debug`` shows the traceback).

Start-up stays short (docs/speed.md): a command module imports pandas, numpy and the library
inside the command that runs, and takes its choices from modules without them
(``chatcode.engagement.choices``, ``chatcode.codebook.formats``), so ``--help`` loads none
of them. The modules here do without ``from __future__ import annotations``: typer evaluates
a string annotation (``Annotated[...]`` with its ``typer.Option``) each time it builds a
command, which costs more than evaluating it once at definition.
"""

import sys

from chatcode.cli import ingest_cmd  # noqa: F401  (registers the command)
from chatcode.cli._app import app, run

__all__ = ["app", "main"]


def _register() -> None:
    import importlib

    for name in ("responses_cmd", "codebook_cmd", "sheet_cmd", "coder_cmd", "agree_cmd",
                 "tables_cmd", "exchange_cmd", "reproduce_cmd", "suggest_cmd",
                 "network_cmd", "serve_cmd"):
        try:
            importlib.import_module(f"chatcode.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"chatcode.cli.{name}":
                raise


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``chatcode`` console script."""
    sys.exit(run(argv))
