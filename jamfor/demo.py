"""`jamfor demo`: a local Superset with every jamfor dashboard on a seeded SQLite warehouse.

Three steps, each skipping what is already done so that a second run starts in seconds:

1. seed the warehouse with reference data, the published figures and the flagged demo values
   (``run_seed`` leaves unchanged sources alone);
2. start Superset from a home folder next to the warehouse (``jamfor.superset.runtime.local_superset``:
   initialised once);
3. register every asset, unless exactly this set of asset files was already registered into exactly this
   Superset metadata database for this warehouse (a fingerprint kept in the home), and create a reader
   (``lasare``) and an analyst (``analytiker``) beside the admin, members of the roles in roles/ marked
   ``verify: reader`` / ``verify: analyst``, with passwords generated and kept like the admin's.

With ``with_reports`` (`jamfor demo --with-reports`) the alerts and report schedules run for real: a mail
sink on 127.0.0.1 stores what Superset sends under ``<home>/mail``, and a Celery worker and beat
(``jamfor.superset.runtime.worker``) execute the schedules; recipients default to a demo address.

The Superset process runs in its own session; ``serve`` stops it on Ctrl-C or SIGTERM, so no gunicorn is
left behind.
"""

from __future__ import annotations

import functools
import hashlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import requests
from sqlalchemy.engine import make_url

from jamfor import __version__
from jamfor.errors import JamforError
from jamfor.redact import redact_url
from jamfor.seed.db import default_db_path, engine_for, resolve_url
from jamfor.seed.seeding import run_seed
from jamfor.superset.runtime.local_superset import (
    SupersetInstance,
    metadata_uri_of,
    password_file,
    running,
    stored_password,
)
from jamfor.superset.runtime.mail_sink import MailSink
from jamfor.superset.runtime.worker import celery_running, check_prerequisites, config_block
from jamfor.superset.schedules.definitions import ScheduleSettings, recipients_variable
from jamfor.superset.sync.assets import AssetSet, load_assets
from jamfor.superset.sync.normalize import fingerprint
from jamfor.superset.sync.stamp import Stamp

DEFAULT_PORT = 8088
# The demo's people besides the admin: username, the role file's ``verify`` mark, who they are.
DEMO_PEOPLE = (("lasare", "reader", "a reader (manager)"), ("analytiker", "analyst", "an analyst"))
DEMO_RECIPIENT = "socialchef@jamfor.localhost"
_REGISTERED_MARKER = "jamfor-registered"

Step = Callable[[str], None]


class DemoError(JamforError):
    """The demo cannot start as asked (port taken, warehouse unusable, …); the message says what to do."""


@dataclass(frozen=True)
class DemoSettings:
    """Where the demo listens, keeps its Superset home and its warehouse."""

    port: int = DEFAULT_PORT
    home: Path | None = None
    db_url: str | None = None
    with_reports: bool = False
    metadata_uri: str | None = None  # Superset's metadata database; None: the home's (superset.db at first)
    mode: str = "locked"  # "editable": Explore's Save and Edit dashboard work, as in a test environment

    @property
    def resolved_home(self) -> Path:
        return self.home or default_db_path().parent / "superset-demo"

    @property
    def resolved_db_url(self) -> str:
        """--db, else a demo SQLite file beside the default warehouse (demo values never mix into it)."""
        return resolve_url(self.db_url, default=default_db_path().with_name("demo.db"))


@dataclass(frozen=True)
class DemoReady:
    """What a person needs to use the running demo (the password stays out of ``repr``)."""

    instance: SupersetInstance
    warehouse: str
    seeded: tuple[str, ...]
    registered: bool
    mail: Path | None = None  # where the mail sink stores what alerts and reports send

    @property
    def people(self) -> list[tuple[str, str, Path]]:
        """The reader and the analyst this home has: (username, who they are, their password file)."""
        return [(name, who, password_file(self.instance.home, name)) for name, _kind, who in DEMO_PEOPLE
                if password_file(self.instance.home, name).exists()]

    @property
    def password_file(self) -> Path | None:
        """Where the generated admin password is kept, or None when it came from the environment."""
        stored = self.instance.home / "admin_password"
        return stored if stored.exists() and stored.read_text().strip() == self.instance.password else None


def check_port_free(port: int) -> None:
    """Fail with a hint towards --port when something already listens on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        # As gunicorn binds: connections of a just-stopped server (TIME_WAIT) do not make a port taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise DemoError(f"port {port} on 127.0.0.1 is taken; choose another with --port, "
                            f"e.g. jamfor demo --port {port + 1}") from None


def seed_warehouse(db_url: str, on_step: Step | None = None) -> tuple[str, ...]:
    """Load reference, published and demo data; returns the names of the sources actually (re)loaded."""
    engine = engine_for(db_url)
    try:
        results = run_seed(engine, demo=True, on_step=on_step)
    finally:
        engine.dispose()
    return tuple(name for name, result in results if not result.unchanged)


def warehouse_uri_for_superset(db_url: str) -> str:
    """The URI Superset uses to reach the warehouse: a SQLite path made absolute, anything else as is."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(url.set(database=str(Path(url.database).resolve())))
    return db_url


def asset_fingerprint(assets: AssetSet, database_uri: str, with_reports: bool = False,
                      metadata_uri: str = "", mode: str = "locked") -> str:
    """A digest of every asset's content, the jamfor version, the warehouse URI and the metadata
    database's (both without password), and the mode they are registered in.

    Kept in the Superset home beside the metadata DB it describes: a fresh home, or the home moved to
    another metadata database, registers again.
    """
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(redact_url(database_uri).encode())
    digest.update(redact_url(metadata_uri).encode())
    for asset in sorted([*assets, *assets.reports, *assets.roles], key=lambda a: a.source):
        digest.update(f"{asset.source}\0{fingerprint(asset.data)}\0".encode())
    digest.update(b"with-reports" if with_reports else b"")
    digest.update(b"" if mode == "locked" else mode.encode())  # a locked home's digest as before modes
    return digest.hexdigest()


def demo_schedule_settings(assets: AssetSet) -> ScheduleSettings:
    """The environment, with the demo address for every recipients variable it leaves unset."""
    environ = dict(os.environ)
    for asset in assets.reports:
        name = recipients_variable(asset)
        if name and not environ.get(name):
            environ[name] = DEMO_RECIPIENT
    return ScheduleSettings(environ=environ)


def register_assets(instance: SupersetInstance, assets: AssetSet, database_uri: str, on_step: Step,
                    stamp: Stamp | None = None, settings: ScheduleSettings | None = None) -> None:
    """Register every dataset, chart and dashboard into ``instance`` by the one registration rule
    (``registry.register``: validate, with the SQL checks against the demo warehouse, import what
    changed, verify that every chart answers with rows, record the state)."""
    from jamfor.superset.sync.client import SupersetClient
    from jamfor.superset.sync.register import register

    client = SupersetClient.login(instance.url, instance.username, instance.password)
    engine = engine_for(database_uri)  # the demo warehouse: jamfor reaches it as Superset does
    try:
        register(client, assets, database_uri, instance.url, engine=engine, on_step=on_step,
                 settings=settings, stamp=stamp)
    finally:
        engine.dispose()
    on_step("Creating the reader and the analyst")
    create_people(client, instance.home, assets)


def create_people(client: Any, home: Path, assets: AssetSet) -> None:
    """The demo's reader and analyst (``DEMO_PEOPLE``), members of the role marked for them and of the
    built-in roles its file's ``use_with`` names; their passwords are generated once and kept in the
    home like the admin's."""
    from jamfor.superset.access.definitions import role_name
    from jamfor.superset.access.people import ensure_user

    for username, kind, _who in DEMO_PEOPLE:
        role = next((r for r in assets.roles if r.data.get("verify") == kind), None)
        if role is not None:
            roles = [*map(str, role.data.get("use_with") or []), role_name(role)]
            ensure_user(client, username, stored_password(home, username), roles, last_name=username)


@contextmanager
def demo(settings: DemoSettings, on_step: Step | None = None,
         register: Callable[[SupersetInstance, AssetSet, str, Step, Stamp], None] = register_assets
         ) -> Iterator[DemoReady]:
    """Seed, start and register; yield while Superset runs; stop it when the block ends.

    SIGTERM counts as Ctrl-C for the whole block; Ctrl-C inside the ``with`` body ends it normally.
    Once the body ends both signals are ignored until Superset has stopped, so a second signal cannot
    leave gunicorn running.
    """
    step = on_step or (lambda _name: None)
    check_port_free(settings.port)
    with _stop_signals():
        db_url = settings.resolved_db_url
        seeded = seed_warehouse(db_url, on_step=lambda name: step(f"Loading {name}"))
        database_uri = warehouse_uri_for_superset(db_url)
        assets = load_assets()
        home = settings.resolved_home
        with ExitStack() as services:
            extra, mail = "", None
            if settings.with_reports:
                check_prerequisites()
                mail = home / "mail"
                sink = services.enter_context(MailSink(mail))
                extra = config_block(home, f"http://127.0.0.1:{settings.port}", sink.port)
                if register is register_assets:
                    register = functools.partial(register_assets, settings=demo_schedule_settings(assets))
            step("Starting Superset")
            instance = services.enter_context(running(home, settings.port, extra_config=extra,
                                                      metadata_uri=settings.metadata_uri))
            try:
                marker = home / _REGISTERED_MARKER
                digest = asset_fingerprint(assets, database_uri, settings.with_reports, metadata_uri_of(home),
                                           settings.mode)
                registered = not (marker.exists() and marker.read_text() == digest)
                if registered:
                    step("Registering datasets, charts and dashboards")
                    marker.unlink(missing_ok=True)
                    register(instance, assets, database_uri, step, Stamp(locked=settings.mode == "locked"))
                    marker.write_text(digest)
                if settings.with_reports:
                    step("Starting the Celery worker and beat")
                    services.enter_context(celery_running(home))
                # Ctrl-C is how a person ends the demo: a normal end, whenever it comes.
                with suppress(KeyboardInterrupt):
                    yield DemoReady(instance, redact_url(db_url), seeded, registered, mail)
            finally:
                _set_handlers(signal.SIG_IGN, signal.SIG_IGN)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _set_handlers(*handlers: Any) -> None:
    if threading.current_thread() is threading.main_thread():
        for signum, handler in zip(_STOP_SIGNALS, handlers):
            signal.signal(signum, handler)


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt inside the block; both handlers are restored afterwards."""
    previous = [signal.getsignal(signum) for signum in _STOP_SIGNALS]
    _set_handlers(signal.default_int_handler, _raise_interrupt)
    try:
        yield
    finally:
        _set_handlers(*previous)


def serve(ready: DemoReady, poll_seconds: float = 5.0) -> None:
    """Block until Ctrl-C or SIGTERM (inside ``demo``, whose end then stops Superset).

    Fails when Superset stops answering /health, so a crashed server does not leave a silent prompt.
    """
    failures = 0
    try:
        while True:
            time.sleep(poll_seconds)
            try:
                failures = 0 if requests.get(f"{ready.instance.url}/health", timeout=5).ok else failures + 1
            except requests.RequestException:
                failures += 1
            if failures >= 3:
                raise DemoError(f"Superset no longer answers; see {ready.instance.home / 'superset.log'}")
    except KeyboardInterrupt:
        return
