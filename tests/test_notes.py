"""Warnings raised while a notebook runs reach the reader: results.json, the CLI, the report."""
import json
import warnings

import pytest

from crm_analysis.reporting import notes
from crm_analysis.reporting.html import notes_box
from tests.helpers.notebooks import BODY, make_notebook

WARNING_CELL = (
    "import warnings\n"
    "from crm_analysis.reporting.notes import note\n"
    "warnings.warn('the data look odd')\n"
    "note('few-rows', 'Only 3 rows: read the results with care.', '仅有 3 行数据：请谨慎解读结果。')"
)


def test_collector_records_warnings_and_notes_in_the_language(tmp_path, monkeypatch):
    monkeypatch.setenv(notes.LANG_ENV, "zh")
    original = warnings.showwarning
    try:
        assert notes.install_collector(tmp_path)
        assert notes.install_collector(tmp_path)  # twice: still one record per warning
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            for _ in range(3):
                warnings.warn("Glyph 23458 missing\nfrom font(s) DejaVu Sans.")
            notes.note("few-rows", "Only 3 rows.", "仅有 3 行。")
    finally:
        warnings.showwarning = original
    got = notes.read_notes(tmp_path)
    assert got == [{"code": "UserWarning", "message": "（英文原文）Glyph 23458 missing from font(s) DejaVu Sans.", "count": 3},
                   {"code": "few-rows", "message": "仅有 3 行。", "count": 1}]
    (tmp_path / "results.json").write_text('{"n": 1}')
    assert notes.collect_into_results(tmp_path) == got
    assert json.loads((tmp_path / "results.json").read_text()) == {"n": 1, "warnings": got}
    assert not (tmp_path / notes.NOTES_FILE).exists()
    lines = notes.summary_lines(got)
    assert lines[0] == "4 warning(s) during the run (2 different):" and "(x3)" in lines[1]


def test_collector_is_inactive_outside_a_pipeline_run(monkeypatch):
    monkeypatch.delenv("CRM_ANALYSIS_RUN_DIR", raising=False)
    before = warnings.showwarning
    assert notes.install_collector() is False and warnings.showwarning is before


def test_notes_box_escapes_and_speaks_the_readers_language():
    box = notes_box([{"code": "x", "message": "<b>bad</b>", "count": 2}], "zh")
    assert "运行中的提示" in box and "&lt;b&gt;" in box and "<b>" not in box and "共2 次" in box
    assert "Notes from the run (1)" in notes_box([{"code": "x", "message": "m", "count": 1}], "en")
    assert notes_box([], "en") == ""


@pytest.fixture()
def warn_dir(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    make_notebook(folder, "demo", body=[WARNING_CELL, *BODY])
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    return folder


@pytest.mark.slow
def test_warnings_reach_results_cli_and_report(warn_dir, tmp_path, capsys):
    from crm_analysis.cli import main

    reports = tmp_path / "reports"
    assert main(["run", "demo", "--lang", "zh", "--reports-dir", str(reports), "--name", "a"]) == 0
    err = capsys.readouterr().err
    assert "2 warning(s) during the run:" in err and "仅有 3 行数据" in err
    out = reports / "demo-a"
    got = json.loads((out / "results.json").read_text())["warnings"]
    assert {"code": "few-rows", "message": "仅有 3 行数据：请谨慎解读结果。", "count": 1} in got
    assert {"code": "UserWarning", "message": "（英文原文）the data look odd", "count": 1} in got
    html = (out / "report.html").read_text()
    assert '<aside class="notes">' in html and "仅有 3 行数据" in html and "运行中的提示（2 条）" in html
    assert not (out / notes.NOTES_FILE).exists()

    # --strict: the same run fails, kept as .failed, exit 1
    assert main(["run", "demo", "--reports-dir", str(reports), "--name", "b", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "--strict" in err and "Only 3 rows" in err
    assert (reports / "demo-b.failed").is_dir() and not (reports / "demo-b").exists()


@pytest.mark.slow
def test_a_run_without_warnings_has_an_empty_list(tmp_path, monkeypatch, capsys):
    from crm_analysis.cli import main

    folder = tmp_path / "notebooks"
    make_notebook(folder, "demo")
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    assert main(["run", "demo", "--reports-dir", str(tmp_path / "r"), "--name", "c", "--strict"]) == 0
    assert "warning" not in capsys.readouterr().err
    results = json.loads((tmp_path / "r" / "demo-c" / "results.json").read_text())
    assert results["warnings"] == [] and '<aside class="notes">' not in (tmp_path / "r" / "demo-c" / "report.html").read_text()
