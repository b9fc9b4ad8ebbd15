"""Shipped reference data: riket, 21 län, 290 kommuner, SKR kommungrupper 2023, Stockholm stadsdelar.

Built from SCB's code list, SKR's kommungruppsindelning 2023 and Stockholms stad (see SOURCE.md).
Codes are text: kommun = 4-digit kommunkod, län = 2-digit länskod, riket = '00', stadsdel = '0180'
followed by a two-digit number of our own (ÖJ names stadsdelsområden, it gives them no code).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from importlib.resources import files
from pathlib import Path

import pandas as pd

from jamfor.seed.catalog import CATALOG_FILES, catalog_path, indicator_frame
from jamfor.seed.frames import SourceFrames, sha256_of_files
from jamfor.seed.schema import RIKET

STOCKHOLM = "0180"
# SKR's six verksamhetsområden, code -> name: the survey's, the dashboards' filters' and the PDFs' words.
OMRADEN = {
    "aldre": "Äldre",
    "barn_och_unga": "Barn och unga",
    "funktionshinder": "Funktionshinder",
    "missbruk_och_beroende": "Missbruk och beroende",
    "socialpsykiatri": "Socialpsykiatri",
    "vald_i_nara_relationer": "Våld i nära relationer",
}
REFERENCE_FILES = ("kommuner.csv", "lan.csv", "stadsdelar.csv")


def reference_path(name: str) -> Path:
    return Path(str(files("jamfor.seed.reference") / name))


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(reference_path(name), dtype=str, keep_default_na=False)


def _date_or_none(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


# Swedish alphabetical order: å, ä, ö after z (in that order), æ/ø as ä/ö, ü as y; other accents fall
# back to their base letter (é as e). Unicode code points would put Ä before Å.
_SWEDISH_LETTERS = {"å": "z\u0001", "ä": "z\u0002", "ö": "z\u0003", "æ": "z\u0002", "ø": "z\u0003", "ü": "y"}


def swedish_sort_key(name: str) -> tuple[str, str]:
    """A key that sorts names as a Swedish dictionary does (Å, Ä, Ö last); ties keep a fixed order."""
    letters = []
    for char in name.casefold():
        if char in _SWEDISH_LETTERS:
            letters.append(_SWEDISH_LETTERS[char])
        else:
            letters.append("".join(c for c in unicodedata.normalize("NFD", char)
                                   if not unicodedata.combining(c)))
    return "".join(letters), name


def kommungrupp_frame() -> pd.DataFrame:
    kommuner = _read("kommuner.csv")
    groups = kommuner[["kommungrupp_kod", "kommungrupp", "kommungrupp_huvudgrupp"]].drop_duplicates()
    groups.columns = ["code", "name", "huvudgrupp"]
    return groups.sort_values("code").reset_index(drop=True)


def area_frame() -> pd.DataFrame:
    """Every area jamfor knows, one row each, with län, ISO code and kommungrupp where they apply."""
    lan = _read("lan.csv")
    kommuner = _read("kommuner.csv")
    stadsdelar = _read("stadsdelar.csv")
    stockholm_group = kommuner.loc[kommuner.kommunkod == STOCKHOLM, "kommungrupp_kod"].iloc[0]
    riket = pd.DataFrame([{"area_code": RIKET, "name": "Riket", "level": "riket"}])
    lan_rows = pd.DataFrame(
        {"area_code": lan.lanskod, "name": lan.lan, "level": "lan", "lan_code": lan.lanskod,
         "iso_3166_2": lan.iso_3166_2}
    )
    kommun_rows = pd.DataFrame(
        {"area_code": kommuner.kommunkod, "name": kommuner.kommun, "level": "kommun",
         "lan_code": kommuner.lanskod, "kommungrupp": kommuner.kommungrupp_kod}
    )
    stadsdel_rows = pd.DataFrame(
        {"area_code": stadsdelar.area_code, "name": stadsdelar.stadsdelsomrade, "level": "stadsdel",
         "lan_code": STOCKHOLM[:2], "kommungrupp": stockholm_group,
         "valid_from": [_date_or_none(v) for v in stadsdelar.giltig_fran],
         "valid_to": [_date_or_none(v) for v in stadsdelar.giltig_till]}
    )
    frame = pd.concat([riket, lan_rows, kommun_rows, stadsdel_rows], ignore_index=True)
    columns = ["area_code", "name", "level", "lan_code", "iso_3166_2", "kommungrupp",
               "valid_from", "valid_to"]
    frame = frame.reindex(columns=columns)
    # a sort position per area, so charts list kommuner in Swedish order on any database collation
    order = sorted(range(len(frame)), key=lambda i: swedish_sort_key(frame.name[i]))
    frame["sort_order"] = pd.Series(range(1, len(frame) + 1), index=order).sort_index()
    return frame.astype(object).where(frame.notna(), None)


def reference_frames() -> SourceFrames:
    """The reference tables as one batch, so every area row knows where it came from."""
    paths = [reference_path(n) for n in REFERENCE_FILES] + [catalog_path(n) for n in CATALOG_FILES]
    return SourceFrames(
        source="reference",
        source_ref="SCB län och kommuner; SKR kommungruppsindelning 2023; Stockholms stad; "
        "jamfor indicator catalogue",
        sha256=sha256_of_files(paths),
        synthetic=False,
        tables={"kommungrupp": kommungrupp_frame(), "area": area_frame(),
                "indicator": indicator_frame()},
    )


def stadsdelar_valid_in(year: int, areas: pd.DataFrame) -> pd.DataFrame:
    """Stockholm's stadsdelsområden that existed for the whole or part of ``year``."""
    sd = areas[areas.level == "stadsdel"]
    start, end = date(year, 1, 1), date(year, 12, 31)
    valid_from_ok = sd.valid_from.map(lambda d: d is None or d <= end)
    valid_to_ok = sd.valid_to.map(lambda d: d is None or d >= start)
    return sd[valid_from_ok & valid_to_ok]
