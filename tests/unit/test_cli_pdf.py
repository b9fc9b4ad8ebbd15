"""`jamfor pdf` writes its PDFs where nothing else lives, and its former name keeps working."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from jamfor.cli.main import main


def _out_default(name: str) -> Path:
    (out,) = [p for p in main.commands[name].params if p.name == "out_dir"]
    return Path(out.default)


def test_pdf_writes_by_default_into_a_folder_of_its_own_not_among_the_schedules_in_reports():
    default = _out_default("pdf")
    assert not default.is_absolute() and default.parts[0] not in {"reports", "datasets", "dashboards"}
    assert default == Path("jamfor-pdf")


def test_report_is_the_hidden_former_name_of_pdf_with_the_same_options():
    report, pdf = main.commands["report"], main.commands["pdf"]
    assert report.hidden and report.deprecated and not pdf.hidden
    assert report.callback is pdf.callback
    assert [p.name for p in report.params] == [p.name for p in pdf.params]
    listed = CliRunner().invoke(main, ["--help"]).output
    assert "  pdf " in listed and "  report " not in listed


def test_the_former_name_says_it_is_deprecated_and_still_checks_its_options():
    result = CliRunner().invoke(main, ["report", "--url", "", "--lan", "12"], env={"SUPERSET_URL": ""})
    assert result.exit_code == 2
    assert "deprecated" in result.output.lower()
    assert "say which Superset: --url or $SUPERSET_URL" in result.output
