"""The figures Socialstyrelsen published in the ÖJ LSS 2021 fact sheet, as riket values.

Real data, shipped with the package: Tabell 1 (2019–2021), Tabell 2 (2017–2021), the socionom
share, the kompetensplan figures and the survey's response rates.
"""

from __future__ import annotations

import pandas as pd

from jamfor.seed.catalog import catalog_path
from jamfor.seed.frames import SourceFrames, sha256_of_files
from jamfor.seed.schema import RIKET

PUBLICATION = (
    "Socialstyrelsen, Öppna jämförelser 2021 – Stöd till personer med funktionsnedsättning LSS "
    "(faktablad). Källa: Enkät Öppna jämförelser Socialtjänst, kommunundersökning 2016–2021."
)
FIGURES_FILE = "published_oj_lss_2021.csv"
SOURCE = "published"


def published_figures() -> pd.DataFrame:
    """indicator_id, year, value and where in the fact sheet each figure stands."""
    return pd.read_csv(catalog_path(FIGURES_FILE), dtype={"indicator_id": str, "year": int,
                                                          "value": float, "where": str})


def published_frames() -> SourceFrames:
    figures = published_figures()
    values = pd.DataFrame({
        "indicator_id": figures.indicator_id,
        "area_code": RIKET,
        "year": figures.year,
        "value": figures.value,
        "status": "ok",
        "raw_value": [f"{v:g} ({w})" for v, w in zip(figures.value, figures["where"])],
    })
    return SourceFrames(
        source=SOURCE,
        source_ref=PUBLICATION,
        sha256=sha256_of_files([catalog_path(FIGURES_FILE)]),
        synthetic=False,
        tables={"indicator_value": values},
        attribution="Källa: Socialstyrelsen, Öppna jämförelser 2021 (faktablad LSS)",
    )
