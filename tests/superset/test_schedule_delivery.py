"""The shipped schedules really run: a Celery worker sends the ÖJ dashboard as a PDF and, once a load turns
a watched kommun röd, the alert with a PNG — to a local SMTP sink; a load that changes nothing sends none.

One module-wide setup (a Superset of its own with report_runtime's configuration, a copy of the demo
PostgreSQL warehouse, a mail sink, one Celery worker; no beat: each test runs a schedule at once, as beat
would, and waits for Superset's execution log). PostgreSQL, not SQLite: the alert's chart asks the
comparison view for every indicator of a kommun, which SQLite answers in ~50 s and PostgreSQL at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import text
from support.databases import REPO, pg_database, unavailable
from support.superset_env import home_from_template

from jamfor.seed.db import engine_for
from jamfor.seed.frames import SourceFrames
from jamfor.seed.load import load
from jamfor.superset.runtime.local_superset import free_port, running
from jamfor.superset.runtime.mail_sink import MailSink, read_mails
from jamfor.superset.runtime.worker import (
    REDIS_HOST,
    REDIS_PORT,
    WorkerError,
    celery_running,
    check_prerequisites,
    config_block,
    queue_name,
)
from jamfor.superset.schedules.definitions import ScheduleSettings, schedule_body
from jamfor.superset.schedules.sync import fetch_schedules
from jamfor.superset.sync.assets import AssetSet, read_assets
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.register import register

pytestmark = [pytest.mark.superset, pytest.mark.postgres]

REPORT = "reports/oj_lss_manadsrapport.yaml"
ALERT = "reports/larm_kommun_blev_rod.yaml"
CHIEF, ANALYST = "chef@kommun.example.se", "analys@kommun.example.se"
_DONE = ("Success", "Error", "Not triggered", "On Grace")


def _candidates(engine: Any) -> list[tuple[str, str, int]]:
    """Green kommun values of an indicator's newest year, green the year before too. The ÖJ kommun values
    are yes/no (100/0), so a load of 0 makes one röd — not Stockholm's, which answers through its
    stadsdelar and so is coloured by percentile."""
    query = text("""
        SELECT c.indicator_id, c.area_code, c.year FROM indicator_comparison c
        JOIN indicator_comparison p
          ON p.indicator_id = c.indicator_id AND p.area_code = c.area_code AND p.year = c.prev_year
        WHERE c.level = 'kommun' AND c.area_code <> '0180' AND c.colour = 'gron' AND p.colour = 'gron'
          AND c.higher_is_better
          AND c.year = (SELECT MAX(year) FROM indicator_comparison m WHERE m.indicator_id = c.indicator_id)
        ORDER BY c.indicator_id, c.area_code""")
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def _alert_count(engine: Any, alert: Any, code: str) -> int:
    settings = ScheduleSettings({"watch_list": code}, environ={})
    sql = schedule_body(alert, settings, lambda kind, uuid: 1)["sql"]
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar())


def _turning_red(indicator_id: str, area_code: str, year: int) -> SourceFrames:
    row = {"indicator_id": indicator_id, "area_code": area_code, "year": year, "value": 0.0, "status": "ok",
           "raw_value": "0", "numerator": None, "denominator": None}
    return SourceFrames(source="test_larm", source_ref="test_schedule_delivery", sha256="0" * 64,
                        synthetic=True, tables={"indicator_value": pd.DataFrame([row])})


@pytest.fixture(scope="module")
def delivery(superset_template: Path, tmp_path_factory: pytest.TempPathFactory,
             _demo_pg_template: str) -> Iterator[dict[str, Any]]:
    try:
        check_prerequisites()
    except WorkerError as exc:
        unavailable(str(exc))
    started = time.monotonic()
    folder = tmp_path_factory.mktemp("delivery")
    shipped = read_assets(REPO)
    reports = [a for a in shipped.reports if a.source in (REPORT, ALERT)]
    alert = next(a for a in reports if a.source == ALERT)
    assets = AssetSet(REPO, [a for a in shipped.assets
                             if a.kind == "dataset" or a.source.startswith("dashboards/oj_lss_utveckling/")],
                      reports=reports)
    home = home_from_template(superset_template, folder / "home")
    port = free_port()
    with ExitStack() as stack:
        warehouse = stack.enter_context(pg_database(_demo_pg_template))
        engine = engine_for(warehouse)
        stack.callback(engine.dispose)
        watched = next(c for c in _candidates(engine) if _alert_count(engine, alert, c[1]) == 0)
        settings = ScheduleSettings({"watch_list": watched[1]},
                                  environ={"JAMFOR_REPORT_RECIPIENTS": CHIEF,
                                           "JAMFOR_ALERT_RECIPIENTS": f"{CHIEF},{ANALYST}"})
        sink = stack.enter_context(MailSink(folder / "mail"))
        extra = config_block(home, f"http://127.0.0.1:{port}", sink.port)
        on = stack.enter_context(running(home, port, extra_config=extra))
        stack.enter_context(celery_running(home, beat=False))
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setenv("XDG_STATE_HOME", str(folder / "state"))
        client = SupersetClient.login(on.url, on.username, on.password)
        register(client, assets, warehouse, on.url, settings=settings)
        print(f"\nreport delivery setup: {time.monotonic() - started:.1f} s")
        yield {"client": client, "ids": fetch_schedules(client).ids, "home": home, "mail": folder / "mail",
               "engine": engine, "watched": watched, "alert": alert.uuid,
               "report": next(a.uuid for a in reports if a is not alert)}


def _logs(client: SupersetClient, report_id: int) -> list[dict[str, Any]]:
    query = "(order_column:start_dttm,order_direction:desc,page_size:100)"
    return client.request("GET", f"/api/v1/report/{report_id}/log/", "report log",
                          params={"q": query}).json()["result"]


def run_now(delivery: dict[str, Any], uuid: str, timeout: float = 240.0) -> str:
    """Run one schedule in the worker, as beat does when it is due; its final state in Superset's log."""
    client, report_id = delivery["client"], delivery["ids"][uuid]
    seen = {item["uuid"] for item in _logs(client, report_id)}
    from celery import Celery  # Superset's dependency: absent from the SQLAlchemy 2 venv, which skips this

    app = Celery(broker=f"redis://{REDIS_HOST}:{REDIS_PORT}/0")
    app.send_task("reports.execute", args=[report_id], eta=datetime.now(timezone.utc),
                  queue=queue_name(delivery["home"]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [item for item in _logs(client, report_id) if item["uuid"] not in seen]
        done = [item for item in new if item["state"] in _DONE]
        if done:
            message = done[0]["error_message"]
            return str(done[0]["state"]) + (f": {message}" if message else "")
        time.sleep(1)
    raise AssertionError(f"no execution logged in {timeout:.0f} s; see {delivery['home'] / 'celery.log'}")


def attachments(message: Any) -> list[bytes]:
    """Every non-text part of a mail, attached or inline (Superset sends a PDF as octet-stream)."""
    return [part.get_payload(decode=True) for part in message.walk()
            if not part.is_multipart() and part.get_content_maintype() != "text"]


def test_the_monthly_report_mails_the_oj_dashboard_as_a_pdf(delivery):
    assert run_now(delivery, delivery["report"]) == "Success"
    mails = read_mails(delivery["mail"])
    assert len(mails) == 1
    mail = mails[0]
    assert "Öppna jämförelser LSS – månadsrapport" in mail["Subject"] and CHIEF in mail["To"]
    assert [data[:4] for data in attachments(mail)] == [b"%PDF"]


def test_the_alert_stays_silent_while_no_watched_kommun_turned_rod(delivery):
    assert run_now(delivery, delivery["alert"]) == "Not triggered"
    assert len(read_mails(delivery["mail"])) == 1


def test_a_load_that_turns_the_watched_kommun_rod_mails_the_alert_with_a_png(delivery):
    result = load(delivery["engine"], _turning_red(*delivery["watched"]))
    assert not result.unchanged
    assert run_now(delivery, delivery["alert"]) == "Success"
    mails = read_mails(delivery["mail"])
    assert len(mails) == 2
    assert "Larm – bevakad kommun blev röd" in mails[1]["Subject"]
    assert {CHIEF, ANALYST} <= {a.strip() for a in mails[1]["To"].split(",")}
    assert [data[:4] for data in attachments(mails[1])] == [b"\x89PNG"]


def test_a_second_load_with_nothing_changed_sends_no_alert(delivery):
    assert load(delivery["engine"], _turning_red(*delivery["watched"])).unchanged
    assert run_now(delivery, delivery["alert"]).startswith("On Grace")
    assert len(read_mails(delivery["mail"])) == 2
