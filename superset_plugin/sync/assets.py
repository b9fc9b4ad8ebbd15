"""Read datasets/ and dashboards/, render the warehouse database, and build the import bundle.

The bundle is built as plain data first — {path inside the bundle: YAML text}, from parsed YAML with
``yaml.safe_dump`` — and only then zipped; nothing here talks to Superset. The warehouse database file
is rendered from a URI at bundle time: its password is masked in the YAML and handed back separately
for the import's ``passwords`` field, so it is never written into a file.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url

from jamfor import __version__
from jamfor.errors import BadInput, JamforError, Problem
from jamfor.redact import redact_url
from jamfor.superset.sync.folder import locate
from jamfor.superset.sync.stamp import Stamp
from jamfor.superset.sync.versions import SOURCE, SupersetVersion, render

DATABASE_UUID = "50d120d6-74b4-4333-93ab-fdbbba8868b0"
DATABASE_NAME = "jamfor"
DATABASE_PATH = "databases/jamfor.yaml"
PASSWORD_MASK = "XXXXXXXXXX"
IMPORT_VERSION = "1.0.0"
BUNDLE_ROOT = "jamfor_assets"
ENV_DATABASE_URI = "JAMFOR_SUPERSET_DB_URI"


@dataclass(frozen=True)
class Asset:
    """One asset file: its kind, where it came from (for messages) and its parsed YAML."""

    kind: str
    source: str
    data: dict[str, Any]

    @property
    def uuid(self) -> str:
        return str(self.data.get("uuid", ""))

    @property
    def title(self) -> str:
        key = {"dataset": "table_name", "chart": "slice_name", "dashboard": "dashboard_title",
               "report": "name", "role": "name"}[self.kind]
        return str(self.data.get(key, self.source))

    @property
    def slug(self) -> str | None:
        """The dashboard folder a chart or dashboard lives in (None for datasets)."""
        parts = Path(self.source).parts
        return parts[1] if self.kind != "dataset" and len(parts) > 2 else None


@dataclass
class AssetSet:
    """Every asset found under one root folder holding datasets/ and dashboards/, the report
    schedules of its reports/ and the roles of its roles/ (both kept apart: they are no part of
    Superset's import bundle)."""

    root: Path
    assets: list[Asset] = field(default_factory=list)
    reports: list[Asset] = field(default_factory=list)
    roles: list[Asset] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def of(self, kind: str) -> list[Asset]:
        return [a for a in self.assets if a.kind == kind]

    def by_uuid(self) -> dict[str, Asset]:
        return {a.uuid: a for a in self.assets}

    def __iter__(self) -> Iterator[Asset]:
        return iter(self.assets)


def assets_root(override: str | Path | None = None) -> Path:
    """Where datasets/, dashboards/, reports/ and roles/ are, by ``jamfor.superset.sync.folder.locate``."""
    return locate(override).root


def _yaml_files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.glob(pattern)
                  if p.is_file() and not p.name.startswith(("_", ".")))


def _read(root: Path, path: Path, kind: str, problems: list[Problem]) -> Asset | None:
    source = path.relative_to(root).as_posix()
    try:
        data = parse(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem("yaml-syntax", f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                file=source, row=mark.line + 1 if mark else None))
        return None
    if not isinstance(data, dict):
        problems.append(Problem("not-a-mapping", "the file must hold one YAML mapping", file=source))
        return None
    return Asset(kind, source, data)


def read_assets(root: str | Path | None = None) -> AssetSet:
    """Parse every asset file below ``root`` (see ``assets_root``); unreadable files become problems."""
    base = assets_root(root)
    found = AssetSet(base)
    wanted = [("dataset", p) for p in _yaml_files(base / "datasets", "*.y*ml")]
    for folder in sorted(p for p in (base / "dashboards").glob("*") if p.is_dir()):
        wanted += [("dashboard", p) for p in _yaml_files(folder, "dashboard.y*ml")]
        wanted += [("chart", p) for p in _yaml_files(folder / "charts", "*.y*ml")]
    wanted += [("report", p) for p in _yaml_files(base / "reports", "*.y*ml")]
    wanted += [("role", p) for p in _yaml_files(base / "roles", "*.y*ml")]
    kept = {"report": found.reports, "role": found.roles}
    for kind, path in wanted:
        asset = _read(base, path, kind, found.problems)
        if asset is not None:
            kept.get(kind, found.assets).append(asset)
    return found


# --- the database ------------------------------------------------------------------------------

def database_uri(uri: str | None) -> str:
    """--database-uri, else $JAMFOR_SUPERSET_DB_URI: how Superset (not jamfor) reaches the warehouse."""
    chosen = uri or os.environ.get(ENV_DATABASE_URI)
    if not chosen:
        raise JamforError("say how Superset reaches the warehouse: --database-uri or "
                          f"${ENV_DATABASE_URI} (e.g. postgresql://user@host:5432/jamfor)")
    render_database(chosen)  # refuses what is not a URI before anyone logs in
    return chosen


def render_database(uri: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The database asset for ``uri`` with its password masked, and {bundle path: password}."""
    try:
        url = make_url(uri)
    except Exception:
        raise JamforError(f"not a database URI: {redact_url(uri)}") from None
    query_password = url.query.get("password")
    if query_password and not url.password:  # libpq reads ?password= too: send it the masked way
        url = url.difference_update_query(["password"]).set(password=str(query_password))
    passwords = {}
    if url.password:
        passwords[DATABASE_PATH] = str(url.password)
        url = url.set(password=PASSWORD_MASK)
    config = {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": url.render_as_string(hide_password=False),
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "extra": {"allows_virtual_table_explore": True},
        "uuid": DATABASE_UUID,
        "version": IMPORT_VERSION,
    }
    return config, passwords


# --- the bundle ------------------------------------------------------------------------------

def bundle_path(asset: Asset) -> str:
    """The path of an asset inside the bundle; unique per UUID so two files never collide."""
    stem = Path(asset.source).stem
    if asset.kind == "dataset":
        return f"datasets/{DATABASE_NAME}/{stem}_{asset.uuid[:8]}.yaml"
    return f"{asset.kind}s/{asset.slug or 'x'}_{stem}_{asset.uuid[:8]}.yaml"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> Any:
    """``yaml.safe_load`` with libyaml when available (ten times faster on a whole asset tree)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


class _Dumper(yaml.SafeDumper):
    """Multi-line text (markdown notes, SQL) as a literal block, as people write it by hand."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(data: dict[str, Any]) -> str:
    """YAML as the repository keeps it: sorted keys, UTF-8 text, literal blocks for multi-line text."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=True, allow_unicode=True, default_flow_style=False,
                     width=100)


@dataclass(frozen=True)
class Bundle:
    """The import bundle as plain data, and the secrets that go with it (never inside ``files``)."""

    files: dict[str, str]
    passwords: dict[str, str]
    uuids: dict[str, str]  # bundle path -> asset UUID

    def zip(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, text in sorted(self.files.items()):
                archive.writestr(f"{BUNDLE_ROOT}/{path}", text)
        return buffer.getvalue()


def build_bundle(assets: AssetSet | list[Asset], uri: str, version: str = __version__,
                 now: datetime | None = None, target: SupersetVersion = SOURCE,
                 stamp: Stamp | None = None) -> Bundle:
    """Everything an import needs: metadata, the database, and every asset marked by ``stamp`` (default:
    locked) with ``version`` and rendered for the ``target`` Superset (``NotRenderable`` when a value
    cannot be expressed there)."""
    mark = stamp or Stamp()
    database, passwords = render_database(uri)
    moment = (now or datetime.now(timezone.utc)).isoformat()
    files_: dict[str, str] = {
        "metadata.yaml": dump({"version": IMPORT_VERSION, "type": "assets", "timestamp": moment}),
        DATABASE_PATH: dump(database),
    }
    uuids = {DATABASE_PATH: DATABASE_UUID}
    for asset in assets:
        path = bundle_path(asset)
        files_[path] = dump(render(asset.kind, mark.apply(asset, version), target, asset.source))
        uuids[path] = asset.uuid
    return Bundle(files_, passwords, uuids)


def load_assets(root: str | Path | None = None) -> AssetSet:
    """``read_assets`` that refuses files it could not parse (BadInput naming them)."""
    found = read_assets(root)
    if found.problems:
        raise BadInput(found.problems)
    return found
