"""Which assets folder a command uses, said out loud, and the organisation's own folder.

The rule, in order: ``--assets``, ``$JAMFOR_ASSETS_DIR``, the folder of the nearest ``jamfor.yaml`` from
the current directory upward, jamfor's source checkout (an editable install), the copy bundled with the
installed package. Every command names the folder it uses in its first line, because the bundled copy
looks just like an organisation's folder and registering it silently undoes what ``pull`` wrote.

Once an organisation's folder is known (``jamfor assets init`` made one, or ``pull`` wrote into one)
``refuse_bundled`` stops ``register`` from falling back to the bundled copy: that must be asked for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from jamfor import __version__
from jamfor.errors import JamforError
from jamfor.paths import user_dir
from jamfor.superset.sync.environments import CONFIG_NAME, FolderConfig, config_text, find_config, read_config
from jamfor.superset.sync.manifest import ASSET_FOLDERS, shipped_files, write_manifest

ENV_ASSETS = "JAMFOR_ASSETS_DIR"
_KNOWN_FILE = "organisation-folder"


def bundled_root() -> Path:
    """The copy of the assets installed with the package (read-only for every purpose but reading)."""
    return Path(str(files("jamfor.superset") / "bundled"))


def _checkout() -> Path | None:
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "datasets").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return None


def shipped_root() -> Path:
    """The assets of the running jamfor: its source checkout (editable install), else the bundled copy."""
    return _checkout() or bundled_root()


@dataclass(frozen=True)
class AssetsFolder:
    """A chosen assets folder, how it was chosen, and its jamfor.yaml when it has one."""

    root: Path
    kind: str  # "organisation", "folder", "checkout", "bundled"
    config: FolderConfig | None = None

    def describe(self) -> str:
        """The first line of every command that reads or writes assets."""
        what = {"organisation": "organisation folder", "folder": f"a folder without {CONFIG_NAME}",
                "checkout": "jamfor's source checkout", "bundled": f"bundled with jamfor {__version__}"}
        return f"assets: {self.root} ({what[self.kind]})"

    @property
    def behind(self) -> bool:
        """Whether the installed jamfor is newer than the version the folder's assets came from."""
        return self.config is not None and _version_key(__version__) > _version_key(self.config.version)


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def _given(root: Path, how: str) -> AssetsFolder:
    if not any((root / name).is_dir() for name in ("datasets", "dashboards")):
        raise JamforError(f"{root} ({how}) holds neither datasets/ nor dashboards/")
    config = root / CONFIG_NAME
    if config.is_file():
        return AssetsFolder(root, "organisation", read_config(config))
    return AssetsFolder(root, "folder")


def locate(override: str | Path | None = None, cwd: Path | None = None) -> AssetsFolder:
    """The assets folder by the rule of the module docstring."""
    if override:
        return _given(Path(override), "--assets")
    if os.environ.get(ENV_ASSETS):
        return _given(Path(os.environ[ENV_ASSETS]), f"${ENV_ASSETS}")
    config = find_config(cwd or Path.cwd())
    if config is not None:
        return _given(config.parent, f"found from {config}")
    checkout = _checkout()
    return AssetsFolder(checkout, "checkout") if checkout else AssetsFolder(bundled_root(), "bundled")


# --- the organisation's folder remembered --------------------------------------------------------

def _known_path() -> Path:
    return user_dir("state") / _KNOWN_FILE


def remember(root: Path) -> None:
    """Record ``root`` as the organisation's folder (after ``assets init`` and every ``pull``)."""
    path = _known_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(root.resolve()), encoding="utf-8")


def known_folder() -> Path | None:
    path = _known_path()
    if not path.is_file():
        return None
    known = Path(path.read_text(encoding="utf-8").strip())
    return known if known.is_dir() else None


class BundledRefused(JamforError):
    """``register`` would register the bundled copy although the organisation has its own folder."""


def refuse_bundled(folder: AssetsFolder) -> None:
    """Stop a registration of the bundled copy chosen by default while an organisation folder exists."""
    known = known_folder()
    if folder.kind != "bundled" or known is None:
        return
    raise BundledRefused(
        f"the organisation's assets folder is {known} (jamfor pull or jamfor assets init wrote there), "
        f"but nothing chose it here, so this would register the copy bundled with jamfor {__version__} "
        f"and undo edits made there. Run inside {known}, pass --assets {known} or set ${ENV_ASSETS}; "
        f"to register the bundled copy on purpose, pass --assets {folder.root}")


# --- a new organisation folder -------------------------------------------------------------------

def init_folder(target: Path, source: Path | None = None) -> list[str]:
    """Create the organisation's folder at ``target`` from ``source`` (jamfor's own assets): the asset
    folders, a jamfor.yaml, the manifest of what was shipped (for upgrades), and a git repository unless
    ``target`` already is inside one. Refuses a folder that already holds assets or a jamfor.yaml.
    Returns what it did, one line each."""
    origin = source or shipped_root()
    taken = [name for name in (*ASSET_FOLDERS, CONFIG_NAME) if (target / name).exists()]
    if taken:
        raise JamforError(f"{target} already has {', '.join(taken)}: an assets folder is made only once "
                          "(`jamfor assets upgrade` brings in a newer jamfor's assets)")
    target.mkdir(parents=True, exist_ok=True)
    done = []
    for name in ASSET_FOLDERS:
        if (origin / name).is_dir():
            shutil.copytree(origin / name, target / name,
                            ignore=shutil.ignore_patterns("__init__.py", "__pycache__", "*.pyc"))
            done.append(f"copied {name}/ from jamfor {__version__}")
    (target / CONFIG_NAME).write_text(config_text(__version__), encoding="utf-8")
    write_manifest(target, shipped_files(origin))
    done.append(f"wrote {CONFIG_NAME}: edit its environments")
    inside = subprocess.run(["git", "-C", str(target), "rev-parse", "--is-inside-work-tree"],
                            capture_output=True, text=True)
    if inside.returncode != 0:
        subprocess.run(["git", "init", "-q", str(target)], check=True, capture_output=True)
        done.append("git init")
    remember(target)
    return done
