"""`jamfor seed` and `jamfor status` as a user runs them; results read back through the library."""

from __future__ import annotations

from click.testing import CliRunner
from support.tables import read_table

from jamfor.cli.main import main
from jamfor.seed.db import engine_for
from jamfor.seed.status import batch_status


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_seed_loads_reference_catalogue_and_published_figures(sqlite_url):
    result = run("seed", "--db", sqlite_url)
    assert result.exit_code == 0, result.output
    sources = {b.source: b for b in batch_status(engine_for(sqlite_url))}
    assert set(sources) == {"reference", "published", "skr_catalog"}
    assert not any(b.synthetic for b in sources.values())


def test_seed_demo_adds_a_flagged_synthetic_batch_and_status_says_so(sqlite_url):
    assert run("seed", "--demo", "--db", sqlite_url).exit_code == 0
    demo = [b for b in batch_status(engine_for(sqlite_url)) if b.source == "demo"]
    assert len(demo) == 1 and demo[0].synthetic and demo[0].rows_held > 10_000
    status = run("status", "--db", sqlite_url)
    assert status.exit_code == 0
    demo_line = next(line for line in status.output.splitlines() if " demo " in line)
    assert " yes " in demo_line and str(demo[0].rows_held) in demo_line


def test_seed_reads_the_database_url_from_the_environment(sqlite_url):
    assert run("seed", env={"JAMFOR_DB_URL": sqlite_url}).exit_code == 0
    assert len(read_table(sqlite_url, "area")) == 329


def test_without_a_url_seed_uses_the_per_user_sqlite_file(tmp_path):
    result = run("seed", env={"JAMFOR_DB_URL": "", "XDG_DATA_HOME": str(tmp_path)})
    assert result.exit_code == 0
    assert (tmp_path / "jamfor" / "jamfor.db").exists()


def test_help_says_where_the_default_database_lives():
    result = run("seed", "--help")
    assert result.exit_code == 0
    assert "JAMFOR_DB_URL" in result.output and "jamfor.db" in result.output


def test_an_unknown_option_is_a_usage_error_with_exit_code_2():
    assert run("seed", "--no-such-option").exit_code == 2


def test_an_unreachable_database_exits_1_without_showing_its_password():
    result = CliRunner().invoke(main, ["seed", "--db", "postgresql://u:sekret@127.0.0.1:1/x"])
    assert result.exit_code == 1
    assert "sekret" not in result.output
    assert "Error: database postgresql://u:***@127.0.0.1:1/x" in " ".join(result.output.split())


def test_status_on_an_empty_database_says_nothing_is_loaded(sqlite_url):
    result = run("status", "--db", sqlite_url)
    assert result.exit_code == 0 and "Nothing is loaded" in result.output
