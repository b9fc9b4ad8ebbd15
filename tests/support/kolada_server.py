"""A Kolada-shaped HTTP server on 127.0.0.1 for the tests: real sockets, real paging, misbehaviour on cue.

It serves the documented v3 shapes: ``/kpi/{ids}``, ``/kpi?title=``, ``/municipality_groups?title=``, and
``/data/kpi/{ids}[/municipality/{ids}][/year/{years}]`` as ``{"count", "values", "next_url",
"previous_url"}`` pages of ``per_page`` rows. ``fail_next`` queues error answers for paths containing a
text; ``fail_always`` answers every such request with an error; ``custom`` hands a request whose path
contains a text to a function that writes the whole answer itself (raw bytes, trickles, bombs).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class KoladaState:
    kpis: list[dict] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    per_page: int = 2
    fail_next: list[tuple[str, Answer]] = field(default_factory=list)
    fail_always: list[tuple[str, Answer]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    custom: list[tuple[str, Callable[[BaseHTTPRequestHandler], None]]] = field(default_factory=list)

    def reset(self, kpis: list[dict], rows: list[dict], per_page: int = 2) -> None:
        self.kpis, self.rows, self.per_page = list(kpis), list(rows), per_page
        for queue in (self.fail_next, self.fail_always, self.requests, self.custom):
            queue.clear()


def send_raw(handler: BaseHTTPRequestHandler, body: bytes, status: int = 200,
             headers: dict[str, str] | None = None) -> None:
    """An answer with exactly these bytes (JSON or not, compressed or not)."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:  # the client hung up (as jamfor does on an answer too large)
        return


def trickle(handler: BaseHTTPRequestHandler, data: bytes, seconds: float, limit: float = 60.0) -> None:
    """Write ``data`` one byte every ``seconds`` (at most ``limit`` seconds, or until the client
    hangs up), as a stalled server would."""
    ends = time.monotonic() + limit
    try:
        for byte in data:
            if time.monotonic() > ends:
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(seconds)
    except OSError:
        return


def _segments(path: str) -> dict[str, list[str]]:
    parts = path.strip("/").split("/")
    return {parts[i]: unquote(parts[i + 1]).split(",") for i in range(0, len(parts) - 1, 2)}


class _Handler(BaseHTTPRequestHandler):
    server: KoladaHttpServer

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: object = None, headers: dict[str, str] | None = None) -> None:
        send_raw(self, json.dumps(body if body is not None else {"error": status}).encode(), status, headers)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        state = self.server.state
        state.requests.append(self.path)
        for text, answer_with in state.custom:
            if text in self.path:
                return answer_with(self)
        for text, answer in state.fail_always:
            if text in self.path:
                return self._send(answer.status, headers=answer.headers)
        for index, (text, answer) in enumerate(state.fail_next):
            if text in self.path:
                del state.fail_next[index]
                return self._send(answer.status, headers=answer.headers)
        url = urlsplit(self.path)
        path = url.path.removeprefix("/v3")
        query = parse_qs(url.query)
        if path.startswith("/data/"):
            wanted = _segments(path.removeprefix("/data"))
            rows = [r for r in state.rows
                    if r["kpi"] in wanted.get("kpi", [r["kpi"]])
                    and r["municipality"] in wanted.get("municipality", [r["municipality"]])
                    and str(r["period"]) in wanted.get("year", [str(r["period"])])]
        elif path == "/kpi":
            title = query.get("title", [""])[0].casefold()
            rows = [k for k in state.kpis if title in k["title"].casefold()]
        elif path == "/municipality_groups":
            title = query.get("title", [""])[0].casefold()
            rows = [g for g in state.groups
                    if not isinstance(g, dict) or title in str(g.get("title")).casefold()]
        elif path.startswith("/kpi/"):
            ids = unquote(path.removeprefix("/kpi/")).split(",")
            rows = [k for k in state.kpis if k["id"] in ids]
        else:
            return self._send(404)
        page = int(query.get("page", ["1"])[0])
        start = (page - 1) * state.per_page
        more = start + state.per_page < len(rows)
        base = f"http://127.0.0.1:{self.server.server_port}{url.path}"
        others = "".join(f"&{k}={v[0]}" for k, v in query.items() if k != "page")
        self._send(200, {
            "count": len(rows[start:start + state.per_page]),
            "values": rows[start:start + state.per_page],
            "next_url": f"{base}?page={page + 1}{others}" if more else None,
            "previous_url": f"{base}?page={page - 1}{others}" if page > 1 else None,
        })


class KoladaHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = KoladaState()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/v3"

    def start(self) -> KoladaHttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def data_requests(self) -> list[str]:
        return [r for r in self.state.requests if r.startswith("/v3/data/")]


@pytest.fixture
def fresh_kolada(tmp_path, monkeypatch) -> Iterator[KoladaHttpServer]:
    """A server of the test's own knowing KPI N00001 and no rows yet; the response cache in the
    test's folder."""
    server = KoladaHttpServer().start()
    server.state.kpis = [{"id": "N00001", "title": "IBIC, andel (%)", "publ_period": "2021"}]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("JAMFOR_KOLADA_URL", raising=False)
    yield server
    server.stop()
