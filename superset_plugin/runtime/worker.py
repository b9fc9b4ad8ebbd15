"""What makes a local Superset really send its alerts and reports (`jamfor demo --with-reports`).

Superset runs schedules in Celery: beat asks ``reports.scheduler`` every minute which schedules are
due, a worker executes them (the alert's SQL, a Chromium screenshot, the mail). This module writes the
configuration for that into a local home (``config_block``), and starts and stops a worker and beat
(``celery_running``). Three things it relies on:

- Redis on 127.0.0.1:6379 as the broker; each home gets its own queue, so instances sharing that Redis
  never run each other's tasks;
- Debian's Chromium: Superset launches Playwright's browser without an executable path (a browser
  ``playwright install`` would download); ``use_system_chromium`` points those launches at
  /usr/bin/chromium instead, in the Superset processes whose config calls it;
- an SMTP server without TLS or credentials on 127.0.0.1 (``jamfor.superset.runtime.mail_sink``);
- a SQLite metadata database (the local homes have one): Celery hands a task its ETA as ISO text, and
  Superset stores it as the execution's scheduled time, which PostgreSQL parses but SQLite refuses
  ("SQLite DateTime type only accepts Python datetime"); ``eta_as_datetime`` turns it into a datetime
  before Superset's task runs.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jamfor.errors import JamforError

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
CHROMIUM = "/usr/bin/chromium"
MAIL_FROM = "superset@jamfor.localhost"
_BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]

_BLOCK = '''
# --- alerts and reports, written by jamfor (jamfor.superset.runtime.worker) ---
from celery.schedules import crontab as _crontab

from jamfor.superset.runtime.worker import eta_as_datetime as _eta_as_datetime
from jamfor.superset.runtime.worker import use_system_chromium as _use_system_chromium

FEATURE_FLAGS = {{**FEATURE_FLAGS, "ALERT_REPORTS": True, "PLAYWRIGHT_REPORTS_AND_THUMBNAILS": True}}
ALERT_REPORTS_NOTIFICATION_DRY_RUN = False
WEBDRIVER_BASEURL = {base_url!r}
WEBDRIVER_BASEURL_USER_FRIENDLY = WEBDRIVER_BASEURL
WEBDRIVER_OPTION_ARGS = {browser_args!r}
SMTP_HOST, SMTP_PORT, SMTP_STARTTLS, SMTP_SSL = "127.0.0.1", {smtp_port}, False, False
SMTP_USER = SMTP_PASSWORD = None
SMTP_MAIL_FROM = {mail_from!r}


class CeleryConfig:
    broker_url = {broker!r}
    imports = ("superset.sql_lab", "superset.tasks.scheduler")
    task_default_queue = {queue!r}
    worker_prefetch_multiplier = 1
    beat_schedule = {{"reports.scheduler": {{"task": "reports.scheduler",
                                            "schedule": _crontab(minute="*", hour="*")}}}}


CELERY_CONFIG = CeleryConfig
_use_system_chromium({chromium!r})
_eta_as_datetime()
'''


class WorkerError(JamforError):
    """What alerts and reports need to run locally is missing (Redis, Chromium, Celery)."""


def redis_answers(host: str = REDIS_HOST, port: int = REDIS_PORT) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def check_prerequisites() -> None:
    """Fail with what to install or start when Redis or Chromium is missing."""
    if not redis_answers():
        raise WorkerError(f"alerts and reports need Redis on {REDIS_HOST}:{REDIS_PORT} as Celery's "
                                 "broker: start it (e.g. apt-get install redis-server) and try again")
    if not Path(CHROMIUM).exists():
        raise WorkerError(f"PDF and PNG reports need Chromium at {CHROMIUM}: apt-get install chromium")


def queue_name(home: Path) -> str:
    from jamfor.superset.runtime.local_superset import cache_prefix

    return cache_prefix(home) + "reports"


def config_block(home: Path, superset_url: str, smtp_port: int) -> str:
    """The lines that make the Superset of ``home`` run its schedules (appended to its config)."""
    return _BLOCK.format(base_url=superset_url.rstrip("/") + "/", browser_args=_BROWSER_ARGS,
                         smtp_port=int(smtp_port), mail_from=MAIL_FROM, queue=queue_name(home),
                         broker=f"redis://{REDIS_HOST}:{REDIS_PORT}/0", chromium=CHROMIUM)


def use_system_chromium(path: str = CHROMIUM) -> None:
    """Make every Playwright Chromium launch in this process use ``path`` unless it names its own."""
    from playwright.sync_api import BrowserType

    launch = BrowserType.launch
    if getattr(launch, "jamfor_chromium", None) == path:
        return

    def launch_system_chromium(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("executable_path", path)
        return launch(self, *args, **kwargs)

    launch_system_chromium.jamfor_chromium = path  # type: ignore[attr-defined]
    BrowserType.launch = launch_system_chromium  # type: ignore[method-assign]


def eta_as_datetime() -> None:
    """Before every Celery task in this process: an ETA given as ISO text becomes a naive UTC datetime."""
    from celery.signals import task_prerun

    task_prerun.connect(_parse_eta, weak=False, dispatch_uid="jamfor-eta-as-datetime")


def _parse_eta(task: Any = None, **_kwargs: Any) -> None:
    eta = getattr(getattr(task, "request", None), "eta", None)
    if isinstance(eta, str):
        moment = datetime.fromisoformat(eta)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        task.request.eta = moment


def _celery(home: Path, *args: str) -> subprocess.Popen:
    from jamfor.superset.runtime.local_superset import process_env

    celery = Path(sys.executable).with_name("celery")
    if not celery.exists():
        raise WorkerError("the `celery` command is not installed next to Superset")
    log = (home / "celery.log").open("a")
    try:
        return subprocess.Popen([str(celery), "--app=superset.tasks.celery_app:app", *args],
                                env=process_env(home), cwd=home, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    finally:
        log.close()


@contextmanager
def celery_running(home: Path, beat: bool = True) -> Iterator[list[subprocess.Popen]]:
    """A Celery worker (one process, its own queue) and, if ``beat``, the scheduler, until the block
    ends; both log to ``home``/celery.log."""
    from jamfor.superset.runtime.local_superset import stop

    processes = [_celery(home, "worker", "--pool=solo", "--loglevel=INFO", f"--queues={queue_name(home)}",
                         f"--hostname=jamfor-{queue_name(home)}@%h")]
    try:
        if beat:
            processes.append(_celery(home, "beat", "--loglevel=INFO",
                                     f"--schedule={home / 'celerybeat-schedule'}",
                                     f"--pidfile={home / 'celerybeat.pid'}"))
        yield processes
    finally:
        for process in processes:
            stop(process)
