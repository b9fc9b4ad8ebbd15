"""The config file of an organisation's assets folder (``jamfor.yaml``) and its environments.

One file says three things: that the folder is a jamfor assets folder, which jamfor version its assets
came from (so a newer jamfor can offer an upgrade), and per environment (a test and a production
Superset, say) where Superset is, how Superset reaches the warehouse, who gets the schedules' mail and
whether assets are registered editable or locked. The warehouse URI is written as ``${VARIABLE}`` and
expanded from the environment at run time: the file is committed, so it never holds a secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jamfor.errors import JamforError

CONFIG_NAME = "jamfor.yaml"
MODES = ("editable", "locked")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(JamforError):
    """The folder's jamfor.yaml is unreadable or says something jamfor cannot use."""


def expand(text: str, environ: Mapping[str, str], where: str) -> str:
    """``text`` with every ``${VARIABLE}`` replaced from ``environ``; a missing variable is an error
    naming the variable (never a value)."""
    missing = [name for name in _VARIABLE.findall(text) if not environ.get(name)]
    if missing:
        raise ConfigError(f"{where} needs ${missing[0]}: set that environment variable")
    return _VARIABLE.sub(lambda m: environ[m.group(1)], text)


@dataclass(frozen=True)
class Environment:
    """One Superset the folder is registered in. ``database_uri`` is the unexpanded ``${VAR}`` text;
    ``recipients`` maps a schedule's recipients variable to addresses (``${VAR}`` allowed)."""

    name: str
    url: str | None = None
    database_uri: str | None = None
    recipients: dict[str, str] = field(default_factory=dict)
    mode: str = "locked"

    @property
    def locked(self) -> bool:
        return self.mode == "locked"

    def warehouse_uri(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The warehouse URI with its variables filled in from the environment (None when unset)."""
        if self.database_uri is None:
            return None
        return expand(self.database_uri, os.environ if environ is None else environ,
                      f"environment {self.name}'s database_uri")

    def schedule_environ(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment schedules read their recipients from, with this environment's recipients."""
        base = dict(os.environ if environ is None else environ)
        for variable, addresses in self.recipients.items():
            base[variable] = expand(addresses, base, f"environment {self.name}'s recipients {variable}")
        return base


@dataclass(frozen=True)
class FolderConfig:
    """What jamfor.yaml says: the jamfor version of the assets, the repository link, the environments."""

    path: Path
    version: str
    repo_url: str | None = None
    environments: dict[str, Environment] = field(default_factory=dict)

    def environment(self, name: str) -> Environment:
        if name not in self.environments:
            known = ", ".join(sorted(self.environments)) or "none"
            raise ConfigError(f"{self.path} has no environment {name!r} (it has: {known})")
        return self.environments[name]


def _environment(name: str, raw: Any, source: Path) -> Environment:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: environment {name!r} must be a mapping")
    unknown = set(raw) - {"url", "database_uri", "recipients", "mode"}
    if unknown:
        raise ConfigError(f"{source}: environment {name!r} has unknown keys: {', '.join(sorted(unknown))}")
    mode = str(raw.get("mode", "locked"))
    if mode not in MODES:
        raise ConfigError(f"{source}: environment {name!r}: mode must be editable or locked")
    uri = raw.get("database_uri")
    if uri is not None and not _VARIABLE.search(str(uri)):
        raise ConfigError(f"{source}: environment {name!r}: write database_uri as ${{VARIABLE}} naming "
                          "the environment variable that holds the URI, never the URI itself")
    recipients = raw.get("recipients") or {}
    if not isinstance(recipients, dict):
        raise ConfigError(f"{source}: environment {name!r}: recipients maps a variable to addresses")
    return Environment(name, str(raw["url"]).rstrip("/") if raw.get("url") else None,
                       str(uri) if uri is not None else None,
                       {str(k): str(v) for k, v in recipients.items()}, mode)


def read_config(path: Path) -> FolderConfig:
    """Parse ``path`` (a jamfor.yaml); ``ConfigError`` says what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path} is not readable YAML: {exc}") from None
    if not isinstance(raw, dict) or raw.get("kind") != "jamfor-assets":
        raise ConfigError(f"{path} does not say it is a jamfor assets folder (kind: jamfor-assets)")
    environments = raw.get("environments") or {}
    if not isinstance(environments, dict):
        raise ConfigError(f"{path}: environments must be a mapping of names")
    return FolderConfig(path, str(raw.get("jamfor_version", "0")), raw.get("repo_url"),
                        {str(n): _environment(str(n), e, path) for n, e in environments.items()})


def find_config(start: Path) -> Path | None:
    """The nearest jamfor.yaml in ``start`` or a folder above it."""
    for folder in (start.resolve(), *start.resolve().parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None


def config_text(version: str) -> str:
    """A new folder's jamfor.yaml: two example environments, nothing secret."""
    return f"""# A jamfor assets folder: the organisation's datasets, dashboards, reports and roles.
# jamfor commands run inside this folder (or with --assets) read and write these files.
kind: jamfor-assets
# The jamfor version these assets came from; `jamfor assets upgrade` moves it on.
jamfor_version: {version}
# Where a locked asset's "managed externally" link points; {{path}} is the file inside this folder.
repo_url: null
environments:
  test:
    url: http://127.0.0.1:8088
    # The name of the environment variable holding the URI, never the URI itself.
    database_uri: ${{JAMFOR_TEST_DB_URI}}
    # editable: analysts edit in Superset's UI and `jamfor pull --env test` brings the edits here.
    mode: editable
  prod:
    url: https://superset.example.org
    database_uri: ${{JAMFOR_PROD_DB_URI}}
    # locked: Superset's UI shows the asset is managed here and links to its file (repo_url).
    mode: locked
    recipients:
      JAMFOR_REPORT_RECIPIENTS: ${{JAMFOR_PROD_RECIPIENTS}}
"""
