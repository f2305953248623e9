"""The codebook: a study's dimensions and codes as frozen dataclasses, loaded from YAML (or a
REFI-QDA ``.qdc``), checked with every problem reported at once, and exported to .xlsx, .md or .qdc.

The model (:mod:`~chatcode.codebook.model`) depends on nothing else here; checking
(:mod:`~chatcode.codebook.check`) and the exchange formats depend on the model only.
"""

from typing import TYPE_CHECKING

from chatcode._lazy import exports

# imported on first use (PEP 562): the command line names the export formats
# (chatcode.codebook.formats) without loading YAML and the model at start-up
__getattr__, __dir__ = exports(__name__, {
    "TABLE_KINDS": "chatcode.codebook.model",
    "Code": "chatcode.codebook.model",
    "Codebook": "chatcode.codebook.model",
    "Dimension": "chatcode.codebook.model",
    "TableSpec": "chatcode.codebook.model",
    "codebook_to_dict": "chatcode.codebook.model",
    "content_hash": "chatcode.codebook.model",
    "codebook_from_dict": "chatcode.codebook.check",
    "load_codebook": "chatcode.codebook.load",
})

if TYPE_CHECKING:
    from chatcode.codebook.check import codebook_from_dict
    from chatcode.codebook.load import load_codebook
    from chatcode.codebook.model import (
        TABLE_KINDS,
        Code,
        Codebook,
        Dimension,
        TableSpec,
        codebook_to_dict,
        content_hash,
    )

__all__ = [
    "TABLE_KINDS",
    "Code",
    "Codebook",
    "Dimension",
    "TableSpec",
    "codebook_from_dict",
    "codebook_to_dict",
    "content_hash",
    "load_codebook",
]
