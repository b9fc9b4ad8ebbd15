"""Docs that cannot go stale: the CLI reference is generated, and the README names every command."""

from __future__ import annotations

from support.databases import REPO

from jamfor.cli.main import main
from jamfor.cli.reference import cli_reference, walk_commands


def test_the_cli_reference_in_docs_is_what_the_commands_print():
    stored = (REPO / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert stored == cli_reference(), "regenerate: python -m jamfor.cli.reference > docs/cli-reference.md"


def test_the_readme_names_every_command_and_links_the_reference():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/cli-reference.md" in readme
    leaves = [" ".join(path) for path, command in walk_commands(main, ["jamfor"])
              if not getattr(command, "commands", None)]
    missing = [name for name in leaves if f"`{name}" not in readme and f"{name} " not in readme]
    assert not missing, f"commands the README does not mention: {missing}"
