"""`jamfor assets adopt`: bring a chart or dashboard an analyst built in Superset under version control.

Superset exports the object; it is normalised as ``pull`` normalises (``normalize.merge_export``) and
written into the organisation's folder under the UUID Superset already gives it, so the next ``plan``
sees it as unchanged, ``register`` promotes it to another Superset with the same identity and ``pull``
and drift treat it like jamfor's own. Only objects built on the folder's datasets are adopted: a chart on
another dataset would be registered in production without its data, so it is refused, named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jamfor.errors import JamforError
from jamfor.superset.sync.assets import AssetSet, dump, parse
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.normalize import merge_export
from jamfor.superset.sync.versions import SOURCE, read_export
from jamfor.text import slug

ADOPTED_FOLDER = "adopted"  # dashboards/adopted/charts/: charts adopted on their own


class NotAdoptable(JamforError):
    """The object is missing, already jamfor's, or built on datasets that are not the folder's."""


@dataclass(frozen=True)
class Adopted:
    """One file written: its path inside the folder, the kind and title of what it holds."""

    source: str
    kind: str
    title: str


def _object_id(client: SupersetClient, kind: str, reference: str) -> int:
    """The Superset id of ``reference``: an id as digits, else a UUID."""
    if reference.isdigit():
        return int(reference)
    found = client.find(kind, {reference})
    if reference not in found:
        raise NotAdoptable(f"Superset has no {kind} with UUID {reference}")
    return int(found[reference]["id"])


def _exported(client: SupersetClient, kind: str, object_id: int) -> dict[str, list[dict[str, Any]]]:
    """Superset's export of one chart or dashboard (with its charts), read back into the files' format,
    by kind: {"chart": […], "dashboard": […]} (datasets and databases are not needed)."""
    target = client.version or SOURCE
    found: dict[str, list[dict[str, Any]]] = {"chart": [], "dashboard": []}
    for path, text in client.export(kind, [object_id]).items():
        top = path.split("/", 1)[0].rstrip("s")
        if top in found and path.endswith((".yaml", ".yml")):
            data = read_export(parse(text), target)
            if isinstance(data, dict) and data.get("uuid"):
                found[top].append(data)
    return found


def _check_datasets(charts: list[dict[str, Any]], assets: AssetSet) -> None:
    ours = {a.uuid for a in assets.of("dataset")}
    foreign = [c for c in charts if str(c.get("dataset_uuid")) not in ours]
    if foreign:
        names = ", ".join(f"{c.get('slice_name', c['uuid'])!r} (dataset {c.get('dataset_uuid')})"
                          for c in foreign)
        raise NotAdoptable(f"not built on jamfor's datasets in {assets.root}: {names}. jamfor adopts only "
                           "charts and dashboards on the datasets of its folder; rebuild them on those, or "
                           "manage that dataset in Superset")


def _write(root: Path, relative: Path, data: dict[str, Any]) -> str:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(data), encoding="utf-8")
    return relative.as_posix()


def _dashboard_file(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The dashboard as the repository keeps it. Its chart nodes keep the exported chartIds as
    placeholders: the metadata (native filter scopes, chart configuration) names charts by those ids,
    and the importer maps them to the ids of the Superset it imports into."""
    return merge_export(dashboard, {"position": dashboard.get("position")})


def adopt(client: SupersetClient, assets: AssetSet, kind: str, reference: str) -> list[Adopted]:
    """Write the chart or dashboard ``reference`` (UUID or id) and a dashboard's charts into
    ``assets.root``; charts already in the folder keep their files. Raises ``NotAdoptable``."""
    if kind not in ("chart", "dashboard"):
        raise NotAdoptable(f"only charts and dashboards are adopted, not {kind}")
    exported = _exported(client, kind, _object_id(client, kind, reference))
    main = [d for d in exported[kind] if reference.isdigit() or str(d["uuid"]) == reference]
    if not main:
        raise NotAdoptable(f"Superset's export of {kind} {reference} holds no {kind}")
    ours = assets.by_uuid()
    uuid = str(main[0]["uuid"])
    if uuid in ours:
        raise NotAdoptable(f"{kind} {uuid} is already in the folder: {ours[uuid].source}")
    charts = [c for c in exported["chart"] if str(c["uuid"]) not in ours]
    _check_datasets(charts, assets)
    root = assets.root
    if kind == "chart":
        folder = Path("dashboards") / ADOPTED_FOLDER
    else:
        title = str(main[0].get("dashboard_title", ""))
        folder = Path("dashboards") / (slug(title, 50) or "dashboard")
        if (root / folder).exists():
            folder = folder.with_name(f"{folder.name}_{uuid[:8]}")
    written = []
    for chart in charts:
        name = f"{slug(str(chart.get('slice_name', '')), 60) or 'chart'}_{str(chart['uuid'])[:8]}.yaml"
        written.append(Adopted(_write(root, folder / "charts" / name, merge_export(chart)), "chart",
                               str(chart.get("slice_name", ""))))
    if kind == "dashboard":
        written.append(Adopted(_write(root, folder / "dashboard.yaml", _dashboard_file(main[0])), "dashboard",
                               str(main[0].get("dashboard_title", ""))))
    return written
