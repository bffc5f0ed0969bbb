"""The `crm-analysis` command as a user types it."""
import json
import subprocess
import sys

import pytest

from crm_analysis.cli import main
from tests.helpers.notebooks import make_notebook


def run_cli(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "crm_analysis.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


def test_unknown_parameter_refused_before_kernel_starts(repo_root):
    proc = run_cli("run", "tour", "-p", "no_such_parameter", "1", cwd=repo_root)
    assert proc.returncode == 2
    assert "no_such_parameter" in proc.stderr and "valid parameters:" in proc.stderr
    assert "lang" in proc.stderr and "transactions" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_notebook_lists_the_known_ones(repo_root):
    proc = run_cli("run", "nosuch", cwd=repo_root)
    assert proc.returncode == 2 and "unknown notebook 'nosuch'" in proc.stderr and "tour" in proc.stderr


def test_list_shows_parameters_defaults_and_help(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "tour" in out and "lang: str = 'en'" in out
    assert main(["list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert all(spec["parameters"]["lang"]["help"] for spec in listing.values())
    assert all(p["help"] for spec in listing.values() for p in spec["parameters"].values()), "every parameter needs help"


def test_wrong_type_and_missing_file(capsys):
    assert main(["run", "tour", "-p", "transactions", "/no/such/file.txt"]) == 2
    err = capsys.readouterr().err
    assert "'transactions'" in err and "not found" in err


@pytest.mark.slow
def test_run_and_suite_from_the_command_line(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "nbs"
    make_notebook(folder, "demo")
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    reports = tmp_path / "reports"
    (tmp_path / "p.yaml").write_text("n: 5\ntitle: from yaml\n")
    assert main(["run", "demo", "-f", str(tmp_path / "p.yaml"), "-p", "scale", "2", "--name", "a",
                 "--reports-dir", str(reports), "--lang", "zh"]) == 0
    results = json.loads((reports / "demo-a" / "results.json").read_text())
    assert results["total"] == 20.0 and results["headline"] == "from yaml: n=5"
    assert json.loads((reports / "demo-a" / "provenance.json").read_text())["parameters"]["lang"] == "zh"
    (tmp_path / "suite.yaml").write_text(
        "reports_dir: out\nruns:\n  - {notebook: demo, name: c1, parameters: {n: 2}}\n"
        "  - {notebook: demo, name: c2, lang: zh, parameters: {n: 3}}\n")
    assert main(["report", "-f", str(tmp_path / "suite.yaml"), "--no-progress"]) == 0
    index = (tmp_path / "out" / "index.html").read_text()
    assert "demo-c1/report.html" in index and "demo-c2/report.html" in index
    # a bad run in a suite is refused before anything runs
    (tmp_path / "bad.yaml").write_text("runs:\n  - {notebook: demo, name: ok}\n  - {notebook: demo, parameters: {nope: 1}}\n")
    assert main(["report", "-f", str(tmp_path / "bad.yaml"), "--no-progress"]) == 2
    assert "run 2 (demo)" in capsys.readouterr().err
    assert not (tmp_path / "reports" / "demo-ok").exists()
    # a failing run: exit status 1, the message names the cell
    assert main(["run", "demo", "-p", "fail", "true", "--reports-dir", str(reports), "--name", "f"]) == 1
    assert "cell 6 of demo.ipynb" in capsys.readouterr().err


@pytest.mark.slow
def test_report_all_in_both_languages(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "nbs"
    make_notebook(folder, "demo")
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    assert main(["report", "--all", "--lang", "en", "--lang", "zh", "--reports-dir", str(tmp_path / "r"),
                 "--no-progress"]) == 0
    runs = sorted(p.name for p in (tmp_path / "r").iterdir() if p.is_dir())
    assert len(runs) == 2 and runs[0].endswith("-en") and runs[1].endswith("-zh")
    assert json.loads((tmp_path / "r" / runs[1] / "provenance.json").read_text())["parameters"]["lang"] == "zh"


def test_list_shows_the_learning_path_after_the_reports(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    heading = out.index("Learning path (notebooks/learn/)")
    assert out.index("tour  —") < heading < out.index("learn-csi-models  —") < out.index("learn-maturity  —")
    assert main(["list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["learn-segments"]["kind"] == "learn" and listing["csi"]["kind"] == "report"


def test_unknown_learning_notebook_names_the_learning_path(capsys):
    assert main(["run", "learn-nosuch"]) == 2
    err = capsys.readouterr().err
    assert "unknown notebook 'learn-nosuch'" in err and "learn-csi-models" in err
