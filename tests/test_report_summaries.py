"""The one-screen summary of the frameworks, maturity and simulation-study reports (issue 12, point 1):
the builders' figures equal the numbers they summarise, and each report opens with its summary."""
from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest

from crm_analysis.maturity.summary import (grade_distribution, maturity_actions, maturity_figures, maturity_summary,
                                           maturity_verdict, wilson_interval)
from crm_analysis.reporting.lang_cells import zh_punctuation_problems
from crm_analysis.segment.fair import FairComparison
from crm_analysis.segment.summary import (best_rows, frameworks_actions, frameworks_figures, frameworks_summary,
                                          frameworks_verdict, main_gap)
from crm_analysis.sem.study_summary import mc_overview, study_actions, study_figures, study_summary, study_verdict

CJK = re.compile(r"[\u4e00-\u9fff]")


def _no_half_width(texts):
    for text in texts:
        assert zh_punctuation_problems(text) == [], (text, zh_punctuation_problems(text))


# --- frameworks ------------------------------------------------------------------------------------

def _fair(captured, auc, supported, order_changed=()):
    """A FairComparison with given captured_at_20pct / auc per row and the pairs whose difference is supported."""
    rows = list(captured)
    table = pd.DataFrame({"row": rows, "kind": ["baseline" if r.endswith("_only") else "scheme" for r in rows],
                          "captured_at_20pct": [captured[r] for r in rows],
                          "captured_at_20pct_ci_low": [captured[r] - 0.02 for r in rows],
                          "captured_at_20pct_ci_high": [captured[r] + 0.02 for r in rows],
                          "auc": [auc[r] for r in rows], "auc_ci_low": [auc[r] - 0.01 for r in rows],
                          "auc_ci_high": [auc[r] + 0.01 for r in rows],
                          "order_changed": [r in order_changed for r in rows]})
    diffs = []
    for a, b in itertools.permutations(rows, 2):
        for stat, vals in (("captured_at_20pct", captured), ("auc", auc)):
            d = vals[a] - vals[b]
            sup = frozenset((a, b)) in supported
            diffs.append({"a": a, "b": b, "stat": stat, "difference": d, "ci_low": d - (0.001 if sup else 0.05),
                          "ci_high": d + (0.001 if sup else 0.05), "supported": sup})
    return FairComparison(table, pd.DataFrame(diffs), pd.DataFrame(), pd.DataFrame(), (0.2,), 100, 0.95)


FC = _fair({"clv": 0.684, "pareto": 0.60, "monetary_only": 0.661, "recency_only": 0.55},
           {"clv": 0.74, "pareto": 0.70, "monetary_only": 0.73, "recency_only": 0.759},
           supported={frozenset(("clv", "monetary_only")), frozenset(("clv", "pareto")), frozenset(("clv", "recency_only"))},
           order_changed=("pareto",))
COVERAGE = pd.DataFrame({"name": ["Data", "Privacy"], "full": [7, 1], "partial": [2, 0],
                         "frameworks_full": ["a, b", "ladder"], "frameworks_partial": ["c", ""]},
                        index=["data", "privacy"])
PAIRS = pd.DataFrame({"framework_a": ["payne", "idic"], "framework_b": ["gartner", "buttle"], "share": [0.26, 0.2]})
NAMES = {"payne": "Payne & Frow", "gartner": "Gartner", "ladder": "Five-level ladder"}


def test_frameworks_figures_are_the_numbers_they_summarise():
    assert best_rows(FC) == ("clv", "monetary_only")
    figs = dict(frameworks_figures(FC, "en", top_pairs=PAIRS, n_resamples=300, names=NAMES, coverage=COVERAGE))
    best = next(v for k, v in figs.items() if k.startswith("Best framework"))
    assert best == "BG/NBD + Gamma-Gamma predicted value: 68.4% [66.4%, 70.4%]"
    assert next(v for k, v in figs.items() if k.startswith("Best naive")).endswith("66.1% [64.1%, 68.1%]")
    assert next(v for k, v in figs.items() if k.startswith("Framework minus")) == "+2.3 [+2.2, +2.4]"
    assert next(v for k, v in figs.items() if k.startswith("Highest AUC")).endswith("0.759 [0.749, 0.769]")
    pair = next(v for k, v in figs.items() if k.startswith("Most similar"))
    assert pair.startswith("Payne & Frow / Gartner") and "26%" in pair and "300" in pair
    gap = next(v for k, v in figs.items() if k.startswith("Main capability gap"))
    assert gap.startswith("Privacy") and "only 1 framework (Five-level ladder)" in gap
    assert main_gap(COVERAGE)["name"] == "Privacy"


def test_frameworks_actions_follow_the_results():
    actions = frameworks_actions(FC, "en", names=NAMES, coverage=COVERAGE)
    assert len(actions) == 3
    assert actions[0].startswith("Target") and "68.4%" in actions[0] and "2.3 points more" in actions[0]
    assert "Pareto" in actions[1] or "pareto" in actions[1].lower()  # its learned order differs
    assert "Privacy" in actions[2]
    # a baseline the frameworks cannot beat: the simpler rule is recommended
    tied = _fair({"clv": 0.66, "monetary_only": 0.661}, {"clv": 0.7, "monetary_only": 0.72}, supported=set())
    first = frameworks_actions(tied, "en")[0]
    assert first.startswith("Target customers by the simpler Monetary value alone")
    # with no second coding, a second coder is asked for (when room is left)
    assert any("second, independent coder" in a for a in frameworks_actions(tied, "en", coverage=None))


def test_frameworks_verdict_says_what_the_intervals_and_the_coding_support():
    v = frameworks_verdict(FC, "en", top_pair_share=0.26)
    assert "separate BG/NBD" in v and "every other row" in v and "one coder" in v and "choice of capabilities" in v
    tied = _fair({"clv": 0.66, "monetary_only": 0.661}, {"clv": 0.7, "monetary_only": 0.72}, supported=set())
    assert "do not separate Monetary value alone (naive baseline) from BG/NBD" in frameworks_verdict(tied, "en")
    assert "α = 0.82" in frameworks_verdict(FC, "en", agreement_alpha=0.82)
    zh = frameworks_verdict(FC, "zh", agreement_alpha=0.5)
    assert "低于 0.667" in zh


def test_frameworks_summary_in_chinese_has_full_width_punctuation():
    s = frameworks_summary(FC, "zh", client="华东零售", wave="1997 Q4", top_pairs=PAIRS, n_resamples=300,
                           names=NAMES, coverage=COVERAGE)
    assert s.title == "CRM 框架比较" and s.client == "华东零售"
    md = s.markdown()
    assert md.startswith("## 摘要") and "优先行动" in md and "模型质量" in md
    _no_half_width([a for a in s.actions] + [s.verdict] + [v for _, v in s.figures if CJK.search(v)])
    assert s.to_results()["figures"][0]["text"].endswith("68.4% [66.4%, 70.4%]")


# --- maturity --------------------------------------------------------------------------------------

LEVELS = pd.DataFrame({"level": [1, 2, 3], "level_id": ["primary", "intermediate", "advanced"],
                       "name_en": ["Primary", "Intermediate", "Advanced"], "name_zh": ["初级", "中级", "高级"]})
GRADES = pd.DataFrame({"level": pd.array([1] * 6 + [2] * 3 + [3], dtype="Int64"),
                       "weakest": ["loyalty"] * 5 + ["image"] * 3 + [None] * 2,
                       "loyalty": [2.5] * 10, "image": [3.0] * 10},
                      index=[f"F{i:03d}" for i in range(10)])
REL = pd.DataFrame({"dimension": ["loyalty", "image"], "omega": [0.65, 0.88], "omega_low": [0.55, 0.8],
                    "omega_high": [0.72, 0.92]})
AGENDA = pd.DataFrame({"kind": ["dimension", "level"], "target": ["loyalty", "primary"],
                       "action": ["Reward repeat customers.", "Build the basics."]})
DIMS = {"loyalty": "Customer loyalty", "image": "Company image"}


def test_wilson_interval_and_grade_distribution():
    lo, hi = wilson_interval(6, 10)
    assert 0.31 < lo < 0.32 and 0.83 < hi < 0.84
    dist = grade_distribution(GRADES, LEVELS, "en")
    assert dist["firms"].tolist() == [6, 3, 1] and dist["share"].tolist() == [0.6, 0.3, 0.1]
    assert (dist["ci_low"] < dist["share"]).all() and (dist["share"] < dist["ci_high"]).all()


def test_maturity_summary_says_simulated_first():
    s = maturity_summary("simulated", GRADES, LEVELS, "en", reliability=REL, dim_names=DIMS,
                         stability={"median": 0.95, "below": 2, "firms": 10}, near=(0.03, 0.14), agenda=AGENDA,
                         graded_down=0.3)
    assert s.title.startswith("[SIMULATED DATA]")
    assert s.figures[0][1].startswith("SIMULATED") and s.verdict.startswith("Simulated data")
    figs = dict(s.figures)
    lo, hi = wilson_interval(6, 10)
    assert figs["Firms graded Primary (of 10)"] == f"6 · 60% [{lo:.0%}, {hi:.0%}]"
    assert figs["Reliability: the least reliable dimension (McDonald's ω)"].startswith("Customer loyalty 0.65 [0.55, 0.72]")
    assert figs["Grades changed by moving a threshold 0.1"] == "3%–14%"
    assert "1 dimension(s) below ω = 0.70" in s.verdict and "30%" in s.verdict
    real = maturity_summary("real", GRADES, LEVELS, "zh", reliability=REL, dim_names=DIMS)
    assert not real.title.startswith("【模拟数据】") and not real.verdict.startswith("模拟")


def test_maturity_actions_start_from_the_weakest_dimension():
    actions = maturity_actions(GRADES, LEVELS, "en", dim_names=DIMS, agenda=AGENDA,
                               stability={"median": 0.9, "below": 2, "firms": 10}, reliability=REL)
    assert actions[0].startswith("Strengthen Customer loyalty") and "5 of 10 firms" in actions[0]
    assert "mean score 2.50" in actions[0] and "Reward repeat customers." in actions[0]
    assert actions[1].startswith("For the 6 firms graded Primary") and "Build the basics." in actions[1]
    assert "Re-assess the 2 firm(s)" in actions[2]
    zh = maturity_actions(GRADES, LEVELS, "zh", dim_names={"loyalty": "客户忠诚度", "image": "公司形象"},
                          agenda=AGENDA.assign(action=["奖励回头客。", "打好基础。"]))
    assert zh[0].startswith("加强客户忠诚度") and "奖励回头客。" in zh[0] and "。。" not in zh[0]
    _no_half_width(zh)
    _no_half_width([maturity_verdict("simulated", "zh", reliability=REL, near=(0.03, 0.14), graded_down=0.3)])
    assert maturity_figures("real", GRADES, LEVELS, "en")[0][0] != "Data"


# --- simulation study ------------------------------------------------------------------------------

def _study_table():
    rows = []
    for n, est, kind, bias, cov, nc in [
            (100, "PLS", "loading", 0.07, np.nan, 0.0), (100, "PLS", "path", -0.05, 0.80, 0.0),
            (400, "PLS", "loading", 0.07, np.nan, 0.0), (400, "PLS", "path", -0.05, 0.60, 0.0),
            (100, "ML", "loading", 0.00, np.nan, 0.10), (100, "ML", "path", 0.01, 0.94, 0.10),
            (400, "ML", "loading", 0.00, np.nan, 0.0), (400, "ML", "path", 0.002, 0.95, 0.0)]:
        for p in range(2):  # two parameters of each kind
            rows.append({"n": n, "estimator": est, "kind": kind, "parameter": f"{kind}{p}", "replications": 100,
                         "used": 100, "sd": 0.04 * (p + 1), "bias": bias, "coverage": cov, "nonconvergence": nc,
                         "improper": 0.0})
    return pd.DataFrame(rows)


def test_mc_overview_gives_monte_carlo_standard_errors():
    ov = mc_overview(_study_table()).set_index(["n", "estimator", "kind"])
    row = ov.loc[(400, "PLS", "path")]
    assert row["bias"] == pytest.approx(-0.05)
    assert row["bias_mcse"] == pytest.approx((0.04 / 10 + 0.08 / 10) / 2)  # mean of sd / sqrt(used)
    assert row["coverage_mcse"] == pytest.approx(np.sqrt(0.6 * 0.4 / 100))


def test_study_summary_reports_the_classic_result():
    table = _study_table()
    figs = dict(study_figures(table, "en"))
    assert figs["PLS: bias at n = 400"] == "loadings +0.070 (MCSE 0.006); paths -0.050 (MCSE 0.006)"
    assert figs["PLS path bias, n = 100 → n = 400"] == "-0.050 → -0.050"
    assert "PLS 60% (MCSE 5%)" in figs["Coverage of the 95% intervals of the paths, n = 400"]
    actions = study_actions(table, "en")
    assert actions[0].startswith("Estimate the paths") and "CB-SEM (ML)" in actions[0]
    assert any("PLS (60%)" in a for a in actions) and any("did not converge in 10%" in a for a in actions)
    verdict = study_verdict(table, "en")
    assert "non-convergence 10% (CB-SEM (ML), n = 100)" in verdict
    s = study_summary(table, "zh", client="某大学")
    assert s.title == "模拟研究：PLS、PLSc 与 CB-SEM" and "蒙特卡罗标准误" in s.markdown()
    _no_half_width(list(s.actions) + [s.verdict])
    # no space after a full-width bracket: "CB-SEM（ML）而不是", "CB-SEM（ML）：94%"
    zh = "\n".join(list(s.actions) + [s.verdict] + [v for _, v in study_figures(table, "zh")])
    assert "CB-SEM（ML）而不是 PLS" in zh and "CB-SEM（ML）为 " in zh
    assert not re.search(r"） \S", zh), zh


# --- the reports open with their summary -----------------------------------------------------------

def _first_screen(outcome, lang):
    html = (outcome.output_dir / "report.html").read_text("utf-8")
    body = html[html.index("<main>"):]
    heading = "摘要" if lang == "zh" else "Summary"
    start = body.index(heading)
    return html, body, body[start:start + 6000]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_frameworks_report_opens_with_its_summary(tmp_path, lang):
    from crm_analysis.reporting.runner import run_notebook

    outcome = run_notebook("frameworks", {"bootstrap": 30, "client": "华东零售", "wave": "1997 Q4", "author": "A. Analyst"},
                           lang=lang, reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    html, body, first = _first_screen(outcome, lang)
    assert body.index("摘要" if lang == "zh" else "Summary") < body.index("附录" if lang == "zh" else "Appendix")
    assert "华东零售" in first and "1997 Q4" in first
    words = (["最佳框架细分", "最佳朴素基准", "优先行动", "模型质量", "主要能力空白"] if lang == "zh" else
             ["Best framework segmentation", "Best naive baseline", "Top actions", "Model quality", "Main capability gap"])
    assert all(w in first for w in words), [w for w in words if w not in first]
    assert re.search(r"\d+\.\d% \[\d+\.\d%, \d+\.\d%\]", first)  # a headline figure with its interval
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    s = results["summary"]
    assert s["client"] == "华东零售" and len(s["actions"]) == 3 and s["verdict"]
    assert s["title"] == ("CRM 框架比较" if lang == "zh" else "Comparing CRM frameworks")
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "华东零售" in index and "1997 Q4" in index
    if lang == "zh":
        assert "data/frameworks.yaml" not in html and "coding_agreement" not in html


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_maturity_report_opens_with_its_summary(tmp_path, lang):
    from crm_analysis.reporting.runner import run_notebook

    outcome = run_notebook("maturity", {"bootstrap": 20, "client": "示例集团", "wave": "2026"}, lang=lang,
                           reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    html, body, first = _first_screen(outcome, lang)
    assert body.index("摘要" if lang == "zh" else "Summary") < body.index("附录" if lang == "zh" else "Appendix")
    words = (["【模拟数据】", "模拟数据：仅用于检验软件", "评为初级的企业", "信度", "优先行动", "模型质量"] if lang == "zh" else
             ["[SIMULATED DATA]", "SIMULATED: a check of the software", "Firms graded Primary", "Reliability",
              "Top actions", "Model quality"])
    assert all(w in first for w in words), [w for w in words if w not in first]
    assert first.index(words[0]) < first.index(words[2])  # simulated is said before any figure
    assert "示例集团" in first and re.search(r"\d+% \[\d+%, \d+%\]", first)
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    assert results["summary"]["title"].startswith("【模拟数据】" if lang == "zh" else "[SIMULATED DATA]")
    assert len(results["summary"]["actions"]) == 3
    assert "示例集团" in (tmp_path / "index.html").read_text("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_study_report_opens_with_its_summary(tmp_path, lang):
    from crm_analysis.reporting.runner import run_notebook

    outcome = run_notebook("study", {"replications": 6, "bootstrap": 20, "n": [100, 200], "client": "某大学",
                                     "title": "PLS 偏差研究" if lang == "zh" else "PLS bias study"},
                           lang=lang, reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    html, body, first = _first_screen(outcome, lang)
    words = (["PLS 偏差研究", "某大学", "n = 200 时的偏差", "蒙特卡罗标准误", "优先行动", "模型质量"] if lang == "zh" else
             ["PLS bias study", "某大学", "bias at n = 200", "MCSE", "Top actions", "Model quality"])
    assert all(w in first for w in words), [w for w in words if w not in first]
    assert body.index("摘要" if lang == "zh" else "Summary") < body.index("附录" if lang == "zh" else "Appendix")
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    assert results["summary"]["client"] == "某大学" and results["summary"]["verdict"]
    assert "PLS 偏差研究" in (tmp_path / "index.html").read_text("utf-8") or lang == "en"


def test_study_verdict_when_every_fit_converged():
    table = _study_table().assign(nonconvergence=0.0)
    assert study_verdict(table, "en").startswith("Every fit converged to a proper solution")
    improper = table.assign(improper=np.where(table["estimator"] == "ML", 0.05, 0.0))
    v = study_verdict(improper, "zh")
    assert v.startswith("所有估计都收敛") and "不当解比率最高为 5%" in v


# --- learning path ---------------------------------------------------------------------------------

def test_learning_summaries_hold_the_figures_the_notebooks_find():
    from crm_analysis.teaching_summary import (csi_models_summary, maturity_learning_summary, measurement_summary,
                                               segments_summary)

    rec = pd.DataFrame({"bias_PLS": [-0.06, -0.04], "bias_CBSEM": [0.01, -0.01]})
    s = csi_models_summary(rec, 0.81, 0.70, {"estimate": 0.45, "se": 0.08, "ci_low": 0.3, "ci_high": 0.6}, 72.34,
                           "en", client="Course A")
    figs = dict(s.figures)
    assert figs["Mean bias of the paths"] == "PLS -0.050 · CB-SEM +0.000"
    assert figs["Image → Satisfaction, bootstrap by hand (95% interval)"] == "0.450 [0.300, 0.600], SE 0.080"
    assert figs["Satisfaction index (0-100)"] == "72.3" and "understates the paths by 0.050" in s.verdict
    md = s.markdown()
    assert md.index("What you will learn") < md.index("Key figure") < md.index("Takeaway") and "Course A" in md
    assert len(s.to_results()["actions"]) == 3

    m = measurement_summary(0.12, {"alpha": 0.88, "rho_a": 0.89, "ave": 0.7}, {"alpha": 0.80, "rho_a": 0.88, "ave": 0.55},
                            0.98, True, "zh")
    assert dict(m.figures)["质量：α，健康模型 → 含坏题项"] == "0.880 → 0.800"
    assert "HTMT 识别（0.98 > 0.85）" in m.verdict and "Fornell-Larcker 准则却让它们通过" in m.verdict

    ev = pd.DataFrame({"scheme": ["mean_split", "clv"], "auc": [0.68, 0.71]})
    g = segments_summary(0.31, {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 2.4}, 0.55, ev, "zh",
                         scheme_titles={"clv": ("CLV (predicted)", "CLV(预测)")})
    figs = dict(g.figures)
    assert figs["贡献 80% 收入的客户（帕累托）"] == "31%" and figs["BG/NBD 平均购买速率 r/α"] == "每周 0.050 次"
    assert figs["每次购买后离开的概率 a/(a+b)"] == "0.25" and figs["保留期最高 AUC（再次购买）"] == "CLV（预测）：0.710"

    grades = pd.DataFrame({"name_en": ["Primary"] * 3 + ["Advanced"], "name_zh": ["初级"] * 3 + ["高级"]})
    rel = pd.DataFrame({"omega": [0.8, 0.7], "omega_low": [0.7, 0.6], "omega_high": [0.9, 0.8]})
    k = maturity_learning_summary(grades, 0.62, {"reproducibility": 0.93, "scalability": 0.7, "loevinger_h": 0.55}, rel, "en")
    figs = dict(k.figures)
    assert k.figures[0][0] == "Data" and figs["Grades of the 4 firms"] == "Primary 3, Advanced 1"
    assert figs["Lowest reliability (McDonald's ω, 95% interval)"] == "0.70 [0.60, 0.80]" and "scales" in k.verdict
    for summary in (m, g, maturity_learning_summary(grades, 0.62, {"reproducibility": 0.8, "scalability": 0.4,
                                                                   "loevinger_h": 0.3}, rel, "zh")):
        _no_half_width(list(summary.actions) + [summary.verdict])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["learn-csi-models", "learn-measurement", "learn-segments", "learn-maturity"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_learning_notebook_opens_with_what_it_teaches(tmp_path, name, lang):
    from crm_analysis.reporting.runner import run_notebook

    outcome = run_notebook(name, {"client": "Course A", "wave": "2026 spring"}, lang=lang, reports_dir=tmp_path)
    assert outcome.ok, outcome.error
    html, body, first = _first_screen(outcome, lang)
    words = ["你将学到", "关键数字", "要点"] if lang == "zh" else ["What you will learn", "Key figure", "Takeaway"]
    assert all(w in first for w in words) and "Course A" in first and "2026 spring" in first
    assert first.count("<li>") >= 3 or first.count("\n") > 3
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    assert len(results["summary"]["actions"]) == 3 and results["summary"]["verdict"]


@pytest.mark.slow
def test_frameworks_summary_uses_a_second_coding_when_given(tmp_path):
    from crm_analysis import frameworks
    from crm_analysis.reporting.runner import run_notebook

    long = frameworks.capability_matrix().stack().rename("level").reset_index()
    long.columns = ["framework", "capability", "level"]
    long.loc[::7, "level"] = (long.loc[::7, "level"] + 1) % 3  # the second coder disagrees on every seventh cell
    coding = tmp_path / "second_coding.csv"
    long.to_csv(coding, index=False)
    expected = frameworks.coding_agreement(coding_b=long).loc["overall", "alpha"]
    outcome = run_notebook("frameworks", {"bootstrap": 20, "second_coding": str(coding)}, lang="zh",
                           reports_dir=tmp_path / "r")
    assert outcome.ok, outcome.error
    results = json.loads((outcome.output_dir / "results.json").read_text("utf-8"))
    assert results["coding"]["codings"] == 2 and results["coding"]["second_coding"] == "second_coding.csv"
    assert results["coding"]["krippendorff_alpha"] == pytest.approx(expected)
    assert f"Krippendorff's α = {expected:.2f}" in results["summary"]["verdict"]
    assert not any("第二位独立编码者" in a for a in results["summary"]["actions"])
