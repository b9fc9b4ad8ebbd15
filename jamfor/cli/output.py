"""Strings from data, files, URLs and servers made safe to print with rich.

rich reads ``[...]`` as markup (``[/x]`` in a Kolada code raised *after* the load had committed) and
passes terminal control sequences through (a file name holding ``ESC[2J`` clears the screen). Every
such string goes through ``shown`` before it is printed; URLs lose their secrets on the way.

Every command prints through the two consoles here. Errors are soft-wrapped: the terminal folds a long
line for the eye, but a copied path or URL stays one piece and a log keeps the error on one line.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

from jamfor.errors import printable
from jamfor.redact import redact_text


def shown(value: object, *, lines: bool = False) -> str:
    """``value`` as rich markup that prints exactly as text: brackets escaped, control characters
    written as ``\\x1b``, ``\\n`` … (with ``lines``, newlines kept as line breaks), URLs redacted."""
    text = redact_text(str(value))
    return escape("\n".join(map(printable, text.split("\n"))) if lines else printable(text))


err = Console(stderr=True)
out = Console()


def fail(message: str, code: int) -> NoReturn:
    """Print ``message`` (from the library: escaped here) as the command's one error line and exit."""
    err.print("[bold red]Error:[/]", shown(message, lines=True), highlight=False, soft_wrap=True)
    sys.exit(code)
