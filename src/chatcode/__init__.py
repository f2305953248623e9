"""chatcode: content analysis of chat protocols.

Ingest chat exports into one canonical corpus, count the responses each post received and
the delay of replies, code posts against a codebook, check coder agreement, and report which
kinds of posts engage people.

>>> import chatcode
>>> corpus = chatcode.ingest("export.csv")            # doctest: +SKIP
>>> chatcode.responses(corpus).head()                 # doctest: +SKIP
"""

from chatcode.codebook import Code, Codebook, Dimension, TableSpec, load_codebook
from chatcode.codebook_export import export_codebook
from chatcode.coding.codes import read_codes, validate_codes
from chatcode.coding.disagreements import read_disagreements, write_disagreements
from chatcode.coding.selection import Selection, select_posts
from chatcode.coding.sheets import write_sheet
from chatcode.coding.store import CodingStore, read_store
from chatcode.corpus import Corpus, read_corpus, reply_links, write_corpus
from chatcode.engagement import responses
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
from chatcode.ingest import FORMATS, detect_format, ingest, ingest_report
from chatcode.latency import format_hours, latency, reply_delays
from chatcode.reliability import AgreementResult, agreement

__version__ = "0.1.0"

__all__ = [
    "FORMATS",
    "AgreementError",
    "AgreementResult",
    "ChatcodeError",
    "ChatcodeWarning",
    "Code",
    "Codebook",
    "CodebookError",
    "CodingError",
    "CodingStore",
    "Corpus",
    "Dimension",
    "IngestError",
    "SchemaError",
    "Selection",
    "TableSpec",
    "TablesError",
    "__version__",
    "agreement",
    "detect_format",
    "export_codebook",
    "format_hours",
    "ingest",
    "ingest_report",
    "latency",
    "load_codebook",
    "read_codes",
    "read_corpus",
    "read_disagreements",
    "read_store",
    "reply_delays",
    "reply_links",
    "responses",
    "select_posts",
    "validate_codes",
    "write_corpus",
    "write_disagreements",
    "write_sheet",
]
