"""Every error and warning chatcode raises, in one place.

A :class:`ChatcodeError` is an error in the *input* (a file, an option, a codebook) that the
researcher can fix. Its message says what is wrong, where (file, sheet, row, column) and how
to fix it. The CLI prints it on stderr and exits with code 1, without a traceback.

Problems found while validating a whole file are collected first and raised once, so a
researcher sees every problem of a file in one go (:class:`Problems`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AgreementError",
    "ChatcodeError",
    "ChatcodeWarning",
    "CodebookError",
    "CodingError",
    "IngestError",
    "Location",
    "Problem",
    "Problems",
    "SchemaError",
    "TablesError",
]


@dataclass(frozen=True)
class Location:
    """Where in an input a problem is: any of file, sheet, row (as the user sees it), column."""

    file: str | Path | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(str(self.file))
        if self.sheet is not None:
            parts.append(f'sheet "{self.sheet}"')
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f'column "{self.column}"')
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One problem in an input: what is wrong (message), where, and how to fix it (hint)."""

    message: str
    where: Location = Location()
    hint: str | None = None

    def __str__(self) -> str:
        where = str(self.where)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"; {self.hint}"
        return text


class ChatcodeError(Exception):
    """An input problem the researcher can fix. The message says what, where and how to fix."""

    def __init__(
        self,
        message: str,
        *,
        where: Location | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = Problem(message, where or Location(), hint)
        super().__init__(str(self.problem))


class IngestError(ChatcodeError):
    """A chat export or corpus file cannot be read."""


class SchemaError(ChatcodeError):
    """A table does not follow the canonical schema (see ``chatcode.corpus.schema``)."""


class CodebookError(ChatcodeError):
    """A codebook file is invalid."""


class CodingError(ChatcodeError):
    """A coding sheet, codes table or coding store is invalid."""


class AgreementError(ChatcodeError):
    """Agreement cannot be computed for the given codes."""


class TablesError(ChatcodeError):
    """An engagement table cannot be computed for the given input."""


class Problems(ChatcodeError):
    """Several problems of one input, raised together.

    ``problems`` keeps each :class:`Problem`; the message lists them (the first 20 in full).
    ``kind`` is the ChatcodeError subclass the problems belong to, so callers can
    ``except IngestError`` and still catch a :class:`Problems` raised by ingest
    (see :meth:`Problems.of`).
    """

    MAX_SHOWN = 20

    def __init__(self, problems: Iterable[Problem], *, title: str | None = None) -> None:
        self.problems = list(problems)
        self.title = title
        shown = [f"  - {p}" for p in self.problems[: self.MAX_SHOWN]]
        more = len(self.problems) - self.MAX_SHOWN
        if more > 0:
            shown.append(f"  ... and {more} more")
        head = title or f"{len(self.problems)} problem(s)"
        Exception.__init__(self, head + ":\n" + "\n".join(shown))
        self.problem = self.problems[0] if self.problems else Problem(head)

    @classmethod
    def of(
        cls, kind: type[ChatcodeError], problems: Iterable[Problem], *, title: str | None = None
    ) -> ChatcodeError:
        """A Problems error that is also an instance of ``kind`` (e.g. IngestError)."""
        problems = list(problems)
        if len(problems) == 1 and title is None:
            p = problems[0]
            return kind(p.message, where=p.where, hint=p.hint)
        return _combined(cls, kind)(problems, title=title)


@functools.cache
def _combined(base: type[Problems], kind: type[ChatcodeError]) -> type[Problems]:
    return type(f"{kind.__name__}s", (base, kind), {})


class ChatcodeWarning(UserWarning):
    """Something in the input was handled but the researcher should know (with counts)."""
