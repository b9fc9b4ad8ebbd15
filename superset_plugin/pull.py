"""`jamfor pull`: write Superset's version of our assets back into datasets/ and dashboards/.

What Superset exports is normalised against the repository's own file (``jamfor.superset.normalise``),
so a file whose meaning did not change stays byte-identical and a UI edit becomes a small git diff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jamfor.superset.assets import AssetSet, dump
from jamfor.superset.client import SupersetClient
from jamfor.superset.normalise import normalise
from jamfor.superset.registry import Remote, fetch_remote, uuids_by_kind


@dataclass(frozen=True)
class Pulled:
    source: str
    action: str  # "updated", "added", "unchanged", "missing"


def _header(path: Path) -> str:
    """Leading comment lines of a file, kept when the file is rewritten."""
    if not path.exists():
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def _slug(text: str) -> str:
    cleaned = re.sub(r"[^a-z0-9]+", "_", text.lower().translate(str.maketrans("åäöé", "aaoe")))
    return cleaned.strip("_")[:60] or "chart"


def pull(client: SupersetClient, assets: AssetSet) -> list[Pulled]:
    """Write Superset's version of our assets back into the asset folders, normalised.

    Files whose meaning did not change are left untouched. A chart an analyst added in the UI to one
    of our dashboards is written as a new file next to that dashboard's charts.
    """
    remote = fetch_remote(client, uuids_by_kind(assets, {}))
    results = []
    for asset in assets:
        exported = remote.exported.get(asset.uuid)
        if exported is None:
            results.append(Pulled(asset.source, "missing"))
            continue
        clean = normalise(exported, asset.data)
        if clean == asset.data:
            results.append(Pulled(asset.source, "unchanged"))
            continue
        path = assets.root / asset.source
        path.write_text(_header(path) + dump(clean), encoding="utf-8")
        results.append(Pulled(asset.source, "updated"))
    results += _pull_new_charts(assets, remote)
    return results


def _pull_new_charts(assets: AssetSet, remote: Remote) -> list[Pulled]:
    ours = assets.by_uuid()
    datasets = {a.uuid for a in assets.of("dataset")}
    added = []
    for dashboard in assets.of("dashboard"):
        position = (remote.exported.get(dashboard.uuid) or {}).get("position") or {}
        for node in position.values():
            uuid = str(((node or {}).get("meta") or {}).get("uuid", "")) if isinstance(node, dict) else ""
            chart = remote.exported.get(uuid)
            if not uuid or uuid in ours or chart is None or str(chart.get("dataset_uuid")) not in datasets:
                continue
            folder = assets.root / Path(dashboard.source).parent / "charts"
            folder.mkdir(exist_ok=True)
            path = folder / f"{_slug(str(chart.get('slice_name', uuid)))}_{uuid[:8]}.yaml"
            path.write_text(dump(normalise(chart)), encoding="utf-8")
            added.append(Pulled(path.relative_to(assets.root).as_posix(), "added"))
    return added
