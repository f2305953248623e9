"""``chatcode codebook check|show|export|import``: the codebook as code."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcode._io.output import check_writable
from chatcode.cli._app import app, err, out
from chatcode.codebook.formats import EXPORT_FORMATS
from chatcode.errors import CodebookError, Location

if TYPE_CHECKING:  # the codebook modules (and YAML) are imported by the commands that run
    from rich.tree import Tree

    from chatcode.codebook import Code, Codebook, Dimension

codebook_app = typer.Typer(
    help="Check, show, export and import codebooks (YAML or REFI-QDA .qdc).\n\n"
    "Example: chatcode codebook check codebooks/diabpeers.yaml",
    no_args_is_help=True,
)
app.add_typer(codebook_app, name="codebook")

CodebookArg = Annotated[Path, typer.Argument(
    help="The codebook: a YAML file (see docs/codebook.md) or a REFI-QDA .qdc file.",
    exists=True, dir_okay=False, show_default=False)]


def _weeks(n: object) -> str:
    """``1 week``, ``6 weeks``; empty when not given."""
    return "" if not n else f"{n} week" + ("" if n == 1 else "s")


@codebook_app.command(
    epilog="Examples:\n\n  chatcode codebook check codebooks/diabpeers.yaml\n\n"
    "  chatcode codebook check my-codebook.qdc",
)
def check(codebook: CodebookArg) -> None:
    """Validate a codebook and print its version and hash; list every problem (exit 1)."""
    from chatcode.codebook import load_codebook

    cb = load_codebook(codebook)
    out.print(f"ok: {cb.name} version {cb.version}, hash {cb.hash}, "
              f"{len(cb.dimensions)} dimensions, {cb.n_codes} codes, {len(cb.tables)} tables",
              markup=False)


@codebook_app.command(
    epilog="Examples:\n\n  chatcode codebook show codebooks/diabpeers.yaml\n\n"
    "  chatcode codebook show codebooks/diabpeers.yaml --dimension support --full",
)
def show(
    codebook: CodebookArg,
    dimension: Annotated[str | None, typer.Option(
        "--dimension", "-d", help="Show only this dimension (its id, e.g. support).")] = None,
    full: Annotated[bool, typer.Option(
        help="Also show inclusion and exclusion rules, examples and keywords.")] = False,
) -> None:
    """Show the dimensions and codes of a codebook, with their definitions, as a tree."""
    from chatcode.codebook import load_codebook

    cb = load_codebook(codebook)
    dims = (cb.dimension(dimension),) if dimension else cb.dimensions
    out.print(codebook_tree(cb, dims, full=full), soft_wrap=False)


def codebook_tree(cb: "Codebook", dims: "tuple[Dimension, ...]", *, full: bool) -> "Tree":
    """A rich tree: codebook -> dimensions -> codes (subcodes under their parent)."""
    from rich.text import Text
    from rich.tree import Tree

    from chatcode._io.terminal import safe_markup

    tree = Tree(Text.from_markup(f"[bold]{safe_markup(cb.name)}[/bold] version "
                                 f"{safe_markup(cb.version)} (hash {cb.hash})", emoji=False))
    for dim in dims:
        how = "several codes per post" if dim.multiple else "at most one code per post"
        node = tree.add(Text.from_markup(
            f"[bold cyan]{safe_markup(dim.label)}[/bold cyan] [dim]({safe_markup(dim.id)}, "
            f"{how})[/dim]" + (f"\n{safe_markup(dim.definition)}" if dim.definition else ""),
            emoji=False))
        _add_codes(node, dim, None, full=full)
    return tree


def _add_codes(node: "Tree", dim: "Dimension", parent: str | None, *, full: bool) -> None:
    from rich.text import Text

    for code in dim.codes:
        if code.parent == parent:
            child = node.add(Text.from_markup(_code_text(code, full=full), emoji=False))
            _add_codes(child, dim, code.id, full=full)


def _code_text(code: "Code", *, full: bool) -> str:
    from chatcode._io.terminal import safe_markup

    tags = ", ".join(filter(None, [code.id, "extension" if code.extension else "",
                                   _weeks(code.duration_weeks)]))
    text = f"[bold]{safe_markup(code.label)}[/bold] [dim]({safe_markup(tags)})[/dim]\n" \
           f"{safe_markup(code.definition)}"
    if full:
        for title, items in (("include", code.include), ("exclude", code.exclude),
                             ("example", code.examples)):
            text += "".join(f"\n[green]{title}:[/green] {safe_markup(i)}" for i in items)
        text += "".join(f"\n[green]keywords {lang}:[/green] {safe_markup(', '.join(words))}"
                        for lang, words in code.keywords)
        if code.note:
            text += f"\n[green]note:[/green] {safe_markup(code.note)}"
    return text


_SUFFIXES = ", ".join(f"{k} ({v})" for k, v in EXPORT_FORMATS.items() if k != ".yml")


@codebook_app.command(
    epilog="Examples:\n\n  chatcode codebook export codebooks/diabpeers.yaml -o codebook.xlsx\n\n"
    "  chatcode codebook export codebooks/diabpeers.yaml -o diabpeers.qdc --force",
)
def export(
    codebook: CodebookArg,
    output: Annotated[Path, typer.Option(
        "-o", "--out", help=f"The file to write; its suffix gives the format: {_SUFFIXES}.",
        dir_okay=False, show_default=False)],
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Write a codebook as an Excel sheet, Markdown, REFI-QDA .qdc or YAML."""
    from chatcode.codebook import load_codebook
    from chatcode.codebook.export import export_codebook

    cb = load_codebook(codebook)
    check_writable(output, force=force)
    export_codebook(cb, output, force=force)
    err.print(f"wrote {output}: {EXPORT_FORMATS[output.suffix.lower()]}, {cb.n_codes} codes",
              markup=False)


@codebook_app.command(
    "import",
    epilog="Examples:\n\n  chatcode codebook import maxqda-codes.qdc -o codebook.yaml\n\n"
    "  chatcode codebook import diabpeers.qdc -o diabpeers.yaml --force",
)
def import_(
    source: Annotated[Path, typer.Argument(
        help="A REFI-QDA codebook (.qdc) from chatcode, MAXQDA, NVivo, ATLAS.ti, QualCoder.",
        exists=True, dir_okay=False, show_default=False)],
    output: Annotated[Path, typer.Option(
        "-o", "--out", help="The codebook YAML to write (.yaml or .yml).", dir_okay=False,
        show_default=False)],
    force: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Turn a REFI-QDA .qdc codebook into a chatcode codebook YAML file.

    A file from another program becomes one dimension per top-level code, with several codes
    per post allowed (multiple: true); notes on stderr say what to review.
    """
    from chatcode.codebook.export import export_codebook, import_qdc

    if output.suffix.lower() not in (".yaml", ".yml"):
        raise CodebookError("the codebook to write must be a .yaml file",
                            where=Location(output), hint="e.g. -o codebook.yaml")
    check_writable(output, force=force)
    result = import_qdc(source)
    for note in result.notes:
        err.print(f"note: {note}", markup=False)
    export_codebook(result.codebook, output, force=force)
    cb = result.codebook
    err.print(f"wrote {output}: {cb.name} version {cb.version}, hash {cb.hash}, "
              f"{len(cb.dimensions)} dimensions, {cb.n_codes} codes", markup=False)
