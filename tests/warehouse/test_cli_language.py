"""One language per surface: everything the CLI prints is English, Swedish domain words kept.

Walks every command's --help and a set of failing invocations (bad option values, missing or broken
files, an unreachable Superset, a bad or unreachable database) and looks for Swedish words that are not
domain words (kommun, län, insats, bortfall, riket …): the common function words and the words the CLI
used to print ("Fel:", "Laddar", "oförändrad", "skapas", "Inget är laddat" …). No invocation may end in a
traceback.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from jamfor.cli.main import main
from jamfor.cli.reference import walk_commands

# Swedish function words and the CLI's former Swedish vocabulary; none is a domain word, none English.
SWEDISH = (
    "och", "inte", "är", "för", "från", "med", "har", "finns", "saknas", "kör", "fel", "varning", "laddar",
    "laddade", "laddad", "laddat", "oförändrad", "oförändrat", "oförändrade", "skapas", "uppdateras",
    "borttagen", "borttagna", "inget", "inga", "klart", "rader", "filer", "giltiga", "lösenord",
    "användare", "hämtar", "läser", "skriver", "eller", "att", "det", "ett", "på", "av", "som", "kan", "ska",
    "välj", "ange", "sparat", "tryck", "stoppar", "förbereder", "registrerar", "verifierat", "ändrad",
    "ändrade", "svarar", "upptagen", "körs", "nej", "ja", "konflikt", "inloggning", "titel", "källa",
)
_DETECTOR = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, SWEDISH)) + r")(?![\w-])", re.IGNORECASE)
# Domain phrases and attributions that may be quoted in English text.
ALLOWED = ("Källa: Kolada", "Öppna jämförelser")


def swedish_words(text: str) -> list[str]:
    for phrase in ALLOWED:
        text = text.replace(phrase, "")
    return sorted({m.group(1).casefold() for m in _DETECTOR.finditer(text)})


def test_the_detector_finds_the_old_swedish_output_and_passes_english_with_domain_words():
    found = swedish_words("Fel: Inget är laddat. Kör `jamfor seed`.")
    assert found == ["fel", "inget", "kör", "laddat", "är"]
    assert swedish_words("3 skapas, 1 oförändrad") == ["oförändrad", "skapas"]
    assert swedish_words("Warning: unknown kommunkoder; riket, län and insats kept (Källa: Kolada)") == []


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env={"COLUMNS": "200", **(env or {})})
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


@pytest.mark.parametrize("path", [p[1:] for p, _ in walk_commands(main, ["jamfor"])], ids=" ".join)
def test_every_help_is_english(path):
    code, output = run([*path, "--help"])
    assert code == 0
    assert swedish_words(output) == [], output


def failing_invocations(tmp: Path) -> list[tuple[list[str], dict[str, str]]]:
    """(arguments, environment) of invocations that must fail with one English message."""
    url = f"http://127.0.0.1:{closed_port()}"
    superset = {"SUPERSET_URL": url, "SUPERSET_USERNAME": "admin", "SUPERSET_PASSWORD": "x",
                "JAMFOR_SUPERSET_DB_URI": "sqlite:////tmp/warehouse.db", "JAMFOR_DB_URL": ""}
    not_a_workbook = tmp / "not_a_workbook.xlsx"
    not_a_workbook.write_text("plain text")
    bad_csv = tmp / "svar.csv"
    bad_csv.write_text("kommunkod,verksamhetsomrade\n9999,x\n")
    broken_assets = tmp / "assets"
    (broken_assets / "datasets").mkdir(parents=True)
    (broken_assets / "datasets" / "broken.yaml").write_text("uuid: [unclosed\n")
    bad_db = "postgresql://u:secret@127.0.0.1:1/x"
    warehouse = f"sqlite:///{tmp / 'w.db'}"
    return [
        (["seed", "--db", "no-such-dialect://x"], {}),
        (["seed", "--db", bad_db], {}),
        (["status", "--db", f"sqlite:///{tmp / 'missing-dir' / 'x.db'}"], {}),
        (["status", "--db", "sqlite:///" + str(tmp / "s.db"), "--url", url], superset),
        (["load", "oj-excel", str(tmp / "missing.xlsx")], {}),
        (["load", "oj-excel", str(not_a_workbook), "--db", warehouse], {}),
        (["load", "skr", str(bad_csv), "--db", warehouse], {}),
        (["load", "kolada", "--years", "2021-2017", "--base-url", url, "--db", warehouse], {}),
        (["load", "kolada", "--years", "tjugo"], {}),
        (["validate", "--assets", str(tmp / "empty")], {}),
        (["validate", "--assets", str(broken_assets), "--no-superset-schemas"], {}),
        (["plan"], {"SUPERSET_URL": ""}),
        (["plan", "--url", url, "--database-uri", "sqlite:////tmp/w.db"], superset),
        (["register", "--url", url, "--database-uri", "not a uri"], superset),
        (["plan", "--url", url, "--database-uri", "postgresql://u:secret@h:notaport/x"], superset),
        (["register"], {**superset, "JAMFOR_SUPERSET_DB_URI": ""}),
        (["pull", "--url", url], superset),
        (["demo", "--port", "0"], {}),
        (["kolada", "search"], {}),
    ]


def test_failing_invocations_say_what_is_wrong_in_english_without_a_traceback(tmp_path):
    (tmp_path / "empty").mkdir()
    for args, env in failing_invocations(tmp_path):
        code, output = run(args, env)
        assert code != 0, (args, output)
        assert output.strip(), args
        assert swedish_words(output) == [], (args, output)
        assert "secret" not in output, (args, output)
