"""chatcode: content analysis of chat protocols.

Ingest chat exports into one canonical corpus, count the responses each post received and
the delay of replies, code posts against a codebook, check coder agreement, and report which
kinds of posts engage people.

>>> import chatcode
>>> corpus = chatcode.ingest("export.csv")            # doctest: +SKIP
>>> chatcode.responses(corpus).head()                 # doctest: +SKIP
"""

from typing import TYPE_CHECKING

from chatcode._lazy import exports
from chatcode.errors import (
    AgreementError,
    ChatcodeError,
    ChatcodeWarning,
    CodebookError,
    CodingError,
    IngestError,
    SchemaError,
    TablesError,
)

# The public names, each imported from its module on first use (PEP 562): ``import chatcode``
# stays light, and scipy, statsmodels, matplotlib and textual load only when needed.
_EXPORTS = {
    "Code": "chatcode.codebook",
    "Codebook": "chatcode.codebook",
    "Dimension": "chatcode.codebook",
    "TableSpec": "chatcode.codebook",
    "load_codebook": "chatcode.codebook",
    "export_codebook": "chatcode.codebook.export",
    "read_codes": "chatcode.coding.codes",
    "validate_codes": "chatcode.coding.codes",
    "read_disagreements": "chatcode.coding.disagreements",
    "write_disagreements": "chatcode.coding.disagreements",
    "Selection": "chatcode.coding.selection",
    "select_posts": "chatcode.coding.selection",
    "write_sheet": "chatcode.coding.sheets",
    "CodingStore": "chatcode.coding.store",
    "read_store": "chatcode.coding.store",
    "Corpus": "chatcode.corpus.corpus",
    "read_corpus": "chatcode.corpus.corpus",
    "reply_links": "chatcode.corpus.corpus",
    "write_corpus": "chatcode.corpus.corpus",
    "PseudonymKey": "chatcode.corpus.pseudonymize",
    "pseudonymize": "chatcode.corpus.pseudonymize",
    "read_key": "chatcode.corpus.pseudonymize",
    "CodedPosts": "chatcode.engagement.coded",
    "coded_posts": "chatcode.engagement.coded",
    "format_hours": "chatcode.engagement.latency",
    "latency": "chatcode.engagement.latency",
    "reply_delays": "chatcode.engagement.latency",
    "participation": "chatcode.engagement.participation",
    "responses": "chatcode.engagement.responses",
    "FORMATS": "chatcode.ingest",
    "detect_format": "chatcode.ingest",
    "ingest": "chatcode.ingest",
    "ingest_report": "chatcode.ingest",
    "AgreementResult": "chatcode.reliability.agreement",
    "agreement": "chatcode.reliability.agreement",
    "check_published": "chatcode.reproduce.checks",
    "load_sample": "chatcode.reproduce.datasets",
    "sample_dir": "chatcode.reproduce.datasets",
    "load_published": "chatcode.reproduce.published",
    "reproduce": "chatcode.reproduce.run",
    "build_tables": "chatcode.tables.layouts",
    "frequencies_table": "chatcode.tables.layouts",
    "support_characteristics_table": "chatcode.tables.layouts",
    "topics_table": "chatcode.tables.layouts",
    "with_without_table": "chatcode.tables.layouts",
    "write_report": "chatcode.tables.report",
}

__getattr__, __dir__ = exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from chatcode.codebook import Code, Codebook, Dimension, TableSpec, load_codebook
    from chatcode.codebook.export import export_codebook
    from chatcode.coding.codes import read_codes, validate_codes
    from chatcode.coding.disagreements import read_disagreements, write_disagreements
    from chatcode.coding.selection import Selection, select_posts
    from chatcode.coding.sheets import write_sheet
    from chatcode.coding.store import CodingStore, read_store
    from chatcode.corpus.corpus import Corpus, read_corpus, reply_links, write_corpus
    from chatcode.corpus.pseudonymize import PseudonymKey, pseudonymize, read_key
    from chatcode.engagement.coded import CodedPosts, coded_posts
    from chatcode.engagement.latency import format_hours, latency, reply_delays
    from chatcode.engagement.participation import participation
    from chatcode.engagement.responses import responses
    from chatcode.ingest import FORMATS, detect_format, ingest, ingest_report
    from chatcode.reliability.agreement import AgreementResult, agreement
    from chatcode.reproduce.checks import check_published
    from chatcode.reproduce.datasets import load_sample, sample_dir
    from chatcode.reproduce.published import load_published
    from chatcode.reproduce.run import reproduce
    from chatcode.tables.layouts import (
        build_tables,
        frequencies_table,
        support_characteristics_table,
        topics_table,
        with_without_table,
    )
    from chatcode.tables.report import write_report

__version__ = "0.1.0"

__all__ = [
    "FORMATS",
    "__version__",
    "agreement",
    "AgreementError",
    "AgreementResult",
    "build_tables",
    "ChatcodeError",
    "ChatcodeWarning",
    "check_published",
    "Code",
    "Codebook",
    "CodebookError",
    "coded_posts",
    "CodedPosts",
    "CodingError",
    "CodingStore",
    "Corpus",
    "detect_format",
    "Dimension",
    "export_codebook",
    "format_hours",
    "frequencies_table",
    "ingest",
    "ingest_report",
    "IngestError",
    "latency",
    "load_codebook",
    "load_published",
    "load_sample",
    "participation",
    "pseudonymize",
    "PseudonymKey",
    "read_codes",
    "read_corpus",
    "read_disagreements",
    "read_key",
    "read_store",
    "reply_delays",
    "reply_links",
    "reproduce",
    "responses",
    "sample_dir",
    "SchemaError",
    "select_posts",
    "Selection",
    "support_characteristics_table",
    "TablesError",
    "TableSpec",
    "topics_table",
    "validate_codes",
    "with_without_table",
    "write_corpus",
    "write_disagreements",
    "write_report",
    "write_sheet",
]
