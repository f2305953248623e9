"""The codebook: a study's dimensions and codes as frozen dataclasses, loaded from YAML (or a
REFI-QDA ``.qdc``), checked with every problem reported at once, and exported to .xlsx, .md or .qdc.

The model (:mod:`~chatcode.codebook.model`) depends on nothing else here; checking
(:mod:`~chatcode.codebook.check`) and the exchange formats depend on the model only.
"""

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
