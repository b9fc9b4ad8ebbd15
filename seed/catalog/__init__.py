"""The indicator catalogue: stable ids, Swedish titles, direction, Kolada ids.

indicators.yaml is the one place an indicator is defined; analysts write SQL against its ids.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pandas as pd
import yaml

CATALOG_FILES = ("indicators.yaml",)
INDICATOR_COLUMNS = ["indicator_id", "title", "short_title", "verksamhet", "kind", "measure_type",
                     "unit", "higher_is_better", "source", "publication", "kolada_kpi",
                     "description"]


def catalog_path(name: str) -> Path:
    return Path(str(files("jamfor.seed.catalog") / name))


def indicator_frame() -> pd.DataFrame:
    """The catalogue as rows of the ``indicator`` table, defaults filled in."""
    doc = yaml.safe_load(catalog_path("indicators.yaml").read_text(encoding="utf-8"))
    rows = [{**doc["defaults"], **entry} for entry in doc["indicators"]]
    frame = pd.DataFrame(rows).reindex(columns=INDICATOR_COLUMNS)
    return frame.astype(object).where(frame.notna(), None)
