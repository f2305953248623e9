"""Tables: the published-table layouts (with/without, support characteristics, topics,
frequencies, latency, participation), their journal formats, figures and the HTML report.
Formatting only; the statistics come from :mod:`chatcode.engagement`.
"""

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
