"""Every notebook of the suite, executed by papermill in a real kernel through the pipeline.

Each runs with the small ``test_parameters`` from its metadata, in Chinese (the English
defaults run in ``make report``); the run folder must be complete.
"""
import json

import nbformat
import pytest

from crm_analysis.reporting.notebooks import list_notebooks
from crm_analysis.reporting.runner import run_notebook

pytestmark = pytest.mark.slow
SPECS = list_notebooks()
# what each notebook's results.json must hold (the issues name these)
RESULT_KEYS = {
    "csi": ("paths", "r_squared", "reliability", "htmt", "index", "ipma", "fit", "summary", "vif", "f_squared",
            "cross_loadings", "fornell_larcker"),
    "tracking": ("waves", "changes", "invariance", "driver_changes", "summary"),
    "frameworks": ("segment_counts", "evaluation"),
    "maturity": ("grades", "reliability", "kappa", "guttman"),
    "tour": ("rows_read", "customers", "timeline", "summary"),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_notebook_runs_through_pipeline(name, tmp_path):
    spec = SPECS[name]
    assert spec.title.get("en") and spec.title.get("zh"), "bilingual title"
    assert "lang" in spec.parameters and spec.parameters["lang"].choices == ("en", "zh")
    outcome = run_notebook(name, spec.test_parameters, lang="zh", reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    out = outcome.output_dir
    results = json.loads((out / "results.json").read_text("utf-8"))
    assert results.get("headline"), "results.json needs a headline for the index page"
    for key in RESULT_KEYS.get(name, ()):
        assert results.get(key), f"results.json lacks {key!r}"
    figures = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert figures and figures == sorted(p.stem for p in (out / "figures").glob("*.svg"))
    html = (out / "report.html").read_text("utf-8")
    assert "<img" in html and 'lang="zh-CN"' in html
    assert "Traceback" not in html
    assert "$$" not in html, "display equations are rendered (MathML), not left as LaTeX"
    # Chinese labels rendered: no missing-glyph or font-lookup warnings from matplotlib
    nb = json.loads((out / f"{name}.ipynb").read_text("utf-8"))
    stderr = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", [])
                     if o.get("name") == "stderr")
    assert "Glyph" not in stderr and "findfont" not in stderr, stderr[:500]
    # the report keeps the reader's language: the English prose cells are gone from notebook and page
    tags = [t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])]
    assert "lang-zh" in tags and "lang-en" not in tags
    english = [c for c in nbformat.read(str(spec.path), as_version=4).cells if "lang-en" in c.metadata.get("tags", [])]
    assert english and not any(c.source.splitlines()[0].lstrip("# ") in html for c in english)


def test_an_english_report_has_no_chinese_prose(tmp_path):
    spec = SPECS["tour"]
    outcome = run_notebook("tour", spec.test_parameters, lang="en", reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    nb = nbformat.read(str(outcome.output_dir / "tour.ipynb"), as_version=4)
    tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert "lang-en" in tags and "lang-zh" not in tags
    html = (outcome.output_dir / "report.html").read_text("utf-8")
    assert "Checking the file" in html and "检查数据文件" not in html


def test_csi_notebook_on_the_real_mobi_data(shared_dir, tmp_path):
    """The issue's command: `-p data ../shared/data/ecsi_mobi.csv -p model ecsi` (small bootstrap)."""
    outcome = run_notebook("csi", {"data": str(shared_dir / "data" / "ecsi_mobi.csv"), "model": "ecsi",
                                   "bootstrap": 100}, reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    for key in ("paths", "r_squared", "reliability", "htmt", "index", "ipma", "fit"):
        assert results.get(key), key
    # the report shows lavaan's solution (issue 9: semopy had stopped at 575.763 and called it converged)
    assert results["fit"]["cbsem"]["chi2"] == pytest.approx(575.571, abs=1e-3)
    check = results["cbsem_check"]
    assert check["converged"] and check["proper"] and check["largest_gradient"] < 1e-6
    html = (outcome.output_dir / "report.html").read_text("utf-8")
    assert "CB-SEM: improper solution" not in html and "collinearity note" in html
    prov = json.loads((outcome.output_dir / "provenance.json").read_text("utf-8"))
    assert prov["inputs"]["data"]["path"].endswith("ecsi_mobi.csv") and len(prov["inputs"]["data"]["sha256"]) == 64


def test_maturity_client_page(tmp_path):
    outcome = run_notebook("maturity", {**SPECS["maturity"].test_parameters, "firm": "F007"}, reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    html = (outcome.output_dir / "report.html").read_text("utf-8")
    assert "F007" in html and (outcome.output_dir / "figures").is_dir()


def test_a_notebook_runs_from_its_own_folder_as_in_jupyterlab(repo_root, tmp_path, monkeypatch):
    """JupyterLab starts the kernel in notebooks/: default paths must still resolve (no pipeline)."""
    import papermill as pm

    monkeypatch.delenv("CRM_ANALYSIS_RUN_DIR", raising=False)
    pm.execute_notebook(str(repo_root / "notebooks" / "tour.ipynb"), str(tmp_path / "tour.ipynb"),
                        parameters={"freq": "M"}, cwd=str(repo_root / "notebooks"), kernel_name="python3",
                        progress_bar=False)
    assert not list(tmp_path.glob("results.json"))  # outside the pipeline nothing is written


@pytest.mark.parametrize("name", [n for n, s in SPECS.items() if s.kind == "learn"])
def test_learning_notebook_runs_in_english(name, tmp_path):
    """The learning path runs in both languages (the parametrised test above runs it in Chinese)."""
    outcome = run_notebook(name, SPECS[name].test_parameters, lang="en", reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    nb = nbformat.read(str(outcome.output_dir / f"{name}.ipynb"), as_version=4)
    assert not [c for c in nb.cells if "lang-zh" in c.metadata.get("tags", [])]
