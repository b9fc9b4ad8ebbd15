"""Kolada REST API v3 -> ``indicator_value`` rows (and ``indicator`` rows for KPIs outside the catalogue).

Data rows look like ``{"kpi", "municipality", "period", "values": [{"gender", "count", "status",
"value"}]}``, at most 5000 a page with the next page in ``next_url``; at most 25 ids fit one path
segment, so longer lists are split. Municipality "0000" is riket and "00"+länskod a region; the rest
are kommunkoder. Rows marked ``isdeleted`` are dropped (and counted in a warning); a row that cannot be
read (not an object, a field missing or of the wrong type, a KPI or year that was not asked) is an
error naming the page and the row, and a listing without a single value is refused: an empty read is
never a load.

A KPI the catalogue maps (``jamfor.seed.sources.kolada_coding``) loads into its indicator; a coded KPI's
kommun answers become 100 or 0 and its län and riket values are computed by jamfor as shares of the
kommuner that answered ja, not taken from Kolada, and only when every kommun was asked. A Kolada load
never replaces a figure Socialstyrelsen published (the fact sheet's ``published`` figures, its
workbooks loaded by ``jamfor load oj-excel``).

A KPI outside the catalogue is read from Kolada's KPI record (``jamfor.seed.sources.kolada_meta``):
its unit from the definition, its verksamhet from the operating area, a yes/no KPI's coding from the
codes it lists (then read like a coded catalogue KPI), and a note of what could not be read.

Kön: the total ("T") always; for a KPI outside the catalogue that Kolada divides by kön
(``is_divided_by_gender``) also K and M, each as an indicator of its own (``kolada_<id>_kvinnor``,
``kolada_<id>_man``, ``kon`` K or M, ``total_indicator_id`` the total's id), so every derived
comparison (rank, colour, riket, län, kommungrupp) is per kön without a kön key in any table. The
catalogue's ÖJ indicators are answered per kommun, not per person: their K/M rows are read and ignored.

Kolada's terms require "Källa: Kolada" wherever its data is shown: every batch carries it as its
attribution.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import NamedTuple, TypeVar
from urllib.parse import quote

import pandas as pd

from jamfor.errors import BadInput, Findings, Problem
from jamfor.redact import redact_url
from jamfor.seed.ahead import read_ahead
from jamfor.seed.catalog import INDICATOR_COLUMNS, indicator_frame
from jamfor.seed.cells import FIRST_YEAR, AreaIndex, last_year, value_problem, year_in_range
from jamfor.seed.frames import SourceFrames, SourceLoads
from jamfor.seed.reference import area_frame, reference_frames
from jamfor.seed.sources.kolada_coding import KoladaMapping, coded_shares, kolada_mappings, read_code
from jamfor.seed.sources.kolada_http import KoladaHttp
from jamfor.seed.sources.kolada_meta import UNREAD, KpiReading, read_kpi, swedish_note
from jamfor.seed.sources.kolada_search import search_kpis
from jamfor.seed.sources.oj_excel import SOURCE as OJ_EXCEL_SOURCE
from jamfor.seed.sources.published import SOURCE as PUBLISHED_SOURCE

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
ENV_BASE_URL = "JAMFOR_KOLADA_URL"
SOURCE = "kolada"
# Socialstyrelsen's own figures (the fact sheet, its workbooks): a Kolada load never replaces them.
SOCIALSTYRELSEN_SOURCES = (PUBLISHED_SOURCE, OJ_EXCEL_SOURCE)
ATTRIBUTION = "Källa: Kolada"
MAX_IDS = 25
TOTAL = "T"
# A K or M series' indicator id after its total's, and the words its title gets.
SERIES = {"K": ("kvinnor", "kvinnor"), "M": ("man", "män")}
FIRST_OJ_YEAR = 2016
_KPI_ID = re.compile(r"^[A-Za-z0-9]{1,16}$")
T = TypeVar("T")


def resolve_base_url(url: str | None) -> str:
    """--base-url, else $JAMFOR_KOLADA_URL, else Kolada's own v3 address."""
    return (url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")


def parse_years(text: str | None) -> list[int]:
    """"2017-2021" or "2017,2019,2021" (or a mix) -> sorted years; "" or None -> []."""
    if not text:
        return []
    years: set[int] = set()
    for part in text.replace(" ", "").split(","):
        match = re.fullmatch(r"(\d{4})(?:[-–](\d{4}))?", part)
        if not match:
            raise BadInput(f"--years: {part!r} is not a year or a range like 2017-2021")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise BadInput(f"--years: the range {part!r} ends before it starts")
        if not (year_in_range(first) and year_in_range(last)):
            raise BadInput(f"--years: {part!r} reaches outside the years a source can hold, "
                           f"{FIRST_YEAR} to {last_year()}")
        years.update(range(first, last + 1))
    return sorted(years)


def kolada_municipality(code: str, areas: AreaIndex) -> str:
    """Our area code as Kolada writes it: riket '0000', län '00'+länskod, kommun unchanged."""
    ours = areas.from_code(code)
    if ours is None or areas.level[ours] == "stadsdel":
        raise BadInput(f"--municipalities: {code!r} is not a kommunkod, länskod or 00 (riket) "
                       "that Kolada publishes")
    return ours.zfill(4) if areas.level[ours] in ("riket", "lan") else ours


def parse_municipalities(text: str | None, areas: AreaIndex) -> list[str]:
    if not text:
        return []
    return sorted({kolada_municipality(c, areas) for c in text.replace(" ", "").split(",") if c})


@dataclass(frozen=True)
class Target:
    """One KPI to load and the indicator it lands in; ``reading`` is jamfor's reading of Kolada's KPI
    record for new ones, ``mapping`` the coding of a coded KPI (the catalogue's, or the one the record
    lists)."""

    kpi: str
    indicator_id: str
    reading: KpiReading | None = None
    mapping: KoladaMapping | None = None

    @property
    def coded(self) -> bool:
        return self.mapping is not None and self.mapping.coded

    def series(self) -> dict[str, str]:
        """Kön code -> indicator id: the total, and K and M where the KPI is new and divided by kön."""
        ids = {TOTAL: self.indicator_id}
        if self.reading is not None and self.reading.divided_by_gender:
            ids.update({kon: f"{self.indicator_id}_{suffix}" for kon, (suffix, _) in SERIES.items()})
        return ids


def _chunks(items: Sequence[T], size: int = MAX_IDS) -> list[list[T]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)] or [[]]


def kpi_metadata(http: KoladaHttp, base_url: str, kpis: list[str]) -> dict[str, dict]:
    """Kolada's records of these KPIs by id (``/kpi/{ids}``, 25 ids a request); unknown ids are absent."""
    found: dict[str, dict] = {}
    for chunk in _chunks(kpis):
        for page in http.pages(f"{base_url}/kpi/{quote(','.join(chunk), safe=',')}"):
            found.update({str(k.get("id")): k for k in page.body["values"] if isinstance(k, dict)})
    return found


def resolve_targets(options: Sequence[str], http: KoladaHttp, base_url: str,
                    records: dict[str, dict] | None = None) -> list[Target]:
    """``--kpi ID=indicator_id``, ``--kpi ID`` (the catalogue's indicator for a KPI it maps, else
    kolada_ID), or without options every KPI the catalogue maps. ``records``: KPI records already
    fetched (a verksamhet's search), not asked for again."""
    known = set(indicator_frame().indicator_id)
    mappings = kolada_mappings()
    if not options:
        return [Target(m.kpi, m.indicator_id, mapping=m) for m in mappings.values()]
    findings, pairs = Findings(), []
    for option in options:
        kpi, _, indicator_id = (part.strip() for part in option.partition("="))
        if not _KPI_ID.match(kpi):
            findings.add("bad-kpi", "not a Kolada KPI id (letters and digits, e.g. N00945)",
                       column="--kpi", value=option)
        elif indicator_id and indicator_id not in known:
            findings.add("unknown-indicator", "no catalogue indicator has this id", column="--kpi",
                       value=indicator_id)
        else:
            mapped = mappings.get(kpi)
            pairs.append((kpi, indicator_id or (mapped.indicator_id if mapped else None)))
    findings.raise_if_invalid()
    new = sorted({k for k, i in pairs if i is None})
    records = records or {}
    unfetched = [k for k in new if k not in records]
    meta = {**{k: records[k] for k in new if k in records},
            **(kpi_metadata(http, base_url, unfetched) if unfetched else {})}
    targets = []
    for kpi, indicator_id in pairs:
        if indicator_id is None and kpi not in meta:
            findings.add("unknown-kpi", "Kolada has no KPI with this id", column="--kpi", value=kpi)
            continue
        if indicator_id:
            targets.append(Target(kpi, indicator_id, mapping=mappings.get(kpi)))
        else:
            reading = read_kpi(meta[kpi])
            targets.append(Target(kpi, f"kolada_{kpi}", reading, reading.mapping(f"kolada_{kpi}")))
    for kind, values in (("KPI", [t.kpi for t in targets]), ("indicator", [t.indicator_id for t in targets])):
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            findings.add("given-twice", f"the same {kind} given twice in --kpi", value=", ".join(twice))
    findings.raise_if_invalid()
    return targets


def _status(text: object) -> str:
    """Kolada's status of a missing value as one of ours; anything unrecognised is bortfall."""
    t = str(text or "").casefold()
    if "sekretess" in t or "confidential" in t or "secret" in t:
        return "sekretess"
    if "tillämp" in t or "applicable" in t or t in ("n/a", "na"):
        return "ej_tillampligt"
    if "besvarad" in t or "answer" in t:
        return "ej_besvarad"
    return "bortfall"


def shown_value(value: object, limit: int = 60) -> str:
    """A value from Kolada as a message shows it: JSON, cut short (a 400-digit number stays readable)."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def note_cached(findings: Findings, since: int) -> None:
    """Problems found (from index ``since`` on) on a page read from the response cache say so, and that
    --refresh asks Kolada again: the cache, not Kolada's answer today, may be what is wrong."""
    findings.problems[since:] = [
        replace(p, message=f"{p.message} (page read from the response cache; --refresh asks Kolada again)")
        for p in findings.problems[since:]]


_JSON_KINDS = {bool: "boolean", int: "number", float: "number", str: "text", list: "list", dict: "object",
               type(None): "null"}


def _kind(value: object) -> str:
    """What a JSON value is, in JSON's words (a 1 is a number, None is null)."""
    return _JSON_KINDS.get(type(value), type(value).__name__)


def _shape_problem(row: object) -> tuple[str | None, str] | None:
    """The column and the reason a data row cannot be read as one, or None when it can."""
    if not isinstance(row, dict):
        return None, f"a data row that is a JSON {_kind(row)}, not an object"
    for name in ("kpi", "municipality", "period", "values"):
        if name not in row:
            return name, f"a data row without {name}"
    for name in ("kpi", "municipality"):
        if not isinstance(row[name], str):
            hint = ' (Kolada writes a municipality as a text code, e.g. "0114")' if name == "municipality" \
                else ""
            return name, f"{name} is a {_kind(row[name])}, not a text{hint}"
    if not isinstance(row["values"], list):
        return "values", f"values is a {_kind(row['values'])}, not a list"
    return None


def _year(period: object, last: int) -> int | None:
    """Kolada's period as a year: a whole number (or digits) from ``FIRST_YEAR`` to ``last``."""
    if isinstance(period, str) and period.isascii() and period.isdigit() and len(period) == 4:
        period = int(period)
    if type(period) is not int or not year_in_range(period, last):
        return None
    return period


def _number_problem(number: object, unit: str | None) -> str | None:
    """Why a Kolada value cannot be stored (not a number, not finite, outside its unit), else None."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return "not a number"
    if isinstance(number, int) and abs(number) > 10 ** 15:
        return "not a number jamfor can store (too large)"
    return value_problem(float(number), unit)


def _new_indicators(target: Target) -> list[dict]:
    """The indicator rows of a KPI outside the catalogue: its total, and K and M where divided by kön."""
    reading = target.reading
    assert reading is not None
    source = f"Kolada (RKA), huvudmannaskap {reading.auspices}" if reading.auspices else "Kolada (RKA)"
    rows = []
    for kon, indicator_id in target.series().items():
        words = "" if kon == TOTAL else f" – {SERIES[kon][1]}"
        rows.append({
            "indicator_id": indicator_id, "title": f"{reading.title}{words}",
            "short_title": f"{reading.title}{words}", "verksamhet": reading.verksamhet, "kind": "indikator",
            "measure_type": None, "unit": reading.unit, "higher_is_better": None, "source": source,
            "publication": "Kolada", "kolada_kpi": target.kpi, "description": reading.description,
            "kon": kon, "total_indicator_id": None if kon == TOTAL else target.indicator_id,
            "kolada_operating_area": reading.operating_area or None,
            "metadata_note": swedish_note(reading),
        })
    return rows


NEW_INDICATOR_COLUMNS = [*INDICATOR_COLUMNS, "kon", "total_indicator_id", "kolada_operating_area",
                         "metadata_note"]


# A row as read: (indicator_id, area_code, year) -> (value, status, raw_value). Tuples, not a dict per
# row: a load of 100 national KPIs holds 312,000 of them.
Key = tuple[str, str, int]
Record = tuple[float | None, str, str | None]
COLUMNS = ["indicator_id", "area_code", "year", "value", "status", "raw_value"]


class _Rows:
    """Collects T values from data pages, checking their shape and keeping the first of each key."""

    def __init__(self, targets: list[Target], areas: AreaIndex, findings: Findings,
                 years: Sequence[int] = ()) -> None:
        self.series_of = {t.kpi: t.series() for t in targets}
        self.coded = {t.indicator_id: t.mapping for t in targets if t.coded}
        catalogue = indicator_frame()
        units = dict(zip(catalogue.indicator_id, catalogue.unit))
        self.unit_of = {i: t.reading.unit if t.reading is not None else units.get(t.indicator_id)
                        for t in targets for i in t.series().values()}
        self.areas, self.findings = areas, findings
        self.years = set(years)
        # Asked once per read, not per row: a national read has millions of rows and a few hundred
        # municipality codes and periods.
        self.last_year = last_year()
        self.area_of: dict[str, str | None] = {}
        self.year_of: dict[int | str, int] = {}  # periods found to be a year asked
        self.rows: dict[Key, Record] = {}
        self.unknown: set[str] = set()
        self.deleted = 0  # rows (or their total) marked isdeleted: dropped, as documented

    def add_page(self, url: str, page: dict, cached: bool = False) -> bool:
        """Read one page's rows; returns whether every row could be read. Problems on a page from the
        response cache say so, and that --refresh asks Kolada again."""
        before = len(self.findings.problems)
        for index, row in enumerate(page["values"]):
            if not self._add_plain(row):
                self._add_row(url, index, row)
        if cached:
            note_cached(self.findings, before)
        return len(self.findings.problems) == before

    def _add_plain(self, row: object) -> bool:
        """Add a row the short way when it is a plain one: an object of a KPI asked, a year asked (a
        period seen before) and a known area, whose values are objects with a storable number or none
        and keys not read before. Anything else returns False having added nothing, and ``_add_row``
        reads it with every check and its message. Checking each field of every row one by one was
        44 % of a national read; here most rows cost a few dictionary lookups."""
        if type(row) is not dict or row.get("isdeleted"):
            return False
        kpi, period, municipality, values = row.get("kpi"), row.get("period"), row.get("municipality"), \
            row.get("values")
        if type(kpi) is not str or type(municipality) is not str or type(values) is not list \
                or kpi not in self.series_of or type(period) not in (int, str) or period not in self.year_of:
            return False
        year, area_code, series = self.year_of[period], self.area_of.get(municipality), self.series_of[kpi]
        if area_code is None:
            return False
        if series[TOTAL] in self.coded and self.areas.level[area_code] != "kommun":
            return True  # as _add_row: an average of codes, not a share
        read: list[tuple[Key, Record]] = []
        for value in values:
            if type(value) is not dict or value.get("isdeleted"):
                return False
            indicator_id = series.get(value.get("gender"))
            if indicator_id is None:
                continue
            key = (indicator_id, area_code, year)
            if key in self.rows:
                return False
            try:
                read.append((key, self._record(indicator_id, year, value)))
            except ValueError:
                return False
        if len(read) > 1 and len(dict(read)) < len(read):
            return False  # a kön twice in one row
        self.rows.update(read)
        return True

    def _add_row(self, url: str, index: int, row: object) -> None:
        if isinstance(row, dict) and row.get("isdeleted"):
            self.deleted += 1
            return
        shape = _shape_problem(row)
        if shape is not None:
            column, message = shape
            value = row.get(column) if column and isinstance(row, dict) else row
            self.findings.add("bad-row", message, file=url, row=index, column=column,
                              value=shown_value(value))
            return
        assert isinstance(row, dict)
        year = self._asked(url, index, row)
        if year is None:
            return
        municipality = row["municipality"]
        if municipality not in self.area_of:
            self.area_of[municipality] = self.areas.from_code(municipality)
        area_code = self.area_of[municipality]
        if area_code is None:
            self.unknown.add(municipality)
            return
        series = self.series_of[row["kpi"]]
        if series[TOTAL] in self.coded and self.areas.level[area_code] != "kommun":
            return  # an average of codes, not a share: jamfor computes län and riket itself
        for value in row["values"]:
            if not isinstance(value, dict):
                self.findings.add("bad-row", f"a value that is a JSON {_kind(value)}, not an object",
                                  file=url, row=index, column="values", value=shown_value(value))
            elif value.get("gender") in series and value.get("isdeleted"):
                self.deleted += 1
            elif value.get("gender") in series:
                self._add(url, index, series[value["gender"]], area_code, year, value)

    def _asked(self, url: str, index: int, row: dict) -> int | None:
        """The row's year when it answers what was asked (a KPI asked, a year asked), else None with
        the problem recorded: Kolada answering something else is not to be loaded as if asked."""
        if row["kpi"] not in self.series_of:
            self.findings.add("not-asked", "a row of a KPI that was not asked", file=url, row=index,
                              column="kpi", value=shown_value(row["kpi"]))
            return None
        year = _year(row["period"], self.last_year)
        if year is None:
            self.findings.add("bad-period", f"period is not a year from {FIRST_YEAR} to {self.last_year}",
                              file=url, row=index, column="period", value=shown_value(row["period"]))
            return None
        if self.years and year not in self.years:
            self.findings.add("not-asked", f"a row of the year {year}, which was not asked (--years)",
                              file=url, row=index, column="period", value=shown_value(row["period"]))
            return None
        if type(row["period"]) in (int, str):
            self.year_of[row["period"]] = year
        return year

    def _add(self, url: str, index: int, indicator_id: str, area_code: str, year: int, value: dict) -> None:
        try:
            record = self._record(indicator_id, year, value)
        except ValueError as exc:
            self.findings.add("bad-value", str(exc), file=url, row=index, column="value",
                              value=shown_value(value.get("value")))
            return
        key = (indicator_id, area_code, year)
        earlier = self.rows.setdefault(key, record)
        if earlier[:2] != record[:2]:
            self.findings.add("duplicate", f"{indicator_id} for area {area_code} in {year} came twice "
                              "with different values", file=url, row=index,
                              value=shown_value(value.get("value")))

    def _record(self, indicator_id: str, year: int, value: dict) -> Record:
        """What a value is stored as: none with Kolada's status read as ours, a code read through the
        catalogue's coding, else the number itself; ValueError saying why it cannot be stored."""
        number, status = value.get("value"), value.get("status")
        status = status if isinstance(status, str) else None
        if number is None:
            return None, _status(status), status or None
        problem = _number_problem(number, self.unit_of.get(indicator_id))
        if problem:
            raise ValueError(problem)
        mapping = self.coded.get(indicator_id)
        if mapping is not None:
            answer, raw = read_code(mapping, year, float(number))
            return answer, "ok", raw
        return float(number), "ok", f"{number} ({status})" if status else str(number)

    def frame(self, shares: bool = False) -> pd.DataFrame:
        """The rows read, sorted by key; with ``shares`` also the län and riket of the coded KPIs,
        computed from the kommun answers read (one frame built, not one for the shares and another
        for the load)."""
        frame = pd.DataFrame([(*key, *record) for key, record in self.rows.items()], columns=COLUMNS)
        frame = frame.astype({"year": int, "value": float})
        if shares:
            computed = coded_shares(frame[frame.indicator_id.isin(list(self.coded))], area_frame())
            if len(computed):
                frame = pd.concat([frame, computed], ignore_index=True).astype({"year": int, "value": float})
        return frame.sort_values(COLUMNS[:3]).reset_index(drop=True)


def data_urls(base_url: str, kpis: list[str], municipalities: list[str], years: list[int]) -> list[str]:
    """One URL per chunk combination; Kolada needs at least two of kpi, municipality and year."""
    if not municipalities and not years:
        years = list(range(FIRST_OJ_YEAR, date.today().year + 1))
    urls = []
    for kpi_chunk in _chunks(sorted(kpis)):
        for municipality_chunk in _chunks(municipalities):
            for year_chunk in _chunks([str(y) for y in years]):
                url = f"{base_url}/data/kpi/{','.join(kpi_chunk)}"
                if municipality_chunk:
                    url += f"/municipality/{','.join(municipality_chunk)}"
                if year_chunk:
                    url += f"/year/{','.join(year_chunk)}"
                urls.append(url)
    return urls


def verksamhet_kpis(http: KoladaHttp, base_url: str, verksamhet: str, words: str = "") -> dict[str, dict]:
    """The kommun KPIs (municipality_type K or both) of a verksamhet whose titles contain ``words``,
    as id -> Kolada's record; ``BadInput`` when there is none."""
    hits = [h for h in search_kpis(http, words, base_url, verksamhet=verksamhet)
            if str(h.record.get("municipality_type") or "").upper() != "L"]
    if not hits:
        raise BadInput(Problem("no-kpi", f"Kolada has no kommun KPI in verksamhet {verksamhet!r}"
                               + (f" whose title contains {words!r}" if words else "")
                               + "; nothing was written", file=f"{base_url}/kpi", column="--verksamhet",
                               value=verksamhet))
    return {h.id: h.record for h in hits}


@dataclass(frozen=True)
class _Asked:
    """What one `jamfor load kolada` asks, resolved once before any value is read."""

    base: str
    areas: AreaIndex
    years: list[int]
    years_text: str | None
    municipalities: list[str]
    verksamhet: str | None
    targets: list[Target]

    def source_ref(self, targets: list[Target]) -> str:
        """A part's batch name: the same KPIs asked again find it (``--replace``)."""
        return (f"{self.name}kpi {','.join(sorted(t.kpi for t in targets))}; "
                f"år {self.years_text or 'alla'}; område {','.join(self.municipalities) or 'alla'}")

    @property
    def name(self) -> str:
        """What every part's name and the whole read's begin with."""
        area = f"verksamhet {self.verksamhet}; " if self.verksamhet else ""
        return f"Kolada {redact_url(self.base)}: {area}"


def read_kolada(http: KoladaHttp, *, kpis: Sequence[str] = (), years: str | None = None,
                municipalities: str | None = None, base_url: str | None = None,
                verksamhet: str | None = None, words: str = "",
                on_page: Callable[[str], None] | None = None) -> SourceLoads:
    """Every page for the KPIs, years and municipalities asked, as frames for ``jamfor.seed.load``, in
    parts of ``http.limits.per_load`` KPIs (JAMFOR_KOLADA_PER_LOAD) read as they are loaded. With
    ``verksamhet``, every kommun KPI of that verksamhet (titles containing ``words``) is asked too: a
    whole operating area in one command.

    The options and the KPI records are checked here, before anything is read; a part raises
    ``KoladaError`` when Kolada keeps failing and ``BadInput`` for bad rows, and a read that finds no
    value at all is refused, each when the loader asks for that part: the loader's one transaction then
    leaves the warehouse as it was. A part without a value is left out, with a warning.
    """
    base = resolve_base_url(base_url)
    areas = AreaIndex(area_frame())
    municipality_list = parse_municipalities(municipalities, areas)
    known = verksamhet_kpis(http, base, verksamhet, words) if verksamhet else {}
    given = {option.partition("=")[0].strip() for option in kpis}
    targets = resolve_targets([*kpis, *sorted(set(known) - given)], http, base, known)
    asked = _Asked(base, areas, parse_years(years), years, municipality_list, verksamhet,
                   sorted(targets, key=lambda t: t.kpi))
    warnings = _metadata_warnings(targets)
    coded = sorted(t.indicator_id for t in targets if t.coded)
    if coded and municipality_list:
        warnings.append(Problem("no-computed-shares", "län and riket of coded KPIs are computed only when "
                                "every kommun is loaded (no --municipalities); none were computed for "
                                f"{', '.join(coded)}"))
    per_load = http.limits.per_load
    name = asked.source_ref(targets) if len(targets) <= per_load else (
        f"{asked.name}{len(targets)} KPIs in loads of {per_load}")
    return SourceLoads(name, _parts(http, asked, per_load, warnings, on_page), warnings,
                       (reference_frames,), SOCIALSTYRELSEN_SOURCES)


class _Part(NamedTuple):
    """One part as read: its frames (``None`` when Kolada has no value for its KPIs), what it left out
    and the URLs it asked. It crosses from the reading process by pickle."""

    frames: SourceFrames | None
    kpis: list[str]
    unknown: set[str]
    deleted: int
    urls: list[str]
    cache_problem: str | None


def _parts(http: KoladaHttp, asked: _Asked, per_load: int, warnings: list[Problem],
           on_page: Callable[[str], None] | None) -> Iterator[SourceFrames]:
    """Each part's frames, the next part read in another process while this one is written
    (``jamfor.seed.ahead``); what the whole read left out is added to ``warnings`` at the end. A
    command of one part reads it here, reporting each page."""
    chunks = _chunks(asked.targets, per_load)
    each_page = on_page if len(chunks) == 1 else None
    empty: list[str] = []
    unknown: set[str] = set()
    deleted, urls, cache_problem = 0, [], None
    with read_ahead([partial(_read_part, http, asked, targets, each_page) for targets in chunks]) as parts:
        for number, part in enumerate(parts):
            unknown |= part.unknown
            deleted += part.deleted
            urls += part.urls
            cache_problem = cache_problem or part.cache_problem
            if part.frames is None:
                empty += part.kpis
            else:
                if on_page and each_page is None:
                    first = number * per_load
                    on_page(f"Writing KPIs {first + 1}–{first + len(part.kpis)} of {len(asked.targets)}, "
                            "reading the next")
                yield part.frames
            del part  # not held while the next part is read
    if len(empty) == len(asked.targets):
        raise BadInput(Problem("no-values", "Kolada has no value for the KPIs, years and municipalities "
                               "asked; nothing was written", file=urls[0] if len(urls) == 1 else
                               f"{urls[0]} and {len(urls) - 1} more"))
    if empty:
        warnings.append(Problem("no-values", f"Kolada has no value for {_named(empty)} (in loads of "
                                f"{per_load} KPIs without a value): not loaded"))
    warnings += _read_warnings(unknown, deleted, cache_problem)


def _read_part(http: KoladaHttp, asked: _Asked, targets: list[Target],
               on_page: Callable[[str], None] | None) -> _Part:
    """One part's pages read into its frames. Its rows as read (312,000 tuples for a national part)
    are not held once the frames are built."""
    findings = Findings()
    rows = _Rows(targets, asked.areas, findings, asked.years)
    digest = hashlib.sha256()
    urls = data_urls(asked.base, [t.kpi for t in targets], asked.municipalities, asked.years)
    for url in urls:
        for page in http.pages(url, on_page, read=rows.add_page):
            # The bytes as received: encoding the parsed page again cost a sixth of a national read.
            digest.update(page.url.encode())
            digest.update(page.data)
    findings.raise_if_invalid()
    kpis = [t.kpi for t in targets]
    cache_problem = http.cache.problem if http.cache is not None else None
    if not rows.rows:
        return _Part(None, kpis, rows.unknown, rows.deleted, urls, cache_problem)
    tables = {"indicator_value": rows.frame(shares=bool(rows.coded and not asked.municipalities))}
    new = [row for t in targets if t.reading is not None for row in _new_indicators(t)]
    if new:
        indicators = pd.DataFrame(new).reindex(columns=NEW_INDICATOR_COLUMNS)
        tables["indicator"] = indicators.astype(object).where(indicators.notna(), None)
    frames = SourceFrames(source=SOURCE, source_ref=asked.source_ref(targets), sha256=digest.hexdigest(),
                          synthetic=False, tables=tables, attribution=ATTRIBUTION,
                          yields_to=SOCIALSTYRELSEN_SOURCES)
    return _Part(frames, kpis, rows.unknown, rows.deleted, urls, cache_problem)


def _metadata_warnings(targets: list[Target]) -> list[Problem]:
    """One warning per kind of gap in Kolada's KPI records, naming the KPIs (at most ten, then a count)."""
    warnings = []
    for key, (english, _) in UNREAD.items():
        kpis = sorted(t.kpi for t in targets if t.reading is not None and key in t.reading.unknown)
        if kpis:
            warnings.append(Problem("kpi-metadata", f"Kolada's KPI metadata: {english}: {_named(kpis)}"))
    return warnings


def _named(kpis: list[str]) -> str:
    """KPI ids for a message: at most ten, then a count."""
    return ", ".join(kpis[:10]) + (f" and {len(kpis) - 10} more" if len(kpis) > 10 else "")


def _read_warnings(unknown: set[str], deleted: int, cache_problem: str | None) -> list[Problem]:
    """What the read left out, each with a count or the codes, and a cache it could not use."""
    warnings = []
    if unknown:
        warnings.append(Problem("unknown-municipality", "unknown kommunkoder from Kolada were skipped: "
                                f"{', '.join(sorted(unknown))}"))
    if deleted:
        many = deleted != 1
        warnings.append(Problem("deleted", f"{deleted} row{'s' if many else ''} Kolada marks isdeleted "
                                f"{'were' if many else 'was'} left out"))
    if cache_problem:
        warnings.append(Problem("no-cache", cache_problem))
    return warnings
