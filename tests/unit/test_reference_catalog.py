"""Reference data and the indicator catalogue: the public interface analysts write SQL against."""

from __future__ import annotations

import pandas as pd
from support.databases import REPO
from support.factsheet import fact_sheet_text, published_tables

from jamfor.seed.catalog import indicator_entries, indicator_frame
from jamfor.seed.reference import area_frame, kommungrupp_frame, stadsdelar_valid_in
from jamfor.seed.sources.kolada_coding import kolada_mappings, not_in_kolada

CATALOGUE_IDS = {
    "lss_enskildas_uppfattning_myndighet", "lss_enskildas_uppfattning_utforare",
    "lss_ibic_alla_utredningar", "lss_ibic_alla_uppfoljningar",
    "lss_systematisk_uppfoljning_verksamhetsutveckling", "lss_overenskommelse_bup",
    "lss_overenskommelse_vuxenpsykiatri", "lss_sip_rutin_barn", "lss_sip_rutin_vuxen",
    "lss_handlaggare_socionomexamen", "lss_kompetensplan_samlad", "lss_kompetensplan_fortbildning",
    "lss_kompetensplan_handledning",
}


def test_areas_hold_riket_21_lan_290_kommuner_and_17_stadsdelar(shared):
    areas = area_frame()
    counts = areas.level.value_counts().to_dict()
    assert counts == {"riket": 1, "lan": 21, "kommun": 290, "stadsdel": 17}
    assert areas.area_code.is_unique
    reference = pd.read_csv(shared / "reference/kommuner.csv", dtype=str)
    kommuner = areas[areas.level == "kommun"].set_index("area_code")
    assert set(kommuner.index) == set(reference.kommunkod)
    assert (kommuner.index.str[:2] == kommuner.lan_code).all()


def test_every_lan_has_its_iso_code_for_the_sweden_map():
    lan = area_frame().query("level == 'lan'").set_index("area_code")
    assert lan.loc["12", "iso_3166_2"] == "SE-M"
    assert lan.iso_3166_2.str.match(r"^SE-[A-Z]{1,2}$").all()


def test_kommungrupper_2023_have_the_published_group_sizes():
    sizes = area_frame().query("level == 'kommun'").kommungrupp.value_counts().to_dict()
    assert sizes == {"A1": 3, "A2": 43, "B3": 23, "B4": 63, "B5": 24, "C6": 27, "C7": 51,
                     "C8": 35, "C9": 21}
    assert len(kommungrupp_frame()) == 9


def test_stockholm_stadsdelar_follow_their_validity_dates():
    areas = area_frame()
    assert len(stadsdelar_valid_in(2019, areas)) == 14
    names_2020 = set(stadsdelar_valid_in(2020, areas).name)
    assert "Hägersten-Älvsjö" in names_2020 and "Älvsjö" not in names_2020
    assert len(names_2020) == 13


def test_catalogue_has_the_public_indicator_ids():
    ids = set(indicator_frame().indicator_id)
    assert ids >= CATALOGUE_IDS


def test_catalogue_titles_are_worded_exactly_as_in_the_fact_sheet(shared):
    titles = set(indicator_frame().title)
    for row in published_tables(shared):
        assert row.title in titles, row.title
    text = fact_sheet_text(shared)
    socionom = indicator_frame().set_index("indicator_id").loc["lss_handlaggare_socionomexamen"]
    assert socionom.title in text


def test_socionom_share_is_a_bakgrundsmatt_without_direction():
    catalogue = indicator_frame().set_index("indicator_id")
    row = catalogue.loc["lss_handlaggare_socionomexamen"]
    assert row.kind == "bakgrundsmatt" and row.higher_is_better is None
    others = catalogue.loc[sorted(CATALOGUE_IDS - {"lss_handlaggare_socionomexamen"})]
    assert (others.higher_is_better == True).all()  # noqa: E712 - object column of bools


def test_every_indicator_has_a_kolada_id_or_says_why_not():
    entries = indicator_entries()
    mapped = [e for e in entries if e.get("kolada_kpi")]
    assert len({e["kolada_kpi"] for e in mapped}) == len(mapped) == len(kolada_mappings()) == 16
    assert all(e.get("kolada", {}).get("title") for e in mapped)
    absent = {item.indicator_id: item.note for item in not_in_kolada()}
    assert set(absent) == {e["indicator_id"] for e in entries if not e.get("kolada_kpi")}
    assert all(absent.values())
    assert {"lss_handlaggare_socionomexamen", "lss_kompetensplan_fortbildning",
            "lss_kompetensplan_handledning"} <= set(absent)


def test_each_kolada_coding_names_its_ja_code_and_covers_every_year_once():
    for mapping in kolada_mappings().values():
        for coding in mapping.codings:
            assert coding.ja in coding.codes and set(coding.codes) >= {0}, mapping.kpi
        if mapping.coded:
            assert [len([c for c in mapping.codings if c.covers(y)]) for y in range(2010, 2031)] == [1] * 21
    u28462 = kolada_mappings()["U28462"]
    assert (u28462.coding(2017).ja, u28462.coding(2018).ja, u28462.coding(2018).codes[1]) == (1, 2, "Delvis")
    assert kolada_mappings()["U28544"].coding(2021).ja == 2
    assert not kolada_mappings()["N20507"].coded


def test_indicators_beyond_lss_name_their_verksamhet():
    catalogue = indicator_frame().set_index("kolada_kpi")
    assert catalogue.verksamhet[["N20507", "U21546", "U31404", "U35548", "U28671"]].tolist() == [
        "Äldreomsorg", "Äldreomsorg", "Ekonomiskt bistånd", "Missbruk och beroende", "Socialpsykiatri"]
    assert set(catalogue.verksamhet[["U28456", "U28457", "U28462"]]) == {"LSS"}


def _coding_cell(mapping) -> tuple[str, str]:
    """How the loading guide writes a mapping's coding and its ja code."""
    if not mapping.coded:
        return "andel (%)", "–"

    def period(coding) -> str:
        return ("" if coding.first_year is None else f"from {coding.first_year}: ") + \
            ("" if coding.last_year is None else f"until {coding.last_year}: ")

    codes = " / ".join(period(c) + "; ".join(f"{label}={code}" for code, label in c.codes.items())
                       for c in mapping.codings)
    ja = ", ".join(f"{c.ja}{' ' + period(c).rstrip(': ') if period(c) else ''}" for c in mapping.codings)
    return codes, ja


def test_the_loading_guides_kolada_table_is_the_catalogue():
    guide = (REPO / "docs" / "loading.md").read_text(encoding="utf-8")
    table = guide.split("#### The mapping")[1].split("\n\n")[2]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]
    verksamhet = dict(zip(indicator_frame().indicator_id, indicator_frame().verksamhet))
    expected = [[m.indicator_id, verksamhet[m.indicator_id], m.kpi, *_coding_cell(m)]
                for m in kolada_mappings().values()]
    assert sorted(rows) == sorted(expected)
