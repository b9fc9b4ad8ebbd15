"""The national benchmark's Kolada path: N synthetic KPIs in Kolada's shapes, served from 127.0.0.1.

Benchmark data only (titles and definitions say "Syntetisk"): served to the benchmark's own loads into
scratch databases, never to a user's warehouse. KPI k's values are the k-th indicator's of
``national.py`` (same seeds), so the Kolada path loads the numbers the raw baseline writes; every tenth
KPI is a yes/no question "(Ja=1, Nej=0)" whose kommun values are codes (jamfor turns them into 100/0
and computes län and riket itself), and the operating areas cycle through Kolada's, so the metadata
reading meets each verksamhet.

The server runs in a process of its own (``python bench/kolada_national.py N``: it prints its port
once ready), so its memory is not the loader's peak RSS. Each data row is rendered to JSON once, before
the port is printed: what the benchmark times is jamfor asking, reading and loading, not the
synthetic server building answers.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
from national import YEARS, indicator_values, national_areas

from jamfor.seed.reference import area_frame

PER_PAGE = 5000  # Kolada's largest page
CODED_EVERY = 10
OPERATING_AREAS = (
    "Äldreomsorg", "Insatser enligt LSS", "Individ- och familjeomsorg,Ekonomiskt bistånd", "Missbruk",
    "Kommunen, övergripande,Ordinärt boende,Äldre och funktionshindrade", "Socialpsykiatri",
    "Barn och unga", "Miljö, hälsa och hållbar utveckling mm")


def kpi_id(k: int) -> str:
    """An id no catalogue KPI has (Kolada's start with N, U or B); k is the indicator's place in
    ``national.py``'s set."""
    return f"X{k:05d}"


def kpi_ids(n: int) -> list[str]:
    return [kpi_id(k) for k in range(n)]


def coded(k: int) -> bool:
    return k % CODED_EVERY == CODED_EVERY - 1


def kpi_record(k: int) -> dict:
    """KPI k's record as Kolada's ``/kpi/{id}`` gives it."""
    if coded(k):
        title = f"Syntetisk benchmark-KPI {k}: rutin finns (Ja=1, Nej=0)"
        description = "Svar från kommunen (Ja=1, Nej=0). Syntetiskt benchmarkvärde."
    else:
        title = f"Syntetisk benchmark-KPI {k}, andel (%)"
        description = ("Antal personer med insatsen dividerat med antal personer i målgruppen, "
                       "multiplicerat med 100. Syntetiskt benchmarkvärde.")
    return {"id": kpi_id(k), "title": title, "description": description,
            "operating_area": OPERATING_AREAS[k % len(OPERATING_AREAS)], "auspices": "T",
            "is_divided_by_gender": False, "municipality_type": "K", "has_ou_data": False,
            "perspective": "Kvalitet och resultat", "publ_period": str(YEARS[-1])}


def _kolada_code(area_code: str, level: str) -> str:
    """Ours as Kolada writes it: riket 0000, län 00 + länskod, kommun as it is."""
    return area_code.zfill(4) if level in ("riket", "lan") else area_code


def _fragments(k: int, kpi: str, codes: np.ndarray, kommun: np.ndarray) -> dict[int, list[bytes]]:
    """KPI k's data rows as JSON, by year."""
    values = indicator_values([kpi], codes, first=k)
    numbers = values.value.to_numpy()
    if coded(k):  # a kommun's answer is a code; Kolada's län and riket are averages of codes
        numbers = np.where(np.repeat(kommun, len(YEARS)), np.where(numbers >= 50, 1.0, 0.0),
                           np.round(numbers / 100, 2))
        numbers = np.where(values.value.isna(), np.nan, numbers)
    by_year: dict[int, list[bytes]] = {year: [] for year in YEARS}
    for municipality, year, number in zip(values.area_code, values.year, numbers):
        value = "null" if np.isnan(number) else repr(float(number))
        by_year[int(year)].append(
            f'{{"kpi":"{kpi}","municipality":"{municipality}","period":{year},"values":'
            f'[{{"gender":"T","count":1,"status":"","value":{value}}}]}}'.encode())
    return by_year


class KoladaBench:
    """Every KPI's record and pre-rendered data rows."""

    def __init__(self, n: int) -> None:
        areas = national_areas()
        level = area_frame().set_index("area_code").level
        codes = areas.map(lambda a: _kolada_code(a, level[a]))
        kommun = (areas.map(level) == "kommun").to_numpy()
        self.records = {kpi: kpi_record(k) for k, kpi in enumerate(kpi_ids(n))}
        self.rows = {kpi: _fragments(k, kpi, codes, kommun) for k, kpi in enumerate(kpi_ids(n))}

    def data(self, kpis: list[str], years: list[int]) -> list[bytes]:
        return [row for kpi in kpis if kpi in self.rows
                for year in years for row in self.rows[kpi].get(year, [])]

    def kpis(self, ids: list[str]) -> list[bytes]:
        return [json.dumps(self.records[i], ensure_ascii=False).encode() for i in ids if i in self.records]


def _segments(path: str) -> dict[str, list[str]]:
    parts = path.strip("/").split("/")
    return {parts[i]: unquote(parts[i + 1]).split(",") for i in range(0, len(parts) - 1, 2)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Kolada's server answers
    server: KoladaBenchServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        path = url.path.removeprefix("/v3")
        bench = self.server.bench
        if path.startswith("/data/kpi/"):
            wanted = _segments(path.removeprefix("/data"))
            if set(wanted) - {"kpi", "year"}:
                return self._send(400, b'{"error":"the benchmark server answers kpi and year only"}')
            rows = bench.data(wanted["kpi"], [int(y) for y in wanted.get("year", YEARS)])
        elif path.startswith("/kpi/"):
            rows = bench.kpis(unquote(path.removeprefix("/kpi/")).split(","))
        else:
            return self._send(404, b'{"error":404}')
        page = int(parse_qs(url.query).get("page", ["1"])[0])
        start = (page - 1) * PER_PAGE
        shown = rows[start:start + PER_PAGE]
        following = "null"
        if start + PER_PAGE < len(rows):
            following = f'"http://127.0.0.1:{self.server.server_port}{url.path}?page={page + 1}"'
        body = b'{"count":%d,"values":[%s],"next_url":%s,"previous_url":null}' % (
            len(shown), b",".join(shown), following.encode())
        self._send(200, body)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class KoladaBenchServer(ThreadingHTTPServer):
    """Many connections at once, as Kolada's server: the loader's reading process opens its own while
    the command's keeps the one it asked the KPI records on."""

    daemon_threads = True

    def __init__(self, bench: KoladaBench) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.bench = bench


def main() -> None:
    server = KoladaBenchServer(KoladaBench(int(sys.argv[1])))
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
