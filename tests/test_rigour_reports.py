"""The maturity and frameworks reports carry the research-rigour labels of issue 16 (pipeline runs)."""
import json

import pytest

from crm_analysis.reporting.notebooks import list_notebooks
from crm_analysis.reporting.runner import run_notebook
from crm_analysis import frameworks

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


def test_frameworks_report_compares_schemes_like_with_like(tmp_path):
    spec = SPECS["frameworks"]
    outcome = run_notebook("frameworks", spec.test_parameters, lang="en", reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    rows = {r["row"]: r for r in results["fair_comparison"]}
    assert {"recency_only", "frequency_only", "monetary_only", "mean_split", "clv"} <= set(rows)
    for r in rows.values():
        for key in ("captured_at_10pct", "captured_at_20pct", "captured_at_30pct", "auc_ci_low", "auc_ci_high",
                    "gini_ci_low", "captured_at_20pct_ci_high", "lift_at_20pct_ci_low", "proxy_en"):
            assert r[key] is not None, key
    assert results["scheme_differences"] and results["segment_orders"]
    assert "[" in results["headline"]  # the headline's AUC carries its interval
    html = (outcome.output_dir / "report.html").read_text("utf-8")
    assert "naive baseline" in html and "bootstrap interval" in html


def test_frameworks_report_states_the_coding_and_its_uncertainty(tmp_path):
    outcome = run_notebook("frameworks", SPECS["frameworks"].test_parameters, lang="zh", reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    # two independent codings ship with the package: alpha from them, every disagreement adjudicated
    assert results["coding"]["codings"] == 2 and results["coding"]["adjudicated"] is True
    alpha = frameworks.coding_agreement().loc["overall", "alpha"]
    assert results["coding"]["krippendorff_alpha"] == pytest.approx(alpha)
    assert len(results["coding_resolution"]) == results["coding"]["n_disagreements"] == len(frameworks.resolution())
    assert {r["metric"] for r in results["similarity_sensitivity"]} == {"jaccard", "ruzicka", "manhattan", "cosine"}
    assert results["cluster_bootstrap_top_pairs"] and results["cluster_stability"]
    assert any(r["quote_status"] == "quoted" for r in results["capability_evidence"])
    html = (outcome.output_dir / "report.html").read_text("utf-8")
    assert "Krippendorff" in html and "编码手册" in html and "证据等级" in html
