"""How one ÖJ cell and one area name are read (jamfor.seed.cells), shared by the Excel and Kolada loaders."""

from __future__ import annotations

import unicodedata

import pytest

from jamfor.seed.cells import AreaIndex, UnknownToken, normalise_title, parse_value, split_trailing_year
from jamfor.seed.reference import area_frame


@pytest.fixture(scope="module")
def areas() -> AreaIndex:
    return AreaIndex(area_frame())


@pytest.mark.parametrize(("raw", "value", "status"), [
    ("Ja", 100.0, "ok"), ("NEJ", 0.0, "ok"), (" ja ", 100.0, "ok"),
    ("82", 82.0, "ok"), ("82,5", 82.5, "ok"), ("82 %", 82.0, "ok"), ("82,5%", 82.5, "ok"),
    ("1\u00a0234,5", 1234.5, "ok"), ("\u221212", -12.0, "ok"), (41, 41.0, "ok"), (0.5, 0.5, "ok"),
    ("12 345 678", 12345678.0, "ok"), ("1 234,5 %", 1234.5, "ok"),
    ("-", None, "bortfall"), ("–", None, "bortfall"), (".", None, "ej_tillampligt"),
    ("..", None, "sekretess"), ("", None, "ej_besvarad"), ("x", None, "ej_besvarad"),
    ("X", None, "ej_besvarad"), (None, None, "ej_besvarad"), ("  ", None, "ej_besvarad"),
])
def test_a_cell_reads_as_a_number_or_a_missing_value_reason(raw, value, status):
    parsed = parse_value(raw)
    assert (parsed.value, parsed.status) == (value, status)


def test_the_raw_text_is_kept_as_written():
    assert parse_value("82,5 %").raw == "82,5 %"
    assert parse_value(41.0).raw == "41"
    assert parse_value(None).raw is None


def test_a_percent_formatted_number_is_scaled_to_percent_without_float_noise():
    assert parse_value(0.13, percent_format=True).value == 13.0
    assert parse_value(0.825, percent_format=True).value == 82.5


@pytest.mark.parametrize("raw", ["Kanske", "?", "...", "82,5,1", "n/a", "Ja!", "8 2 , 5", "8 2", "1 23",
                                 "123 4567", "82 ,5", "- 5"])
def test_any_other_token_is_refused(raw):
    with pytest.raises(UnknownToken):
        parse_value(raw)


@pytest.mark.parametrize(("raw", "code"), [
    (114, "0114"), ("0114", "0114"), (114.0, "0114"), ("0000", "00"), ("0001", "01"), ("0025", "25"),
    ("00", "00"), (1, "01"), ("25", "25"), ("018004", "018004"), ("2584", "2584"),
])
def test_codes_are_read_as_kommun_lan_or_riket_whatever_their_spelling(areas, raw, code):
    assert areas.from_code(raw) == code


@pytest.mark.parametrize("raw", ["9999", "0099", "26", "abc", 12.5, True, None])
def test_codes_that_name_no_area_are_not_guessed(areas, raw):
    assert areas.from_code(raw) is None


@pytest.mark.parametrize(("raw", "prefer", "code"), [
    ("Riket", None, "00"), ("HELA RIKET", None, "00"), ("Stockholms län", None, "01"),
    ("Stockholm", None, "0180"), ("Stockholm", "lan", "01"), ("Gotland", None, "0980"),
    ("Gotlands län", None, "09"), ("Västra  Götaland", "lan", "14"), ("Region Skåne", None, "12"),
    ("Bromma", None, "018004"), ("Stockholm - Bromma", None, "018004"),
    ("Hägersten–Älvsjö", None, "018015"), ("Lunds kommun", None, "1281"), ("Stockholms stad", None, "0180"),
    ("Atlantis kommun", None, None), ("Bromma stadsdelsområde", None, "018004"), ("Malmö*", None, "1280"),
    ("Riket (samtliga kommuner)", None, "00"), ("Bromma (Stockholm)", None, "018004"),
    ("Lund 1)", None, "1281"),
    ("Upplands Väsby", None, "0114"), (unicodedata.normalize("NFD", "Malmö"), None, "1280"),
    (unicodedata.normalize("NFD", "Västra Götaland"), "lan", "14"),
])
def test_names_are_recognised_case_and_dash_insensitively(areas, raw, prefer, code):
    assert areas.from_name(raw, prefer) == code


def test_titles_match_across_case_dashes_years_and_percent_signs():
    catalogue = "Aktuell skriftlig rutin för information om samordnad individuell plan (SIP) – LSS-barn"
    for variant in (catalogue.upper() + " 2021", catalogue.replace("–", "-") + " (%)",
                    catalogue.replace(" – ", " —  ") + ", 2019", catalogue + "*"):
        assert normalise_title(variant) == normalise_title(catalogue)
    assert split_trailing_year("Titel (2021)") == ("Titel", 2021)
    assert split_trailing_year("2021") == ("2021", None)
