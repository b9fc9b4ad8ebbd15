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


def indicator_entries() -> list[dict]:
    """Every catalogue entry as written, defaults filled in: the table's columns and the keys that
    say how to read the indicator from a source (``kolada``, ``kolada_note``)."""
    doc = yaml.safe_load(catalog_path("indicators.yaml").read_text(encoding="utf-8"))
    return [{**doc["defaults"], **entry} for entry in doc["indicators"]]


def indicator_frame() -> pd.DataFrame:
    """The catalogue as rows of the ``indicator`` table, defaults filled in."""
    frame = pd.DataFrame(indicator_entries()).reindex(columns=INDICATOR_COLUMNS)
    return frame.astype(object).where(frame.notna(), None)
