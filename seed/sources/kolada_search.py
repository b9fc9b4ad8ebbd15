"""Finding Kolada KPIs by words, verksamhet and kön, and saying what loading each would create.

Kolada's own title search (``/kpi?title=``; every KPI when no words are given) answers with full KPI
records, so each hit is read the way a load reads it (``jamfor.seed.sources.kolada_meta``): the
verksamhet and kön filters and the "would create" column are the load's own reading, not a second
guess. Loading a whole verksamhet (``jamfor load kolada --verksamhet``) is this search's ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from jamfor.errors import BadInput
from jamfor.seed.sources.kolada_coding import kolada_mappings
from jamfor.seed.sources.kolada_http import KoladaHttp
from jamfor.seed.sources.kolada_meta import (
    OTHER_VERKSAMHET,
    UNKNOWN_VERKSAMHET,
    UNREAD,
    VERKSAMHETER,
    KpiReading,
    read_kpi,
)

SEARCHABLE_VERKSAMHETER = (*VERKSAMHETER, OTHER_VERKSAMHET, UNKNOWN_VERKSAMHET)


@dataclass(frozen=True)
class KpiHit:
    """One KPI found: Kolada's record as read, and the catalogue indicator that maps it, if any."""

    id: str
    title: str
    publ_period: str
    publication_date: str
    reading: KpiReading
    record: dict
    catalogue_indicator: str | None = None

    def creates(self) -> str:
        """What a load of this KPI creates, as the CLI shows it (English; ids as they will be)."""
        if self.catalogue_indicator:
            return f"into catalogue indicator {self.catalogue_indicator}"
        base = f"kolada_{self.id}"
        ids = [base, f"{base}_kvinnor", f"{base}_man"] if self.reading.divided_by_gender else [base]
        kind = "yes/no, coded " + ", ".join(f"{label}={code}" for code, label in
                                            self.reading.coding.codes.items()) \
            if self.reading.coding is not None else self.reading.unit
        gaps = [UNREAD[key][0].split(":")[0] for key in self.reading.unknown if key != "direction"]
        return f"{', '.join(ids)} ({kind}; {self.reading.verksamhet})" + \
            (f"; {'; '.join(gaps)}" if gaps else "")


def search_kpis(http: KoladaHttp, text: str, base_url: str, *, verksamhet: str | None = None,
                by_kon: bool = False) -> list[KpiHit]:
    """KPIs whose title contains ``text`` (Kolada's title search, every page; all KPIs for ""), kept
    when their verksamhet is ``verksamhet`` and, with ``by_kon``, when Kolada divides them by kön."""
    if verksamhet is not None and verksamhet not in SEARCHABLE_VERKSAMHETER:
        raise BadInput(f"--verksamhet: {verksamhet!r} is not one of jamfor's verksamheter "
                       f"({', '.join(SEARCHABLE_VERKSAMHETER)})")
    mapped = {kpi: m.indicator_id for kpi, m in kolada_mappings().items()}
    url = f"{base_url}/kpi?title={quote(text)}" if text else f"{base_url}/kpi"
    hits = []
    for page in http.pages(url):
        for record in page.body["values"]:
            if not isinstance(record, dict):
                continue
            reading = read_kpi(record)
            if verksamhet is not None and reading.verksamhet != verksamhet:
                continue
            if by_kon and not reading.divided_by_gender:
                continue
            period, published = (str(record.get(k) or "") for k in ("publ_period", "publication_date"))
            hits.append(KpiHit(reading.kpi, str(record.get("title", "")), period, published, reading,
                               record, mapped.get(reading.kpi)))
    return sorted(hits, key=lambda h: h.id)
