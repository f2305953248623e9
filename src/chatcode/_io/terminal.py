"""Text shown in a terminal: never an escape sequence, never markup.

Chat text is written by anyone in the chat. Printed as it is, ``ESC]0;...BEL`` would retitle
the coder's terminal, ``ESC[2J`` wipe the screen, a bidi override reorder what is shown, and
``[/bold]`` (rich markup) crash the printer or hide text. :func:`safe_text` makes any text
harmless for a terminal by showing every control character as a visible symbol, and
:class:`SafeConsole` is a rich console that applies it to every string it renders and never
reads markup in one. Use ``Text`` objects (built from :func:`safe_text`) for styles.

Shown as symbols: C0 controls except line feed and tab (``ESC`` as ``␛``, ``BEL`` as ``␇``,
a lone carriage return as ``␍``), ``DEL`` (``␡``), C1 controls (``<U+009B>``) and the
invisible bidi controls (``<U+202E>``). A CR LF pair is shown as a line break.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

__all__ = ["SafeConsole", "safe_markup", "safe_text", "styled"]

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␛ ␇ ␍ ...
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def safe_text(text: object) -> str:
    """``text`` with every control and escape character shown as a visible symbol."""
    value = str(text)
    if "\r\n" in value:
        value = value.replace("\r\n", "\n")
    return _UNSAFE.sub(_visible, value)


def safe_markup(text: object) -> str:
    """``text`` made safe (:func:`safe_text`) and escaped for rich markup."""
    return escape(safe_text(text))


def styled(text: object, style: str = "") -> Text:
    """A rich ``Text`` of ``text`` (made safe) in ``style``; markup in it is shown literally."""
    return Text(safe_text(text), style=style)


class SafeConsole(Console):
    """A rich console that shows strings literally: no markup, no escape sequences.

    Every string it renders (``print`` arguments, table cells, titles, captions, tree labels)
    passes :func:`safe_text`, and markup is off unless a call asks for it explicitly.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("highlight", False)
        kwargs.setdefault("emoji", False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:  # type: ignore[override]
        return super().render_str(safe_text(text), **kwargs)
