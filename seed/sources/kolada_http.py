"""HTTP for the Kolada API: paging, bounded retries with backoff, and an on-disk response cache.

Kolada is free and keyless but rate-limits (429) and has bad moments (5xx). We retry those a bounded
number of times, honouring Retry-After up to a cap, and then fail with a message naming the URL and
the status. Everything a server controls is bounded, so a broken or hostile server cannot hang a load
or fill memory: the time one request may take (a body trickled byte by byte included), the time a
whole load may take, the size of a decompressed answer, the number of pages, and where ``next_url``
may lead (never off the origin the user named: one rule for ``next_url`` and for redirects). Answers
are checked for the page shape, and by the caller for their rows, before they are cached, so a bad
answer is never cached.

Responses are cached by URL under $XDG_CACHE_HOME/jamfor/kolada with an age limit, so re-running a
load (or retrying one that failed on the database side) does not ask Kolada again. An entry holds the
answer's bytes as Kolada sent them, after a line naming the URL: nothing is encoded again, and a page
from the cache has the bytes (and so the provenance digest) of the page as received. The folder is the
user's alone (0700, files 0600); entries are written to a fresh temporary file and renamed into place,
and read without following links and checked before use. A cache that cannot be used (a full disk, a
folder that is a file or another user's) is left alone for the rest of the run with a warning: the
load goes on without it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import requests

from jamfor.errors import JamforError
from jamfor.paths import user_dir
from jamfor.redact import redact_text, redact_url

RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 10
DEFAULT_MAX_AGE = 24 * 3600.0
CHUNK = 16 * 1024


class KoladaError(JamforError):
    """Kolada could not be asked or answered with an error; nothing was written.

    The message is redacted here, once: it names URLs, and a base URL may carry a password."""

    def __init__(self, message: str) -> None:
        super().__init__(redact_text(message))


@dataclass(frozen=True)
class KoladaLimits:
    """Bounds on what a server can make a load do. Each has an environment variable so a user on a
    slow line (or a test) can change it: ``JAMFOR_KOLADA_<NAME>`` in capitals, e.g.
    JAMFOR_KOLADA_MAX_WAIT=300."""

    max_wait: float = 120.0  # longest Retry-After honoured; a longer one stops the load
    request_seconds: float = 300.0  # one request, headers and body, however slowly they come
    load_seconds: float = 3600.0  # every request of one load together, waits included
    max_pages: int = 1000  # pages of one listing
    max_bytes: int = 32 * 1024 * 1024  # one answer, decompressed (a full Kolada page is ~2 MB)
    # KPIs one load holds: a national KPI is ~3,000 values (~9,000 divided by kön); a longer list loads
    # in parts of this many, one read while the one before is written, so memory is two parts'.
    per_load: int = 100

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> KoladaLimits:
        env = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for name, default in cls().__dict__.items():
            variable = f"JAMFOR_KOLADA_{name.upper()}"
            text = env.get(variable)
            if text is None or not text.strip():
                continue
            try:
                value = type(default)(text.strip())
            except ValueError:
                value = -1
            if not 0 < value < math.inf:
                raise KoladaError(f"{variable}: {text!r} is not a positive "
                                  f"{'whole number' if isinstance(default, int) else 'number'}")
            values[name] = value
        return cls(**values)  # type: ignore[arg-type]


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/jamfor/kolada, that is ~/.cache/jamfor/kolada unless XDG_CACHE_HOME says otherwise."""
    return user_dir("cache") / "kolada"


def page_problem(body: object) -> str | None:
    """Why an answer is not a Kolada page (a dict with a ``values`` list and a text or null
    ``next_url``), or None when it is one."""
    if not isinstance(body, dict):
        return f"is a JSON {type(body).__name__}, not an object"
    if not isinstance(body.get("values"), list):
        return "has no 'values' list"
    following = body.get("next_url")
    if following is not None and not isinstance(following, str):
        return f"has a next_url that is a {type(following).__name__}, not a text"
    return None


def _parse_json(text: bytes) -> object:
    """JSON as Python; raises ValueError for anything else, too deep nesting included."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


class Page(NamedTuple):
    """One page of a listing: its URL, the page as JSON, and its bytes as Kolada sent them (what a
    reader digests for its provenance and the cache keeps)."""

    url: str
    body: dict
    data: bytes


@dataclass
class ResponseCache:
    """JSON responses on disk keyed by URL; an entry older than ``max_age`` seconds is ignored.

    ``problem`` says why the cache was given up for this run (then nothing is read from or written to
    it); the caller shows it as a warning."""

    directory: Path
    max_age: float = DEFAULT_MAX_AGE
    problem: str | None = None

    def _path(self, url: str) -> Path:
        return self.directory / f"{hashlib.sha256(url.encode()).hexdigest()}.json"

    def get(self, url: str) -> tuple[dict, bytes] | None:
        """The cached page and its bytes, or None when there is none, it is old, it is not a page for
        ``url`` (an entry an older jamfor wrote as one JSON object included), or the folder is not the
        user's own."""
        if not self._usable(create=False):
            return None
        path = self._path(url)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or time.time() - info.st_mtime > self.max_age:
                return None
            with os.fdopen(fd, "rb") as handle:
                fd = -1
                head, _, data = handle.read().partition(b"\n")
            entry, body = _parse_json(head), _parse_json(data)
        except (OSError, ValueError):
            return None
        finally:
            if fd >= 0:
                os.close(fd)
        if entry != {"url": redact_url(url)} or page_problem(body):
            return None
        return body, data  # type: ignore[return-value]

    def _usable(self, create: bool = True) -> bool:
        """Whether the cache folder is there (made if missing and ``create``) and only ever the
        user's own (0700); the first time it is not, the cache is given up with ``problem`` saying why."""
        if self.problem is not None:
            return False
        try:
            if create:
                self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            elif not os.path.lexists(self.directory):
                return False
            info = self.directory.stat()
            if not stat.S_ISDIR(info.st_mode):
                raise NotADirectoryError(20, "not a folder")
            if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
                raise PermissionError(13, "the folder belongs to another user")
            if stat.S_IMODE(info.st_mode) != 0o700:
                os.chmod(self.directory, 0o700)
        except OSError as exc:
            self._give_up(self.directory, exc)
            return False
        return True

    def _give_up(self, path: Path, exc: OSError) -> None:
        self.problem = redact_text(
            f"cannot use the Kolada response cache ({path}: {exc.strerror or type(exc).__name__}); "
            "loaded without it, so the next run asks Kolada again; set XDG_CACHE_HOME to a folder you "
            "can write")

    def put(self, url: str, data: bytes) -> None:
        """Write the entry (a line naming the URL, then the page's bytes as received) to a new 0600
        file in the cache folder, then rename it over the old one: a reader sees the old entry or the
        new, and a planted link is replaced, never followed. A write that fails (a full disk) gives
        the cache up; it never fails the load."""
        if not self._usable():
            return
        # The URL as JSON with ASCII escapes: no newline in it, so the first line ends it.
        head = json.dumps({"url": redact_url(url)}).encode()
        temporary = None
        try:
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".entry-", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.writelines((head, b"\n", data))
            os.replace(temporary, self._path(url))
            temporary = None
        except OSError as exc:
            self._give_up(self._path(url), exc)
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


_DELAY_SECONDS = re.compile(r"[0-9]{1,16}")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds Kolada asks us to wait, by HTTP's one rule: Retry-After is a whole number of seconds
    or an HTTP date. Anything else ("inf", "nan", "soon", "-1", "1.5") is no Retry-After, and the
    backoff applies, as when there is none."""
    header = (headers.get("Retry-After") or "").strip()
    if _DELAY_SECONDS.fullmatch(header):
        return float(header)
    if len(header) > 16 and header.isascii() and header.isdigit():
        return math.inf
    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


@dataclass
class _Answer:
    """What a request thread got: a status and body, or the exception that ended it."""

    status: int = 0
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: BaseException | None = None
    too_big: bool = False


@dataclass
class KoladaHttp:
    """GETs JSON pages from Kolada. ``backoff`` is the first wait in seconds; it doubles per retry.

    ``origin`` (scheme, host and port) is where every page must come from; the first URL asked sets it
    unless given.
    """

    cache: ResponseCache | None = None
    refresh: bool = False
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 60.0
    limits: KoladaLimits = field(default_factory=KoladaLimits)
    session: requests.Session = field(default_factory=requests.Session)
    requests_made: int = 0
    origin: tuple[str, str, int | None] | None = None
    _started: float | None = None

    def get_json(self, url: str) -> tuple[dict, bytes, bool]:
        """A page for ``url``, its bytes, and whether it came from the cache (when fresh), else from
        Kolada. The caller caches a page from Kolada once it has read its rows (``pages``)."""
        if self.cache is not None and not self.refresh:
            cached = self.cache.get(url)
            if cached is not None:
                return *cached, True
        body, data = self._fetch(url)
        problem = page_problem(body)
        if problem:
            raise KoladaError(f"Kolada's answer to {url} {problem}; nothing was written")
        return body, data, False  # type: ignore[return-value]

    def _remaining(self) -> float:
        """Seconds left of the load's deadline (its clock starts at the first request)."""
        if self._started is None:
            self._started = time.monotonic()
        return self.limits.load_seconds - (time.monotonic() - self._started)

    def _sleep(self, seconds: float, url: str) -> None:
        if seconds >= self._remaining():
            raise self._load_deadline(url)
        time.sleep(seconds)

    def _load_deadline(self, url: str) -> KoladaError:
        return KoladaError(f"the Kolada load did not finish within {self.limits.load_seconds:g} s "
                           f"(JAMFOR_KOLADA_LOAD_SECONDS); stopped at {url}; nothing was written")

    def _fetch(self, url: str) -> tuple[object, bytes]:
        """Kolada's answer to ``url`` as JSON and as its bytes, following redirects within the origin
        only."""
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            answer = self._answer(target)
            if answer.status not in REDIRECT_STATUSES:
                try:
                    return _parse_json(answer.body), answer.body
                except ValueError:
                    raise KoladaError(f"Kolada answered {url} with something that is not JSON; "
                                      "nothing was written") from None
            location = answer.headers.get("Location")
            if not location:
                raise KoladaError(f"Kolada answered HTTP {answer.status} for {target} without a Location "
                                  "to go to; nothing was written")
            following = urljoin(target, location)
            self._check_origin(following, target, "redirects to")
            target = following
        raise KoladaError(f"Kolada's answer to {url} redirects more than {MAX_REDIRECTS} times; "
                          "nothing was written")

    def _answer(self, url: str) -> _Answer:
        """A 200 or a redirect for ``url``, after the retries a 429 or 5xx earns."""
        attempts = self.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            self.requests_made += 1
            answer = self._request(url)
            if answer.error is not None:
                if last:
                    raise KoladaError(f"cannot reach Kolada at {url} after {attempts} attempts: "
                                      f"{type(answer.error).__name__}; nothing was written")
                self._sleep(self.backoff * 2 ** attempt, url)
                continue
            if answer.status in RETRY_STATUSES and not last:
                wait = _retry_after(answer.headers)
                if wait is not None and wait > self.limits.max_wait:
                    raise KoladaError(f"Kolada answered HTTP {answer.status} for {url} and asked to wait "
                                      f"{wait:.0f} s, longer than the {self.limits.max_wait:g} s jamfor "
                                      "waits (JAMFOR_KOLADA_MAX_WAIT); try again later; nothing was written")
                self._sleep(wait if wait is not None else self.backoff * 2 ** attempt, url)
                continue
            if answer.status != 200 and answer.status not in REDIRECT_STATUSES:
                raise KoladaError(f"Kolada answered HTTP {answer.status} for {url} after "
                                  f"{attempt + 1} attempts; nothing was written")
            return answer
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _request(self, url: str) -> _Answer:
        """One GET, given at most the request's (and the load's) time, whatever the server does.

        A server that trickles headers defeats a socket timeout, so the request runs in a daemon
        thread that the caller stops waiting for at the deadline.
        """
        remaining = self._remaining()
        if remaining <= 0:
            raise self._load_deadline(url)
        budget = min(self.limits.request_seconds, remaining)
        answer = _Answer()
        deadline = time.monotonic() + budget
        worker = threading.Thread(target=self._get, args=(url, answer, deadline), daemon=True)
        worker.start()
        worker.join(budget)
        if worker.is_alive():
            if budget < self.limits.request_seconds:
                raise self._load_deadline(url)
            raise KoladaError(f"Kolada did not answer {url} within {budget:g} s "
                              "(JAMFOR_KOLADA_REQUEST_SECONDS); nothing was written")
        if answer.too_big:
            raise KoladaError(f"Kolada's answer to {url} is larger than "
                              f"{self.limits.max_bytes // (1024 * 1024)} MB unpacked; nothing was written")
        return answer

    def _get(self, url: str, answer: _Answer, deadline: float) -> None:
        try:
            with self.session.get(url, timeout=self.timeout, stream=True, allow_redirects=False,
                                  headers={"Accept": "application/json"}) as response:
                answer.status, answer.headers = response.status_code, response.headers
                chunks, size = [], 0
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if size > self.limits.max_bytes:
                        answer.too_big = True
                        return
                    if time.monotonic() > deadline:
                        return  # the caller has stopped waiting
                    chunks.append(chunk)
                answer.body = b"".join(chunks)
        except (requests.RequestException, OSError, ValueError) as exc:
            answer.error = exc

    def _check_origin(self, url: str, start: str, how: str = "points its next page at") -> None:
        """One rule for a next page and a redirect: only where the first URL asked is (scheme, host and
        port), so a server cannot send jamfor, or a password in the base URL, anywhere else."""
        parts = urlsplit(url)
        try:
            origin = (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port)
        except ValueError:
            origin = None
        if self.origin is None:
            self.origin = origin
        elif origin != self.origin:
            raise KoladaError(f"Kolada's answer to {start} {how} {url}, outside the address asked; "
                              "jamfor follows pages and redirects only there; nothing was written")

    def pages(self, url: str, on_page: Callable[[str], None] | None = None,
              read: Callable[[str, dict, bool], bool] | None = None) -> Iterator[Page]:
        """Every page of a listing, following ``next_url`` until it is null (at most
        ``limits.max_pages`` pages, each URL once, never off the origin).

        ``read(url, page, cached)`` reads a page's rows before it is yielded and says whether every
        row could be read; a page from Kolada is cached only then, so an error is never cached."""
        seen: set[str] = set()
        next_url: str | None = url
        previous = url
        while next_url:
            self._check_origin(next_url, previous)
            if next_url in seen:
                raise KoladaError(f"Kolada's next_url leads back to {next_url}; nothing was written")
            if len(seen) >= self.limits.max_pages:
                raise KoladaError(f"Kolada's listing {url} goes on past {self.limits.max_pages} pages "
                                  "(JAMFOR_KOLADA_MAX_PAGES); nothing was written")
            seen.add(next_url)
            if on_page:
                on_page(next_url)
            body, data, cached = self.get_json(next_url)
            sound = read(next_url, body, cached) if read else True
            if sound and not cached and self.cache is not None:
                self.cache.put(next_url, data)
            yield Page(next_url, body, data)
            following = body.get("next_url")
            previous, next_url = next_url, urljoin(next_url, following) if following else None

