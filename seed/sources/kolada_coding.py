"""The catalogue's Kolada mapping, and how Kolada's coded answers become ÖJ values.

ÖJ asks kommuner yes/no questions. Kolada publishes a kommun's answer as a code (Ja=1, Nej=0; for
IBIC Ja, för alla=2, Ja, men inte för alla=1, Nej=0) and its län and riket values as the average of
those codes, which on a 2/1/0 scale is not a share of anything. The catalogue says which code means
"ja" in the ÖJ indicator, per period of years where the coding changed (U28462: Ja=1 until 2017,
Ja=2 from 2018). A kommun's code becomes 100 (ja) or 0 (not ja), as Socialstyrelsen's workbooks give
it; län and riket are computed here as the share of answering kommuner with ja, the way
Socialstyrelsen computes them, instead of taking Kolada's averages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from jamfor.seed.catalog import indicator_entries
from jamfor.seed.schema import RIKET

BORTFALL_SHARE = 0.20  # Socialstyrelsen leaves a län out when more than 20 % of its kommuner did not answer
COMPUTED_NOTE = "beräknad av jamfor"


@dataclass(frozen=True)
class Coding:
    """How a KPI's answers are coded in a period of years (``None``: open-ended)."""

    first_year: int | None
    last_year: int | None
    ja: int
    codes: Mapping[int, str]

    def covers(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and \
            (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class KoladaMapping:
    """One catalogue indicator read from one Kolada KPI. ``title`` is Kolada's title as last seen;
    no ``codings`` means a percentage, loaded as Kolada gives it."""

    kpi: str
    indicator_id: str
    title: str
    codings: tuple[Coding, ...] = ()

    @property
    def coded(self) -> bool:
        return bool(self.codings)

    def coding(self, year: int) -> Coding | None:
        return next((c for c in self.codings if c.covers(year)), None)


@dataclass(frozen=True)
class NotInKolada:
    """A catalogue indicator Kolada does not publish, and what the catalogue says about it."""

    indicator_id: str
    title: str
    note: str


def _coding(entry: dict) -> Coding:
    return Coding(entry.get("from"), entry.get("until"), int(entry["ja"]),
                  {int(code): str(label) for code, label in entry["codes"].items()})


def kolada_mappings() -> dict[str, KoladaMapping]:
    """Every catalogue indicator with a ``kolada_kpi``, by KPI id."""
    mappings = {}
    for entry in indicator_entries():
        kpi = entry.get("kolada_kpi")
        if kpi:
            kolada = entry.get("kolada") or {}
            mappings[str(kpi)] = KoladaMapping(
                str(kpi), entry["indicator_id"], str(kolada.get("title") or ""),
                tuple(_coding(c) for c in kolada.get("coding") or ()))
    return mappings


def not_in_kolada(text: str | None = None) -> list[NotInKolada]:
    """Catalogue indicators without a Kolada id; with ``text``, those whose id, title or short title
    contains it (case folded), so a search for them can say where they come from instead."""
    wanted = (text or "").casefold().strip()
    found = []
    for entry in indicator_entries():
        if entry.get("kolada_kpi"):
            continue
        names = " ".join(str(entry.get(k) or "") for k in ("indicator_id", "title", "short_title"))
        if wanted in names.casefold():
            found.append(NotInKolada(entry["indicator_id"], entry["title"],
                                     " ".join(str(entry.get("kolada_note") or "").split())))
    return found


def read_code(mapping: KoladaMapping, year: int, number: float) -> tuple[float, str]:
    """A kommun's coded answer as (100 or 0, the code and its label); ValueError naming the codes
    when ``number`` is not one of the KPI's codes in that year."""
    coding = mapping.coding(year)
    if coding is None:
        raise ValueError(f"{mapping.kpi} has no coding for {year} in the catalogue")
    code = int(number) if float(number).is_integer() else None
    if code not in coding.codes:
        listed = ", ".join(f"{c} {label}" for c, label in coding.codes.items())
        raise ValueError(f"not a code of {mapping.kpi} in {year} ({listed})")
    return (100.0 if code == coding.ja else 0.0), f"{code} ({coding.codes[code]})"


def _share_row(indicator_id: str, area_code: str, year: int, scope: pd.DataFrame,
               size: int | None) -> dict:
    """One computed row: the share of ``scope``'s answering kommuner with ja; bortfall when none
    answered or, for a län of ``size`` kommuner, more than 20 % did not."""
    answered, ja = int(scope.answered.sum()), int(scope.ja.sum())
    missing = answered == 0 or (size is not None and size - answered > BORTFALL_SHARE * size)
    row = {"indicator_id": indicator_id, "area_code": area_code, "year": int(year)}
    if missing:
        units = size or len(scope)
        return {**row, "value": None, "status": "bortfall", "numerator": None, "denominator": None,
                "raw_value": f"{COMPUTED_NOTE}: bortfall, {answered} av {units} kommuner svarade"}
    return {**row, "value": 100.0 * ja / answered, "status": "ok", "numerator": float(ja),
            "denominator": float(answered),
            "raw_value": f"{COMPUTED_NOTE}: {ja} av {answered} svarande kommuner ja"}


SHARE_COLUMNS = ["indicator_id", "area_code", "year", "value", "status", "raw_value", "numerator",
                 "denominator"]


def coded_shares(values: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Län and riket rows from kommun rows (indicator_id, area_code, year, value, status; value 100
    or 0): the share of answering kommuner with ja, with the counts as numerator and denominator.

    A län where more than 20 % of its kommuner gave no answer is ``bortfall``, as Socialstyrelsen
    publishes it, and so is a län none of whose kommuner has a row; riket is given whenever a kommun
    answered. Groups are the (indicator, year) pairs in ``values``; a kommun without a row has not
    answered."""
    kommuner = areas[areas.level == "kommun"][["area_code", "lan_code"]]
    rows = values.merge(kommuner, on="area_code")
    answered = rows.status.eq("ok") & rows.value.notna()
    rows = rows.assign(answered=answered, ja=answered & rows.value.eq(100.0))
    members = kommuner.groupby("lan_code").size()
    out = []
    for (indicator_id, year), group in rows.groupby(["indicator_id", "year"]):
        out.append(_share_row(indicator_id, RIKET, year, group, None))
        scopes = dict(tuple(group.groupby("lan_code")))
        out += [_share_row(indicator_id, lan, year, scopes.get(lan, group.iloc[:0]), int(size))
                for lan, size in members.items()]
    frame = pd.DataFrame(out, columns=SHARE_COLUMNS)
    frame["value"] = frame["value"].astype(float)
    return frame
