"""Kolada KPI records and data rows for the issue-26 tests (any KPI understood, kön).

SYNTHETIC, for cases the real values cannot show (a record with nothing to read, a län and riket
average of codes that jamfor must not load); the real saved values of U07525, U28122 and U21477 are
tests/fixtures/kolada_saved (tests/warehouse/test_kolada_saved.py). This fixture follows the shapes
Kolada's v3 API documents (``/kpi/{id}`` records, ``/data/kpi/…`` rows with ``values`` per gender)
and takes from the issue only what it states (the real records differ: U07525 is Boverket's
kulturmiljöprogram, operating area "Miljö, hälsa och hållbar utveckling mm"; the issue's operating
area is U21477's):

- U07525's title ends "(Ja=1, Nej=0)" and its operating area is "Kommunen, övergripande,Ordinärt
  boende,Äldre och funktionshindrade";
- U28122 is a share of enheter in percent whose title has neither "andel" nor "%";
- U21477 is divided by kön, riket 2019: T 90, K 89, M 91.

Every other number (each kommun's code, each kommun's share) is made up here, deterministically,
and is only ever loaded into the tests' scratch warehouses.
"""

from __future__ import annotations

from jamfor.seed.reference import area_frame

YES_NO = "U07525"
SHARE = "U28122"
BY_KON = "U21477"
BARE = "X99999"  # a record with nothing to read a unit or a verksamhet from
YEARS = (2018, 2019)
RIKET_2019 = {"T": 90.0, "K": 89.0, "M": 91.0}  # the U21477 riket 2019

KPIS = [
    {"id": YES_NO, "title": "Kommunen har en plan för äldreomsorgens digitalisering (Ja=1, Nej=0)",
     "description": "Kommunen har en fastställd plan. Avser förhållandena under året. Källa: enkät.",
     "operating_area": "Kommunen, övergripande,Ordinärt boende,Äldre och funktionshindrade",
     "is_divided_by_gender": False, "municipality_type": "K", "has_ou_data": False, "auspices": "X",
     "publ_period": "2019"},
    {"id": SHARE, "title": "Enheter i hemtjänsten med tillgång till läkare med särskilt ansvar",
     "description": "Antal enheter med tillgång till läkare dividerat med antal enheter, "
                    "multiplicerat med 100. Källa: Socialstyrelsen.",
     "operating_area": "Äldreomsorg,Ordinärt boende", "is_divided_by_gender": False,
     "municipality_type": "K", "has_ou_data": True, "auspices": "T", "publ_period": "2019"},
    {"id": BY_KON, "title": "Brukarbedömning hemtjänst äldreomsorg - bemötande, andel (%)",
     "description": "Andel personer 65 år och äldre med hemtjänst som svarat att personalen alltid "
                    "bemöter dem på ett bra sätt.",
     "operating_area": "Äldreomsorg", "is_divided_by_gender": True, "municipality_type": "K",
     "has_ou_data": False, "auspices": "T", "publ_period": "2019"},
    {"id": BARE, "title": "Något som Kolada mäter", "description": "", "operating_area": "",
     "is_divided_by_gender": False, "municipality_type": "K"},
]


def kommuner() -> list[str]:
    areas = area_frame()
    return sorted(areas[areas.level == "kommun"].area_code)


def _row(kpi: str, municipality: str, year: int, values: dict[str, float | None]) -> dict:
    return {"kpi": kpi, "municipality": municipality, "period": year,
            "values": [{"gender": g, "count": 1, "status": "" if v is not None else "Missing", "value": v}
                       for g, v in values.items()]}


def yes_no_code(index: int, year: int) -> int | None:
    """Kommun ``index``'s made-up answer: every seventh gives none, the rest 1 or 0."""
    if index % 7 == 3:
        return None
    return 1 if (index * 5 + year) % 3 else 0


def rows() -> list[dict]:
    out = []
    for year in YEARS:
        codes = {k: yes_no_code(i, year) for i, k in enumerate(kommuner())}
        out += [_row(YES_NO, k, year, {"T": c}) for k, c in codes.items()]
        answered = [c for c in codes.values() if c is not None]
        # Kolada's own riket and län: averages of the codes, which jamfor must not load
        out.append(_row(YES_NO, "0000", year, {"T": round(sum(answered) / len(answered), 2)}))
        out.append(_row(YES_NO, "0001", year, {"T": 0.5}))
        out += [_row(SHARE, k, year, {"T": float((i * 13 + year) % 101)})
                for i, k in enumerate(kommuner()[:20])]
        out.append(_row(SHARE, "0000", year, {"T": 47.5}))
    out.append(_row(BY_KON, "0000", 2019, RIKET_2019))
    out += [_row(BY_KON, k, 2019, {"T": 80.0 + i, "K": 79.0 + i, "M": 81.0 + i})
            for i, k in enumerate(kommuner()[:5])]
    out.append(_row(BARE, "0000", 2019, {"T": 12.0}))
    return out
