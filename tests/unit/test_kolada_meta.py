"""Reading Kolada's KPI records: codings, units and verksamheter from Kolada's own words."""

from __future__ import annotations

import pytest

from jamfor.seed.sources.kolada_meta import read_coding, read_kpi, read_unit, read_verksamhet


def test_a_yes_no_title_is_read_as_a_coding_with_ja_1():
    coding = read_coding("Kommunen har en plan (Ja=1, Nej=0)")
    assert (coding.ja, coding.codes) == (1, {1: "Ja", 0: "Nej"})


def test_a_three_way_coding_takes_the_highest_ja_code_as_ja():
    coding = read_coding("Använt IBIC vid alla utredningar - LSS vuxna, (Ja, för alla=2, Ja, men inte "
                         "för alla=1, Nej=0)")
    assert (coding.ja, coding.codes) == (2, {2: "Ja, för alla", 1: "Ja, men inte för alla", 0: "Nej"})


@pytest.mark.parametrize("title", ["Brukarbedömning, andel (%)", "Invånare 0-19 år (antal=1)",
                                   "Kostnad (kr)"])
def test_a_title_without_a_ja_nej_list_has_no_coding(title):
    assert read_coding(title) is None


@pytest.mark.parametrize(("title", "description", "unit"), [
    ("Enheter med läkare", "Antal enheter med läkare dividerat med antal enheter, multiplicerat med 100.",
     "procent"),
    ("Andel som är nöjda med hemtjänsten", "", "okänd"),  # "andel" in a title is not a unit
    ("Brukarbedömning hemtjänst - bemötande, andel (%)", "", "procent"),
    ("Kostnad äldreomsorg, kr/inv", "", "kronor"),
    ("Invånare totalt, antal", "", "antal"),
    ("Hemtjänsttimmar per brukare", "Antal timmar dividerat med antal brukare.", "kvot"),
    # U21477 as Kolada defines it: a division without "× 100", a title that says "andel (%)"
    ("Brukarbedömning hemtjänst äldreomsorg - förtroende för personalen, andel (%)",
     "Antal personer som uppgett Ja dividerat med samtliga personer som besvarat undersökningen.",
     "procent"),
    ("Något", "Något annat.", "okänd"),
])
def test_the_definitions_unit_words_then_the_titles_ending_then_a_division_or_count(title, description, unit):
    assert read_unit(title, description) == unit


@pytest.mark.parametrize(("area", "verksamhet"), [
    ("Kommunen, övergripande,Ordinärt boende,Äldre och funktionshindrade", "Äldreomsorg"),
    ("Funktionsnedsättning", "LSS"),
    ("Individ- och familjeomsorg,Ekonomiskt bistånd", "Ekonomiskt bistånd"),
    ("Missbruk", "Missbruk och beroende"),
    ("Grundskola", "Övrigt"),
    ("", "Okänd"),
])
def test_an_operating_area_list_maps_to_one_verksamhet(area, verksamhet):
    assert read_verksamhet(area) == verksamhet


def test_a_coded_kpi_is_in_percent_and_not_split_by_kon():
    reading = read_kpi({"id": "U1", "title": "Rutin finns (Ja=1, Nej=0)", "is_divided_by_gender": True,
                        "operating_area": "Äldreomsorg", "description": "Rutin."})
    assert (reading.unit, reading.divided_by_gender, reading.unknown) == ("procent", False, ("direction",))
