"""``chatcode network``: who replies to and reacts to whom. No analysis here: see
chatcode.engagement.network."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chatcode._io.output import check_writable
from chatcode.cli._app import app, err, out


class View(StrEnum):
    groups = "groups"
    people = "people"
    roles = "roles"
    ties = "ties"


_HEADERS = {"reciprocity": "recipr.", "responses": "responses",
            "moderator_given_share": "by mods", "moderator_received_share": "to mods",
            "out_degree": "out", "in_degree": "in", "reciprocated": "mutual",
            "from_role": "from \\ to"}


def _cell(value) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.2f}"
    return str(value)


@app.command(
    "network",
    help="The reply network: who replies to and reacts to whom, per chat group."
    "\n\nA tie goes from the person who responds (a reply, a reaction) to the author of the "
    "post. --view groups (default) gives per group the people, ties, density, reciprocity "
    "and the moderators' share of the responses given and received; people gives in- and "
    "out-degree per person; roles who responds to whom by role; ties the weighted ties. "
    "-o writes the view as .csv or .json, or the whole network as .graphml or .gexf "
    "(Gephi, igraph, R).",
    epilog="Examples:\n\n"
    "  chatcode network corpus.xlsx\n\n"
    "  chatcode network corpus.xlsx --view people --format csv\n\n"
    "  chatcode network corpus.xlsx -o network.graphml",
)
def network(
    corpus: Annotated[Path, typer.Argument(
        help="A stored corpus (written by chatcode ingest).", exists=True,
        show_default=False)],
    view: Annotated[View, typer.Option(help="What to show.")] = View.groups,
    format: Annotated[str, typer.Option(
        help="table, csv or json.", metavar="FORMAT")] = "table",
    out_file: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Write to a .csv, .json, .graphml or .gexf file.",
        show_default=False)] = None,
    include_self: Annotated[bool, typer.Option(
        help="Keep replies and reactions to one's own posts.")] = False,
    force: Annotated[bool, typer.Option(help="Replace the output if it exists.")] = False,
) -> None:
    """The reply network (see chatcode.engagement.network)."""
    from chatcode.corpus.corpus import read_corpus
    from chatcode.engagement import network as nw

    if format not in ("table", "csv", "json"):
        raise typer.BadParameter("use table, csv or json", param_hint="--format")
    suffix = out_file.suffix.lower() if out_file else ""
    if out_file is not None:
        if suffix not in (".csv", ".json", *nw.GRAPH_SUFFIXES):
            raise typer.BadParameter("use .csv, .json, .graphml or .gexf", param_hint="--out")
        check_writable(out_file, force=force)
    data = read_corpus(corpus)
    ties = nw.reply_ties(data, include_self=include_self)
    if suffix in nw.GRAPH_SUFFIXES:
        graph = nw.to_graph(data, ties)
        nw.write_graph(graph, out_file, force=force)
        err.print(f"wrote {out_file}: {graph.number_of_nodes()} people, "
                  f"{graph.number_of_edges()} ties", markup=False, highlight=False)
        return
    table = {View.groups: lambda: nw.network_summary(data, ties),
             View.people: lambda: nw.author_network(data, ties),
             View.roles: lambda: nw.role_matrix(data, ties).reset_index(),
             View.ties: lambda: ties}[view]()
    kind = suffix.lstrip(".") or format
    if kind == "table":
        view_ = Table(title=f"Reply network: {view.value}")
        for col in table.columns:
            numeric = table[col].dtype.kind in "fiu"
            view_.add_column(_HEADERS.get(str(col), str(col).replace("_", " ")),
                             justify="right" if numeric else "left")
        for row in table.itertuples(index=False):
            view_.add_row(*[_cell(v) for v in row])
        out.print(view_)
        return
    from chatcode.cli.responses_cmd import _document, _print_document

    if out_file is None:
        _print_document(table, kind)
        return
    from chatcode._io.output import atomic_file

    with atomic_file(out_file, force=force) as tmp:
        tmp.write_text(_document(table, kind), encoding="utf-8")
    err.print(f"wrote {out_file}: {len(table)} rows", markup=False, highlight=False)
