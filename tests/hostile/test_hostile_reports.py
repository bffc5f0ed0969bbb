"""Hostile corpus: report folders, parameter files, suites (nothing the user has is overwritten)."""
from __future__ import annotations

import json
import re

import pytest

from tests.helpers.notebooks import make_notebook
from tests.hostile.corpus import Case, run_case


@pytest.fixture(autouse=True)
def demo_notebooks(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("nb") / "notebooks"
    make_notebook(folder, "demo")
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))


def _site_index_untouched(folder, text):
    assert (folder / "site" / "index.html").read_text() == "<p>my web site</p>"
    assert (folder / "site" / "tour-q3" / "report.html").is_file()
    assert not (folder / "site" / ".crm-analysis-reports").exists()


def _history_untouched(folder, text):
    assert (folder / "reports" / "index.html").read_text() == "<p>my run history</p>"
    assert (folder / "reports" / "2024.txt").read_text() == "old"
    assert not (folder / "reports.previous").exists()


def _file_untouched(folder, text):
    assert (folder / "out").read_text() == "precious"


def _forced_moved_aside(folder, text):
    assert (folder / "reports.previous" / "index.html").read_text() == "<p>my run history</p>"
    assert (folder / "reports" / "report.html").is_file()
    assert "moved to" in text


def _foreign_reports_dir(folder, text):
    assert (folder / "site" / "index.html").read_text() == "<p>my web site</p>"
    assert (folder / "site" / "demo-a" / "report.html").is_file()
    assert "index.html not written" in text


def _yaml_relative(folder, text):
    out = next((folder / "reports").glob("demo-*/provenance.json"))
    prov = json.loads(out.read_text())
    assert prov["inputs"]["data"]["path"] == str(folder / "sub" / "in.csv")


CASES = [
    Case("output-dir-inside-a-web-site", ["run", "demo", "--output-dir", "site/tour-q3"], 0,
         files={"site/index.html": "<p>my web site</p>"}, check=_site_index_untouched, slow=True),
    Case("output-dir-is-a-foreign-folder", ["run", "demo", "--output-dir", "reports"], 2,
         files={"reports/index.html": "<p>my run history</p>", "reports/2024.txt": "old"},
         says=("not a report of crm-analysis", "--force"), check=_history_untouched),
    Case("output-dir-is-a-file", ["run", "demo", "--output-dir", "out"], 2, files={"out": "precious"},
         says=("existing file", "--force"), check=_file_untouched),
    Case("output-dir-forced-moves-aside", ["run", "demo", "--output-dir", "reports", "--force"], 0,
         files={"reports/index.html": "<p>my run history</p>"}, check=_forced_moved_aside, slow=True),
    Case("reports-dir-with-a-foreign-index", ["run", "demo", "--reports-dir", "site", "--name", "a"], 0,
         files={"site/index.html": "<p>my web site</p>"}, check=_foreign_reports_dir, slow=True),
    Case("output-dir-under-proc", ["run", "demo", "--output-dir", "/proc/x"], 2, says=("/proc/x", "cannot write")),
    Case("output-dir-under-a-file", ["run", "demo", "--output-dir", "/dev/null/x"], 2,
         says=("/dev/null/x", "is a file, not a folder")),
    Case("yaml-paths-stay-relative-to-the-yaml-with-p",
         ["run", "demo", "-f", "sub/params.yaml", "-p", "n", "2", "--reports-dir", "reports"], 0,
         files={"sub/params.yaml": "data: in.csv\n", "sub/in.csv": "a\n1\n", "in.csv": "other\n2\n"},
         check=_yaml_relative, slow=True),
    Case("suite-quoted-boolean", ["report", "-f", "suite.yaml"], 2,
         files={"suite.yaml": 'runs:\n  - {notebook: demo, with_code: "false"}\n'},
         says=("with_code", "expected true or false")),
    Case("suite-numeric-notebook", ["report", "-f", "suite.yaml"], 2,
         files={"suite.yaml": "runs:\n  - {notebook: 12}\n"}, says=("notebook", "expected text")),
    Case("suite-not-a-mapping", ["report", "-f", "suite.yaml"], 2,
         files={"suite.yaml": "- a\n- b\n"}, says=("expected a mapping",)),
    Case("params-file-is-a-list", ["run", "demo", "-f", "p.yaml"], 2, files={"p.yaml": "- 1\n"},
         says=("p.yaml", "expected a mapping")),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_hostile_reports(case, tmp_path, capsys, monkeypatch):
    run_case(case, tmp_path, capsys, monkeypatch)


@pytest.mark.slow
def test_two_runs_with_the_same_name_print_two_paths(tmp_path, capsys, monkeypatch):
    from crm_analysis.cli import main

    monkeypatch.chdir(tmp_path)
    paths = []
    for n in ("2", "3"):
        assert main(["run", "demo", "--name", "y", "--reports-dir", "r", "-p", "n", n]) == 0
        paths.append(capsys.readouterr().out.splitlines()[0])
    assert paths[0] != paths[1]
    assert json.loads(open(paths[0].replace("report.html", "results.json")).read())["n"] == 2
    assert json.loads(open(paths[1].replace("report.html", "results.json")).read())["n"] == 3


def test_stale_temporary_folders_are_removed(tmp_path):
    from crm_analysis.reporting.output_dir import clean_stale_tmp

    dead = tmp_path / ".demo-x.tmp-999999999-0123abcd"  # no such process
    dead.mkdir()
    mine = tmp_path / ".demo-y.tmp-1-0123abcd"  # pid 1 is alive
    mine.mkdir()
    user = tmp_path / ".config"
    user.mkdir()
    assert clean_stale_tmp(tmp_path) == [dead]
    assert not dead.exists() and mine.exists() and user.exists()


@pytest.mark.slow
def test_interrupted_run_leaves_no_temporary_folder(tmp_path, monkeypatch):
    import papermill

    from crm_analysis.reporting.runner import run_notebook

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_notebook("demo", {}, reports_dir=tmp_path / "r", run_name="z")
    assert not [p for p in (tmp_path / "r").iterdir() if re.match(r"\..*tmp", p.name)]


def test_broken_notebook_file(tmp_path, capsys):
    from crm_analysis.cli import main

    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [')
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "broken.ipynb: not a readable Jupyter notebook" in err and "Traceback" not in err


@pytest.mark.slow
def test_ctrl_c_prints_one_line_and_leaves_nothing(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "nb"
    make_notebook(folder, "sleepy", body=["import time\ntime.sleep(60)"])
    env = dict(os.environ, CRM_ANALYSIS_NOTEBOOKS=str(folder))
    proc = subprocess.Popen([sys.executable, "-m", "crm_analysis.cli", "run", "sleepy", "--reports-dir", str(tmp_path / "r")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, process_group=0,
                            # as at a terminal: a shell that started these tests in the background
                            # ignores Ctrl-C for its children, which would make the command sleep on
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not list((tmp_path / "r").glob(".sleepy-*.tmp-*")):
        time.sleep(0.2)
    time.sleep(6)  # the kernel is up and in the sleeping cell
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not [p for p in (tmp_path / "r").iterdir() if ".tmp-" in p.name]
