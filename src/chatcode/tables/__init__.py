"""Tables: the published-table layouts (with/without, support characteristics, topics,
frequencies, latency, participation), their journal formats, figures and the HTML report.
Formatting only; the statistics come from :mod:`chatcode.engagement`.
"""

from typing import TYPE_CHECKING

from chatcode._lazy import exports

# imported on first use (PEP 562), so importing the package stays light
__getattr__, __dir__ = exports(__name__, {
    "Table": "chatcode.tables.layouts",
    "build_table": "chatcode.tables.layouts",
    "build_tables": "chatcode.tables.layouts",
    "frequencies_table": "chatcode.tables.layouts",
    "latency_table": "chatcode.tables.layouts",
    "participation_table": "chatcode.tables.layouts",
    "select_tables": "chatcode.tables.layouts",
    "support_characteristics_table": "chatcode.tables.layouts",
    "table_specs": "chatcode.tables.layouts",
    "topics_table": "chatcode.tables.layouts",
    "with_without_table": "chatcode.tables.layouts",
    "write_report": "chatcode.tables.report",
})

if TYPE_CHECKING:
    from chatcode.tables.layouts import (
        Table,
        build_table,
        build_tables,
        frequencies_table,
        latency_table,
        participation_table,
        select_tables,
        support_characteristics_table,
        table_specs,
        topics_table,
        with_without_table,
    )
    from chatcode.tables.report import write_report

__all__ = [
    "Table",
    "build_table",
    "build_tables",
    "frequencies_table",
    "latency_table",
    "participation_table",
    "select_tables",
    "support_characteristics_table",
    "table_specs",
    "topics_table",
    "with_without_table",
    "write_report",
]
