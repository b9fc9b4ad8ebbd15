"""Real Kolada values and KPI records that a public repository saved (tests/fixtures/kolada_saved, its
README says which repository, path and commit), turned back into the shapes Kolada's API answers in:
``/kpi`` records and ``/data/kpi/…`` rows with ``values`` per gender.

The saved files are CSV, one value a line. An empty cell (Kolada gave no number) is left out rather
than served with a status the save did not keep; every number is served as the save wrote it.
"""

from __future__ import annotations

import csv

from support.databases import REPO

FOLDER = REPO / "tests" / "fixtures" / "kolada_saved"
YES_NO, SHARE, BY_KON = "U07525", "U28122", "U21477"
KPIS = (YES_NO, SHARE, BY_KON)
RIKET = "0000"


def _read(name: str) -> list[dict[str, str]]:
    with (FOLDER / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def kpi_records() -> list[dict]:
    """The three KPIs' records as ``/kpi/{id}`` gives them (title, description, operating area …)."""
    records = []
    for row in _read("kpi_results.csv"):
        records.append({
            "id": row["concept"], "title": row["name"], "description": row["description"],
            "operating_area": row["operating_area"], "auspices": row["auspices"],
            "municipality_type": row["municipality_type"],
            "is_divided_by_gender": row["is_divided_by_gender"] == "1",
            "has_ou_data": row["has_ou_data"] == "True", "perspective": row["perspective"],
            "publication_date": row["publication_date"]})
    return records


def saved_values() -> dict[tuple[str, str, str, int], float]:
    """Every number the save holds: (KPI, gender, Kolada's municipality code, year) -> value."""
    values = {}
    sources = [(kpi, "T", f"ddf--datapoints--{kpi.lower()}--by--geo--year.csv") for kpi in KPIS]
    sources.append((BY_KON, None, f"ddf--datapoints--{BY_KON.lower()}--by--geo--gender--year.csv"))
    for kpi, gender, name in sources:
        for row in _read(name):
            if row[kpi.lower()] != "":
                values[(kpi, gender or row["gender"], row["geo"], int(row["year"]))] = float(row[kpi.lower()])
    return values


def data_rows() -> list[dict]:
    """The saved values as Kolada's data rows: one row per KPI, municipality and year."""
    rows: dict[tuple[str, str, int], dict] = {}
    for (kpi, gender, municipality, year), value in sorted(saved_values().items()):
        row = rows.setdefault((kpi, municipality, year), {
            "kpi": kpi, "municipality": municipality, "period": year, "values": []})
        row["values"].append({"gender": gender, "count": 1, "status": "", "value": value})
    return list(rows.values())


def years() -> list[int]:
    return sorted({year for (_, _, _, year) in saved_values()})
