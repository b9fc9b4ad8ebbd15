"""Kolada's KPI metadata read into an indicator: what a KPI outside the catalogue is, from Kolada's words.

Kolada's KPI record (``/v3/kpi/{id}``) says what a KPI is: ``title``, ``description`` (the definition),
``operating_area`` (a comma list of Kolada's areas), ``auspices`` (huvudmannaskap), and
``is_divided_by_gender``. jamfor reads from it:

- the unit: a share or kronor the definition names, else the unit Kolada writes at the end of the
  title ("…, andel (%)", "…, antal", "…, kr/inv"), else the definition's shape (a division: kvot, a
  count: antal); a word such as "andel" anywhere in the title is not a unit. A KPI whose unit neither
  says is stored with unit ``okänd`` and the note says so;
- a yes/no question: a title or definition that lists its codes ("(Ja=1, Nej=0)", "(Ja, för alla=2,
  Ja, men inte för alla=1, Nej=0)") is coded, and read like the catalogue's coded indicators (100/0
  per kommun, the code kept, län and riket computed by jamfor with the 20 % bortfall rule);
- the verksamhet, one of the small set the dashboards filter on, from the operating area;
- the direction: Kolada's KPI record has no field for it, so a new KPI's ``higher_is_better`` is
  null (no colour against riket) and the note says so.

Everything jamfor could not read goes into the indicator's ``metadata_note`` (Swedish: a person reads
it in Superset) and into the load's warnings (English, one line per kind of gap with the KPIs it
concerns); nothing is guessed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jamfor.seed.sources.kolada_coding import Coding, KoladaMapping

# The dashboards' verksamheter (seed/catalog/indicators.yaml), then the two that say jamfor could not
# place a KPI among them: outside those areas, or no operating area at all.
VERKSAMHETER = ("LSS", "Äldreomsorg", "Ekonomiskt bistånd", "Missbruk och beroende", "Socialpsykiatri",
                "Socialtjänst")
OTHER_VERKSAMHET = "Övrigt"
UNKNOWN_VERKSAMHET = "Okänd"
UNKNOWN_UNIT = "okänd"
UNITS = ("procent", "antal", "kronor", "kvot", UNKNOWN_UNIT)

# Words in one of Kolada's operating areas (case folded) -> the verksamhet; the first that matches an
# area counts, and the verksamhet most of the KPI's areas point to wins (ties: this order).
_AREA_WORDS: tuple[tuple[str, str], ...] = (
    ("äldre", "Äldreomsorg"), ("ordinärt boende", "Äldreomsorg"), ("särskilt boende", "Äldreomsorg"),
    ("hemtjänst", "Äldreomsorg"),
    ("funktionsned", "LSS"), ("funktionshind", "LSS"), ("lss", "LSS"),
    ("ekonomiskt bistånd", "Ekonomiskt bistånd"), ("försörjningsstöd", "Ekonomiskt bistånd"),
    ("missbruk", "Missbruk och beroende"), ("beroende", "Missbruk och beroende"),
    ("psykiatri", "Socialpsykiatri"), ("psykisk", "Socialpsykiatri"),
    ("individ- och familjeomsorg", "Socialtjänst"), ("ifo", "Socialtjänst"),
    ("barn och unga", "Socialtjänst"),
    ("socialtjänst", "Socialtjänst"), ("våld", "Socialtjänst"), ("familj", "Socialtjänst"),
)
_CODES = re.compile(r"\(([^()]*=\s*\d+[^()]*)\)")
_CODE_ITEM = re.compile(r"\s*([^=]+?)\s*=\s*(\d+)\s*(?:,|$)")
_TITLE_UNITS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(andel\s*)?\(%\)\s*$|,\s*andel\s*$|,\s*procent\s*$"), "procent"),
    (re.compile(r",\s*antal\s*$"), "antal"),
    (re.compile(r",\s*(kr|kronor|tkr)(/|\s|$)"), "kronor"),
)
# A definition that names a share or an amount of money says the unit outright; one that only divides
# (or counts) does not: Kolada's definitions of shares often stop at "dividerat med" and leave the × 100
# out (U21477, "…, andel (%)"), so there the unit the title ends with counts first.
_DEFINITION_UNITS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bandel\b|\bprocent\b|%|multiplicerat med 100"), "procent"),
    (re.compile(r"\bkronor\b|\bkr\b|\btkr\b"), "kronor"),
)
_DEFINITION_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bdividerat med\b|\bper\s+\d[\d ]*\s+invånare\b"), "kvot"),
    (re.compile(r"^\s*antal\b"), "antal"),
)


@dataclass(frozen=True)
class KpiReading:
    """What jamfor reads from one KPI record: the indicator row's fields, the coding of a yes/no KPI,
    and what it could not read (keys of ``UNREAD``)."""

    kpi: str
    title: str
    description: str
    verksamhet: str
    unit: str
    coding: Coding | None
    divided_by_gender: bool
    operating_area: str
    auspices: str
    unknown: tuple[str, ...]

    def mapping(self, indicator_id: str) -> KoladaMapping | None:
        """The coded reading as the catalogue would write it, so coded KPIs share one path."""
        if self.coding is None:
            return None
        return KoladaMapping(self.kpi, indicator_id, self.title, (self.coding,))


def read_coding(text: str) -> Coding | None:
    """The codes a title or definition lists in parentheses, "(Ja=1, Nej=0)" or "(Ja, för alla=2, Ja,
    men inte för alla=1, Nej=0)", as a coding whose "ja" is the code labelled exactly Ja, else the
    highest code whose label starts with Ja; None when the text lists no such codes."""
    for group in _CODES.findall(text):
        items = _CODE_ITEM.findall(group)
        labels = {int(code): label.strip() for label, code in items}
        if len(labels) < 2 or not any(label.casefold() == "nej" for label in labels.values()):
            continue
        yes = [code for code, label in labels.items() if label.casefold().startswith("ja")]
        if not yes:
            continue
        exact = [code for code in yes if labels[code].casefold() == "ja"]
        return Coding(None, None, exact[0] if exact else max(yes), dict(sorted(labels.items(), reverse=True)))
    return None


def read_unit(title: str, description: str) -> str:
    """The unit the definition names (a share, kronor), else the one the title ends with, else the
    definition's shape (a division: kvot; a count: antal), else ``okänd``."""
    definition, ending = description.casefold(), title.casefold()
    for patterns, text in ((_DEFINITION_UNITS, definition), (_TITLE_UNITS, ending),
                           (_DEFINITION_SHAPES, definition)):
        for pattern, unit in patterns:
            if pattern.search(text):
                return unit
    return UNKNOWN_UNIT


def read_verksamhet(operating_area: str) -> str:
    """One of ``VERKSAMHETER`` for Kolada's comma list of areas; ``Övrigt`` when none of its areas
    is one of them, ``Okänd`` when Kolada gives no area."""
    areas = [a.strip().casefold() for a in operating_area.split(",") if a.strip()]
    if not areas:
        return UNKNOWN_VERKSAMHET
    votes: dict[str, int] = {}
    for area in areas:
        hit = next((v for word, v in _AREA_WORDS if word in area), None)
        if hit is not None:
            votes[hit] = votes.get(hit, 0) + 1
    if not votes:
        return OTHER_VERKSAMHET
    return max(VERKSAMHETER, key=lambda v: (votes.get(v, 0), -VERKSAMHETER.index(v)))


def _flag(value: object) -> bool:
    """Kolada's booleans: true/false, or 1/0 in older answers."""
    return value is True or value == 1 or str(value).casefold() in ("true", "1")


# What jamfor could not read, by key: (English for the CLI's warnings, Swedish for the indicator's note).
UNREAD: dict[str, tuple[str, str]] = {
    "title": ("no title (the KPI id stands in)", "titel saknas hos Kolada (KPI-id används)"),
    "definition": ("no definition", "definition saknas hos Kolada"),
    "unit": ("unit unknown: neither the definition nor the title says it (stored as okänd)",
             "enhet okänd: varken definitionen eller titeln anger den"),
    "verksamhet": ("no operating area (verksamhet Okänd)", "verksamhet okänd: Kolada anger inget område"),
    "other": ("its operating area is none of jamfor's verksamheter (verksamhet Övrigt)",
              "verksamhetsområdet hör inte till jamfors verksamheter"),
    "direction": ("direction unknown: Kolada's record does not say whether higher is better",
                  "riktning okänd: Kolada anger inte om ett högre värde är bättre"),
}


def read_kpi(meta: dict) -> KpiReading:
    """One Kolada KPI record read into what jamfor stores; never raises on missing fields: what is
    missing is listed in ``unknown`` (keys of ``UNREAD``)."""
    kpi = str(meta.get("id") or "")
    title = str(meta.get("title") or "").strip()
    description = str(meta.get("description") or "").strip()
    operating_area = str(meta.get("operating_area") or "").strip()
    auspices = str(meta.get("auspices") or "").strip()
    coding = read_coding(title) or read_coding(description)
    unit = "procent" if coding is not None else read_unit(title, description)
    verksamhet = read_verksamhet(operating_area)
    unknown = [key for key, missing in (
        ("title", not title), ("definition", not description), ("unit", unit == UNKNOWN_UNIT),
        ("verksamhet", verksamhet == UNKNOWN_VERKSAMHET), ("other", verksamhet == OTHER_VERKSAMHET),
        ("direction", True)) if missing]
    return KpiReading(kpi, title or kpi, description or title or kpi, verksamhet, unit, coding,
                      _flag(meta.get("is_divided_by_gender")) and coding is None, operating_area,
                      auspices, tuple(unknown))


def swedish_note(reading: KpiReading) -> str | None:
    """The indicator's ``metadata_note``: what could not be read, in Swedish."""
    return "; ".join(UNREAD[key][1] for key in reading.unknown) or None
