"""The maturity and frameworks reports carry the research-rigour labels of issue 16 (pipeline runs)."""
import json

import pytest

from crm_analysis.reporting.notebooks import list_notebooks
from crm_analysis.reporting.runner import run_notebook

pytestmark = pytest.mark.slow
SPECS = list_notebooks()


@pytest.mark.parametrize("lang, banner, prefix", [("en", "Simulated data", "[SIMULATED DATA]"),
                                                  ("zh", "模拟数据", "【模拟数据】")])
def test_maturity_report_on_simulated_data_says_so(tmp_path, lang, banner, prefix):
    outcome = run_notebook("maturity", SPECS["maturity"].test_parameters, lang=lang, reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    assert results["data_kind"] == "simulated"
    assert results["headline"].startswith(prefix)
    assert results["verification_validation"]
    html = (outcome.output_dir / "report.html").read_text("utf-8")
    # the banner at the top and a label in every numbered section
    assert html.count(banner) >= 10
