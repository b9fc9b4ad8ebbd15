"""HTTP for the Kolada API: paging, bounded retries with backoff, and an on-disk response cache.

Kolada is free and keyless but rate-limits (429) and has bad moments (5xx). We retry those a bounded
number of times, honouring Retry-After, and then fail with a message naming the URL and the status.
Responses are cached by URL under $XDG_CACHE_HOME/jamfor/kolada with an age limit, so re-running a
load (or retrying one that failed on the database side) does not ask Kolada again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin

import requests

from jamfor.paths import user_dir
from jamfor.redact import redact_url
from jamfor.seed.errors import JamforError

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 120.0
DEFAULT_MAX_AGE = 24 * 3600.0


class KoladaError(JamforError):
    """Kolada could not be asked or answered with an error; nothing was written."""


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/jamfor/kolada, that is ~/.cache/jamfor/kolada unless XDG_CACHE_HOME says otherwise."""
    return user_dir("cache") / "kolada"


@dataclass
class ResponseCache:
    """JSON responses on disk keyed by URL; an entry older than ``max_age`` seconds is ignored."""

    directory: Path
    max_age: float = DEFAULT_MAX_AGE

    def _path(self, url: str) -> Path:
        return self.directory / f"{hashlib.sha256(url.encode()).hexdigest()}.json"

    def get(self, url: str) -> dict | None:
        path = self._path(url)
        try:
            if time.time() - path.stat().st_mtime > self.max_age:
                return None
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry.get("body") if entry.get("url") == redact_url(url) else None

    def put(self, url: str, body: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(url)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"url": redact_url(url), "body": body}, ensure_ascii=False),
                             encoding="utf-8")
        temporary.replace(path)


def _retry_after(response: requests.Response) -> float | None:
    """Seconds Kolada asks us to wait: Retry-After as seconds or as an HTTP date."""
    header = response.headers.get("Retry-After")
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@dataclass
class KoladaHttp:
    """GETs JSON from Kolada. ``backoff`` is the first wait in seconds; it doubles per retry."""

    cache: ResponseCache | None = None
    refresh: bool = False
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 60.0
    session: requests.Session = field(default_factory=requests.Session)
    requests_made: int = 0

    def get_json(self, url: str) -> dict:
        if self.cache is not None and not self.refresh:
            cached = self.cache.get(url)
            if cached is not None:
                return cached
        body = self._fetch(url)
        if self.cache is not None:
            self.cache.put(url, body)
        return body

    def _fetch(self, url: str) -> dict:
        attempts = self.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                self.requests_made += 1
                response = self.session.get(url, timeout=self.timeout,
                                            headers={"Accept": "application/json"})
            except requests.RequestException as exc:
                if last:
                    raise KoladaError(f"cannot reach Kolada at {redact_url(url)} after {attempts} attempts: "
                                      f"{type(exc).__name__}; nothing was written") from None
                time.sleep(self.backoff * 2 ** attempt)
                continue
            if response.status_code in RETRY_STATUSES and not last:
                wait = _retry_after(response)
                time.sleep(min(wait, MAX_RETRY_AFTER) if wait is not None else self.backoff * 2 ** attempt)
                continue
            if response.status_code != 200:
                raise KoladaError(f"Kolada answered HTTP {response.status_code} for {redact_url(url)} after "
                                  f"{attempt + 1} attempts; nothing was written")
            try:
                return response.json()
            except ValueError:
                raise KoladaError(f"Kolada answered {redact_url(url)} with something that is not JSON; "
                                  "nothing was written") from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def pages(self, url: str, on_page: Callable[[str], None] | None = None) -> Iterator[tuple[str, dict]]:
        """Every page of a listing, following ``next_url`` until it is null."""
        seen = set()
        next_url: str | None = url
        while next_url:
            if next_url in seen:
                raise KoladaError(f"Kolada's next_url leads back to {redact_url(next_url)}; "
                                  "nothing was written")
            seen.add(next_url)
            if on_page:
                on_page(next_url)
            body = self.get_json(next_url)
            if not isinstance(body, dict) or not isinstance(body.get("values"), list):
                raise KoladaError(f"Kolada's answer to {redact_url(next_url)} has no 'values' list; "
                                  "nothing was written")
            yield next_url, body
            following = body.get("next_url")
            next_url = urljoin(next_url, following) if following else None  # relative or absolute
