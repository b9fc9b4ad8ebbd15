"""A corpus of hostile inputs for the three loaders (ÖJ Excel, SKR, Kolada), generated on the fly, and
a runner that measures what `jamfor` does with each: exit code, message, traceback, time and the peak
memory (RSS) of the `jamfor` process itself.

Each ``Case`` builds its input in a folder (and, for Kolada, sets a Kolada-shaped server on 127.0.0.1
misbehaving) and returns the command line. A refusal case expects exit 1 and a one-line message naming
``place``; an acceptance case (Swedish files, cache safety) expects exit 0 and a check on what was
loaded. The same corpus is run by tests/warehouse/test_hostile_inputs.py and, for the figures before
and after a change, by ``PYTHONPATH=tests python tests/support/hostile.py JAMFOR_EXECUTABLE --seeded
W.DB`` (see the notes of issues 10 and 22). Sections 4–9 are the first round's classes, 22.1–22.3
the second round's (issue 22: empty reads, ``--db``, the smaller ones).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import resource
import signal
import subprocess
import time
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook

from support.kolada_server import KoladaHttpServer, send_raw, trickle
from support.oj_workbooks import IBIC_UTR

IBIC = "lss_ibic_alla_utredningar"
PERIOD, VALUE = "row 0, column period", "row 0, column value"
KILL_RSS_MB = 1500  # a run past this is stopped and counted as unbounded
MAX_RSS_MB = 300
SKR_COLUMNS = ["kommunkod", "verksamhetsomrade", "fraga", "insats_id", "insatskategori", "svar"]
SKR_ROWS = [
    ["1280", "funktionshinder", "status", "", "", "slutford"],
    ["1280", "funktionshinder", "erbjuden", "fh_boendestod", "", "Ja"],
    ["1280", "funktionshinder", "form", "fh_boendestod", "", "Både"],
    ["1280", "funktionshinder", "onskad_kategori", "", "Anhörigstöd", "nej"],
]
KPIS = [{"id": "N00001", "title": "Använt IBIC vid alla utredningar, andel (%)", "description": "IBIC",
         "publ_period": "2021", "publication_date": "2022-03-01", "operating_area": "LSS"}]


def kolada_row(municipality: str = "0114", period: object = 2021, value: object = 44.5, **extra) -> dict:
    return {"kpi": "N00001", "municipality": municipality, "period": period,
            "values": [{"gender": "T", "count": 1, "status": "", "value": value}], **extra}


@dataclass
class Case:
    """One hostile input. ``make(folder, server)`` writes it and returns the jamfor arguments (--db is
    added). ``check(db_url, folder)`` verifies an accepted input loaded as it should."""

    name: str
    loader: str  # oj_excel, skr or kolada
    section: str  # the section: 4, 5, 6, 7 or 9
    make: Callable[[Path, KoladaHttpServer], list[str]]
    place: str = ""  # what the one-line message must name (file, sheet!cell, row, URL …)
    accept: bool = False
    bounded: bool = False  # §4: time and memory bounds asserted
    seconds: float = 240.0  # generous: the machine may be busy; a hang is a run that never ends
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[[str, Path], None] | None = None
    db: bool = True  # False: run without --db (the default warehouse path is the point)
    file_size_limit: int | None = None  # RLIMIT_FSIZE of the jamfor process: a disk that takes no more


@dataclass
class Outcome:
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    killed: str | None = None  # "time" or "memory"

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def message_lines(self) -> list[str]:
        """The non-empty lines of stderr that are not progress lines."""
        return [line for line in self.stderr.splitlines() if line.strip()
                and not re.match(r"^\s*[⠀-⣿]?\s*(Reading|Fetching|Writing|Done)",
                                 line)]


def _peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def _limit_file_size(limit: int | None) -> Callable[[], None] | None:
    """A child's RLIMIT_FSIZE: past it a write fails with EFBIG (Python ignores SIGXFSZ), as on a
    full disk, without filling one."""
    if limit is None:
        return None
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def run_jamfor(executable: str, args: list[str], env: dict[str, str], limit_seconds: float,
               folder: Path, file_size_limit: int | None = None) -> Outcome:
    """Run jamfor in a child process; stop it (by its pid) past the time limit or KILL_RSS_MB.

    The peak is the child's own VmHWM, read every 10 ms: wait4's ru_maxrss would not do, because
    Linux carries the parent's high-water mark into a child across fork and exec."""
    out, err = folder / "stdout.txt", folder / "stderr.txt"
    started = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen([executable, *args], stdout=stdout, stderr=stderr, env=env,
                                 stdin=subprocess.DEVNULL, preexec_fn=_limit_file_size(file_size_limit))
    killed, peak = None, 0.0
    while True:
        peak = max(peak, _peak_rss_mb(child.pid))  # VmHWM: this process's own high-water mark
        pid, status, _ = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            break
        if killed is None and (time.monotonic() - started > limit_seconds or peak > KILL_RSS_MB):
            killed = "time" if time.monotonic() - started > limit_seconds else "memory"
            os.kill(child.pid, signal.SIGKILL)
        time.sleep(0.01)
    return Outcome(None if killed else child.returncode, out.read_text(errors="replace"),
                   err.read_text(errors="replace"), time.monotonic() - started, peak, killed)


def child_env(folder: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAMFOR_")}
    env.update({"XDG_CACHE_HOME": str(folder / "cache"), "XDG_DATA_HOME": str(folder / "data"),
                "COLUMNS": "400", "PYTHONIOENCODING": "utf-8"})
    env.update(extra)
    return env


def classify(case: Case, outcome: Outcome) -> str:
    """refused-with-location, refused-without-location, accepted-wrongly, traceback, hang (time or
    memory) for refusal cases; loaded, refused-wrongly, traceback, hang for acceptance cases."""
    if outcome.killed:
        return "hang"
    if "Traceback" in outcome.output or outcome.code not in (0, 1):
        return "traceback"
    if case.accept:
        return "loaded" if outcome.code == 0 else "refused-wrongly"
    if outcome.code == 0:
        return "accepted-wrongly"
    lines = outcome.message_lines()
    named = len(lines) == 1 and case.place in lines[0]
    return "refused-with-location" if named else "refused-without-location"


# --- building blocks --------------------------------------------------------------------------------

def workbook(path: Path, rows: list[list[object]], title: str = "LSS") -> Path:
    wb = Workbook()
    wb.active.title = title
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def oj_workbook(path: Path, *data: list[object]) -> Path:
    return workbook(path, [["Kommunkod", "Kommun", f"{IBIC_UTR} 2021"], ["00", "Riket", 41],
                            *(list(r) for r in data)])


def patch_part(path: Path, member: str, edit: Callable[[bytes], bytes | None]) -> Path:
    """Rewrite one part of a workbook, as a hand-edited or hostile file would have it; an edit that
    returns None leaves the part out, as a damaged copy has it."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            edited = edit(data) if name == member else data
            if edited is not None:
                archive.writestr(name, edited)
    return path


SHEET = "xl/worksheets/sheet1.xml"


def _before_sheet_data_end(xml: str) -> Callable[[bytes], bytes]:
    return lambda data: data.replace(b"</sheetData>", xml.encode() + b"</sheetData>")


def _after_sheet_data(xml: str) -> Callable[[bytes], bytes]:
    return lambda data: data.replace(b"</sheetData>", b"</sheetData>" + xml.encode())


def _with_doctype(doctype: str, old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    """The part with a DOCTYPE before its root and an entity used in it."""
    def edit(data: bytes) -> bytes:
        body = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", data)
        return doctype.encode() + body.replace(old, new, 1)
    return edit


BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                  for i in range(1, 10)) + "]>")


def _oj_case(name: str, section: str, make: Callable[[Path], Path], place: str = "", **kw) -> Case:
    return Case(name, "oj_excel", section, lambda d, _s: ["load", "oj-excel", str(make(d))], place, **kw)


def skr_csv(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8",
             header: list[str] | None = None) -> Path:
    lines = [delimiter.join(header or SKR_COLUMNS), *(delimiter.join(r) for r in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def skr_xlsx(path: Path, rows: list[list[object]]) -> Path:
    return workbook(path, [SKR_COLUMNS, *rows], title="svar")


def _skr_case(name: str, section: str, make: Callable[[Path], Path], place: str = "", **kw) -> Case:
    return Case(name, "skr", section, lambda d, _s: ["load", "skr", str(make(d))], place, **kw)


def _kolada_args(server: KoladaHttpServer, years: str = "2021") -> list[str]:
    return ["load", "kolada", "--kpi", f"N00001={IBIC}", "--years", years, "--base-url", server.base_url]


def _kolada_case(name: str, section: str, rows: list | None = None,
                 custom: list[tuple[str, Callable]] | None = None, place: str = "/data/kpi/N00001",
                 setup: Callable[[Path, KoladaHttpServer], None] | None = None, years: str = "2021",
                 **kw) -> Case:
    def make(folder: Path, server: KoladaHttpServer) -> list[str]:
        server.state.reset(KPIS, [kolada_row()])
        server.state.custom.extend(custom or [])
        if rows is not None:  # served as they are, whatever years were asked
            server.state.custom.append(("/data/", _raw(_page(rows))))
        if setup:
            setup(folder, server)
        return _kolada_args(server, years)
    return Case(name, "kolada", section, make, place, **kw)


def _page(values: list, next_url: object = None) -> bytes:
    return json.dumps({"count": len(values), "values": values, "next_url": next_url}).encode()


def _raw(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Callable:
    return lambda handler: send_raw(handler, body, status, headers)


def _endless(handler) -> None:
    page = int((re.search(r"page=(\d+)", handler.path) or [0, "1"])[1])
    base = f"http://127.0.0.1:{handler.server.server_port}/v3/data/kpi/N00001/year/2021"
    send_raw(handler, _page([kolada_row()], f"{base}?page={page + 1}"))


def _trickled_headers(handler) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    trickle(handler, b"X-Slow: " + b"a" * 100, 0.5, limit=30)


def _trickled_body(handler) -> None:
    body = _page([kolada_row()])
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    trickle(handler, body, 0.5, limit=30)


def _gzip_bomb(handler) -> None:
    """About 120 KB on the wire, 120 MB unpacked; made when asked, so the corpus costs no memory."""
    packed = gzip.compress(b'{"values": [], "pad": "' + b" " * (120 * 1024 * 1024) + b'"}', compresslevel=6)
    send_raw(handler, packed, headers={"Content-Encoding": "gzip"})


def _planted_link(folder: Path, server: KoladaHttpServer) -> None:
    """A link where the cache entry for the first data page will go, pointing outside the cache."""
    import hashlib

    outside = folder / "outside.txt"
    outside.write_text("do not overwrite")
    cache = folder / "cache" / "jamfor" / "kolada"
    cache.mkdir(parents=True)
    url = f"{server.base_url}/data/kpi/N00001/year/2021"
    (cache / f"{hashlib.sha256(url.encode()).hexdigest()}.json").symlink_to(outside)
    (cache / f"{hashlib.sha256(url.encode()).hexdigest()}.tmp").symlink_to(outside)


def _cache_entry(folder: Path, server: KoladaHttpServer, content: str | None) -> Path:
    import hashlib

    cache = folder / "cache" / "jamfor" / "kolada"
    cache.mkdir(parents=True, exist_ok=True)
    url = f"{server.base_url}/data/kpi/N00001/year/2021"
    path = cache / f"{hashlib.sha256(url.encode()).hexdigest()}.json"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    return path


def _value_of(db_url: str, indicator: str = IBIC, area: str = "0114") -> float | None:
    from support.tables import read_table

    values = read_table(db_url, "indicator_value")
    found = values[(values.indicator_id == indicator) & (values.area_code == area)]
    return None if found.empty else float(found.value.iloc[0])


def _expect_value(expected: float, area: str = "0114") -> Callable[[str, Path], None]:
    def check(db_url: str, _folder: Path) -> None:
        assert _value_of(db_url, area=area) == expected
    return check


def _skr_loaded(db_url: str, _folder: Path) -> None:
    from support.tables import read_table

    survey = read_table(db_url, "survey_response")
    assert set(survey.area_code) == {"1280"}, survey
    insats = read_table(db_url, "insats_response")
    assert insats.set_index("insats_id").loc["fh_boendestod", "form"] == "bada"
    wishes = read_table(db_url, "wish_category")
    assert list(wishes.insatskategori) == ["Anhörigstöd"]


def _cache_is_private(db_url: str, folder: Path) -> None:
    cache = folder / "cache" / "jamfor" / "kolada"
    assert cache.stat().st_mode & 0o777 == 0o700
    entries = list(cache.iterdir())
    assert entries and all(e.stat().st_mode & 0o777 == 0o600 for e in entries)
    assert _value_of(db_url) == 44.5


def _link_not_followed(db_url: str, folder: Path) -> None:
    assert (folder / "outside.txt").read_text() == "do not overwrite"
    cache = folder / "cache" / "jamfor" / "kolada"
    assert all(not e.is_symlink() for e in cache.glob("*.json"))
    assert _value_of(db_url) == 44.5


def _percent_82(folder: Path) -> Path:
    path = oj_workbook(folder / "pct.xlsx", ["0114", "x", 82], ["1280", "y", 0.82])
    book = load_workbook(path)
    for cell in ("C3", "C4"):
        book.active[cell].number_format = "0 %"
    book.save(path)
    return path


def _percent_read(db_url: str, folder: Path) -> None:
    assert (_value_of(db_url, area="0114"), _value_of(db_url, area="1280")) == (82.0, 82.0)


def _printed(folder: Path, text: str) -> None:
    assert text in (folder / "stdout.txt").read_text(), (folder / "stdout.txt").read_text()


def _nothing_cached(_db_url: str, folder: Path) -> None:
    cache = folder / "cache" / "jamfor" / "kolada"
    assert not any(cache.glob("*.json")) if cache.exists() else True


def _search_evil(folder: Path, server: KoladaHttpServer) -> list[str]:
    server.state.reset([{**KPIS[0], "id": "[/evil]"}], [])
    return ["kolada", "search", "IBIC", "--base-url", server.base_url]


def _data_home_under_a_file(folder: Path, _server: KoladaHttpServer) -> list[str]:
    (folder / "plain").write_text("a file, not a folder")
    return ["load", "oj-excel", str(oj_workbook(folder / "ok.xlsx", ["0114", "x", "Ja"]))]


# --- the corpus -------------------------------------------------------------------------------------

def corpus() -> list[Case]:
    cases = [
        # §4 hangs and unbounded memory
        _oj_case("oj: one merged range F20:XFD200000", "4", lambda d: patch_part(
            oj_workbook(d / "merged.xlsx"), SHEET, _after_sheet_data('<mergeCells count="1"><mergeCell '
                                                            'ref="F20:XFD200000"/></mergeCells>')),
            "merged.xlsx: LSS!F20:XFD200000", bounded=True),
        _oj_case("oj: one cell at A1048576", "4", lambda d: patch_part(
            oj_workbook(d / "far.xlsx"), SHEET, _before_sheet_data_end(
                '<row r="1048576"><c r="A1048576" t="n"><v>1</v></c></row>')),
            "far.xlsx: LSS!A1048576", bounded=True),
        _oj_case("oj: a styles part that unpacks to 40 MB", "4", lambda d: patch_part(
            oj_workbook(d / "bomb.xlsx"), "xl/styles.xml",
            lambda data: data + b" " * (40 * 1024 * 1024)),
            "bomb.xlsx: the part xl/styles.xml", bounded=True),
        _skr_case("skr: one cell at A1048576 in svar", "4", lambda d: patch_part(
            skr_xlsx(d / "far.xlsx", SKR_ROWS), SHEET, _before_sheet_data_end(
                '<row r="1048576"><c r="A1048576" t="n"><v>1</v></c></row>')),
            "far.xlsx: svar!A1048576", bounded=True),
        _skr_case("skr: one merged range A2:XFD900000 in svar", "4", lambda d: patch_part(
            skr_xlsx(d / "merged.xlsx", SKR_ROWS), SHEET, _after_sheet_data(
                '<mergeCells count="1"><mergeCell ref="A2:XFD900000"/></mergeCells>')),
            "merged.xlsx: svar!A2:XFD900000", bounded=True),
        _kolada_case("kolada: next_url that never ends", "4", custom=[("/data/", _endless)],
                     env={"JAMFOR_KOLADA_MAX_PAGES": "25"}, bounded=True),
        _kolada_case("kolada: headers trickled a byte every 0.5 s", "4",
                     custom=[("/data/", _trickled_headers)],
                     env={"JAMFOR_KOLADA_REQUEST_SECONDS": "3"}, bounded=True),
        _kolada_case("kolada: body trickled a byte every 0.5 s", "4", custom=[("/data/", _trickled_body)],
                     env={"JAMFOR_KOLADA_REQUEST_SECONDS": "3"}, bounded=True),
        _kolada_case("kolada: 429 with Retry-After 999999", "4",
                     custom=[("/data/", _raw(b"{}", 429, {"Retry-After": "999999"}))], bounded=True),
        _kolada_case("kolada: 503 again and again past the load deadline", "4",
                     custom=[("/data/", _raw(b"{}", 503, {"Retry-After": "1"}))],
                     env={"JAMFOR_KOLADA_LOAD_SECONDS": "2"}, bounded=True),
        _kolada_case("kolada: gzip that unpacks to 120 MB", "4", custom=[("/data/", _gzip_bomb)],
                     bounded=True),
        # §5 tracebacks instead of messages
        _oj_case("oj: XML entity bomb in a sheet", "5", lambda d: patch_part(
            oj_workbook(d / "lol.xlsx"), SHEET, _with_doctype(BOMB, b"<v>41</v>", b"<v>&lol9;</v>")),
            "lol.xlsx", bounded=True),
        _oj_case("oj: external entity in workbook.xml", "5", lambda d: patch_part(
            oj_workbook(d / "xxe.xlsx"), "xl/workbook.xml", _with_doctype(
                '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b'name="LSS"', b'name="&xxe;"')),
            "xxe.xlsx"),
        _oj_case("oj: malformed sheet XML", "5", lambda d: patch_part(
            oj_workbook(d / "broken.xlsx"), SHEET,
            lambda data: data.replace(b"</sheetData>", b"</sheetDat>")),
            "broken.xlsx"),
        _oj_case("oj: a file name that is not UTF-8", "5",
                 lambda d: oj_workbook(Path(os.fsdecode(bytes(d) + b"/oj_\xff.xlsx")), ["0114", "x", "Ja"]),
                 accept=True, check=_expect_value(100.0)),
        _skr_case("skr: a file name that is not UTF-8", "5",
                  lambda d: skr_csv(Path(os.fsdecode(bytes(d) + b"/svar_\xff.csv")), SKR_ROWS),
                  accept=True, check=_skr_loaded),
        _kolada_case("kolada: JSON nested 100,000 deep", "5",
                     custom=[("/data/", _raw(b"[" * 100_000 + b"]" * 100_000))]),
        _kolada_case("kolada: next_url a number", "5", custom=[("/data/", _raw(_page([], 7)))]),
        _kolada_case("kolada: next_url an object", "5", custom=[("/data/", _raw(_page([], {"a": 1})))]),
        _kolada_case("kolada: next_url a list", "5", custom=[("/data/", _raw(_page([], [1])))]),
        _kolada_case("kolada: period 1e20", "5", rows=[kolada_row(period=1e20)], place=PERIOD),
        _kolada_case("kolada: period 3e9", "5", rows=[kolada_row(period=3e9)], place=PERIOD),
        _kolada_case("kolada: period -5", "5", rows=[kolada_row(period=-5)], place=PERIOD),
        _kolada_case("kolada: period with 400 digits", "5", rows=[kolada_row(period=int("9" * 400))],
                     place=PERIOD),
        Case("kolada: search when an id holds [/evil]", "kolada", "5", _search_evil, accept=True, db=False,
             check=lambda _db, folder: _printed(folder, "[/evil]")),
        _kolada_case("kolada: a cache entry that is a list", "5",
                     setup=lambda d, s: _cache_entry(d, s, "[1, 2]"),
                     accept=True, check=_expect_value(44.5)),
        _kolada_case("kolada: a cache entry path that is a folder", "5",
                     setup=lambda d, s: _cache_entry(d, s, None), accept=True, check=_loaded_without_cache),
        _kolada_case("kolada: a cache folder that is a file", "5", setup=lambda d, _s: (
            (d / "cache" / "jamfor").mkdir(parents=True),
            (d / "cache" / "jamfor" / "kolada").write_text("x")),
            accept=True, check=_loaded_without_cache),
        Case("any load: XDG_DATA_HOME under a file", "oj_excel", "5", _data_home_under_a_file,
             "plain/under/jamfor", env={"XDG_DATA_HOME": "{folder}/plain/under"}, db=False),
        # §6 wrong values accepted
        _oj_case("oj: a formula without a stored result", "6", lambda d: workbook(
            d / "formula.xlsx", [["Kommunkod", "Kommun", f"{IBIC_UTR} 2021"], ["0114", "x", "=1+1"]]),
            "formula.xlsx: LSS!C2"),
        Case("oj: a formula without a stored result, --allow-formulas", "oj_excel", "6", lambda d, _s: [
            "load", "oj-excel", "--allow-formulas", str(workbook(d / "formula.xlsx", [
                ["Kommunkod", "Kommun", f"{IBIC_UTR} 2021"], ["0114", "x", "=1+1"], ["1280", "y", "Ja"]]))],
            accept=True, check=_expect_value(100.0, "1280")),
        _oj_case("oj: a share of 150", "6", lambda d: oj_workbook(d / "big.xlsx", ["0114", "x", 150]),
                 "big.xlsx: LSS!C3"),
        _oj_case("oj: a share of 1e300", "6", lambda d: oj_workbook(d / "huge.xlsx", ["0114", "x", 1e300]),
                 "huge.xlsx: LSS!C3"),
        _oj_case("oj: a share of −82 as text", "6",
                 lambda d: oj_workbook(d / "minus.xlsx", ["0114", "x", "\u221282"]),
                 "minus.xlsx: LSS!C3"),
        _oj_case("oj: 82 and 0.82 under a 0 % number format", "6", _percent_82, accept=True,
                 check=_percent_read),
        _oj_case("oj: a NaN cell", "6", lambda d: patch_part(
            oj_workbook(d / "nan.xlsx"), SHEET, lambda data: data.replace(b"<v>41</v>", b"<v>NaN</v>")),
            "nan.xlsx: LSS!C2"),
        _oj_case("oj: a cell of 1e400", "6", lambda d: patch_part(
            oj_workbook(d / "inf.xlsx"), SHEET, lambda data: data.replace(b"<v>41</v>", b"<v>1e400</v>")),
            "inf.xlsx: LSS!C2"),
        _oj_case("oj: the year 2099 in the header", "6", lambda d: workbook(
            d / "y2099.xlsx", [["Kommunkod", "Kommun", f"{IBIC_UTR} 2099"], ["0114", "x", "Ja"]]),
            "y2099.xlsx: LSS!C2"),
        _oj_case("oj: a header-only workbook", "6", lambda d: workbook(
            d / "header.xlsx", [["Kommunkod", "Kommun", f"{IBIC_UTR} 2021"]]), "header.xlsx: LSS!A1"),
        _oj_case("oj: no column the catalogue knows", "6", lambda d: workbook(
            d / "unknown.xlsx", [["Kommunkod", "Kommun", "Något annat 2021"], ["0114", "x", 5]]),
            "unknown.xlsx: LSS!A1"),
        _kolada_case("kolada: period 2021.7", "6", rows=[kolada_row(period=2021.7)], place=PERIOD),
        _kolada_case("kolada: period true", "6", rows=[kolada_row(period=True)], place=PERIOD),
        _kolada_case("kolada: period 1901", "6", rows=[kolada_row(period=1901)], place=PERIOD),
        _kolada_case("kolada: value true", "6", rows=[kolada_row(value=True)], place=VALUE),
        _kolada_case("kolada: value \"NaN\"", "6", rows=[kolada_row(value="NaN")], place=VALUE),
        _kolada_case("kolada: value NaN", "6", custom=[("/data/", _raw(
            _page([kolada_row(value=None)]).replace(b'"value": null', b'"value": NaN')))],
            place=VALUE),
        _kolada_case("kolada: value Infinity", "6", custom=[("/data/", _raw(
            _page([kolada_row(value=None)]).replace(b'"value": null', b'"value": Infinity')))],
            place=VALUE),
        _kolada_case("kolada: value 1e400", "6", custom=[("/data/", _raw(
            _page([kolada_row(value=None)]).replace(b'"value": null', b'"value": 1e400')))],
            place=VALUE),
        _kolada_case("kolada: a share of 150", "6", rows=[kolada_row(value=150)], place=VALUE),
        _kolada_case("kolada: next_url on another port", "6", custom=[("/data/", _raw(
            _page([kolada_row()], "http://127.0.0.1:9/v3/data/kpi/N00001/year/2021?page=2")))],
            place="http://127.0.0.1:9/"),
        _skr_case("skr: two svar columns that disagree", "6", lambda d: skr_csv(
            d / "twice.csv", [[*r, "nej" if r[2] == "erbjuden" else r[5]] for r in SKR_ROWS],
            header=[*SKR_COLUMNS, "svar"]), "twice.csv: row 3, column svar"),
        # §7 Swedish files refused
        _skr_case("skr: semicolons in Windows-1252", "7", lambda d: skr_csv(
            d / "excel.csv", SKR_ROWS, ";", "cp1252"), accept=True, check=_skr_loaded),
        _skr_case("skr: UTF-8 with BOM and semicolons", "7", lambda d: skr_csv(
            d / "bom.csv", SKR_ROWS, ";", "utf-8-sig"), accept=True, check=_skr_loaded),
        _skr_case("skr: UTF-16 with tabs (Excel's Unicode text)", "7", lambda d: skr_csv(
            d / "unicode.csv", SKR_ROWS, "\t", "utf-16"), accept=True, check=_skr_loaded),
        _skr_case("skr: a row with too few fields", "7", lambda d: skr_csv(
            d / "short.csv", [*SKR_ROWS[:2], ["1280", "funktionshinder", "form"]]), "short.csv: row 4"),
        _skr_case("skr: kommunkod stored as a number in xlsx", "7", lambda d: skr_xlsx(
            d / "numbers.xlsx", [[1280, *r[1:]] for r in SKR_ROWS]), accept=True, check=_skr_loaded),
        # §9 Kolada cache
        _kolada_case("kolada: the cache is the user's alone", "9", accept=True, check=_cache_is_private),
        _kolada_case("kolada: a planted link in the cache is not followed", "9", setup=_planted_link,
                     accept=True, check=_link_not_followed),
        _kolada_case("kolada: a bad answer is not cached", "9", custom=[("/data/", _raw(b'{"oops": 1}'))],
                     check=_nothing_cached),
        *_empty_reads(), *_db_urls(), *_second_round_smaller(),
    ]
    return cases


# --- issue 22: a read that finds nothing, --db, the smaller ones --------------------------------------

ROW_0 = "/data/kpi/N00001/year/2021: row 0"


def _stderr_says(text: str) -> Callable[[str, Path], None]:
    def check(_db_url: str, folder: Path) -> None:
        said = " ".join((folder / "stderr.txt").read_text().split())
        assert text in said, said
    return check


def _loaded_without_cache(db_url: str, folder: Path) -> None:
    _stderr_says("Warning: cannot use the Kolada response cache")(db_url, folder)
    _stderr_says("loaded without it, so the next run asks Kolada again")(db_url, folder)
    assert _value_of(db_url) == 44.5


def _empty_reads() -> list[Case]:
    """§22.1: a read that finds nothing (or cannot read a part) is refused, never loaded as empty."""
    return [
        _oj_case("oj: a sheet part missing from the zip", "22.1", lambda d: patch_part(
            oj_workbook(d / "gone.xlsx", ["0114", "x", "Ja"]), SHEET, lambda _data: None),
            "gone.xlsx: sheet LSS: the workbook lists this sheet but its part"),
        _skr_case("skr: the svar sheet part missing from the zip", "22.1", lambda d: patch_part(
            skr_xlsx(d / "gone.xlsx", SKR_ROWS), SHEET, lambda _data: None),
            "gone.xlsx: sheet svar: the workbook lists this sheet but its part"),
        _skr_case("skr: a CSV with a header and no row", "22.1", lambda d: skr_csv(d / "header.csv", []),
                  "header.csv: no answer rows below the header"),
        *[_kolada_case(f"kolada: a data row that is {kind}", "22.1", rows=[kolada_row(), row],
                       place=f"/data/kpi/N00001/year/2021: row 1: a data row that is a JSON {kind}")
          for kind, row in (("number", 1), ("text", "x"), ("null", None), ("list", []))],
        _kolada_case("kolada: a value that is not an object", "22.1",
                     rows=[kolada_row(), {**kolada_row("1280"), "values": [7]}],
                     place="row 1, column values: a value that is a JSON number, not an object"),
        _kolada_case("kolada: a listing without a single value", "22.1", rows=[],
                     place="/data/kpi/N00001/year/2021: Kolada has no value"),
        _kolada_case("kolada: only rows marked isdeleted", "22.1",
                     rows=[kolada_row(isdeleted=True)], place="Kolada has no value"),
        _kolada_case("kolada: a row marked isdeleted is counted", "22.1",
                     rows=[kolada_row(), kolada_row("1280", isdeleted=True)], accept=True,
                     check=_stderr_says("Warning: 1 row Kolada marks isdeleted was left out")),
    ]


def _db_case(name: str, url: str | None, place: str = "", env: dict[str, str] | None = None,
             **kw) -> Case:
    def make(folder: Path, _server: KoladaHttpServer) -> list[str]:
        args = ["load", "oj-excel", str(oj_workbook(folder / "ok.xlsx", ["0114", "x", "Ja"]))]
        return args + (["--db", url.format(folder=folder)] if url is not None else [])
    return Case(name, "oj_excel", "22.2", make, place, db=False, env=env or {}, **kw)


def _no_warehouse_made(_db_url: str, folder: Path) -> None:
    made = {p.name for p in folder.iterdir()} - {"ok.xlsx", "stdout.txt", "stderr.txt"}
    assert not made, made


def _hash_path_loaded(_db_url: str, folder: Path) -> None:
    assert (folder / "c#d.db").is_file()
    assert _value_of(f"sqlite:///{folder / 'c#d.db'}") == 100.0
    _printed(folder, f"into sqlite:///{folder / 'c#d.db'} (batch")


def _db_urls() -> list[Case]:
    """§22.2: --db means exactly one file, and a writing command names it."""
    return [
        _db_case("db: a newline at the end of a SQLite URL", "sqlite:///{folder}/x.db\n",
                 "--db sqlite:///", check=_no_warehouse_made),
        _db_case("db: a newline in JAMFOR_DB_URL", None, "JAMFOR_DB_URL sqlite:///",
                 env={"JAMFOR_DB_URL": "sqlite:///{folder}/x.db\n"}, check=_no_warehouse_made),
        _db_case("db: an escape sequence in a SQLite URL", "sqlite:///{folder}/x\x1b[2J.db",
                 "holds the character \\x1b", check=_no_warehouse_made),
        _db_case("db: a space at the end of a SQLite URL", "sqlite:///{folder}/x.db ",
                 "begins or ends with a space", check=_no_warehouse_made),
        _db_case("db: '?' in a SQLite path", "sqlite:///{folder}/a?b.db",
                 "and read 'b.db' as driver options", check=_no_warehouse_made),
        _db_case("db: a %-escape in a SQLite path", "sqlite:///{folder}/a%3Fb.db",
                 "the escape '%3F' in a SQLite path", check=_no_warehouse_made),
        _db_case("db: a SQLite URL without a file", "sqlite://", "names no file",
                 check=_no_warehouse_made),
        _db_case("db: '#' in a SQLite path is part of the file name", "sqlite:///{folder}/c#d.db",
                 accept=True, check=_hash_path_loaded),
        _oj_case("db: a load names the warehouse it wrote to", "22.2",
                 lambda d: oj_workbook(d / "ok.xlsx", ["0114", "x", "Ja"]), accept=True,
                 check=lambda _db, folder: _printed(folder, f"into sqlite:///{folder / 'w.db'} (batch")),
    ]


def _busy_once(retry_after: str) -> Callable:
    """503 with this Retry-After for the first data request, then the page."""
    def answer(handler) -> None:
        if sum("/data/" in r for r in handler.server.state.requests) == 1:
            send_raw(handler, b"{}", 503, {"Retry-After": retry_after})
        else:
            send_raw(handler, _page([kolada_row()]))
    return answer


def padded_page(handler) -> None:
    """A page of about 2 MB: its cache entry is past a 1 MB RLIMIT_FSIZE, the warehouse is not."""
    send_raw(handler, json.dumps({"values": [kolada_row()], "next_url": None,
                                  "pad": "x" * 2_000_000}).encode())


def hide_sheet(path: Path, sheet: str, state: str) -> Path:
    """The workbook with ``sheet`` marked hidden or veryHidden behind a new visible first sheet (Excel
    shows at least one)."""
    book = load_workbook(path)
    book.create_sheet("Läsanvisning", 0)
    book[sheet].sheet_state = state
    book.active = 0
    book.save(path)
    return path


def _second_round_smaller() -> list[Case]:
    """§22.3: the smaller ones."""
    malmo_nfd = unicodedata.normalize("NFD", "Malmö")
    return [
        _kolada_case("kolada: a page with a bad row is not cached", "22.3",
                     rows=[kolada_row(), kolada_row(period=1901)], place="row 1, column period",
                     check=_nothing_cached),
        _oj_case("oj: a right-to-left override in a sheet name", "22.3", lambda d: workbook(
            d / "rlo.xlsx", [["Kommunkod", "Kommun", f"{IBIC_UTR} 2021"], ["0114", "x", "Kanske"]],
            title="LSS\u202eevil"), "rlo.xlsx: LSS\\u202eevil!C2"),
        _oj_case("oj: a kommun name in Unicode NFD", "22.3", lambda d: oj_workbook(
            d / "nfd.xlsx", [None, malmo_nfd, "Ja"]), accept=True, check=_expect_value(100.0, "1280")),
        _oj_case("oj: values on a veryHidden sheet", "22.3", lambda d: hide_sheet(
            oj_workbook(d / "hidden.xlsx", ["0114", "x", "Ja"]), "LSS", "veryHidden"), accept=True,
                 check=_stderr_says("Warning: hidden.xlsx: sheet LSS: 2 values read from a sheet the "
                                    "workbook marks veryHidden")),
        _kolada_case("kolada: a redirect to another origin", "22.3",
                     custom=[("/data/", lambda h: send_raw(h, b"", 302, {
                         "Location": "http://127.0.0.1:9/v3/data/kpi/N00001/year/2021"}))],
                     place="redirects to http://127.0.0.1:9/v3/data/kpi/N00001/year/2021, outside"),
        _kolada_case("kolada: --years after next year", "22.3", years="2031", place="--years: '2031'"),
        _kolada_case("kolada: a row of a year not asked", "22.3", rows=[kolada_row(period=2021)],
                     years="2020", place="/data/kpi/N00001/year/2020: row 0, column period"),
        *[_kolada_case(f"kolada: Retry-After {value}", "22.3", custom=[("/data/", _busy_once(value))],
                       accept=True, check=_expect_value(44.5)) for value in ("inf", "nan", "soon")],
        _kolada_case("kolada: a cache the disk does not take", "22.3", custom=[("/data/", padded_page)],
                     file_size_limit=1024 * 1024, accept=True, check=_loaded_without_cache),
        _kolada_case("kolada: a municipality sent as a number", "22.3", rows=[kolada_row(municipality=114)],
                     place="row 0, column municipality: municipality is a number, not a text"),
        _oj_case("oj: spaces inside a number", "22.3",
                 lambda d: oj_workbook(d / "spaced.xlsx", ["0114", "x", "8 2 , 5"]), "spaced.xlsx: LSS!C3"),
        Case("oj: the same file twice", "oj_excel", "22.3", lambda d, _s: [
            "load", "oj-excel", *[str(oj_workbook(d / "twice.xlsx", ["0114", "x", "Ja"]))] * 2],
            "twice.xlsx: the same file as argument 1"),
        Case("skr: the same file twice", "skr", "22.3", lambda d, _s: [
            "load", "skr", *[str(skr_csv(d / "twice.csv", SKR_ROWS))] * 2],
            "twice.csv: the same file as argument 1"),
    ]


def main() -> None:  # pragma: no cover - the figures of the note
    import argparse
    import shutil
    import tempfile
    from collections import Counter

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("jamfor", help="the jamfor executable to run the corpus against")
    parser.add_argument("--seeded", help="a seeded SQLite warehouse to copy for each case")
    parser.add_argument("--seconds", type=float, default=150.0,
                        help="stop a run after this long and count it as a hang (default 150)")
    parser.add_argument("--sections", help="only the cases of these sections, e.g. 22.1,22.2,22.3")
    args = parser.parse_args()
    sections = set(args.sections.split(",")) if args.sections else None
    server = KoladaHttpServer().start()
    counts: Counter[tuple[str, str]] = Counter()
    try:
        for case in corpus():
            if sections is not None and case.section not in sections:
                continue
            folder = Path(tempfile.mkdtemp(prefix="hostile-"))
            argv = case.make(folder, server)
            if case.db and args.seeded:
                shutil.copy(args.seeded, folder / "w.db")
                argv += ["--db", f"sqlite:///{folder / 'w.db'}"]
            env = child_env(folder, {k: v.format(folder=folder) for k, v in case.env.items()})
            outcome = run_jamfor(args.jamfor, argv, env, args.seconds, folder, case.file_size_limit)
            verdict = classify(case, outcome)
            counts[(case.loader, verdict)] += 1
            last = (outcome.message_lines() or [""])[-1][:150]
            print(f"{verdict:26} {outcome.seconds:6.1f}s {outcome.peak_mb:7.0f}MB  {case.name}  | {last}")
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        server.stop()
    for (loader, verdict), n in sorted(counts.items()):
        print(f"{loader:10} {verdict:26} {n}")


if __name__ == "__main__":
    main()
