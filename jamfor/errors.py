"""Errors and validation findings that a person can act on.

Library code never prints or exits: it raises these, and the CLI turns them into a message and an
exit code. A ``Problem`` says where (file, sheet, cell or row, column) and what (the offending value).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

# Control characters, format characters (bidi overrides, zero-width ones), line and paragraph
# separators, lone surrogates: none shows as itself.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def _escaped(character: str) -> str:
    if unicodedata.category(character) not in _HIDDEN:
        return character
    return character.encode("unicode_escape", "backslashreplace").decode("ascii")


def printable(text: str) -> str:
    """A name from a file system or a workbook on one line and as it is: control characters (a
    newline, an ANSI escape) and invisible ones (a right-to-left override) written as ``\\n``,
    ``\\x1b``, ``\\u202e``, so a problem is always one line, cannot drive a terminal and cannot
    print a sheet or file name reversed."""
    if text.isprintable():
        return text
    return "".join(map(_escaped, text))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with a stable ``code`` tests and scripts can match on."""

    code: str
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None

    def place(self) -> str:
        """Where the problem is, most specific last: ``f.xlsx: LSS!D7`` or ``f.csv: row 4, column år``."""
        parts = []
        if self.file:
            parts.append(self.file)
        where = []
        if self.sheet and self.cell:
            where.append(f"{self.sheet}!{self.cell}")
        elif self.sheet:
            where.append(f"sheet {self.sheet}")
        elif self.cell:
            where.append(self.cell)
        if self.row is not None and not self.cell:
            where.append(f"row {self.row}")
        if self.column and not self.cell:
            where.append(f"column {self.column}")
        if where:
            parts.append(", ".join(where))
        return printable(": ".join(parts))

    def __str__(self) -> str:
        place = self.place()
        value = "" if self.value is None else f" (value {self.value!r})"
        message = printable(self.message)
        return f"{place}: {message}{value}" if place else f"{message}{value}"


@dataclass
class Findings:
    """Every problem found in one input; the input is valid when it holds no problem."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, **where: object) -> None:
        self.problems.append(Problem(code, message, **where))  # type: ignore[arg-type]

    @property
    def valid(self) -> bool:
        return not self.problems

    def raise_if_invalid(self) -> None:
        if self.problems:
            raise BadInput(self.problems)


class JamforError(Exception):
    """Base of every error the CLI turns into a message instead of a traceback."""

    exit_code = 1


class BadInput(JamforError):
    """The input cannot be loaded as it is. Nothing was written."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("bad-input", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__(self._text())

    def _text(self) -> str:
        shown = [str(p) for p in self.problems[:20]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"… and {more} more problems")
        return "\n".join(shown)
