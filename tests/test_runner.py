"""The pipeline end to end on a small notebook: run folder, atomic output, failures."""
import json

import pytest

from crm_analysis.reporting.runner import run_notebook
from tests.helpers.notebooks import make_notebook

pytestmark = pytest.mark.slow


@pytest.fixture()
def nb_dir(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    make_notebook(folder, "demo")
    monkeypatch.setenv("CRM_ANALYSIS_NOTEBOOKS", str(folder))
    return folder


def test_run_writes_complete_folder(nb_dir, tmp_path):
    reports = tmp_path / "reports"
    data = tmp_path / "in.csv"
    data.write_text("a,b\n1,2\n")
    outcome = run_notebook("demo", {"n": 4, "data": str(data)}, reports_dir=reports, run_name="client-a")
    assert outcome.ok, outcome.error
    out = reports / "demo-client-a"
    assert outcome.output_dir == out
    for name in ("demo.ipynb", "report.html", "results.json", "provenance.json", "figures/points.png", "figures/points.svg"):
        assert (out / name).is_file(), name
    results = json.loads((out / "results.json").read_text())
    assert results == {"n": 4, "total": 9.0, "headline": "demo: n=4", "warnings": []}
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["parameters"]["n"] == 4 and prov["status"] == "ok"
    import hashlib
    assert prov["inputs"]["data"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert prov["started"] <= prov["finished"] and prov["packages"]["pandas"]
    html = (out / "report.html").read_text()
    assert "<img" in html and "deliberate" not in html
    assert "save_figure" not in html  # client version: no code
    index = (reports / "index.html").read_text()
    assert "demo-client-a/report.html" in index and "demo: n=4" in index
    assert not [p for p in reports.iterdir() if ".tmp" in p.name]  # no temporary folder left
    assert (reports / ".crm-analysis-reports").is_file()  # the suite owns this folder: it may write index.html


def test_with_code_keeps_code_cells(nb_dir, tmp_path):
    outcome = run_notebook("demo", {}, reports_dir=tmp_path / "r", with_code=True)
    assert outcome.ok and "save_figure" in (outcome.output_dir / "report.html").read_text()


def test_chinese_report(nb_dir, tmp_path):
    outcome = run_notebook("demo", {}, lang="zh", reports_dir=tmp_path / "r")
    html = (outcome.output_dir / "report.html").read_text()
    assert outcome.ok and "结果" in html and 'lang="zh-CN"' in html and "演示" in html


def test_failure_keeps_earlier_report_and_partial_notebook(nb_dir, tmp_path):
    reports = tmp_path / "reports"
    first = run_notebook("demo", {"n": 2}, reports_dir=reports, run_name="x")
    assert first.ok
    before = (first.output_dir / "results.json").read_text()
    second = run_notebook("demo", {"n": 5, "fail": True}, reports_dir=reports, run_name="x")
    assert not second.ok
    assert "cell 6 of demo.ipynb" in second.error and "RuntimeError" in second.error and "deliberate failure" in second.error
    failed = reports / "demo-x.failed"
    assert second.output_dir == failed
    assert (failed / "demo.ipynb").is_file() and "deliberate failure" in (failed / "error.txt").read_text()
    # the earlier report is untouched
    assert (first.output_dir / "results.json").read_text() == before
    assert json.loads((failed / "results.json").read_text())["n"] == 5  # partial results kept
    assert "failed" in (reports / "index.html").read_text()


def test_rerun_with_same_name_keeps_previous(nb_dir, tmp_path):
    reports = tmp_path / "reports"
    first = run_notebook("demo", {"n": 2}, reports_dir=reports, run_name="y")
    second = run_notebook("demo", {"n": 3}, reports_dir=reports, run_name="y")
    # the earlier run keeps its folder (the path printed for it stays valid); the new one gets -2
    assert first.output_dir == reports / "demo-y" and second.output_dir == reports / "demo-y-2"
    assert json.loads((reports / "demo-y" / "results.json").read_text())["n"] == 2
    assert json.loads((reports / "demo-y-2" / "results.json").read_text())["n"] == 3


def test_same_inputs_and_parameters_give_the_same_report(nb_dir, tmp_path):
    """Repeatable reports: results, figures and notebook outputs are identical across runs."""
    a = run_notebook("demo", {"n": 6}, reports_dir=tmp_path / "a", run_name="r")
    b = run_notebook("demo", {"n": 6}, reports_dir=tmp_path / "b", run_name="r")
    for name in ("results.json", "figures/points.png", "figures/points.svg"):
        assert (a.output_dir / name).read_bytes() == (b.output_dir / name).read_bytes(), name

    def outputs(folder):
        nb = json.loads((folder / "demo.ipynb").read_text())
        return [c.get("outputs") for c in nb["cells"]]
    assert outputs(a.output_dir) == outputs(b.output_dir)


def test_provenance_parts(tmp_path):
    import hashlib

    from crm_analysis.reporting.provenance import git_state, package_versions, sha256_file

    f = tmp_path / "x.bin"
    f.write_bytes(b"abc" * 100000)
    assert sha256_file(f, chunk=1000) == hashlib.sha256(b"abc" * 100000).hexdigest()
    versions = package_versions()
    import crm_analysis
    assert versions["python"] and versions["pandas"] and versions["crm-analysis"] == crm_analysis.__version__
    assert package_versions(("no-such-package-xyz",))["no-such-package-xyz"] is None
    assert git_state(tmp_path) is None  # not a git checkout
    from tests.conftest import ROOT
    state = git_state(ROOT)
    assert state is None or len(state["commit"]) == 40
