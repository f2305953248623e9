"""chatcode: content analysis of chat protocols.

Ingest chat exports into one canonical corpus, count the responses each post received and
the delay of replies, code posts against a codebook, check coder agreement, and report which
kinds of posts engage people.

>>> import chatcode
>>> corpus = chatcode.ingest("export.csv")            # doctest: +SKIP
>>> chatcode.responses(corpus).head()                 # doctest: +SKIP
"""

from chatcode.corpus import Corpus, read_corpus, reply_links, write_corpus
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

__version__ = "0.1.0"

__all__ = [
    "FORMATS",
    "AgreementError",
    "ChatcodeError",
    "ChatcodeWarning",
    "CodebookError",
    "CodingError",
    "Corpus",
    "IngestError",
    "SchemaError",
    "TablesError",
    "__version__",
    "detect_format",
    "ingest",
    "ingest_report",
    "read_corpus",
    "reply_links",
    "write_corpus",
]
