"""ÖJ result workbooks generated with openpyxl, in the layouts Socialstyrelsen has used.

Each builder writes one .xlsx and returns what a correct reader must find in it: the expected
``indicator_value`` rows keyed by (indicator_id, area_code, year) -> (value, status, raw_value).
Riket figures are the ones the 2021 LSS fact sheet publishes, so the published figures stay the oracle.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

IBIC_UTR = "Använt IBIC (Individens behov i centrum) vid alla utredningar"
IBIC_UPPF = "Använt IBIC (Individens behov i centrum) vid alla uppföljningar"
SIP_BARN = "Aktuell skriftlig rutin för information om samordnad individuell plan (SIP) – LSS-barn"
SOCIONOM = "Andel handläggare med socionomexamen"

Expected = dict[tuple[str, str, int], tuple[float | None, str, str | None]]


def _title_rows(ws, text: str, width: int) -> None:
    """A merged title row and a note row above the table, as in Socialstyrelsen's workbooks."""
    ws.cell(1, 1, text).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, "Källa: Enkät Öppna jämförelser Socialtjänst. Se fliken Läsanvisning.")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


def wide_by_year(path: Path) -> Expected:
    """One column per indicator and year ("Titel 2020", "Titel 2021"); kod + namn; header on row 4."""
    wb = Workbook()
    wb.active.title = "Läsanvisning"
    wb.active["A1"] = "Så läser du tabellerna"
    ws = wb.create_sheet("LSS")
    _title_rows(ws, "Öppna jämförelser socialtjänst – Stöd till personer med funktionsnedsättning", 6)
    ws.append([])
    ws.append(["Kommunkod", "Kommun", f"{IBIC_UTR} 2020", f"{IBIC_UTR} 2021", f"{SOCIONOM} 2021",
               "Kommentar"])
    rows = [
        ("", "Riket", 36, 41, "82 %", None),
        ("01", "Stockholms län", "38", "44,5", "81,5 %", None),
        (114, "Upplands Väsby", "Ja", "Nej", "82,5", "svar inkommet sent"),
        ("0180", "Stockholm", "Nej", "Ja", "90", None),
        ("0180", "Bromma", "Ja", "..", " 75 ", None),
        (1280, "Malmö", "-", ".", "x", None),
        ("2584", "Kiruna", "", "ja", 88, None),
    ]
    for row in rows:
        ws.append(list(row))
    ws.append([])
    ws.append(["* Stadsdelsområden i Stockholm redovisas var för sig."])
    wb.save(path)
    u, s = "lss_ibic_alla_utredningar", "lss_handlaggare_socionomexamen"
    return {
        (u, "00", 2020): (36.0, "ok", "36"), (u, "00", 2021): (41.0, "ok", "41"),
        (s, "00", 2021): (82.0, "ok", "82 %"),
        (u, "01", 2020): (38.0, "ok", "38"), (u, "01", 2021): (44.5, "ok", "44,5"),
        (s, "01", 2021): (81.5, "ok", "81,5 %"),
        (u, "0114", 2020): (100.0, "ok", "Ja"), (u, "0114", 2021): (0.0, "ok", "Nej"),
        (s, "0114", 2021): (82.5, "ok", "82,5"),
        (u, "0180", 2020): (0.0, "ok", "Nej"), (u, "0180", 2021): (100.0, "ok", "Ja"),
        (s, "0180", 2021): (90.0, "ok", "90"),
        (u, "018004", 2020): (100.0, "ok", "Ja"), (u, "018004", 2021): (None, "sekretess", ".."),
        (s, "018004", 2021): (75.0, "ok", " 75 "),
        (u, "1280", 2020): (None, "bortfall", "-"), (u, "1280", 2021): (None, "ej_tillampligt", "."),
        (s, "1280", 2021): (None, "ej_besvarad", "x"),
        (u, "2584", 2020): (None, "ej_besvarad", None), (u, "2584", 2021): (100.0, "ok", "ja"),
        (s, "2584", 2021): (88.0, "ok", "88"),
    }


def merged_titles_over_years(path: Path) -> Expected:
    """Titles merged across a row of years; indicator columns first, Län and Kommun last; percent cells."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Resultat LSS"
    ws.cell(1, 1, "Öppna jämförelser 2021")
    ws.merge_cells("A1:F1")
    ws.cell(3, 1, IBIC_UPPF.upper())  # case differs from the catalogue
    ws.merge_cells("A3:C3")
    ws.cell(3, 4, SIP_BARN.replace(" – ", " - "))  # a hyphen where the catalogue has an en dash
    ws.cell(3, 5, "Län")
    ws.cell(3, 6, "Kommun/stadsdelsområde")
    ws.merge_cells("E3:E4")
    ws.merge_cells("F3:F4")
    for col, year in zip(range(1, 5), (2019, 2020, 2021, 2021)):
        ws.cell(4, col, year)
    data = [
        (0.13, 0.26, 0.29, 0.49, None, "Riket"),
        ("Ja", "Ja", "Nej", "Nej", "Uppsala län", "Uppsala"),
        ("Nej", "-", "Ja", "Ja", "Stockholms län", "Hägersten-Älvsjö"),
        (0.5, 0.25, 0.75, 0.4, "Gotland", None),
    ]
    for offset, row in enumerate(data):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(5 + offset, col, value)
            if isinstance(value, float):
                cell.number_format = "0%"
    wb.save(path)
    p, b = "lss_ibic_alla_uppfoljningar", "lss_sip_rutin_barn"
    return {
        (p, "00", 2019): (13.0, "ok", "0.13"), (p, "00", 2020): (26.0, "ok", "0.26"),
        (p, "00", 2021): (29.0, "ok", "0.29"), (b, "00", 2021): (49.0, "ok", "0.49"),
        (p, "0380", 2019): (100.0, "ok", "Ja"), (p, "0380", 2020): (100.0, "ok", "Ja"),
        (p, "0380", 2021): (0.0, "ok", "Nej"), (b, "0380", 2021): (0.0, "ok", "Nej"),
        (p, "018015", 2019): (0.0, "ok", "Nej"), (p, "018015", 2020): (None, "bortfall", "-"),
        (p, "018015", 2021): (100.0, "ok", "Ja"), (b, "018015", 2021): (100.0, "ok", "Ja"),
        (p, "09", 2019): (50.0, "ok", "0.5"), (p, "09", 2020): (25.0, "ok", "0.25"),
        (p, "09", 2021): (75.0, "ok", "0.75"), (b, "09", 2021): (40.0, "ok", "0.4"),
    }


def long_with_year_column(path: Path) -> Expected:
    """One row per area and year; titles without a year, one with "(%)" and odd spacing."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Trend"
    ws.append(["Öppna jämförelser – trend 2017–2021"])
    ws.append(["År", "Länskod", "Kommunkod", "Kommun",
               "Aktuell skriftlig överenskommelse om samverkan med barn- och  ungdomspsykiatri och LSS (%)"])
    rows = [
        (2017, None, None, "Riket", 35), (2018, None, None, "Riket", 34), ("2019", None, None, "Riket", 35),
        (2017, 14, None, "Västra Götalands län", "33,3"),
        (2017, 14, 1480, "Göteborg", "Ja"), (2018, 14, "1480", "Göteborg", "Nej"),
        (2018, 25, "2584", None, ".."),
    ]
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    i = "lss_overenskommelse_bup"
    return {
        (i, "00", 2017): (35.0, "ok", "35"), (i, "00", 2018): (34.0, "ok", "34"),
        (i, "00", 2019): (35.0, "ok", "35"), (i, "14", 2017): (33.3, "ok", "33,3"),
        (i, "1480", 2017): (100.0, "ok", "Ja"), (i, "1480", 2018): (0.0, "ok", "Nej"),
        (i, "2584", 2018): (None, "sekretess", ".."),
    }


def one_row_per_indicator(path: Path) -> Expected:
    """Fully long: an indicator column and a value column, one row per area, indicator and year."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Öppna jämförelser socialtjänst, data i långt format"])
    ws.append(["Län", "Kommun", "Indikator", "År", "Värde", "Enhet"])
    rows = [
        (None, "Riket", SIP_BARN, 2020, 49, "procent"),
        (None, "Riket", SIP_BARN.lower(), 2021, "49", "procent"),
        ("Skåne län", None, SIP_BARN, 2021, "52,4", "procent"),
        ("Skåne län", "Lund", SIP_BARN, 2021, "Ja", None),
        ("Skåne län", "Lund", "Någon indikator vi inte känner", 2021, "Ja", None),
        ("Skåne län", "Malmö", SOCIONOM, 2021, "-", None),
    ]
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    b, s = "lss_sip_rutin_barn", "lss_handlaggare_socionomexamen"
    return {
        (b, "00", 2020): (49.0, "ok", "49"), (b, "00", 2021): (49.0, "ok", "49"),
        (b, "12", 2021): (52.4, "ok", "52,4"), (b, "1281", 2021): (100.0, "ok", "Ja"),
        (s, "1280", 2021): (None, "bortfall", "-"),
    }


NEW_TITLE = "Rutin för att ta emot synpunkter och klagomål inom LSS"
UNDEFINED_TITLE = "Antal besvarade frågor i delenkäten"


def with_description_sheet(path: Path) -> Expected:
    """A description sheet defining one indicator the catalogue lacks; another unknown column is skipped."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Indikatorbeskrivningar"
    ws.append(["Indikatorbeskrivningar, Öppna jämförelser 2021"])
    ws.append([])
    ws.append(["Indikator", "Kortnamn", "Beskrivning", "Riktning"])
    ws.append([NEW_TITLE, "Synpunktsrutin LSS", "Andel kommuner med en aktuell rutin för synpunkter "
               "och klagomål.", "Högt värde är bra"])
    ws.append([IBIC_UTR, "IBIC", "Beskrivs i katalogen redan."])
    data = wb.create_sheet("LSS 2021")
    data.append(["Kommun", NEW_TITLE, UNDEFINED_TITLE, IBIC_UTR])
    data.append(["Riket", "67", "12", 41])
    data.append(["Lund", "Ja", "14", "Ja"])
    wb.save(path)
    new_id = "oj_rutin_for_att_ta_emot_synpunkter_och_klagomal_inom_lss"
    return {
        (new_id, "00", 2021): (67.0, "ok", "67"), (new_id, "1281", 2021): (100.0, "ok", "Ja"),
        ("lss_ibic_alla_utredningar", "00", 2021): (41.0, "ok", "41"),
        ("lss_ibic_alla_utredningar", "1281", 2021): (100.0, "ok", "Ja"),
    }


BAD_TOKEN_CELL = "D7"


def with_unknown_token(path: Path) -> None:
    """Like ``wide_by_year`` but one kommun cell reads "Kanske" (LSS!D7)."""
    wide_by_year(path)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["LSS"][BAD_TOKEN_CELL] = "Kanske"
    wb.save(path)


LAYOUTS = {
    "wide_by_year": wide_by_year,
    "merged_titles_over_years": merged_titles_over_years,
    "long_with_year_column": long_with_year_column,
    "one_row_per_indicator": one_row_per_indicator,
    "with_description_sheet": with_description_sheet,
}
