"""Report schedules in a Superset: find ours, plan them, create/update them, read them back for pull.

Everything goes through ``/api/v1/report/`` (Superset answers 404 there unless the feature flag
ALERT_REPORTS is on: ``SchedulesDisabled`` says what the Superset needs). Ours are recognised by the
``jamfor-id: <uuid>`` in their description; a schedule of the same type and name without it was made
by someone else and is never taken over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jamfor.errors import JamforError
from jamfor.superset.schedules.definitions import (
    ScheduleSettings,
    comparable,
    marker_uuid,
    schedule_body,
    targets,
)
from jamfor.superset.sync.assets import Asset
from jamfor.superset.sync.change import Change
from jamfor.superset.sync.client import SupersetClient, SupersetError

_PAGE = 100

NEEDS = """\
Superset needs, for alerts and reports:
- in superset_config.py:
    FEATURE_FLAGS = {"ALERT_REPORTS": True, ...}
    class CeleryConfig:
        broker_url = "redis://127.0.0.1:6379/0"
        imports = ("superset.sql_lab", "superset.tasks.scheduler")
        beat_schedule = {"reports.scheduler": {"task": "reports.scheduler",
                                               "schedule": crontab(minute="*", hour="*")}}
    CELERY_CONFIG = CeleryConfig
    SMTP_HOST, SMTP_PORT, SMTP_MAIL_FROM (and ALERT_REPORTS_NOTIFICATION_DRY_RUN = False)
- running: a broker (Redis), `celery --app=superset.tasks.celery_app:app worker` and
  `celery --app=superset.tasks.celery_app:app beat`, and a headless browser for PDF/PNG
  (Playwright with Chromium and the feature flag PLAYWRIGHT_REPORTS_AND_THUMBNAILS, or WEBDRIVER_TYPE)."""


class SchedulesDisabled(JamforError):
    """The Superset has no report API: ALERT_REPORTS is off (or it is too old). ``NEEDS`` says more."""

    def __init__(self) -> None:
        super().__init__("Superset answers 404 on /api/v1/report/: the feature flag ALERT_REPORTS is off, "
                         "so no alert or report schedule was registered.\n" + NEEDS)


@dataclass
class RemoteSchedules:
    """What Superset holds: our schedules by UUID (full detail), and every schedule's id by (type, name)."""

    ours: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def ids(self) -> dict[str, int]:
        return {uuid: int(item["id"]) for uuid, item in self.ours.items()}


def fetch_schedules(client: SupersetClient) -> RemoteSchedules:
    """Every schedule Superset lists (one page per 100), and the detail of ours."""
    found = RemoteSchedules()
    page = 0
    while True:
        query = (f"(columns:!(id,name,description,type),order_column:created_on,order_direction:asc,"
                 f"page:{page},page_size:{_PAGE})")
        try:
            body = client.request("GET", "/api/v1/report/", "list reports", params={"q": query}).json()
        except SupersetError as exc:
            if exc.status == 404:
                raise SchedulesDisabled() from None
            raise
        for item in body["result"]:
            found.names[(str(item["type"]), str(item["name"]))] = int(item["id"])
            uuid = marker_uuid(item.get("description"))
            if uuid:
                found.ours[uuid] = client.get("report", int(item["id"]))
        page += 1
        if page * _PAGE >= int(body.get("count", 0)):
            return found


def digest(body: Mapping[str, Any]) -> str:
    """A short digest of what register manages of a schedule (``reports.comparable``)."""
    text = json.dumps(comparable(body), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


IdOf = Callable[[str, str], "int | None"]


def resolver(client: SupersetClient, reports: list[Asset], known: IdOf) -> IdOf:
    """``id_of(kind, uuid)``: ``known`` first, else one lookup per kind for targets outside the repo."""
    wanted: dict[str, set[str]] = {}
    for asset in reports:
        for kind, uuid in targets(asset):
            if known(kind, uuid) is None:
                wanted.setdefault(kind, set()).add(uuid)
    extra = {kind: {u: int(item["id"]) for u, item in client.find(kind, uuids).items()}
             for kind, uuids in wanted.items()}
    return lambda kind, uuid: known(kind, uuid) or extra.get(kind, {}).get(uuid)


def plan_schedules(reports: list[Asset], remote: RemoteSchedules, settings: ScheduleSettings, id_of: IdOf,
                 pending: set[str], state: Mapping[str, Any]) -> list[Change]:
    """One Change per schedule file. ``pending``: UUIDs the coming import creates (targets not yet in
    Superset but about to be). A target in neither is a conflict: register refuses it."""
    changes = []
    for asset in reports:
        title, source = str(asset.data.get("name")), asset.source
        missing = [f"{kind} {uuid}" for kind, uuid in targets(asset)
                   if id_of(kind, uuid) is None and uuid not in pending]
        if missing:
            changes.append(Change("report", asset.uuid, title, source, "conflict",
                                  reason=f"its {', '.join(missing)} is neither in Superset nor in the "
                                  "repository"))
            continue
        ours = schedule_body(asset, settings, id_of)
        theirs = remote.ours.get(asset.uuid)
        if theirs is None:
            taken = remote.names.get((str(ours["type"]), str(ours["name"])))
            if taken is not None:
                changes.append(Change("report", asset.uuid, title, source, "conflict",
                                      reason=f"Superset already has a {ours['type']} of that name (id "
                                      f"{taken}) that jamfor did not create"))
            else:
                changes.append(Change("report", asset.uuid, title, source, "create"))
            continue
        known = state.get("assets", {}).get(asset.uuid, {})
        drift = bool(known.get("remote")) and known["remote"] != digest(theirs)
        if comparable(theirs) == comparable(ours):
            changes.append(Change("report", asset.uuid, title, source, "unchanged", drift))
        else:
            reason = "changed in Superset" if drift and known.get("local") == digest(ours) else "changed"
            changes.append(Change("report", asset.uuid, title, source, "update", drift, reason))
    return changes


def apply_schedules(client: SupersetClient, reports: list[Asset], changes: list[Change],
                  ids: Mapping[str, int], settings: ScheduleSettings,
                   id_of: IdOf) -> dict[str, dict[str, Any]]:
    """Create or update the schedules ``changes`` say; returns the state entries of every schedule."""
    by_uuid = {asset.uuid: asset for asset in reports}
    for change in changes:
        asset = by_uuid.get(change.uuid)
        if asset is None or change.action not in ("create", "update"):
            continue
        body = schedule_body(asset, settings, id_of)
        if change.action == "create":
            client.post("report", body)
        else:
            client.put("report", ids[change.uuid], {k: v for k, v in body.items()
                                                          if k != "creation_method"})
    after = fetch_schedules(client)
    entries = {}
    for asset in reports:
        held = after.ours.get(asset.uuid)
        entries[asset.uuid] = {"kind": "report", "title": str(asset.data.get("name")), "source": asset.source,
                               "local": digest(schedule_body(asset, settings, id_of)),
                               "remote": digest(held) if held else None}
    return entries
