"""What jamfor shipped into an organisation's folder: a digest per asset file, in ``.jamfor/shipped.json``.

``jamfor assets upgrade`` compares a file with it to tell the organisation's edits from jamfor's changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jamfor import __version__

ASSET_FOLDERS = ("datasets", "dashboards", "reports", "roles")
MANIFEST = Path(".jamfor") / "shipped.json"


def file_digest(text: bytes) -> str:
    """A file's identity in the manifest: edits and jamfor's changes both change it."""
    return hashlib.sha256(text).hexdigest()


def shipped_files(source: Path) -> dict[str, bytes]:
    """The asset files of ``source`` (jamfor's own assets) by their path inside the folder."""
    found = {}
    for name in ASSET_FOLDERS:
        for path in sorted((source / name).rglob("*.y*ml")) if (source / name).is_dir() else []:
            found[path.relative_to(source).as_posix()] = path.read_bytes()
    return found


def write_manifest(root: Path, files: dict[str, bytes]) -> None:
    """Record what jamfor shipped into ``root`` (``init`` and a written upgrade)."""
    path = root / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"jamfor_version": __version__,
                                "files": {name: file_digest(data) for name, data in sorted(files.items())}},
                               indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_manifest(root: Path) -> dict[str, str] | None:
    path = root / MANIFEST
    if not path.is_file():
        return None
    return dict(json.loads(path.read_text(encoding="utf-8")).get("files") or {})
