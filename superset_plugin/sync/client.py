"""A small REST client for Superset 4.1 to 6.1: login, CSRF, version, import, export, lookup by UUID,
chart data, delete.

Every response goes through one checker, ``_check``, which raises ``SupersetError`` with the HTTP status
and Superset's own message. Credentials never reach an error, a log or ``repr``: the client redacts the
secrets it was given from every message it raises.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

import requests

from jamfor.errors import JamforError
from jamfor.redact import redact_url, url_secrets
from jamfor.superset.sync.versions import (
    VERSION_PATH,
    SupersetVersion,
    UnsupportedVersion,
    parse_version_info,
    supported,
)

_PAGE = 100
REFRESH_PATH = "/api/v1/security/refresh"
_NAME_COLUMN = {"chart": "slice_name", "dataset": "table_name", "dashboard": "dashboard_title"}


class SupersetError(JamforError):
    """Superset refused or failed a request: what we asked, its HTTP status and its message."""

    def __init__(self, message: str, status: int | None = None, action: str | None = None) -> None:
        self.status = status
        self.action = action
        self.superset_message = message
        head = f"Superset {action}" if action else "Superset"
        super().__init__(f"{head}: HTTP {status}: {message}" if status else f"{head}: {message}")


IMPORT_FAILED_HINT = (
    "Superset caught an exception while importing and logged its traceback. The likeliest cause is a "
    "Python package Superset needs but its environment lacks: Superset 6.0 and 6.1 import cachetools "
    "without declaring it (6.1's PostgreSQL and MySQL engine specs import it through aws_iam.py), 5.0 "
    "needs marshmallow 3 (docs/operating.md, \"Installing\", lists each version's). Next likeliest: "
    "the warehouse URI does not connect from the Superset host. The traceback is in Superset's log: "
    "the web server's output (`docker logs <container>`, `journalctl -u <service>`, or the terminal "
    "running `superset run` / gunicorn; `jamfor demo`: <home>/superset.log), at the time of this import.")


class ImportFailed(SupersetError):
    """The import endpoint answered 500: Superset's message says nothing, so say where to look."""

    def __init__(self, message: str, status: int | None = 500, detail: str = "") -> None:
        cause = f" ({detail})" if detail else ""
        super().__init__(f"{message}{cause}\n{IMPORT_FAILED_HINT}", status, "import")
        self.superset_message = message


def rison_str(text: str) -> str:
    return "'" + text.replace("!", "!!").replace("'", "!'") + "'"


def _rison_list(items: Iterable[str | int]) -> str:
    return "!(" + ",".join(str(i) if isinstance(i, int) else rison_str(i) for i in items) + ")"


def _message(response: requests.Response) -> str:
    """Superset's explanation: ``message`` or ``errors[].message`` of a JSON body, else a short text."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip().splitlines()
        return text[0][:300] if text else response.reason
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, (dict, list)):
            return json.dumps(message, ensure_ascii=False)[:2000]
        if message:
            return str(message)
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    return json.dumps(body, ensure_ascii=False)[:500]


class SupersetClient:
    """A logged-in session with one Superset; use ``SupersetClient.login(url, username, password)``."""

    def __init__(self, url: str, timeout: float = 300.0, secrets: Iterable[str] = ()) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self._secrets = {s for s in [*secrets, *url_secrets(url)] if s}
        self.version: SupersetVersion | None = None  # set by ``login``: what the server said it runs
        self.username: str | None = None  # who the session acts as (for "verified as …")
        self._refresh_token: str | None = None

    def __repr__(self) -> str:
        return f"SupersetClient(url={redact_url(self.url)!r})"

    @classmethod
    def login(cls, url: str, username: str, password: str, timeout: float = 300.0,
              secrets: Iterable[str] = (), provider: str = "db") -> SupersetClient:
        """Log in through ``/api/v1/security/login`` with ``provider`` (``db``: Superset's own user
        database; ``ldap`` under AUTH_LDAP), then fetch a CSRF token. ``jamfor.superset.sync.signin``
        chooses the provider."""
        client = cls(url, timeout, secrets=[password, *secrets])
        client.username = username
        tokens = client.request("POST", "/api/v1/security/login", "login", json={
            "username": username, "password": password, "provider": provider, "refresh": True,
        }).json()
        client._refresh_token = tokens.get("refresh_token")
        return client._start(tokens["access_token"])

    @classmethod
    def with_token(cls, url: str, token: str, timeout: float = 300.0) -> SupersetClient:
        """A client that sends ``token`` as its bearer credential: a JWT access token Superset issued
        (``superset jamfor token``) or a Flask-AppBuilder API key. Works whatever sign-in the web
        pages use (database, LDAP, OAuth), since the REST API checks the token itself."""
        token = token.strip()  # as read from a file or a command's output
        client = cls(url, timeout, secrets=[token])._start(token)
        try:  # who the token is, for "verified as …"; 4.1 and 5.0 answer /me only to a browser session
            client.username = str(client.request("GET", "/api/v1/me/", "who").json()["result"]["username"])
        except SupersetError:
            client.username = None
        return client

    def _start(self, access_token: str) -> SupersetClient:
        self.session.headers["Authorization"] = f"Bearer {access_token}"
        self._secrets.update(t for t in (access_token, self._refresh_token) if t)
        csrf = self.request("GET", "/api/v1/security/csrf_token/", "CSRF token").json()["result"]
        self.session.headers["X-CSRFToken"] = csrf
        self.session.headers["Referer"] = self.url
        self.version = self.detect_version()
        return self

    def acting_as(self, username: str, password: str) -> SupersetClient:
        """Another session with this Superset, signed in as ``username`` (to check what a person with
        that user's roles sees). Over REST that is a password sign-in with provider ``db``."""
        return type(self).login(self.url, username, password, self.timeout, secrets=self._secrets)

    def detect_version(self) -> SupersetVersion:
        """The version this Superset runs (its ``static/version_info.json``); ``UnsupportedVersion`` for a
        line jamfor does not support, before anything is sent to it."""
        try:
            text = self.request("GET", VERSION_PATH, "version").text
        except SupersetError:
            raise UnsupportedVersion(None) from None
        return supported(parse_version_info(text))

    def add_secret(self, secret: str | None) -> None:
        """Also redact ``secret`` (e.g. the warehouse password) from every error this client raises."""
        if secret:
            self._secrets.add(secret)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _check(self, response: requests.Response, action: str) -> requests.Response:
        """The one checker: a 2xx passes, anything else raises SupersetError with Superset's message."""
        if response.is_redirect or response.status_code in (301, 302):
            raise SupersetError("redirected (not logged in, or the CSRF token was refused)",
                                response.status_code, action)
        if not response.ok:
            raise SupersetError(self._redact(_message(response)), response.status_code, action)
        return response

    def request(self, method: str, path: str, action: str, **kwargs: Any) -> requests.Response:
        """Send one request; when the access token has expired (Superset's last 15 minutes by default,
        shorter than a long ``jamfor pdf`` run), get a new one with the refresh token and send again."""
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        response = self._send(method, path, action, **kwargs)
        if response.status_code == 401 and self._refresh_token and path != REFRESH_PATH:
            self._refresh(action)
            response = self._send(method, path, action, **kwargs)
        return self._check(response, action)

    def _send(self, method: str, path: str, action: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self.url + path, **kwargs)
        except requests.RequestException as exc:
            raise SupersetError(f"cannot reach {redact_url(self.url)}: {type(exc).__name__}", None,
                                action) from None

    def _refresh(self, action: str) -> None:
        response = self._send("POST", REFRESH_PATH, action, timeout=self.timeout, allow_redirects=False,
                              headers={"Authorization": f"Bearer {self._refresh_token}"})
        token = self._check(response, f"{action} (new access token)").json()["access_token"]
        self._secrets.add(token)
        self.session.headers["Authorization"] = f"Bearer {token}"

    # --- lookups ---------------------------------------------------------------------------------

    def find(self, kind: str, uuids: Iterable[str], columns: Iterable[str] = ("id", "uuid")
             ) -> dict[str, dict[str, Any]]:
        """The objects of ``kind`` with these UUIDs, keyed by UUID (absent ones are left out).

        ``columns`` are list columns of that kind's REST API (``changed_on_utc`` for charts …)."""
        wanted_columns = ",".join(dict.fromkeys(["id", "uuid", *columns]))
        wanted = sorted(set(uuids))
        if not wanted:
            return {}
        if self.version is not None and not self.version.filters_by_uuid and kind != "database":
            return self._find_by_listing(kind, set(wanted), wanted_columns)
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), _PAGE):
            chunk = wanted[start:start + _PAGE]
            query = (f"(filters:!((col:uuid,opr:in,value:{_rison_list(chunk)})),"
                     f"columns:!({wanted_columns}),page_size:{_PAGE})")
            body = self.request("GET", f"/api/v1/{kind}/", f"find {kind}s", params={"q": query}).json()
            for item in body["result"]:
                found[str(item["uuid"])] = item
        return found

    def _find_by_listing(self, kind: str, wanted: set[str], columns: str) -> dict[str, dict[str, Any]]:
        """Before 6.0 the list endpoints name each object's uuid but cannot filter on it: page through,
        in name order (they cannot order by id either; names keep the pages stable during an import)."""
        found: dict[str, dict[str, Any]] = {}
        page = 0
        while True:
            query = (f"(columns:!({columns}),order_column:{_NAME_COLUMN[kind]},order_direction:asc,"
                     f"page:{page},page_size:{_PAGE})")
            answer = self.request("GET", f"/api/v1/{kind}/", f"list {kind}s", params={"q": query})
            result = answer.json()["result"]
            found.update({str(item["uuid"]): item for item in result if str(item.get("uuid")) in wanted})
            if len(result) < _PAGE or len(found) == len(wanted):
                return found
            page += 1

    def search(self, kind: str, column: str, value: str | int, columns: Iterable[str] = ("id", "uuid")
               ) -> list[dict[str, Any]]:
        """Objects of ``kind`` whose ``column`` equals ``value`` (first page of 100)."""
        shown = _rison_list(columns)[1:]
        rison_value = value if isinstance(value, int) else rison_str(value)
        query = f"(filters:!((col:{column},opr:eq,value:{rison_value})),columns:!{shown},page_size:{_PAGE})"
        answer = self.request("GET", f"/api/v1/{kind}/", f"search {kind}s", params={"q": query})
        return answer.json()["result"]

    def get(self, kind: str, object_id: int) -> dict[str, Any]:
        return self.request("GET", f"/api/v1/{kind}/{object_id}", f"get {kind} {object_id}").json()["result"]

    def put(self, kind: str, object_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        return self.request("PUT", f"/api/v1/{kind}/{object_id}", f"update {kind} {object_id}",
                            json=payload).json()

    def post(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", f"/api/v1/{kind}/", f"create {kind}", json=payload).json()

    def delete(self, kind: str, object_id: int) -> None:
        self.request("DELETE", f"/api/v1/{kind}/{object_id}", f"delete {kind} {object_id}")

    # --- import and export -----------------------------------------------------------------------

    def import_assets(self, bundle: bytes, passwords: dict[str, str] | None = None) -> None:
        """``POST /api/v1/assets/import/``: create or overwrite everything in ``bundle`` (a zip).

        Superset answers every failure of this endpoint with a bare 500 ("Import failed for an unknown
        reason"); validate the bundle first. ``ImportFailed`` then names the likeliest causes and where
        Superset's log is.
        """
        data = {"passwords": json.dumps(passwords or {})}
        files = {"bundle": ("jamfor.zip", bundle, "application/zip")}
        try:
            self.request("POST", "/api/v1/assets/import/", "import", data=data, files=files)
        except SupersetError as exc:
            if exc.status == 500:
                raise ImportFailed(exc.superset_message) from None
            raise

    def export(self, kind: str, ids: Iterable[int]) -> dict[str, str]:
        """``GET /api/v1/{kind}/export/``: the exported files as {path inside the bundle: YAML text}."""
        id_list = sorted(set(ids))
        if not id_list:
            return {}
        response = self.request("GET", f"/api/v1/{kind}/export/", f"export {kind}s",
                                params={"q": _rison_list(id_list)})
        return unzip(response.content)

    # --- chart data ------------------------------------------------------------------------------

    def chart_data(self, chart_id: int) -> dict[str, Any]:
        """``GET /api/v1/chart/{id}/data/``: run the chart's saved query context."""
        return self.request("GET", f"/api/v1/chart/{chart_id}/data/", f"chart {chart_id} data",
                            params={"format": "json", "type": "full"}).json()


def unzip(content: bytes) -> dict[str, str]:
    """A Superset export zip as {path below the root folder: text}."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {}
        for name in archive.namelist():
            if name.endswith("/"):
                continue
            inner = name.split("/", 1)[1] if "/" in name else name
            files[inner] = archive.read(name).decode("utf-8")
    return files
