"""`--db` means exactly one warehouse (issue 22): a URL that would not reach the file or database it
reads as is refused before anything is made or written, and every writing command names the
warehouse it wrote to, its password redacted — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from support.hostile import SKR_ROWS, kolada_row, oj_workbook, skr_csv
from support.tables import read_table

from jamfor.cli.main import main

IBIC = "lss_ibic_alla_utredningar"
SECRET = "s3cret-pw"


def run(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def flat(text: str) -> str:
    """Output with rich's line wrapping undone, so a message can be compared whole."""
    return " ".join(text.split())


REFUSED = [
    ("sqlite:///{d}/x.db\n", "--db sqlite:///{d}/x.db\\n: holds the character \\n at position {n}, which "
     "would become part of the file or database name; nothing was written"),
    ("sqlite:///{d}/x\u202e.db", "--db sqlite:///{d}/x\\u202e.db: holds the character \\u202e at position "
     "{n}, which would become part of the file or database name; nothing was written"),
    ("sqlite:///{d}/x.db ", "--db sqlite:///{d}/x.db : begins or ends with a space, which would become "
     "part of the file or database name; nothing was written"),
    ("sqlite:///{d}/a?b.db", "--db sqlite:///{d}/a?b.db: SQLite would open {d}/a and read 'b.db' as driver "
     "options; jamfor takes a SQLite warehouse as one file named by its path alone (rename a file whose "
     "name holds '?'); nothing was written"),
    ("sqlite:///{d}/a%3Fb.db", "--db sqlite:///{d}/a%3Fb.db: the escape '%3F' in a SQLite path names one "
     "file to SQLAlchemy 1.4 and another to 2.x; give the path as it is, without '%' escapes; nothing "
     "was written"),
    ("sqlite://", "--db sqlite://: names no file: a SQLite database in memory vanishes when jamfor exits; "
     "give a path, e.g. sqlite:///jamfor.db; nothing was written"),
    ("sqlite:///:memory:", "--db sqlite:///:memory:: names no file: a SQLite database in memory vanishes "
     "when jamfor exits; give a path, e.g. sqlite:///jamfor.db; nothing was written"),
    ("{d}/x.db", "--db {d}/x.db: is not a database URL; for a SQLite file give sqlite:///{d}/x.db, for "
     "PostgreSQL postgresql://host:5432/database; nothing was written"),
    ("postgresql://u:" + SECRET + "@127.0.0.1:5432/test\n", "--db postgresql://u:***@127.0.0.1:5432/test\\n: "
     "holds the character \\n at position {n}, which would become part of the file or database name; "
     "nothing was written"),
]


@pytest.mark.parametrize("url, message", REFUSED, ids=["newline", "right-to-left override", "edge space",
                                                       "question mark", "percent escape", "no file",
                                                       "memory", "bare path", "postgresql newline"])
def test_a_warehouse_url_that_does_not_mean_what_it_looks_like_is_refused_before_anything_is_made(
        tmp_path, url, message):
    given = url.format(d=tmp_path)
    position = next(i for i, c in enumerate(given, 1) if c in "\n\u202e") if "\n" in given or \
        "\u202e" in given else 0
    result = run("seed", "--db", given)
    assert result.exit_code == 1
    assert flat(result.output) == flat(f"Error: {message.format(d=tmp_path, n=position)}")
    assert SECRET not in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_environment_variable_is_named_when_its_url_is_refused(tmp_path):
    result = run("status", env={"JAMFOR_DB_URL": f"sqlite:///{tmp_path}/x.db\n"})
    assert result.exit_code == 1
    assert flat(result.output).startswith(f"Error: JAMFOR_DB_URL sqlite:///{tmp_path}/x.db\\n: holds")
    assert list(tmp_path.iterdir()) == []


def test_a_hash_in_a_sqlite_path_is_part_of_the_file_name(tmp_path):
    path = tmp_path / "c#d.db"
    result = run("load", "oj-excel", oj_workbook(tmp_path / "oj.xlsx", ["0114", "x", "Ja"]),
                 "--db", f"sqlite:///{path}")
    assert result.exit_code == 0, result.output
    assert f"into sqlite:///{path} (batch" in flat(result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c#d.db", "oj.xlsx"]
    values = read_table(f"sqlite:///{path}", "indicator_value")
    assert values.query("area_code == '0114'").value.tolist() == [100.0]


def with_password(url: str) -> str:
    """The URL with a password in it (PostgreSQL's trust authentication here never asks for it)."""
    return url.replace("postgres@", f"postgres:{SECRET}@", 1) if url.startswith("postgresql") else url


def shown_as(url: str) -> str:
    """How a command names the warehouse: a password as *** (the fixtures' SQLite paths are absolute)."""
    return url.replace("postgres@", "postgres:***@", 1)


def test_seed_names_the_warehouse_it_wrote_to_without_its_password(db_url):
    result = run("seed", "--db", with_password(db_url))
    assert result.exit_code == 0, result.output
    assert f"Warehouse: {shown_as(db_url)}" in flat(result.output)
    assert SECRET not in result.output


def test_every_load_names_the_warehouse_it_wrote_to_without_its_password(seeded_db_url, tmp_path,
                                                                       fresh_kolada):
    url, name = with_password(seeded_db_url), shown_as(seeded_db_url)
    fresh_kolada.state.rows = [kolada_row()]
    loads = {
        "oj.xlsx": ["oj-excel", oj_workbook(tmp_path / "oj.xlsx", ["0114", "x", "Ja"])],
        "svar.csv": ["skr", skr_csv(tmp_path / "svar.csv", SKR_ROWS)],
        "Kolada": ["kolada", "--kpi", f"N00001={IBIC}", "--years", "2021", "--base-url",
                   fresh_kolada.base_url],
    }
    for source, args in loads.items():
        first = run("load", *args, "--db", url)
        assert first.exit_code == 0, first.output
        assert f" into {name} (batch " in flat(first.output), first.output
        again = run("load", *args, "--db", url)
        assert again.exit_code == 0, again.output
        assert f"Unchanged: {source}" in flat(again.output) and f" in {name} (batch " in flat(again.output)
        assert SECRET not in first.output + again.output
