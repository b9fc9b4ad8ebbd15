"""Reading one ÖJ value or one area name, the same way for every source.

Socialstyrelsen's workbooks and Kolada spell the same things differently: "Ja"/"Nej" in kommun rows,
"82,5 %" with a decimal comma, missing-value markers ("-", ".", ".."), kommunkoder that Excel stored as
numbers (114 for 0114), names with or without "län". Keeping the rules here means both loaders agree
on what a value and an area are.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import pandas as pd

MARKERS = {
    "-": "bortfall", "–": "bortfall", "—": "bortfall",
    ".": "ej_tillampligt",
    "..": "sekretess",
    "": "ej_besvarad", "x": "ej_besvarad",
}
YES_NO = {"ja": 100.0, "nej": 0.0}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Spaces inside a number only as thousands separators: "1 234,5", "12 345 678"; never "8 2 , 5".
_GROUPED = re.compile(r"^[+\-\u2212]?\d{1,3}(?:[\s\u00a0\u202f\u2009]\d{3})+(?:[,.]\d+)?$")
_PERCENT_SIGN = re.compile(r"[\s\u00a0\u202f\u2009]*%$")
_DASHES = re.compile(r"\s*[\u2010\u2011\u2012\u2013\u2014\u2015\u2212-]\s*")
_TRAILING_YEAR = re.compile(r"[\s,:;]*\(?((?:19|20)\d\d)\)?$")
_TRAILING_NOISE = re.compile(r"[\s,:;.*¹²³]+$|\s*\((%|procent|andel)\)$|,\s*(%|procent)$|\s+%$")


@dataclass(frozen=True)
class CellValue:
    """A parsed cell: the number (None when missing), its status and the text as written."""

    value: float | None
    status: str
    raw: str | None


class UnknownToken(ValueError):
    """The cell holds text that is neither a number, ja/nej nor a known missing-value marker."""


FIRST_YEAR = 1990  # Kolada's oldest series start in the 1990s; ÖJ in 2007, SKR's survey in 2021
UNIT_RANGES = {"procent": (0.0, 100.0)}


def last_year() -> int:
    """The latest year a source can hold: next year (a publication may name the coming year)."""
    return date.today().year + 1


def year_in_range(year: int, last: int | None = None) -> bool:
    """``year`` within what a source can hold; ``last`` is ``last_year()`` asked once by a caller that
    checks millions of rows."""
    return FIRST_YEAR <= year <= (last_year() if last is None else last)


def value_problem(value: float, unit: str | None) -> str | None:
    """Why a number cannot be an indicator's value (NaN, infinite, a share outside 0–100), else None."""
    if not math.isfinite(value):
        return "not a finite number"
    low, high = UNIT_RANGES.get(unit or "", (-math.inf, math.inf))
    if not low <= value <= high:
        return f"outside {low:g}–{high:g}, the range of the indicator's unit ({unit})"
    return None


def _percent(number: float) -> float:
    """A number under a percent format: Excel stores 82 % as 0.82, but a format put on after typing
    leaves 82; a value that is a share only one way is read that way."""
    scaled = round(number * 100.0, 10)
    return number if not 0 <= scaled <= 100 and 0 <= number <= 100 else scaled


def _raw_text(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def parse_value(raw: object, *, percent_format: bool = False) -> CellValue:
    """Parse one cell. ``percent_format``: Excel stores 82 % as 0.82 under a percent number format.

    Raises ``UnknownToken`` for anything else, so the caller can name the cell.
    """
    text = _raw_text(raw)
    if isinstance(raw, bool):
        return CellValue(100.0 if raw else 0.0, "ok", text)
    if isinstance(raw, (int, float)):
        number = _percent(float(raw)) if percent_format else float(raw)
        return CellValue(number, "ok", text)
    if raw is None:
        return CellValue(None, "ej_besvarad", None)
    token = str(raw).strip()
    lowered = token.casefold()
    if lowered in MARKERS:
        return CellValue(None, MARKERS[lowered], text)
    if lowered in YES_NO:
        return CellValue(YES_NO[lowered], "ok", text)
    number = _PERCENT_SIGN.sub("", token)
    if _SPACES.search(number) and not _GROUPED.match(number):
        raise UnknownToken(token)
    compact = _SPACES.sub("", number).replace(",", ".").replace("\u2212", "-")
    if _NUMBER.match(compact):
        return CellValue(float(compact), "ok", text)
    raise UnknownToken(token)


def normalise(text: object) -> str:
    """Case, whitespace and dash variants folded, for matching titles and names written by hand; and
    Unicode composed (NFC) first: macOS and some exports write "ö" as "o" and a combining diaeresis,
    which looks the same and must match the same."""
    folded = _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip().casefold()
    return _DASHES.sub(" - ", folded).strip()


def split_trailing_year(text: str) -> tuple[str, int | None]:
    """"Titel 2021" -> ("Titel", 2021); a title without a trailing year keeps None."""
    stripped = _SPACES.sub(" ", text).strip()
    match = _TRAILING_YEAR.search(stripped)
    if match and match.start() > 0:
        return stripped[: match.start()].rstrip(" ,:;–—-"), int(match.group(1))
    return stripped, None


def normalise_title(text: object) -> str:
    """The key a title is matched on: normalised, trailing year, footnote marks and "(%)" removed."""
    title, _ = split_trailing_year(str(text))
    key = normalise(title)
    previous = None
    while previous != key:
        previous, key = key, _TRAILING_NOISE.sub("", key)
    return key


def year_of(raw: object) -> int | None:
    """A cell that is nothing but a year (2021, "2021", 2021.0, "År 2021", "2021*"), else None."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        return int(raw) if float(raw).is_integer() and 1990 <= raw <= 2099 else None
    match = re.fullmatch(r"(?:år\s+)?((?:19|20)\d\d)\s*[*¹²³]*", str(raw).strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None


RIKET_NAMES = ("riket", "hela riket", "riket totalt", "totalt riket", "sverige", "hela landet", "totalt")
_NAME_SUFFIXES = (" stadsdelsområde", " stadsdelsförvaltning", " stadsdelsnämnd", " kommun", " stad")
_NAME_NOISE = re.compile(r"\s*\([^)]*\)|[*¹²³]+$|\s+\d\)$")
_LEVEL_ORDER = ("kommun", "stadsdel", "lan", "riket")


class AreaIndex:
    """Recognises an area from a code or a name, using the shipped reference data."""

    def __init__(self, areas: pd.DataFrame) -> None:
        self.codes = set(areas.area_code)
        self.level = dict(zip(areas.area_code, areas.level))
        self._names: dict[str, set[str]] = {}
        for code, name, level in zip(areas.area_code, areas.name, areas.level):
            for key in self._name_keys(name, level):
                self._names.setdefault(key, set()).add(code)

    @staticmethod
    def _name_keys(name: str, level: str) -> list[str]:
        key = normalise(name)
        if level == "riket":
            return list(RIKET_NAMES)
        if level == "lan":
            bare = key.removesuffix(" län")
            short = bare[:-1] if bare.endswith("s") and not bare.endswith("ss") else bare
            return [key, bare, short, f"region {short}", f"region {bare}"]
        return [key]

    def from_code(self, raw: object) -> str | None:
        """kommunkod (also as a number: 114 -> 0114), länskod, riket '00', Kolada '0000' and '00'+länskod."""
        if isinstance(raw, bool) or raw is None:
            return None
        if isinstance(raw, float):
            if not raw.is_integer():
                return None
            raw = int(raw)
        text = _SPACES.sub("", str(raw))
        if not text.isdigit():
            return None
        if len(text) <= 2:
            code = text.zfill(2)
        elif len(text) <= 4:
            code = text.zfill(4)
            if code.startswith("00"):
                code = code[2:]
        else:
            code = text
        return code if code in self.codes else None

    def from_name(self, raw: object, prefer: str | None = None) -> str | None:
        """A kommun, län, stadsdelsområde or riket by name; ``prefer`` settles "Stockholm" in a län column."""
        if raw is None:
            return None
        key = normalise(raw)
        candidates = self._lookup(key)
        if not candidates:
            return None
        ordered = sorted(candidates, key=lambda c: (self.level[c] != prefer,
                                                    _LEVEL_ORDER.index(self.level[c])))
        return ordered[0]

    def _lookup(self, key: str) -> set[str]:
        if key in self._names:
            return self._names[key]
        for suffix in _NAME_SUFFIXES:
            stem = key.removesuffix(suffix)
            if stem == key:
                continue
            names = (stem, stem[:-1] if stem.endswith("s") else stem)  # "Lunds kommun", "Stockholms stad"
            found = {c for n in names for c in self._names.get(n, ())
                     if self.level[c] in ("kommun", "stadsdel")}
            if found:
                return found
        for separator in (" - ", ", ", ": ", " / "):
            head, _, tail = key.partition(separator)
            if tail and head in ("stockholm", "stockholms stad", "stockholms kommun"):
                return self._lookup(tail)
        cleaned = _NAME_NOISE.sub("", key).strip()  # "Malmö*", "Riket (samtliga kommuner)"
        return self._lookup(cleaned) if cleaned and cleaned != key else set()

    def recognise(self, raw: object, prefer: str | None = None) -> str | None:
        """A code if the text is one, else a name."""
        return self.from_code(raw) or self.from_name(raw, prefer)
