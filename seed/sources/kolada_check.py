"""`jamfor kolada check`: is every Kolada id in the catalogue still what the catalogue says it is?

Kolada retires and renames KPIs: most of the ÖJ LSS ids are gone from its 2026 catalogue (their
last data is from 2022–2024) and still serve the trend years, and some socionom shares changed
their titles. The check asks Kolada's ``/kpi`` endpoint about every catalogue id and loads nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from jamfor.seed.sources.kolada import kpi_metadata, resolve_base_url
from jamfor.seed.sources.kolada_coding import KoladaMapping, NotInKolada, kolada_mappings, not_in_kolada
from jamfor.seed.sources.kolada_http import KoladaHttp

RECENT_YEARS = 2  # recent data: Kolada's latest period is at most this many years before this year


def _words(text: str) -> str:
    return " ".join(text.split())


def _period_year(period: object) -> int | None:
    match = re.match(r"\s*(\d{4})", str(period or ""))
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class KpiCheck:
    """What Kolada says about one catalogue id. ``title`` and ``latest_year`` are Kolada's now
    (None when it does not know the id or gives no period)."""

    mapping: KoladaMapping
    known: bool
    title: str | None = None
    latest_year: int | None = None
    recent: bool = False

    @property
    def renamed(self) -> bool:
        return self.known and _words(self.title or "") != _words(self.mapping.title)


@dataclass(frozen=True)
class CatalogueCheck:
    kpis: list[KpiCheck]
    not_in_kolada: list[NotInKolada] = field(default_factory=list)

    @property
    def unknown(self) -> list[KpiCheck]:
        return [k for k in self.kpis if not k.known]

    @property
    def all_known(self) -> bool:
        return not self.unknown


def check_catalogue(http: KoladaHttp, base_url: str | None = None,
                    today: date | None = None) -> CatalogueCheck:
    """Ask Kolada for every KPI the catalogue maps: unknown, renamed (title changed since the
    catalogue recorded it), or without recent data (latest period more than ``RECENT_YEARS`` before
    ``today``'s year, or none). Raises ``KoladaError`` when Kolada cannot be asked."""
    mappings = kolada_mappings()
    meta = kpi_metadata(http, resolve_base_url(base_url), sorted(mappings))
    this_year = (today or date.today()).year
    checks = []
    for kpi, mapping in sorted(mappings.items(), key=lambda item: item[1].indicator_id):
        record = meta.get(kpi)
        if record is None:
            checks.append(KpiCheck(mapping, known=False))
            continue
        latest = _period_year(record.get("publ_period"))
        checks.append(KpiCheck(mapping, True, str(record.get("title") or ""), latest,
                               latest is not None and latest >= this_year - RECENT_YEARS))
    return CatalogueCheck(checks, not_in_kolada())
