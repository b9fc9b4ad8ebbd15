"""Every option a command accepts is one it uses, and --db follows one rule in every command."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from jamfor.cli.in_superset import jamfor_group
from jamfor.cli.main import main
from jamfor.cli.reference import walk_commands
from jamfor.seed.db import ENV_URL, resolve_url

PACKAGE_FOLDERS = ("jamfor", "seed", "superset_plugin")
REPO = Path(__file__).resolve().parents[2]


def every_command() -> list[tuple[str, click.Command]]:
    """`jamfor …` as its reference lists it, and `superset jamfor …` (a hidden former name such as
    `jamfor report` is the same command object under another name, so it is checked too)."""
    return [(" ".join(path), command) for group, name in ((main, "jamfor"), (jamfor_group, "superset jamfor"))
            for path, command in walk_commands(group, name.split())]


def names_read(callback: Callable[..., object]) -> set[str]:
    """The names a command's function reads in its body (``del name`` is not a read)."""
    source = textwrap.dedent(inspect.getsource(inspect.unwrap(callback)))
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    return {node.id for statement in function.body for node in ast.walk(statement)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def test_the_walk_reaches_the_commands_that_take_db():
    walked = {path for path, _ in every_command()}
    assert {"jamfor seed", "jamfor load kolada", "jamfor validate", "jamfor register", "jamfor demo",
            "superset jamfor register"} <= walked


@pytest.mark.parametrize("path,command", list(every_command()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_option_a_command_accepts_is_read_by_its_function(path, command):
    if command.callback is None:
        return
    read = names_read(command.callback)
    unused = [p.name for p in command.params if p.expose_value and p.name not in read]
    assert unused == [], f"`{path}` accepts {unused} and never reads them: drop the option"


def test_db_is_the_url_given_else_the_environment_else_the_users_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv(ENV_URL, raising=False)
    own = tmp_path / "data" / "jamfor" / "jamfor.db"
    assert resolve_url(None, only_existing=True) is None  # no file yet: no SQL checks, nothing created
    assert not own.parent.exists()
    assert resolve_url(None) == f"sqlite:///{own}" and own.parent.is_dir()
    own.touch()
    assert resolve_url(None, only_existing=True) == f"sqlite:///{own}"
    monkeypatch.setenv(ENV_URL, "sqlite:///from-env.db")
    assert resolve_url(None) == resolve_url(None, only_existing=True) == "sqlite:///from-env.db"
    assert resolve_url("sqlite:///given.db", only_existing=True) == "sqlite:///given.db"


def test_a_command_with_its_own_file_never_reads_the_environments_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_URL, "postgresql://real-warehouse/jamfor")
    demo = tmp_path / "demo.db"
    assert resolve_url(None, default=demo) == f"sqlite:///{demo}"
    assert resolve_url("sqlite:///given.db", default=demo) == "sqlite:///given.db"


def test_only_the_warehouse_module_reads_the_warehouse_environment_variable():
    readers = []
    for folder in PACKAGE_FOLDERS:
        for path in (REPO / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            if any(isinstance(node, ast.Constant) and node.value == ENV_URL for node in ast.walk(tree)):
                readers.append(path.relative_to(REPO).as_posix())
    assert readers == ["seed/db.py"]
