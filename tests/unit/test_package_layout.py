"""The installed package: its imports run one way (base <- warehouse <- Superset side <- application),
and each public name means one thing.

The graph is built from the source of every module the installed ``jamfor`` holds (each package found
where Python imports it from, so seed/ is read as ``jamfor.seed``), with every import counted, those
inside functions too: a cycle that only a lazy import hides is still a cycle to a reader.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# What the Superset side may take from the warehouse side; CONTRIBUTING.md says why, per module.
SUPERSET_MAY_IMPORT_FROM_SEED = {"jamfor.seed.reference", "jamfor.seed.db"}
# jamfor.superset.config is the entry point Superset itself loads (the config line): like a CLI it wires
# the commands (jamfor.cli.in_superset) into an application, so it stands with them.
APPLICATION = ("jamfor.cli", "jamfor.demo", "jamfor.reference_docs", "jamfor.superset.config")


def installed_modules() -> dict[str, Path]:
    """Module name -> source file, for every module of every package pyproject installs."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    modules = {}
    for package in packages:
        if package.startswith("jamfor.superset.bundled."):
            continue  # datasets/, dashboards/, reports/: YAML, no modules
        spec = importlib.util.find_spec(package)
        assert spec and spec.submodule_search_locations, f"{package} is not installed as a package"
        for folder in spec.submodule_search_locations:
            for path in Path(folder).glob("*.py"):
                modules[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return modules


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that module ``name`` imports (``from a import b`` is a.b if that is one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            targets |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    found = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = installed_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def layer(module: str) -> int:
    if module.startswith(APPLICATION):
        return 3
    if module.startswith("jamfor.superset"):
        return 2
    if module.startswith("jamfor.seed"):
        return 1
    return 0  # jamfor itself: errors, paths, redact, text


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as the chain of modules, or [] when there is none (depth-first search)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str]:
        if module in path:
            return [*path[path.index(module):], module]
        if module in done:
            return []
        path.append(module)
        for target in sorted(graph[module]):
            if cycle := visit(target):
                return cycle
        path.pop()
        done.add(module)
        return []

    for module in sorted(graph):
        if cycle := visit(module):
            return cycle
    return []


def test_the_graph_holds_every_layer(graph):
    assert {"jamfor.errors", "jamfor.seed.db", "jamfor.superset.sync.register", "jamfor.cli.main"} \
        <= set(graph)
    assert "jamfor.seed.db" in graph["jamfor.cli.main"]


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_of_the_installed_package_imports_itself_round_a_cycle(graph):
    assert find_cycle(graph) == []


def test_no_module_imports_from_a_layer_above_its_own(graph):
    upward = sorted(f"{m} -> {t}" for m, targets in graph.items() for t in targets if layer(t) > layer(m))
    assert upward == []


def test_the_superset_side_takes_from_the_warehouse_only_what_contributing_lists(graph):
    taken = {t for m, targets in graph.items() if layer(m) == 2 for t in targets if layer(t) == 1}
    assert taken <= SUPERSET_MAY_IMPORT_FROM_SEED, sorted(taken - SUPERSET_MAY_IMPORT_FROM_SEED)
    contributing = (REPO / "CONTRIBUTING.md").read_text()
    assert all(f"`{name}`" in contributing for name in SUPERSET_MAY_IMPORT_FROM_SEED)


def test_no_two_library_modules_define_a_public_function_or_class_of_the_same_name():
    """One name, one meaning. The CLI is left out: its commands are named after the library function
    each one wraps (`jamfor demo` calls ``jamfor.demo.demo``)."""
    defined: dict[str, list[str]] = {}
    for name, path in installed_modules().items():
        if name.startswith("jamfor.cli"):
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                    and not node.name.startswith("_"):
                defined.setdefault(node.name, []).append(name)
    shared = {symbol: modules for symbol, modules in defined.items() if len(set(modules)) > 1}
    assert shared == {}
