"""Kolada municipality groups for the group comparison tests: SYNTHETIC ones with values, and one real
group without.

No public repository in reach holds a saved answer of Kolada's ``/v3/municipality_groups``. The shape,
``{"id", "title", "members": [{"member_id", "member_title"}]}``, is the one rKolada reads (its
``municipality_grp_unnest`` renames ``member_id`` and ``member_title``; LCHansson/rKolada, R/
municipality_grp.R, April 2026, against v3).

GROUPS are made up, with real kommunkoder and invented ids, titles and values. Every kommun in them is in
SKR's kommungrupp A2, so the kommungrupp mean is over the kommuner given a value. G900001 is titled as
Kolada titles a "liknande kommuner" group, so it is made for Upplands Väsby (MIN_KOMMUN); G900002 is made
for no one kommun.

REAL_GROUP is Kolada's "Liknande kommuner grundskola, Höör, 2024" (G35951) with the seven kommuner a
public project recorded from Kolada's API on 15 August 2026 (by name; the codes are SCB's), and
REAL_TITLES the twelve group ids and titles rKolada's vignette printed for Arboga (April 2026).
"""

from __future__ import annotations

KPI = "N00001"
INDICATOR = "lss_ibic_alla_utredningar"  # higher is better
YEAR = 2021
MIN_KOMMUN = "0114"  # Upplands Väsby


def _member(code: str, name: str) -> dict:
    return {"member_id": code, "member_title": name}


GROUPS = [
    {"id": "G900001", "title": "Liknande kommuner LSS, Upplands Väsby, 2024",
     "members": [_member("0115", "Vallentuna"), _member("0117", "Österåker"), _member("0120", "Värmdö")]},
    {"id": "G900002", "title": "Norra Storstockholm (syntetisk)",
     "members": [_member("0114", "Upplands Väsby"), _member("0123", "Järfälla"),
                 _member("0001", "Region Stockholm"), _member("1999", "Okänd kommun")]},
]
REAL_GROUP = {"id": "G35951", "title": "Liknande kommuner grundskola, Höör, 2024",
              "members": [_member("0461", "Gnesta"), _member("0582", "Söderköping"),
                          _member("1256", "Östra Göinge"), _member("1462", "Lilla Edet"),
                          _member("1715", "Kil"), _member("2026", "Gagnef"), _member("2481", "Lycksele")]}
REAL_TITLES = {
    "G175909": "Liknande kommuner ekonomiskt bistånd, Arboga, 2023",
    "G176199": "Liknande kommuner socioekonomi, Arboga, 2024",
    "G176489": "Liknande kommuner äldreomsorg, Arboga, 2024",
    "G216099": "Liknande kommuner arbetsmarknad, Arboga, 2024",
    "G219042": "Liknande kommuner räddningstjänst, Arboga, 2024",
    "G35869": "Liknande kommuner grundskola, Arboga, 2024",
    "G36161": "Liknande kommuner gymnasieskola, Arboga, 2024",
    "G36453": "Liknande kommuner IFO, Arboga, 2024",
    "G37329": "Liknande kommuner, övergripande, Arboga, 2025",
    "G39502": "Liknande kommuner LSS, Arboga, 2024",
    "G85463": "Liknande kommuner fritidshem, Arboga, 2024",
    "G85755": "Liknande kommuner förskola, Arboga, 2024",
}
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
