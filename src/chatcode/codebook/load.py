"""Load a codebook file (YAML, or REFI-QDA ``.qdc``) into a validated :class:`Codebook`."""

from __future__ import annotations

from pathlib import Path

from chatcode.codebook.check import codebook_from_dict, parse_yaml
from chatcode.codebook.model import Codebook
from chatcode.errors import CodebookError, Location

__all__ = ["load_codebook"]


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook (``.yaml``/``.yml``, or a REFI-QDA ``.qdc``).

    Raises :class:`CodebookError` listing every problem of the file, each with its line.

    Notes
    -----
    The hash is the sha256 (first 16 hex digits) of the canonical JSON of the parsed
    content, so comments, whitespace, key order and quoting do not change it.
    """
    path = Path(path)
    if not path.is_file():
        raise CodebookError("codebook file not found", where=Location(path),
                            hint="check the path, e.g. codebooks/diabpeers.yaml")
    if path.suffix.lower() == ".qdc":
        from chatcode.codebook.qdc import read_qdc

        return read_qdc(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError("the codebook is not UTF-8 text", where=Location(path),
                            hint="save the file with the encoding UTF-8") from exc
    return codebook_from_dict(parse_yaml(text, source=path), source=path)
