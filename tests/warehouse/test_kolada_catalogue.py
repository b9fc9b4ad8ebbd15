"""`jamfor load kolada` without --kpi, coded answers, computed län and riket, `jamfor kolada check`.

A Kolada-v3-shaped server on 127.0.0.1 serves every KPI the catalogue maps, with the real codings
(Ja=1/Nej=0; IBIC's Ja, för alla=2 / Ja, men inte för alla=1 / Nej=0; U28462's change in 2018), its
own län and riket averages of the codes (which jamfor must not store), rows marked isdeleted, kommuner
without an answer, and pages of 1000 rows. One load per database (the demo warehouse: synthetic
kommun values, published riket figures) serves every test here.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner
from support.databases import BOTH, pg_database
from support.kolada_server import KoladaHttpServer
from support.oj_workbooks import wide_by_year
from support.tables import read_table

from jamfor.cli.main import main
from jamfor.errors import BadInput
from jamfor.seed.reference import area_frame
from jamfor.seed.sources.kolada import read_kolada
from jamfor.seed.sources.kolada_coding import kolada_mappings
from jamfor.seed.sources.kolada_http import KoladaHttp
from jamfor.seed.sources.published import published_figures
from jamfor.seed.sources.synthetic_oj import round_half_up

YEARS = (2017, 2021)
KOMMUNER = sorted(area_frame().query("level == 'kommun'").area_code)
JONKOPING = sorted(area_frame().query("level == 'kommun' and lan_code == '06'").area_code)
SILENT_2021 = set(JONKOPING[:3])  # 3 of Jönköping's 13 kommuner give no answer in 2021: län bortfall
MATCHES_PUBLISHED = ("U28451", 2021)  # lss_overenskommelse_bup: the served codes reproduce the 32 %
RETIRED, RENAMED, STALE = "U28550", "N20507", "U28545"  # absent from /kpi; its 2024 title; data until 2021
RECENT = str(date.today().year - 1)
LOAD = ("load", "kolada", "--years", "2016-2022")  # no --kpi: every KPI the catalogue maps


def _code(kpi: str, kommun: int, year: int, codes: list[int]) -> int:
    return codes[(kommun * 7 + int(kpi[1:]) + year) % len(codes)]


def _answers(kpi: str, year: int, codes: list[int] | None) -> dict[str, float | None]:
    """What each kommun answers (None: a row with status Missing; absent: no row at all)."""
    answers: dict[str, float | None] = {}
    for index, kommun in enumerate(KOMMUNER):
        if year == 2021 and kommun in SILENT_2021:
            continue
        if (index + int(kpi[1:])) % 37 == 0:
            answers[kommun] = None
        elif codes is None:
            answers[kommun] = float(50 + (index * 7 + int(kpi[1:])) % 45)
        else:
            answers[kommun] = _code(kpi, index, year, codes)
    if (kpi, year) == MATCHES_PUBLISHED:
        answering = [k for k, v in answers.items() if v is not None]
        target = int(published_figures().set_index(["indicator_id", "year"]).value[
            ("lss_overenskommelse_bup", year)])
        ja = next(n for n in range(len(answering)) if round_half_up(n, len(answering)) == target)
        answers.update({k: (1 if i < ja else 0) for i, k in enumerate(answering)})
    return answers


def _row(kpi: str, municipality: str, year: int, value: float | None, **extra: object) -> dict:
    return {"kpi": kpi, "municipality": municipality, "period": year, **extra,
            "values": [{"gender": "T", "count": 1, "status": "Missing" if value is None else "",
                        "value": value}]}


def _served() -> tuple[list[dict], list[dict], dict, tuple[str, str, int]]:
    """KPIs, data rows, what each kommun answered, and the key of the row served twice: first
    marked isdeleted with code 0, then as Ja, för alla (2)."""
    kpis, rows, answers = [], [], {}
    deleted = ("U28544", "", 2021)
    for kpi, mapping in sorted(kolada_mappings().items()):
        if kpi != RETIRED:
            title = "Handläggare med socionomexamen, andel (%)" if kpi == RENAMED else mapping.title
            kpis.append({"id": kpi, "title": title, "publ_period": "2021" if kpi == STALE else RECENT,
                         "publication_date": "2024-06-22", "operating_area": "Insatser enligt LSS"})
        for year in YEARS:
            coding = mapping.coding(year)
            answers[kpi, year] = _answers(kpi, year, sorted(coding.codes) if coding else None)
            if (kpi, year) == (deleted[0], deleted[2]):
                deleted = (kpi, next(k for k, v in answers[kpi, year].items() if v == 2), year)
                rows.append(_row(kpi, deleted[1], year, 0, isdeleted=True))
            rows += [_row(kpi, kommun, year, value) for kommun, value in answers[kpi, year].items()]
            average = 0.97 if coding else 71.5  # Kolada's riket and län: an average of codes, or a share
            rows += [_row(kpi, code, year, average) for code in ("0000", "0001", "0006")]
    return kpis, rows, answers, deleted


KPIS, ROWS, ANSWERS, DELETED = _served()


def run(*args: str):
    """The CLI as a wide terminal shows it: table rows stay on one line."""
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "400"}, catch_exceptions=False)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def kolada_v3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KoladaHttpServer]:
    server = KoladaHttpServer().start()
    server.state.reset(KPIS, ROWS, per_page=1000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("kolada-cache")))
        patch.delenv("JAMFOR_KOLADA_URL", raising=False)
        yield server
    server.stop()


@dataclass(frozen=True)
class Loaded:
    url: str
    output: str
    values: pd.DataFrame  # indicator_value joined with its batch's source


def _load(url: str, server: KoladaHttpServer) -> Loaded:
    result = run(*LOAD, "--base-url", server.base_url, "--db", url)
    assert result.exit_code == 0, result.output
    values = read_table(url, "indicator_value").merge(
        read_table(url, "load_batch")[["batch_id", "source", "synthetic"]], on="batch_id")
    return Loaded(url, result.output, values)


@pytest.fixture(scope="module", params=BOTH)
def loaded(request: pytest.FixtureRequest, kolada_v3: KoladaHttpServer,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """`jamfor load kolada --years 2016-2022` (no --kpi) into a copy of the demo warehouse."""
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("kolada-load") / "warehouse.db"
        shutil.copyfile(request.getfixturevalue("_demo_sqlite_template"), target)
        yield _load(f"sqlite:///{target}", kolada_v3)
        target.unlink()
    else:
        with pg_database(request.getfixturevalue("_demo_pg_template")) as url:
            yield _load(url, kolada_v3)


def _value(loaded: Loaded, indicator_id: str, area_code: str, year: int) -> pd.Series:
    v = loaded.values
    return v[(v.indicator_id == indicator_id) & (v.area_code == area_code) & (v.year == year)].iloc[0]


def test_without_kpi_every_mapped_indicator_loads_for_every_kommun_kolada_has(loaded, kolada_v3):
    kolada = loaded.values[loaded.values.source == "kolada"]
    for kpi, mapping in kolada_mappings().items():
        for year in YEARS:
            rows = kolada[(kolada.indicator_id == mapping.indicator_id) & (kolada.year == year)
                          & kolada.area_code.isin(KOMMUNER)]
            assert set(rows.area_code) == set(ANSWERS[kpi, year]), (kpi, year)
            assert not rows.synthetic.any()
    url = f"/v3/data/kpi/{','.join(sorted(kolada_mappings()))}/year/{','.join(map(str, range(2016, 2023)))}"
    pages = [r for r in kolada_v3.data_requests() if r.split("?")[0] == url]
    assert len(pages) == math.ceil(len(ROWS) / 1000)  # every page, once (the second database: from the cache)


def test_coded_answers_become_100_or_0_with_the_code_in_raw_value(loaded):
    for kpi, year, code, expected in [("U28544", 2021, 2, (100.0, "2 (Ja, för alla)")),
                                      ("U28544", 2021, 1, (0.0, "1 (Ja, men inte för alla)")),
                                      ("U28451", 2017, 0, (0.0, "0 (Nej)")),
                                      ("U28462", 2017, 1, (100.0, "1 (Ja)")),
                                      ("U28462", 2021, 1, (0.0, "1 (Delvis)")),
                                      ("U28462", 2021, 2, (100.0, "2 (Ja)"))]:
        kommun = next(k for k, v in ANSWERS[kpi, year].items() if v == code and (kpi, k, year) != DELETED)
        row = _value(loaded, kolada_mappings()[kpi].indicator_id, kommun, year)
        assert (row.value, row.raw_value, row.status) == (*expected, "ok"), (kpi, year, code)
    missing = next(k for k, v in ANSWERS["U28544", 2021].items() if v is None)
    assert _value(loaded, "lss_ibic_alla_utredningar", missing, 2021).status == "bortfall"


def test_a_row_marked_isdeleted_is_not_read(loaded):
    kpi, kommun, year = DELETED
    assert ANSWERS[kpi, year][kommun] == 2
    assert _value(loaded, "lss_ibic_alla_utredningar", kommun, year).raw_value == "2 (Ja, för alla)"


def _share(kpi: str, year: int, kommuner: list[str]) -> tuple[int, int]:
    mapping = kolada_mappings()[kpi]
    answers = [ANSWERS[kpi, year][k] for k in kommuner if ANSWERS[kpi, year].get(k) is not None]
    return sum(a == mapping.coding(year).ja for a in answers), len(answers)


def test_lan_and_riket_of_coded_kpis_are_shares_of_answering_kommuner_computed_by_jamfor(loaded):
    ja, answered = _share("U28545", 2017, KOMMUNER)
    riket = _value(loaded, "lss_ibic_alla_uppfoljningar", "00", 2017)  # 2017: nothing published
    assert (riket.source, riket.value, riket.numerator, riket.denominator) == \
        ("kolada", 100 * ja / answered, ja, answered)
    assert riket.raw_value == f"beräknad av jamfor: {ja} av {answered} svarande kommuner ja"
    stockholms_lan = sorted(area_frame().query("lan_code == '01' and level == 'kommun'").area_code)
    ja, answered = _share("U28462", 2021, stockholms_lan)
    lan = _value(loaded, "lss_systematisk_uppfoljning_resultat", "01", 2021)
    assert (lan.value, lan.status, lan.synthetic) == (100 * ja / answered, "ok", False)
    for year, status in ((2021, "bortfall"), (2017, "ok")):
        ja, answered = _share("U28454", year, JONKOPING)
        jonkoping = _value(loaded, "lss_overenskommelse_vuxenpsykiatri", "06", year)
        assert (13 - answered > 0.2 * 13, jonkoping.status) == (status == "bortfall", status)
    assert jonkoping.value == 100 * ja / answered
    assert _value(loaded, "lss_overenskommelse_vuxenpsykiatri", "06", 2021).raw_value == \
        f"beräknad av jamfor: bortfall, {_share('U28454', 2021, JONKOPING)[1]} av 13 kommuner svarade"
    coded = {m.indicator_id for m in kolada_mappings().values() if m.coded}
    kolada = loaded.values[(loaded.values.source == "kolada") & loaded.values.indicator_id.isin(coded)]
    assert not (kolada.value == 0.97).any()  # Kolada's average of codes is never stored


def test_percentage_kpis_keep_koladas_own_lan_and_riket(loaded):
    for area_code in ("00", "01", "06"):
        row = _value(loaded, "aldre_handlaggare_socionomexamen", area_code, 2021)
        assert (row.value, row.raw_value, row.source) == (71.5, "71.5", "kolada")
    kommun, share = next((k, v) for k, v in ANSWERS["N20507", 2021].items() if v is not None)
    assert _value(loaded, "aldre_handlaggare_socionomexamen", kommun, 2021).value == share


def test_a_published_riket_figure_is_kept_and_status_lists_where_the_computed_share_differs(loaded):
    kept = _value(loaded, "lss_ibic_alla_utredningar", "00", 2021)
    assert (kept.source, kept.value) == ("published", 41.0)
    kept = sum(published_figures().year.isin(YEARS) & published_figures().indicator_id.isin(
        [m.indicator_id for m in kolada_mappings().values()]))
    assert f"Kept {kept} values held by the sources published, oj_excel (this load never replaces them)" \
        in flat(loaded.output)
    ja, answered = _share("U28544", 2021, KOMMUNER)
    status = run("status", "--db", loaded.url)
    assert status.exit_code == 0, status.output
    lines = [flat(line) for line in status.output.splitlines() if "│" in line]
    ibic = [line for line in lines if "lss_ibic_alla_utredningar │ 00 │ 2021" in line]
    assert ibic == [f"│ lss_ibic_alla_utredningar │ 00 │ 2021 │ 41 │ {100 * ja / answered:.1f} │ "
                    f"{ja} / {answered} │"]
    assert not [line for line in lines if "lss_overenskommelse_bup │ 00 │ 2021" in line]  # within rounding
    assert _value(loaded, "lss_overenskommelse_bup", "00", 2021).source == "published"


def test_comparison_rows_of_the_kommuner_kolada_gave_are_real(loaded):
    comparison = read_table(loaded.url, "indicator_comparison")
    ibic = comparison[(comparison.indicator_id == "lss_ibic_alla_utredningar") & (comparison.year == 2021)
                      & comparison.area_code.isin(list(ANSWERS["U28544", 2021]))]
    assert len(ibic) == len(ANSWERS["U28544", 2021]) and not ibic.synthetic.any()
    assert set(ibic.riket_value) == {41.0}
    new = comparison[comparison.indicator_id == "aldre_ibic_alla_utredningar_ordinart_boende"]
    assert set(new.year) == set(YEARS) and not new.synthetic.any()


def test_with_municipalities_no_lan_or_riket_is_computed_for_coded_kpis_and_a_warning_says_so(kolada_v3):
    read = read_kolada(KoladaHttp(), kpis=["U28544", "N20507"], years="2021", municipalities="0114,00",
                       base_url=kolada_v3.base_url)
    [part] = read.loads
    values = part.tables["indicator_value"]
    assert set(zip(values.indicator_id, values.area_code)) == {
        ("lss_ibic_alla_utredningar", "0114"), ("aldre_handlaggare_socionomexamen", "0114"),
        ("aldre_handlaggare_socionomexamen", "00")}
    assert [w.code for w in read.warnings] == ["no-computed-shares"]
    assert "lss_ibic_alla_utredningar" in read.warnings[0].message


def test_kolada_check_reports_retired_renamed_and_stale_ids_and_exits_1(kolada_v3):
    asked = len(kolada_v3.data_requests())
    result = run("kolada", "check", "--base-url", kolada_v3.base_url)
    assert result.exit_code == 1
    rows = {line.split("│")[1].strip(): flat(line) for line in result.output.splitlines()
            if line.count("│") == 6 and line.split("│")[1].strip() not in ("", "indicator")}
    assert len(rows) == len(kolada_mappings())  # one row per Kolada id
    assert rows["lss_sip_rutin_barn"] == "│ lss_sip_rutin_barn │ U28550 │ unknown │ – │ – │"
    assert rows["aldre_handlaggare_socionomexamen"] == (
        f"│ aldre_handlaggare_socionomexamen │ N20507 │ renamed │ {RECENT} │ Handläggare med "
        "socionomexamen, andel (%) │")
    assert "│ U28545 │ no recent data │ 2021 │" in rows["lss_ibic_alla_uppfoljningar"]
    assert f"│ U28544 │ ok │ {RECENT} │" in rows["lss_ibic_alla_utredningar"]
    assert "Kolada does not know 1 of the catalogue's 16 ids: U28550." in flat(result.output)
    assert "Not in Kolada: lss_kompetensplan_handledning" in flat(result.output)
    assert len(kolada_v3.data_requests()) == asked  # it asks /kpi only: nothing is loaded


def test_search_names_the_catalogue_indicators_kolada_does_not_publish(kolada_v3):
    result = run("kolada", "search", "socionomexamen", "--base-url", kolada_v3.base_url)
    assert result.exit_code == 0, result.output
    assert "U31404" in result.output and "U35548" in result.output
    note = ("Not in Kolada: lss_handlaggare_socionomexamen (Andel handläggare med socionomexamen). No Kolada "
            "id found for it; load it from Socialstyrelsen's ÖJ workbook (jamfor load oj-excel).")
    assert note in flat(result.output)
    assert "lss_kompetensplan_fortbildning" not in result.output


def test_a_value_that_is_not_one_of_the_kpis_codes_is_an_error_naming_page_row_and_value(fresh_kolada):
    fresh_kolada.state.rows = [_row("U28451", "0114", 2021, 1), _row("U28451", "1280", 2021, 3)]
    with pytest.raises(BadInput) as caught:
        list(read_kolada(KoladaHttp(), kpis=["U28451"], years="2021", base_url=fresh_kolada.base_url).loads)
    assert str(caught.value) == (f"{fresh_kolada.base_url}/data/kpi/U28451/year/2021: row 1, column value: "
                                 "not a code of U28451 in 2021 (1 Ja, 0 Nej) (value '3')")


def test_loading_the_same_answers_again_changes_nothing(loaded, kolada_v3):
    again = run(*LOAD, "--base-url", kolada_v3.base_url, "--db", loaded.url)
    assert again.exit_code == 0, again.output
    assert "Unchanged: Kolada" in flat(again.output)
    assert len(read_table(loaded.url, "indicator_value")) == len(loaded.values)


def test_a_kolada_load_keeps_what_socialstyrelsens_workbook_gave(kolada_v3, seeded_sqlite_url, tmp_path):
    path = tmp_path / "oj_lss_2021.xlsx"
    workbook = wide_by_year(path)
    assert run("load", "oj-excel", str(path), "--db", seeded_sqlite_url).exit_code == 0
    result = run("load", "kolada", "--kpi", "U28544", "--years", "2021", "--base-url", kolada_v3.base_url,
                 "--db", seeded_sqlite_url)
    assert result.exit_code == 0, result.output
    values = read_table(seeded_sqlite_url, "indicator_value").merge(
        read_table(seeded_sqlite_url, "load_batch")[["batch_id", "source"]], on="batch_id")
    ibic = values[(values.indicator_id == "lss_ibic_alla_utredningar") & (values.year == 2021)].set_index(
        "area_code")
    for area_code in ("00", "01", "0114", "0180", "2584"):  # riket, län and kommuner the workbook gives
        assert (ibic.value[area_code], ibic.source[area_code]) == (workbook[
            "lss_ibic_alla_utredningar", area_code, 2021][0], "oj_excel"), area_code
    assert ibic.source["03"] == "kolada" and ibic.source["0380"] == "kolada"  # what the workbook lacks
