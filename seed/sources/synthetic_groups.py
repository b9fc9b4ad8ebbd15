"""Synthetic Kolada municipality groups for the demo, so "Jämför kommuner" has a group to compare with.

Kolada cannot be asked here, and its groups are not shipped. Each kommun gets one made-up "liknande
kommuner" group: the seven other kommuner of its SKR kommungrupp nearest to it in kommunkod (a stand-in
for Kolada's own similarity, which weighs structure and costs). The title says the group is synthetic
and its batch is flagged synthetic, as every demo value is; `jamfor load kolada-groups` loads the real
ones into the same tables.
"""

from __future__ import annotations

import pandas as pd

from jamfor.seed.frames import SourceFrames
from jamfor.seed.reference import area_frame

SOURCE = "demo_kolada_groups"
SOURCE_REF = "jamfor demo: synthetic Kolada municipality groups (liknande kommuner by kommungrupp)"
PEERS = 7


def demo_group_tables() -> dict[str, pd.DataFrame]:
    """One group per kommun, made for it as Kolada's are: its id DEMO+kommunkod, its PEERS nearest
    kommuner of the same kommungrupp (not the kommun itself)."""
    kommuner = area_frame()
    kommuner = kommuner[kommuner.level == "kommun"].sort_values("area_code")
    groups, members = [], []
    for kommun in kommuner.itertuples():
        group_id = f"DEMO{kommun.area_code}"
        groups.append({"group_id": group_id, "year": None, "area_code": kommun.area_code,
                       "title": f"Liknande kommuner, {kommun.name} (syntetisk demogrupp)"})
        others = kommuner[(kommuner.kommungrupp == kommun.kommungrupp)
                          & (kommuner.area_code != kommun.area_code)]
        distance = (others.area_code.astype(int) - int(kommun.area_code)).abs()
        nearest = others.assign(distance=distance).sort_values(["distance", "area_code"]).head(PEERS)
        members += [{"group_id": group_id, "area_code": code} for code in nearest.area_code]
    frame = pd.DataFrame(groups).astype({"year": "Int64"})
    return {"kolada_group": frame, "kolada_group_member": pd.DataFrame(members)}


def demo_group_frames() -> SourceFrames:
    return SourceFrames.synthetic_batch(
        SOURCE, SOURCE_REF, demo_group_tables(),
        attribution="Syntetiska demogrupper (jamfor demo) – inte Koladas kommungrupper")
