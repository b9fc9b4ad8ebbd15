"""SYNTHETIC Kolada municipality groups and values for the group comparison tests.

No public repository in reach holds a saved answer of Kolada's ``/municipality_group``: these groups
are made up in Kolada's documented shape (``{"id", "title", "members": [{"id", "title"}]}``), with
real kommunkoder and invented ids, titles and values. Every kommun here is in SKR's kommungrupp A2,
so the kommungrupp mean is over the kommuner given a value.
"""

from __future__ import annotations

KPI = "N00001"
INDICATOR = "lss_ibic_alla_utredningar"  # higher is better
YEAR = 2021
MIN_KOMMUN = "0114"  # Upplands Väsby


def _member(code: str, name: str) -> dict:
    return {"id": code, "title": name}


GROUPS = [
    {"id": "G900001", "title": "Liknande kommuner, LSS, Upplands Väsby (syntetisk)",
     "members": [_member("0115", "Vallentuna"), _member("0117", "Österåker"), _member("0120", "Värmdö")]},
    {"id": "G900002", "title": "Norra Storstockholm (syntetisk)",
     "members": [_member("0114", "Upplands Väsby"), _member("0123", "Järfälla"),
                 _member("0001", "Region Stockholm"), _member("1999", "Okänd kommun")]},
]
# Per kommun its value in YEAR; riket too.
VALUES = {"0000": 65.0, "0114": 60.0, "0115": 70.0, "0117": 80.0, "0120": 90.0, "0123": 50.0}
# What the warehouse should hold: each group's mean and the kommuner it is over.
GROUP_MEANS = {"G900001": (80.0, 3), "G900002": (55.0, 2)}
KOMMUNGRUPP_MEAN = 70.0  # the five A2 kommuner with a value


def rows(values: dict[str, float] | None = None) -> list[dict]:
    """Kolada data rows of KPI in YEAR, totals only."""
    return [{"kpi": KPI, "municipality": code, "period": YEAR,
             "values": [{"gender": "T", "count": 1, "status": "", "value": value}]}
            for code, value in (values or VALUES).items()]
