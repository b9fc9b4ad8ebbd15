"""`jamfor assets upgrade`: bring a newer jamfor's assets into the organisation's folder, keeping its edits.

Telling "the organisation edited this file" from "jamfor changed it" needs the version jamfor shipped
last time: ``assets init`` and every written upgrade keep a digest of each shipped file in
``.jamfor/shipped.json`` (committed with the folder). Per file of the installed jamfor then:

- not in the folder and never shipped before: a new asset of ours, *added*;
- in the folder unedited (its digest is the one last shipped) and changed in jamfor: *updated*;
- edited in the folder: *kept* as it is, whatever jamfor ships (said, with jamfor's version as a diff);
- shipped before and deleted by the organisation: stays deleted.

Without the manifest (a folder made by hand) every file that differs counts as edited and is kept.
Nothing is written unless asked: the plan is shown as a unified diff first.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from jamfor import __version__
from jamfor.superset.sync.environments import CONFIG_NAME
from jamfor.superset.sync.manifest import file_digest, read_manifest, shipped_files, write_manifest


@dataclass(frozen=True)
class FileUpgrade:
    """One file's fate: ``action`` is "added", "updated", "kept" (edited here, jamfor's differs),
    or "unchanged"; ``diff`` the unified diff from the folder's text to jamfor's."""

    path: str
    action: str
    diff: str = ""


def _diff(path: str, before: bytes, after: bytes) -> str:
    return "".join(difflib.unified_diff(before.decode("utf-8").splitlines(keepends=True),
                                        after.decode("utf-8").splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


def plan_upgrade(root: Path, source: Path) -> list[FileUpgrade]:
    """What upgrading ``root`` from ``source`` would do, file by file (read-only)."""
    last = read_manifest(root)
    plan = []
    for name, ours in sorted(shipped_files(source).items()):
        path = root / name
        if not path.exists():
            if last is None or name not in last:
                plan.append(FileUpgrade(name, "added", _diff(name, b"", ours)))
            continue
        theirs = path.read_bytes()
        if theirs == ours:
            plan.append(FileUpgrade(name, "unchanged"))
        elif last is not None and last.get(name) == file_digest(theirs):
            plan.append(FileUpgrade(name, "updated", _diff(name, theirs, ours)))
        else:
            plan.append(FileUpgrade(name, "kept", _diff(name, theirs, ours)))
    return plan


def apply_upgrade(root: Path, source: Path, plan: list[FileUpgrade]) -> None:
    """Write the added and updated files, the new manifest and the folder's jamfor version."""
    shipped = shipped_files(source)
    for item in plan:
        if item.action in ("added", "updated"):
            target = root / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(shipped[item.path])
    write_manifest(root, shipped)
    config = root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^jamfor_version:.*$", f"jamfor_version: {__version__}", text),
                      encoding="utf-8")
