"""Tables as a report reader sees them: language, rounding, words for booleans and missing values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.csi.quality import VERDICT_COLOURS, reason_text, style_verdicts
from crm_analysis.errors import ParameterError
from crm_analysis.reporting.tables import header, show_table


def _cells(styler) -> list[list[str]]:
    """The displayed cell texts, row by row."""
    return styler.data.values.tolist()


def _headers(styler) -> list[str]:
    return [str(c) for c in styler.data.columns]


def test_headers_follow_the_language() -> None:
    df = pd.DataFrame({"from": ["A"], "to": ["B"], "estimate": [0.5], "ci_low": [0.1], "own": [1.0]})
    assert _headers(show_table(df, "zh")) == ["自", "至", "估计值", "置信区间下限", "own"]
    assert _headers(show_table(df, "en")) == ["from", "to", "estimate", "CI low", "own"]
    assert _headers(show_table(df, "zh", columns={"own": ("own", "自定义")})) == ["自", "至", "估计值", "置信区间下限", "自定义"]
    assert header("p", "zh") == "p 值" and header("unknown", "zh") == "unknown"


def test_range_index_hidden_meaningful_index_kept() -> None:
    df = pd.DataFrame({"estimate": [0.5, 0.25]})
    html = show_table(df).to_html()
    assert 'class="row_heading' not in html
    named = df.set_axis(pd.Index(["IMAG", "SAT"], name="construct"))
    st = show_table(named, "zh")
    assert _headers(st) == ["构念", "估计值"] and _cells(st) == [["IMAG", "0.500"], ["SAT", "0.250"]]
    assert 'class="row_heading' not in st.to_html()
    # numbers stay right-aligned when the index becomes a column
    assert "row0_col1" in st.to_html().split("text-align")[0]


def test_numbers_rounded_counts_whole_percent_and_p() -> None:
    df = pd.DataFrame({"estimate": [0.43, 13.0, 1234.56789], "n": [120.0, 5.0, 3.0], "share": [0.1564, 0.5, 1.0],
                       "p": [2e-5, 0.0123, 0.5]})
    rows = _cells(show_table(df, percent=["share"], digits={"estimate": 2}))
    assert rows[0] == ["0.43", "120", "16%", "< 0.001"]
    assert rows[1] == ["13.00", "5", "50%", "0.012"]
    assert rows[2][0] == "1,234.57"
    # numbers right-aligned, text left
    html = show_table(pd.DataFrame({"name": ["a"], "estimate": [1.5]})).to_html()
    assert "text-align: right" in html and "row0_col1" in html.split("text-align")[0]


def test_booleans_read_as_words() -> None:
    df = pd.DataFrame({"negative_weights": [False, True]})
    assert _cells(show_table(df, "zh")) == [["否"], ["是"]]
    assert _cells(show_table(df, "en")) == [["no"], ["yes"]]


def test_missing_values_need_words() -> None:
    df = pd.DataFrame({"segment": ["new", "lost"], "repeat_rate": [np.nan, 0.12]})
    with pytest.raises(ParameterError, match="repeat_rate"):
        show_table(df)
    rows = _cells(show_table(df, "zh", missing={"repeat_rate": ("no customers", "无客户")}))
    assert rows[0] == ["new", "无客户"]
    assert "NaN" not in show_table(df, missing="n/a").to_html()


def test_coded_values_and_dropped_columns() -> None:
    df = pd.DataFrame({"status": ["covered", "gap"], "id": ["x", "y"]})
    st = show_table(df, "zh", columns={"id": None}, values={"status": {"covered": ("covered", "已覆盖"), "gap": "缺口"}})
    assert _cells(st) == [["已覆盖"], ["缺口"]]
    with pytest.raises(ParameterError, match="same header"):
        show_table(df, columns={"id": "status"})
    with pytest.raises(ParameterError):
        show_table([1, 2])
    # the caller's frame is left alone
    assert list(df.columns) == ["status", "id"]


def test_verdict_tables_in_chinese() -> None:
    rel = pd.DataFrame({"alpha": [0.65, 1.0], "verdict_alpha": ["warning", "n/a"], "verdict": ["warning", "n/a"],
                        "reason": ["alpha 0.60-0.70; AVE < 0.50", "single item"]},
                       index=pd.Index(["Expectation", "Complaints"], name="construct"))
    st = style_verdicts(rel, lang="zh", labels={"Expectation": "顾客预期", "Complaints": "顾客抱怨"})
    html = st.to_html()
    for text in ["顾客预期", "注意", "不适用", "判定：α", "alpha 0.60-0.70；AVE &lt; 0.50", "单题项", "构念"]:
        assert text in html, text
    for english in ["warning", "single item", "Expectation"]:
        assert english not in html, english
    assert VERDICT_COLOURS["warning"] in html and VERDICT_COLOURS["n/a"] in html
    # the colour sits on the verdict cells (construct, alpha, verdict_alpha ...), not on the numbers
    import re

    styles = {}
    for selectors, colour in re.findall(r"([^{}]+)\{\s*background-color: (#\w+);", html):
        for r, c in re.findall(r"_row(\d+)_col(\d+)", selectors):
            styles[(int(r), int(c))] = colour
    assert styles == {(0, 2): VERDICT_COLOURS["warning"], (0, 3): VERDICT_COLOURS["warning"],
                      (1, 2): VERDICT_COLOURS["n/a"], (1, 3): VERDICT_COLOURS["n/a"]}
    en = style_verdicts(rel).to_html()
    assert "warning" in en and "Expectation" in en


def test_reason_text() -> None:
    assert reason_text("≥ 0.90: no discriminant validity", "zh") == "≥ 0.90：缺乏区分效度"
    assert reason_text("rho_c > 0.95 (redundant items)", "zh") == "rho_c > 0.95（题项高度冗余）"
    assert reason_text("below 0.85, but the upper confidence limit reaches 0.90", "zh") == "低于 0.85，但置信区间上限达到 0.90"
    assert reason_text("all thresholds met", "en") == "all thresholds met"
    with pytest.raises(ParameterError):
        reason_text("x", "fr")


def test_construct_labels() -> None:
    df = pd.DataFrame({"from": ["IMAG"], "to": ["SAT"], "estimate": [0.5]})
    assert _cells(show_table(df, "zh", labels={"IMAG": "企业形象", "SAT": "顾客满意度"}))[0][:2] == ["企业形象", "顾客满意度"]
    r2 = pd.DataFrame({"r_squared": [0.3]}, index=pd.Index(["SAT"], name="construct"))
    assert "顾客满意度" in show_table(r2, "zh", labels={"SAT": "顾客满意度"}).to_html()
    assert df.loc[0, "from"] == "IMAG"


def test_path_plot_title() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from crm_analysis.csi import plot_paths

    df = pd.DataFrame({"from": ["A"], "to": ["B"], "estimate": [0.3], "group": ["x"]})
    assert plot_paths(data=df, lang="zh").get_title() == "结构模型"
    assert plot_paths(data=df, hue="group", title="各组的路径系数").get_title() == "各组的路径系数"


def test_improper_cbsem_problems_in_chinese() -> None:
    from crm_analysis.sem.names import improper_table, problem_text

    problems = ["negative latent residual variance", "indicator variance on the boundary (zero)",
                "standardised loading beyond ±1", "correlation beyond ±1",
                "latent covariance matrix not positive definite (smallest eigenvalue)",
                "indicator residual covariance matrix (theta) not positive definite (smallest eigenvalue)"]
    zh = [problem_text(p, "zh") for p in problems]
    assert zh == ["潜变量残差方差为负", "指标方差处于边界（为零）", "标准化载荷超出 ±1", "相关系数超出 ±1",
                  "潜变量协方差矩阵非正定（最小特征值）", "指标残差协方差矩阵（theta）非正定（最小特征值）"]
    assert problem_text(problems[0], "en") == problems[0]
    bad = pd.DataFrame({"parameter": ["Satisfaction ~ Image", "covariance matrix of the constructs"],
                        "value": [72.8, -0.002], "problem": ["standardised path coefficient beyond ±1", problems[4]]})
    out = improper_table(bad, "zh", {"Satisfaction": "顾客满意度", "Image": "企业形象"})
    assert out["parameter"].tolist() == ["顾客满意度 ~ 企业形象", "构念的协方差矩阵"]
    assert bad.loc[0, "parameter"] == "Satisfaction ~ Image"  # caller's frame untouched
    assert improper_table(bad, "en")["problem"].tolist() == bad["problem"].tolist()


@pytest.mark.filterwarnings("ignore:.*(missing|negative) amount")
def test_read_report_items_in_chinese(tmp_path) -> None:
    import re

    from crm_analysis.segment.names import read_summary_items
    from crm_analysis.segment.reader import read_transactions

    f = tmp_path / "tx.csv"
    f.write_text("customer_id,date,dollar_value\n1,19970101,10\n1,19970105,-5\n2,19970102,\n3,19970103,0\n")
    summary = read_transactions(f).attrs["read_report"].summary()
    zh = read_summary_items(summary["item"], "zh")
    assert len(zh) == len(summary) and any(s.startswith("已删除：") for s in zh)
    assert not [s for s in zh if re.search(r"[A-Za-z]", s)], zh
    assert read_summary_items(summary["item"], "en")[:3] == ["source", "rows read", "rows kept"]


def test_evaluation_table_reads_as_text() -> None:
    from crm_analysis.segment.names import EVALUATION_ROWS, evaluation_table

    tab = pd.DataFrame({
        "scheme": ["mean_split", "clv"], "segments": [8, 5], "top_segment": ["Key value customers", "Top 20% predicted value"],
        "top_segment_zh": ["重要价值客户", "预测价值前 20%"], "top_customer_share": [0.156385, 0.2],
        "captured_revenue": [0.616134, 0.683639], "lift": [3.93985, 3.418196], "repeat_rate_top": [0.715, 0.689],
        "repeat_rate_all": [0.2994, 0.2994], "auc": [0.737908, 0.736484], "gini": [0.566321, 0.526668],
        "gini_normalized": [0.647, 0.602], "stability_same": [0.7154, 0.6737], "stability_ari": [0.5557, 0.4159],
        "score": [np.nan, "clv"], "auc_score": [np.nan, 0.748016], "gini_score": [np.nan, 0.588108]})
    zh = evaluation_table(tab, "zh")
    assert list(zh.columns) == ["RFM 均值划分（8 类）", "BG/NBD + Gamma-Gamma 预测价值"]
    assert len(zh) == len(EVALUATION_ROWS)
    assert zh.loc["顶层细分"].tolist() == ["重要价值客户", "预测价值前 20%"]
    assert zh.loc["收入捕获率"].tolist() == ["61.6%", "68.4%"]
    assert zh.loc["细分背后的连续得分"].tolist() == ["无", "预测 CLV"]
    assert zh.loc["得分的 AUC"].tolist() == ["无", "0.748"]
    assert zh.loc["细分数"].tolist() == ["8", "5"]
    en = evaluation_table(tab, "en")
    assert en.loc["top segment", "RFM mean split (8 classes)"] == "Key value customers"
    assert "nan" not in en.to_string().lower()


def test_segment_plot_legend_hides_no_bar() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from types import SimpleNamespace

    from crm_analysis.plotting import use_style
    from crm_analysis.segment.plots import plot_segments

    use_style()
    # CDNOW's RFM mean split: the last (lowest) segment has the longest bar, where a legend inside would sit
    seg = pd.DataFrame({"scheme": "mean_split", "segment": list("abcdefgh"), "segment_zh": list("abcdefgh"),
                        "customer_share": [0.156, 0.035, 0.013, 0.059, 0.041, 0.079, 0.007, 0.610],
                        "holdout_revenue_share": [0.616, 0.060, 0.013, 0.044, 0.045, 0.059, 0.003, 0.160]})
    ax = plot_segments(SimpleNamespace(segment_table=seg, table=None), "mean_split", "zh")
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert not any(legend.overlaps(bar.get_window_extent()) for bar in ax.patches)


def test_instrument_sources_read_the_same_in_both_languages() -> None:
    import re

    from crm_analysis import maturity

    inst = maturity.load_instrument()
    sources = [a.source for lv in inst.levels for a in lv.agenda] + [a.source for d in inst.dimensions for a in d.agenda]
    sources += [r.source for r in inst.ladder]
    assert sources and not [s for s in sources if re.search(r"[A-Za-z\u4e00-\u9fff]", s)], sources


def test_maturity_notes_in_chinese() -> None:
    from crm_analysis.maturity.names import note_text

    cases = {
        "raters are nested in firms: rows are not independent, so chi-square and standard errors are somewhat optimistic":
            "评估者嵌套于企业之内：各行并不独立，因此卡方值和标准误略显乐观",
        "missing values: 69 of 360 rows have missing indicator values (SAT1: 3, SAT2: 5 cells); handled by listwise "
        "deletion, 291 rows used": "缺失值：360 行中有 69 行存在缺失的指标值（各指标缺失单元格数 SAT1: 3, SAT2: 5）；按成列删除处理，使用 291 行",
        "outcome_retention is continuous (103 distinct values): cut into 3 quantile bins (0.407, 0.536], (0.536, 0.623]":
            "outcome_retention 为连续变量（103 个不同取值）：按分位数分为 3 组 (0.407, 0.536], (0.536, 0.623]",
        "grade (per level): coefficient not identified (separation); ignore its estimate and p-value":
            "grade (per level)：系数不可识别（完全分离），请忽略其估计值和 p 值",
        "one-factor model: the ordinal logit did not converge: estimates are unreliable":
            "单因子模型：有序 logit 模型未收敛：估计值不可靠",
        "every firm at grade 5 (9) is in the highest outcome category (separation): the linear coefficient may be "
        "inflated": "等级 5 的企业（9 家）全部处于结果变量的最高类别（完全分离）：线性系数可能被高估",
        "every firm at grade 0 (8) is in the lowest outcome category (separation): its odds ratio is not identified "
        "(infinite)": "等级 0 的企业（8 家）全部处于结果变量的最低类别（完全分离）：其优势比不可识别（无穷大）",
    }
    for en, zh in cases.items():
        assert note_text(en, "zh") == zh
        assert note_text(en, "en") == en
    assert note_text("something new", "zh") == "something new"


def test_confusion_heatmap_labels_read_across() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from crm_analysis.maturity.plots import plot_confusion
    from crm_analysis.plotting import use_style

    use_style()
    table = pd.DataFrame([[3, 1], [0, 4]], index=pd.Index(["初级", "中级"], name="规则"),
                         columns=pd.Index(["初级", "中级"], name="专家"))
    ax = plot_confusion(table, lang="zh")
    assert {tk.get_rotation() for tk in ax.get_yticklabels()} == {0.0}


def test_percent_wins_over_the_p_prefix() -> None:
    # p_level of the grade stability is a probability to read as a percentage, not a p-value
    df = pd.DataFrame({"p_level": [0.19, 0.0004]})
    assert _cells(show_table(df, percent=["p_level"])) == [["19%"], ["0%"]]
    assert _cells(show_table(df)) == [["0.190"], ["< 0.001"]]


def test_sensitivity_heatmap_reads_as_percentages() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from crm_analysis.maturity.plots import plot_sensitivity
    from crm_analysis.plotting import use_style

    use_style()
    grid = pd.DataFrame([(a, b, abs(a - 3.4) + abs(b - 4.2)) for a in (3.3, 3.4, 3.5) for b in (4.1, 4.2, 4.3)],
                        columns=["t_intermediate", "t_advanced", "share_changed"])
    ax = plot_sensitivity(grid, lang="zh")
    ax.figure.canvas.draw()
    assert {tk.get_rotation() for tk in ax.get_yticklabels()} == {0.0}
    cbar = ax.collections[0].colorbar.ax
    assert all(tk.get_text().endswith("%") for tk in cbar.get_yticklabels() if tk.get_text())


def test_sensitivity_near_and_stability_confidence() -> None:
    from crm_analysis.maturity.stability import Stability, sensitivity_near

    rows = [(a, b, share) for (a, b, share) in [(3.4, 4.2, 0.0), (3.3, 4.2, 0.05), (3.5, 4.3, 0.14), (3.4, 4.1, 0.03),
                                                 (2.9, 4.2, 0.30), (3.4, 4.7, 0.37)]]
    sens = pd.DataFrame(rows, columns=["t_intermediate", "t_advanced", "share_changed"])
    sens["is_base"] = [True] + [False] * 5
    sens.attrs["base"] = (3.4, 4.2)
    assert sensitivity_near(sens, 0.1) == (0.03, 0.14)  # the ±0.5 points and the base left out
    assert sensitivity_near(sens, 0.5) == (0.03, 0.37)
    lo, hi = sensitivity_near(sens, 0.0)
    assert np.isnan(lo) and np.isnan(hi)
    with pytest.raises(ParameterError):
        sensitivity_near(sens.drop(columns="share_changed"))
    with pytest.raises(ParameterError):
        sensitivity_near(sens, -1)

    table = pd.DataFrame({"p_level": [1.0, 0.95, 0.5, 0.79, 1.0]}, index=list("abcde"))
    stab = Stability(probabilities=pd.DataFrame(), table=table, unit="raters", n_boot=10, scheme="three_level")
    assert stab.confidence() == {"median": 0.95, "below": 2, "firms": 5}
    assert "median confidence of the grade 0.95; 2 of 5 firms" in stab.summary()


def test_five_level_sensitivity_base_changes_nothing(repo_root) -> None:
    import warnings

    from crm_analysis import maturity

    inst = maturity.load_instrument()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = maturity.read_assessments(repo_root / "data" / "maturity_sample.csv", inst)
        th = maturity.check_thresholds(None, "five_level", inst)
        sens = maturity.threshold_sensitivity(data, "five_level", thresholds=th, instrument=inst)
        grades = maturity.grade(data, "five_level", th, instrument=inst)
    base = sens[sens["is_base"]]
    assert len(base) == 1 and int(base["n_changed"].iloc[0]) == 0
    # the base row counts the same firms per rung as the grading itself
    counts = grades["level"].value_counts()
    assert all(int(base[f"n_level_{k}"].iloc[0]) == int(counts.get(k, 0)) for k in range(6))


def test_interval_bounds_and_depth_shares_get_headers_not_ids():
    """The frameworks report showed auc_ci_low, captured_at_20pct ... as headers."""
    frame = pd.DataFrame({"auc": [0.75], "auc_ci_low": [0.74], "auc_ci_high": [0.76], "captured_at_20pct": [0.61],
                          "captured_at_20pct_ci_low": [0.6], "repeat_captured_at_20pct": [0.5], "other_ci_low": [1.0]})
    zh = show_table(frame, "zh").to_html()
    for text in ("AUC 置信区间下限", "AUC 置信区间上限", "前 20% 客户的收入占比", "前 20% 客户的收入占比置信区间下限",
                 "前 20% 客户的再次购买者占比"):
        assert f">{text}<" in zh, text
    assert ">auc_ci_low<" not in zh and ">other_ci_low<" in zh  # an unknown base keeps its name
    en = show_table(frame, "en").to_html()
    assert ">AUC: CI low<" in en and ">revenue in the top 20%<" in en
