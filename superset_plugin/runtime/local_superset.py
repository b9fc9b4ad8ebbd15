"""A local Superset 6.1.0 for the test suite and `jamfor demo`: one home folder, one process.

The home holds everything the instance needs: ``superset_config.py``, a generated SECRET_KEY and admin
password (files readable only by the owner), the metadata database and the server log. No Celery.

The metadata database is the SQLite file ``superset.db`` in the home unless the home is given another
one (``running(…, metadata_uri=…)``; `jamfor demo --metadata-uri`, $JAMFOR_SUPERSET_METADATA_URI):
an organisation's Superset keeps its metadata in PostgreSQL, and a local instance on one shows that
jamfor works there. That URL may hold a password, so it is kept in ``<home>/metadata_uri`` (readable only
by the owner) and read by the config, never written into it; the home remembers it for later starts.

Chart data is cached in Redis at 127.0.0.1:6379 when it answers at start-up (keys prefixed per
home, so instances sharing that Redis never read each other's results), else in the worker's memory:
a dashboard opened a second time then renders from the cache. Numbers are formatted the Swedish way
(``D3_FORMAT``: decimal comma, a space between thousands, "41 %").

Initialising a home costs ~25 s (``db upgrade``, ``init``, admin user; more on PostgreSQL); a home
initialised for the same Superset version and metadata database is re-used without running any of that
again. The config sets FAB_ADD_SECURITY_API, so jamfor's roles register on every supported version.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import requests

from jamfor.errors import JamforError
from jamfor.redact import redact_url

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_ENV = "JAMFOR_SUPERSET_ADMIN_PASSWORD"
CONFIG_LINE = "from jamfor.superset.config import *  # noqa: F401,F403  (jamfor: CLI commands, Jinja addons)"
_MARKER = "jamfor-initialised"
_STARTUP_TIMEOUT = 180.0

_CONFIG_TEMPLATE = '''\
"""Superset configuration written by jamfor (jamfor.superset.runtime.local_superset) for a local instance."""
from pathlib import Path

_HOME = Path(__file__).resolve().parent
SECRET_KEY = (_HOME / "secret_key").read_text().strip()
# The metadata database: the URL in metadata_uri (readable only by its owner: it may hold a password),
# else superset.db in this folder.
_METADATA = _HOME / "metadata_uri"
SQLALCHEMY_DATABASE_URI = (_METADATA.read_text().strip() if _METADATA.exists()
                           else "sqlite:///" + str(_HOME / "superset.db"))
# The role API (/api/v1/security/roles/, …), which registers jamfor's roles: Superset 6.0 and 6.1 serve
# it by default, 4.1 and 5.0 only with this.
FAB_ADD_SECURITY_API = True
# The jamfor warehouse may be a SQLite file (the embedded default).
PREVENT_UNSAFE_DB_CONNECTIONS = False
# ALERT_REPORTS: the report API, so jamfor registers its alerts and report schedules (they run only
# with Celery worker and beat: `jamfor demo --with-reports`).
# Not DASHBOARD_VIRTUALIZATION_DEFER_DATA: the länsrapport keeps its lower parts in tabs, whose charts
# query only when opened, so every chart shown asks for its data at once; deferring it to the scroll
# that brings a chart into view made each chart below the fold wait for that scroll (bench/README.md).
FEATURE_FLAGS = {{"ENABLE_TEMPLATE_PROCESSING": True, "ALERT_REPORTS": True}}
SUPERSET_WEBSERVER_TIMEOUT = 120
# Swedish number formats on every chart: 7,4 · 98 385 · 41 % (no-break spaces).
D3_FORMAT = {{"decimal": ",", "thousands": "\\u00a0", "grouping": [3], "currency": ["", "\\u00a0kr"],
             "percent": "\\u00a0%"}}


def _redis_answers() -> bool:
    import socket
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


_PREFIX = {cache_prefix!r}
_CACHE = ({{"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://127.0.0.1:6379/0"}} if _redis_answers()
          else {{"CACHE_TYPE": "SimpleCache"}})
DATA_CACHE_CONFIG = {{**_CACHE, "CACHE_KEY_PREFIX": _PREFIX + "data_", "CACHE_DEFAULT_TIMEOUT": 3600}}
CACHE_CONFIG = {{**_CACHE, "CACHE_KEY_PREFIX": _PREFIX + "meta_", "CACHE_DEFAULT_TIMEOUT": 3600}}
{config_line}
'''


class LocalSupersetError(JamforError):
    """The local Superset could not be prepared or started; the message points at the log."""


@dataclass(frozen=True)
class SupersetInstance:
    """A running local Superset: where it listens and how to log in (the password is never printed)."""

    url: str
    username: str
    password: str
    home: Path

    def __repr__(self) -> str:
        return f"SupersetInstance(url={self.url!r}, username={self.username!r}, home={str(self.home)!r})"


def superset_version() -> str:
    """The installed Superset version; raises LocalSupersetError when Superset is not installed."""
    try:
        return version("apache-superset")
    except PackageNotFoundError:
        raise LocalSupersetError("Superset is not installed: pip install 'jamfor[superset]'") from None


def _write_private(path: Path, text: str) -> None:
    """Create or replace a file readable only by its owner, without a moment of wider permissions."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def prepare_home(home: Path, extra_config: str = "", metadata_uri: str | None = None) -> Path:
    """Write ``superset_config.py`` (always: it is ours) and, once, the secret key into ``home``.

    ``extra_config`` is appended (e.g. ``report_runtime.config_block`` for alerts and reports).
    ``metadata_uri``, when given, becomes the home's metadata database (kept in ``metadata_uri``, 0600);
    without it the home keeps the one it has."""
    home.mkdir(parents=True, exist_ok=True)
    secret = home / "secret_key"
    if not secret.exists():
        _write_private(secret, secrets.token_urlsafe(48))
    if metadata_uri and metadata_uri_of(home) != metadata_uri:
        _write_private(home / "metadata_uri", metadata_uri)
    config = home / "superset_config.py"
    config.write_text(_CONFIG_TEMPLATE.format(config_line=CONFIG_LINE, cache_prefix=cache_prefix(home))
                      + extra_config)
    return config


def metadata_uri_of(home: Path) -> str:
    """The SQLAlchemy URL of the metadata database ``home`` uses (may hold a password: never print it
    unredacted)."""
    stored = home / "metadata_uri"
    return stored.read_text().strip() if stored.exists() else f"sqlite:///{home / 'superset.db'}"


def _metadata_initialised(uri: str) -> bool:
    """Whether the metadata database holds Superset's tables (a SQLite file that does not exist is not
    opened: that would create it). Raises LocalSupersetError when the database cannot be reached."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    if url.get_backend_name() == "sqlite":
        return bool(url.database) and Path(str(url.database)).exists()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return inspect(connection).has_table("ab_user")
    except Exception as exc:  # any driver's error: the message may quote the URL, so name the type only
        raise LocalSupersetError(f"Superset's metadata database {redact_url(uri)} cannot be reached "
                                 f"({type(exc).__name__}): it must exist and accept this user") from None
    finally:
        engine.dispose()


def cache_prefix(home: Path) -> str:
    """The prefix of this home's cache keys in a shared Redis (one per home, so instances never mix).

    A random id kept in the home, not its path: a path can come back (a test's temporary folder after
    /tmp is cleared) while Redis still holds another instance's results under it for an hour.
    """
    stored = home / "cache_id"
    if not stored.exists():
        _write_private(stored, secrets.token_hex(6))
    return f"jamfor_{stored.read_text().strip()}_"


def _admin_password(home: Path) -> str:
    """$JAMFOR_SUPERSET_ADMIN_PASSWORD, else the one generated for this home (stored 0600)."""
    return os.environ.get(ADMIN_PASSWORD_ENV) or stored_password(home, "admin")


def stored_password(home: Path, username: str) -> str:
    """The password generated for ``username`` of this home, kept in ``<home>/<username>_password``
    (readable only by the owner); generated on first use."""
    stored = password_file(home, username)
    if stored.exists():
        return stored.read_text().strip()
    password = secrets.token_urlsafe(18)
    _write_private(stored, password)
    return password


def password_file(home: Path, username: str) -> Path:
    return home / f"{username}_password"


def process_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of every process serving ``home`` (gunicorn, setup, Celery): its config, no
    Superset password."""
    env = dict(os.environ)
    env["SUPERSET_CONFIG_PATH"] = str(home / "superset_config.py")
    env["FLASK_APP"] = "superset.app:create_app()"
    env.pop("SUPERSET_PASSWORD", None)
    env.update(extra)
    return env


def _superset_command() -> list[str]:
    script = Path(sys.executable).with_name("superset")
    if script.exists():
        return [str(script)]
    found = shutil.which("superset")
    if not found:
        raise LocalSupersetError("the `superset` command is not installed: pip install 'jamfor[superset]'")
    return [found]


# Creates or updates the admin user; the password comes from the environment, never from argv.
_ADMIN_SCRIPT = """
import os
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import security_manager as sm
    from superset.extensions import db
    name, password = os.environ["JAMFOR_ADMIN_USER"], os.environ["JAMFOR_ADMIN_PASSWORD"]
    user = sm.find_user(username=name)
    if user is None:
        if not sm.add_user(name, "Admin", "Jamfor", name + "@localhost", sm.find_role("Admin"), password):
            raise SystemExit("could not create the admin user")
    else:
        sm.reset_password(user.id, password)
    db.session.commit()
"""


def _run(home: Path, args: list[str], log: Path, **env: str) -> None:
    with log.open("a") as handle:
        handle.write(f"\n$ {' '.join(args[-3:])}\n")
        handle.flush()
        done = subprocess.run(args, env=process_env(home, **env), stdout=handle, stderr=subprocess.STDOUT,
                              cwd=home, check=False)
    if done.returncode != 0:
        raise LocalSupersetError(
            f"Superset setup step {args[1:3]} failed (exit {done.returncode}); see {log}")


def initialise(home: Path, username: str = ADMIN_USERNAME, extra_config: str = "",
               metadata_uri: str | None = None) -> str:
    """Make ``home`` a ready Superset home and return the admin password.

    Runs ``superset db upgrade``, ``superset init`` and creates the admin user, unless this home was
    already initialised for the installed Superset version with the same admin password and metadata
    database, and that database still holds Superset's tables.
    """
    prepare_home(home, extra_config, metadata_uri)
    metadata = metadata_uri_of(home)
    ready = _metadata_initialised(metadata)  # first: an unreachable database fails before any setup step
    password = _admin_password(home)
    marker = home / _MARKER
    fingerprint = f"{superset_version()} {username} {_digest(password)}"
    if (home / "metadata_uri").exists():  # a home on superset.db keeps the fingerprint it always had
        fingerprint += f" {_digest(redact_url(metadata))}"
    if ready and marker.exists() and marker.read_text() == fingerprint:
        return password
    log = home / "setup.log"
    superset = _superset_command()
    _run(home, [*superset, "db", "upgrade"], log)
    _run(home, [*superset, "init"], log)
    _run(home, [sys.executable, "-c", _ADMIN_SCRIPT], log,
         JAMFOR_ADMIN_USER=username, JAMFOR_ADMIN_PASSWORD=password)
    marker.write_text(fingerprint)
    return password


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen | None = None, timeout: float = _STARTUP_TIMEOUT,
                 log: Path | None = None) -> None:
    """Wait until ``{url}/health`` answers OK; fail early when the server process has died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise LocalSupersetError(f"Superset exited with {process.returncode} while starting; see {log}")
        try:
            if requests.get(f"{url}/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise LocalSupersetError(f"Superset at {url} did not answer /health within {timeout:.0f} s; see {log}")


def start(home: Path, port: int, workers: int = 1) -> subprocess.Popen:
    """Start gunicorn serving Superset from ``home`` on 127.0.0.1:``port`` (returns at once)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        raise LocalSupersetError("gunicorn is not installed next to Superset")
    log = (home / "superset.log").open("a")
    args = [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", "8", "--timeout", "120",
            "--limit-request-line", "0", "--limit-request-field_size", "0", "superset.app:create_app()"]
    try:
        return subprocess.Popen(args, env=process_env(home), cwd=home, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    finally:
        log.close()


def stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop the server this module started: SIGTERM to its own process, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@contextmanager
def running(home: Path, port: int | None = None, username: str = ADMIN_USERNAME,
            workers: int = 1, extra_config: str = "", metadata_uri: str | None = None
            ) -> Iterator[SupersetInstance]:
    """Initialise ``home`` if needed, serve Superset until the block ends, then stop it.

    ``metadata_uri``: another metadata database than the home's ``superset.db`` (see the module)."""
    password = initialise(home, username, extra_config, metadata_uri)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(home, port, workers)
    try:
        wait_healthy(url, process, log=home / "superset.log")
        yield SupersetInstance(url, username, password, home)
    finally:
        stop(process)
