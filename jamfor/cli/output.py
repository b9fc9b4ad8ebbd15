"""Strings from data, files, URLs and servers made safe to print with rich.

rich reads ``[...]`` as markup (``[/x]`` in a Kolada code raised *after* the load had committed) and
passes terminal control sequences through (a file name holding ``ESC[2J`` clears the screen). Every
such string goes through ``shown`` before it is printed; URLs lose their secrets on the way.
"""

from __future__ import annotations

from rich.markup import escape

from jamfor.redact import redact_text
from jamfor.seed.errors import printable


def shown(value: object, *, lines: bool = False) -> str:
    """``value`` as rich markup that prints exactly as text: brackets escaped, control characters
    written as ``\\x1b``, ``\\n`` … (with ``lines``, newlines kept as line breaks), URLs redacted."""
    text = redact_text(str(value))
    return escape("\n".join(map(printable, text.split("\n"))) if lines else printable(text))
