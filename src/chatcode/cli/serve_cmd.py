"""``chatcode project init`` and ``chatcode serve``: the browser coding workbench."""

from pathlib import Path
from typing import Annotated

import typer

from chatcode.cli._app import app, err

project_app = typer.Typer(
    help="Coding projects for the browser workbench (chatcode serve).\n\n"
    "Example: chatcode project init corpus.xlsx --codebook codebook.yaml -o study.ccproj",
    no_args_is_help=True)
app.add_typer(project_app, name="project")


@project_app.command(
    name="init",
    epilog="Example:\n\n  chatcode project init corpus.xlsx --codebook codebooks/diabpeers.yaml "
    "-o study.ccproj\n\nThen: chatcode serve study.ccproj")
def init(
    corpus: Annotated[Path, typer.Argument(
        help="The corpus (written by chatcode ingest).", exists=True, show_default=False)],
    codebook: Annotated[Path, typer.Option(
        "--codebook", help="The codebook (YAML).", exists=True, dir_okay=False,
        show_default=False)],
    out: Annotated[Path, typer.Option(
        "-o", "--out", help="The project folder to make, e.g. study.ccproj.",
        show_default=False)],
    force: Annotated[bool, typer.Option(help="Replace the project if it exists.")] = False,
) -> None:
    """Make a coding project: a folder holding a copy of the corpus and the codebook, and
    (later) the coders, their passes and one coding store per pass."""
    from chatcode.coding.project import init_project

    path = init_project(corpus, codebook, out, force=force)
    err.print(f"project written to {path}; start it with: chatcode serve {path}")


@app.command(
    name="serve",
    epilog="Examples:\n\n  chatcode serve study.ccproj\n\n"
    "  chatcode serve study.ccproj --host 192.168.1.20 --certfile cert.pem --keyfile key.pem"
    "\n\nOpen the lead link it prints, add coders, give each their personal link, and assign "
    "passes. Read the codes with chatcode agree study.ccproj --codebook CB.")
def serve(
    project: Annotated[Path, typer.Argument(
        help="The project folder (chatcode project init).", exists=True, file_okay=False,
        show_default=False)],
    host: Annotated[str, typer.Option(
        help="Address to listen on. The default serves this computer only; give the LAN "
        "address (or 0.0.0.0) for a team.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8765,
    certfile: Annotated[Path | None, typer.Option(
        help="TLS certificate (PEM) for HTTPS.", dir_okay=False, show_default=False)] = None,
    keyfile: Annotated[Path | None, typer.Option(
        help="TLS private key (PEM) for HTTPS.", dir_okay=False, show_default=False)] = None,
) -> None:
    """Serve the coding workbench of a project in the browser, on this computer.

    Prints a new lead link at each start. Coders get personal links (random
    tokens, stored hashed) from the lead page; each sees only their own passes.
    Every decision is saved before the page shows it: stopping the server, even
    with kill -9, loses nothing.
    """
    from chatcode.coding.workbench import serve as run

    run(project, host=host, port=port, certfile=certfile, keyfile=keyfile,
        announce=lambda text: err.print(text, markup=False, highlight=False))
