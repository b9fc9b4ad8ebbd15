"""Check asset files against Superset's own import schemas (ImportV1*Schema), when Superset is installed.

Superset's schema modules can only be imported inside an initialised Superset app, so outside one this
runs ``python -m jamfor.superset.sync.schemas`` in a child process with a throwaway configuration (random
SECRET_KEY, in-memory metadata database): the caller's Superset configuration and metadata database are
never touched. Input and output are JSON on stdin/stdout.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import FunctionType
from typing import Any

from jamfor.errors import JamforError, Problem
from jamfor.superset.sync.versions import SupersetVersion, UnsupportedVersion, supported

_SCHEMAS = {
    "dataset": ("superset.datasets.schemas", "ImportV1DatasetSchema"),
    "chart": ("superset.charts.schemas", "ImportV1ChartSchema"),
    "dashboard": ("superset.dashboards.schemas", "ImportV1DashboardSchema"),
}
_CONFIG = 'SECRET_KEY = {key!r}\nSQLALCHEMY_DATABASE_URI = "sqlite://"\n'


def superset_available() -> bool:
    return importlib.util.find_spec("superset") is not None


def installed_version() -> SupersetVersion | None:
    """The supported Superset installed in this environment, if any."""
    try:
        return supported(version("apache-superset"))
    except (PackageNotFoundError, UnsupportedVersion):
        return None


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Marshmallow's nested error dict as (key path, message) pairs: ``columns.3.verbose_name``."""
    if isinstance(messages, dict):
        pairs = []
        for key, value in messages.items():
            pairs.extend(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [(prefix, "; ".join(messages))]
    if isinstance(messages, list):
        return [pair for m in messages for pair in _flatten(m, prefix)]
    return [(prefix, str(messages))]


def check_in_app(files: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, str]]:
    """Inside a Superset app context: load every (source, kind, data) with its schema."""
    from importlib import import_module

    from marshmallow import ValidationError

    found = []
    for source, kind, data in files:
        module, name = _SCHEMAS[kind]
        schema = getattr(import_module(module), name)()
        try:
            schema.load(data)
        except ValidationError as exc:
            found.extend({"file": source, "key": key, "message": message}
                         for key, message in _flatten(exc.messages))
    return found


_checked: dict[str, list[Problem]] = {}


def check_with_superset(files: list[tuple[str, str, dict[str, Any]]]) -> list[Problem] | None:
    """Problems Superset's importer would find in the files; None when Superset is not installed.

    Results are remembered per content for the life of the process (the check costs a few seconds).
    """
    if not superset_available():
        return None
    if _in_superset_app():  # `superset jamfor register`: the schemas are importable right here
        return _problems(check_in_app(files))
    key = hashlib.sha256(json.dumps(files, sort_keys=True, default=str).encode()).hexdigest()
    if key not in _checked:
        _checked[key] = _check_in_child(files)
    return list(_checked[key])


def _in_superset_app() -> bool:
    from flask import current_app, has_app_context

    return has_app_context() and "SUPERSET_WEBSERVER_PORT" in current_app.config


def _check_in_child(files: list[tuple[str, str, dict[str, Any]]]) -> list[Problem]:
    with tempfile.TemporaryDirectory(prefix="jamfor-schemas-") as tmp:
        config = Path(tmp) / "superset_config.py"
        config.write_text(_CONFIG.format(key=secrets.token_urlsafe(32)))
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERSET_")}
        env["SUPERSET_CONFIG_PATH"] = str(config)
        env["SUPERSET_HOME"] = tmp
        done = subprocess.run([sys.executable, "-m", "jamfor.superset.sync.schemas"], cwd=tmp, env=env,
                              input=json.dumps(files), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise JamforError(f"checking the assets against Superset's schemas failed: {tail[0]}")
    return _problems(json.loads(done.stdout.strip().splitlines()[-1]))


def _problems(found: list[dict[str, str]]) -> list[Problem]:
    return [Problem("superset-schema", f"{item['key']}: {item['message']}", file=item["file"])
            for item in found]


def _field(field: Any) -> dict[str, Any]:
    """One marshmallow field as plain data: its type, whether required/nullable, and what it nests."""
    from marshmallow import fields

    described: dict[str, Any] = {"type": type(field).__name__}
    if field.required:
        described["required"] = True
    if field.allow_none:
        described["allow_none"] = True
    if isinstance(field, fields.List):
        described["items"] = _field(field.inner)
    elif isinstance(field, fields.Nested) and not isinstance(field.nested, FunctionType):  # a lambda
        # nests a schema in itself (dataset folders): its own fields are enough
        described["fields"] = _describe(field.schema)
    return described


def _describe(schema: Any) -> dict[str, Any]:
    return {name: _field(field) for name, field in sorted(schema.fields.items())}


def describe_in_app() -> dict[str, Any]:
    """Inside a Superset app context: every import schema's fields (``superset_keys/<version>.json``)."""
    from importlib import import_module

    return {kind: _describe(getattr(import_module(module), name)())
            for kind, (module, name) in _SCHEMAS.items()}


def _main() -> None:
    import logging

    logging.disable(logging.CRITICAL)
    describing = sys.argv[1:] == ["--describe"]
    files = None if describing else json.load(sys.stdin)
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        found = describe_in_app() if describing else check_in_app(files)
    sys.stdout.write("\n" + json.dumps(found, sort_keys=True) + "\n")


if __name__ == "__main__":
    _main()
