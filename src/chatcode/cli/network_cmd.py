"""``chatcode network``: a stored corpus -> who responds to whom (docs/network.md). No
analysis here: see chatcode.engagement.network."""

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chatcode._io.output import atomic_file, check_writable, csv_text
from chatcode.cli._app import app, emit, err, out, records

if TYPE_CHECKING:  # pandas and the library are imported by the command when it runs
    import pandas as pd
    from rich.table import Table


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


SUFFIXES = (".csv", ".json", ".graphml", ".gexf")




@app.command(
    "network",
    epilog="Examples:\n\n"
    "  chatcode network corpus.xlsx\n\n"
    "  chatcode network corpus.xlsx --format json > network.json\n\n"
    "  chatcode network corpus.xlsx -o network.graphml        # for Gephi (or .gexf)\n\n"
    "  chatcode network corpus --group g1 --no-reactions -o edges.csv",
)
def network_command(
    corpus: Annotated[Path, typer.Argument(
        help="A stored corpus: NAME.xlsx, a folder of CSV files, or NAME.parquet.",
        exists=True, show_default=False)],
    format: Annotated[Format, typer.Option(
        "--format", "-f", help="table (for people), csv (one row per author) or json "
        "(summary, authors and edges).")] = Format.table,
    out_file: Annotated[Path | None, typer.Option(
        "-o", "--out", help="Write to a file: .graphml or .gexf (the graph, for Gephi), "
        ".csv (the edges) or .json.", dir_okay=False, show_default=False)] = None,
    group: Annotated[str | None, typer.Option(
        help="Only this group (default: all groups together).", show_default=False)] = None,
    reactions: Annotated[bool, typer.Option(
        "--reactions/--no-reactions", help="Count reactions as responses besides replies.")
    ] = True,
    force: Annotated[bool, typer.Option(help="Replace the --out file if it exists.")] = False,
) -> None:
    """Who responds to whom: replies and reactions between authors, per group and role.

    Per group: authors, edges, density, reciprocity and the moderators' share of the
    responses; per author: in/out degree, responses received and given, reciprocity.
    See docs/network.md.
    """
    from chatcode.corpus.corpus import read_corpus
    from chatcode.engagement.network import (
        author_summary,
        network_summary,
        response_edges,
        response_network,
        role_flows,
    )

    if out_file is not None:
        if out_file.suffix.lower() not in SUFFIXES:
            raise typer.BadParameter(f"cannot tell what to write to {out_file}: name it "
                                     ".graphml, .gexf, .csv or .json",
                                     param_hint="'-o' / '--out'")
        check_writable(out_file, force=force)
    data = read_corpus(corpus)
    graph = response_network(data, group=group, reactions=reactions)
    summary = network_summary(data, reactions=reactions)
    authors = author_summary(graph)
    suffix = out_file.suffix.lower() if out_file is not None else None
    if suffix in (".graphml", ".gexf"):
        import networkx as nx

        with atomic_file(out_file, force=force) as tmp:
            (nx.write_graphml if suffix == ".graphml" else nx.write_gexf)(graph, tmp)
    elif suffix == ".csv":
        edges = response_edges(data, reactions=reactions)
        edges = edges[edges["group"] == group] if group else edges
        emit(csv_text(edges), out_file, force=force)
    elif suffix == ".json" or format is Format.json:
        doc = {"summary": records(summary), "roles": records(role_flows(graph)),
               "authors": records(authors),
               "edges": [{"source": s, "target": t, **d} for s, t, d in
                         graph.edges(data=True)]}
        if not emit(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", out_file,
                    force=force):
            return
    elif format is Format.csv:
        emit(csv_text(authors), None, force=force)
        return
    else:
        out.print(_view(summary, "Who responds to whom (per group)"))
        out.print(_view(role_flows(graph), "Responses by role"))
        out.print(_view(authors, "Authors" + (f" in {group}" if group else "")))
        return
    err.print(f"wrote {out_file}: {graph.number_of_nodes()} authors, "
              f"{graph.number_of_edges()} edges")


def _view(frame: "pd.DataFrame", title: str) -> "Table":
    from rich.table import Table

    view = Table(title=title, title_justify="left")
    for j, name in enumerate(frame.columns):
        view.add_column(str(name).replace("_", " "), justify="left" if j < 2 else "right")
    for row in frame.itertuples(index=False, name=None):
        view.add_row(*("–" if isinstance(v, float) and not math.isfinite(v) else
                       f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    return view
