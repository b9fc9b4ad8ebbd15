"""`jamfor pull`: write Superset's version of our assets back into datasets/, dashboards/, reports/ and
roles/.

What Superset exports is merged with the repository's own file (``jamfor.superset.sync.normalize``), so a file
whose meaning did not change stays byte-identical and a UI edit becomes a small git diff. That diff is
only worth something in a git checkout: ``pull`` refuses to write into the copy installed with the
package (site-packages), which the next install would silently overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from jamfor.errors import JamforError
from jamfor.superset.access.definitions import role_name
from jamfor.superset.access.sync import RolesUnavailable, access_context, fetch_access, pulled_access
from jamfor.superset.schedules.definitions import pulled
from jamfor.superset.schedules.sync import SchedulesDisabled, fetch_schedules
from jamfor.superset.sync.assets import Asset, AssetSet, dump
from jamfor.superset.sync.client import SupersetClient
from jamfor.superset.sync.folder import ENV_ASSETS
from jamfor.superset.sync.normalize import merge_export
from jamfor.superset.sync.register import Remote, fetch_remote, uuids_by_kind
from jamfor.text import slug

_INSTALL_FOLDERS = {"site-packages", "dist-packages"}


class InstalledAssetsFolder(JamforError):
    """``pull`` would write into the asset files installed with the package instead of a checkout."""

    def __init__(self, root: Path) -> None:
        self.root = root
        super().__init__(f"{root} is the copy of the assets installed with jamfor; pull writes only into "
                         f"a git checkout of them: pass --assets DIR or set ${ENV_ASSETS} to the checkout "
                         "folder holding datasets/ and dashboards/")


def check_writable_root(root: Path) -> None:
    """Refuse an asset folder inside an installed package (site-packages or jamfor's own package)."""
    resolved = root.resolve()
    package = Path(str(files("jamfor.superset"))).resolve()
    if _INSTALL_FOLDERS & set(resolved.parts) or resolved == package or package in resolved.parents:
        raise InstalledAssetsFolder(root)


@dataclass(frozen=True)
class Pulled:
    source: str
    action: str  # "updated", "added", "unchanged", "missing", "unavailable" (no report API)


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


def pull(client: SupersetClient, assets: AssetSet) -> list[Pulled]:
    """Write Superset's version of our assets back into the asset folders, merged with our files.

    Files whose meaning did not change are left untouched. A chart an analyst added in the UI to one
    of our dashboards is written as a new file next to that dashboard's charts. Raises
    ``InstalledAssetsFolder`` (before asking Superset anything) when ``assets.root`` is not a checkout.
    """
    check_writable_root(assets.root)
    remote = fetch_remote(client, uuids_by_kind(assets, {}))
    results = []
    for asset in assets:
        exported = remote.exported.get(asset.uuid)
        if exported is None:
            results.append(Pulled(asset.source, "missing"))
            continue
        results.append(_write_if_changed(assets.root, asset, merge_export(exported, asset.data)))
    results += _pull_new_charts(assets, remote)
    return results + _pull_schedules(client, assets) + _pull_roles(client, assets, remote)


def _pull_roles(client: SupersetClient, assets: AssetSet, remote: Remote) -> list[Pulled]:
    """Role files get the permissions and RLS filters Superset holds now (read back into dataset and
    database UUIDs where they are ours); a role's description and use_with stay as the file has them."""
    if not assets.roles:
        return []
    try:
        held = fetch_access(client, {role_name(a) for a in assets.roles})
    except RolesUnavailable:
        return [Pulled(asset.source, "unavailable") for asset in assets.roles]
    ctx = access_context(assets.of("dataset"), remote.ids, remote.exported)
    results = []
    for asset in assets.roles:
        data = pulled_access(asset, held, ctx)
        results.append(Pulled(asset.source, "missing") if data is None
                       else _write_if_changed(assets.root, asset, data))
    return results


def _pull_schedules(client: SupersetClient, assets: AssetSet) -> list[Pulled]:
    """Schedule files get Superset's name, description, crontab, timezone, format, validator and
    timings; recipients and an alert's SQL (it holds filled-in variables) stay as the file has them."""
    if not assets.reports:
        return []
    try:
        remote = fetch_schedules(client)
    except SchedulesDisabled:
        return [Pulled(asset.source, "unavailable") for asset in assets.reports]
    results = []
    for asset in assets.reports:
        held = remote.ours.get(asset.uuid)
        if held is None:
            results.append(Pulled(asset.source, "missing"))
            continue
        results.append(_write_if_changed(assets.root, asset, pulled(asset, held)))
    return results


def _write_if_changed(root: Path, asset: Asset, data: dict[str, Any]) -> Pulled:
    """Write Superset's version of one file when it differs from the file's, keeping the file's header."""
    if data == asset.data:
        return Pulled(asset.source, "unchanged")
    path = root / asset.source
    path.write_text(_header(path) + dump(data), encoding="utf-8")
    return Pulled(asset.source, "updated")


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
            name = slug(str(chart.get("slice_name", uuid)), 60) or "chart"
            path = folder / f"{name}_{uuid[:8]}.yaml"
            path.write_text(dump(merge_export(chart)), encoding="utf-8")
            added.append(Pulled(path.relative_to(assets.root).as_posix(), "added"))
    return added
