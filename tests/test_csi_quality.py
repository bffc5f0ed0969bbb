"""Measurement-model verdicts, the report figures and the group-comparison reading."""
from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crm_analysis import csi, sem
from crm_analysis.errors import ParameterError


def _fake(loadings, reliability, htmt, blocks, modes=None):
    text = "\n".join(f"{c} {'<~' if (modes or {}).get(c) == 'B' else '=~'} " + " + ".join(items)
                     for c, items in blocks.items())
    return SimpleNamespace(model=sem.Model(text), loadings=pd.DataFrame(loadings, columns=["construct", "indicator", "estimate"]),
                           reliability=pd.DataFrame(reliability, columns=["construct", "alpha", "rho_a", "rho_c", "ave"]).set_index("construct"),
                           htmt=pd.DataFrame(htmt, columns=["construct_1", "construct_2", "estimate", "ci_high"]))


@pytest.fixture()
def fake():
    blocks = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2"], "C": ["c1"]}
    return _fake(
        [("A", "a1", 0.85), ("A", "a2", 0.70), ("A", "a3", 0.35), ("B", "b1", 0.9), ("B", "b2", 0.99), ("C", "c1", 1.0)],
        [("A", 0.65, 0.72, 0.80, 0.45), ("B", 0.96, 0.96, 0.98, 0.89), ("C", 1, 1, 1, 1)],
        [("A", "B", 0.60, 0.93), ("A", "C", 0.87, 0.95), ("B", "C", 0.95, 1.02)],
        blocks,
    )


def test_loading_verdicts(fake) -> None:
    v = csi.assess_loadings(fake).set_index("indicator")["verdict"]
    assert v.to_dict() == {"a1": "ok", "a2": "warning", "a3": "problem", "b1": "ok", "b2": "ok", "c1": "n/a"}
    # exactly at the threshold is fine
    fake.loadings.loc[1, "estimate"] = 0.708
    assert csi.assess_loadings(fake).loc[1, "verdict"] == "ok"


def test_reliability_verdicts(fake) -> None:
    rel = csi.assess_reliability(fake)
    assert rel.loc["A", "verdict_alpha"] == "warning" and rel.loc["A", "verdict_ave"] == "problem"
    assert rel.loc["A", "verdict"] == "problem" and "AVE < 0.50" in rel.loc["A", "reason"]
    assert rel.loc["B", "verdict"] == "warning" and "> 0.95" in rel.loc["B", "reason"]
    assert rel.loc["C", "verdict"] == "n/a"


def test_htmt_verdicts(fake) -> None:
    h = csi.assess_htmt(fake)
    assert list(h["verdict"]) == ["warning", "warning", "problem"]
    assert "upper confidence limit" in h.loc[0, "reason"]
    with pytest.raises(ParameterError):
        csi.assess_htmt(fake, strict=0.95, liberal=0.9)


def test_summary_and_style_on_a_real_fit(repo_root) -> None:
    df = pd.read_csv(repo_root / "data" / "ecsi_synthetic.csv")
    fit = sem.estimate_pls(df, csi.preset("ecsi"), bootstrap=50, seed=3)
    lo = csi.assess_loadings(fit).set_index("indicator")
    # the two weak items of the synthetic survey (true loadings 0.50 and 0.45)
    assert set(lo.index[lo["verdict"] == "warning"]) == {"CUEX3", "CUSL2"}
    assert lo.loc["CUSCO", "verdict"] == "n/a"
    text = csi.measurement_summary(fit)
    assert "CUEX3" in text and "CUSL2" in text and "HTMT" in text
    zh = csi.measurement_summary(fit, "zh")
    assert "载荷" in zh
    html = csi.style_verdicts(csi.assess_reliability(fit)).to_html()
    assert "#d9efdc" in html  # ok cells are green
    with pytest.raises(ParameterError):
        csi.style_verdicts(fit.reliability)


def test_figures(repo_root) -> None:
    df = pd.read_csv(repo_root / "data" / "ecsi_synthetic.csv")
    m = csi.preset("ecsi")
    fit = sem.estimate_pls(df, m, bootstrap=50, seed=3)
    idx = csi.index(fit, scale=(1, 10), data=df)
    ax = csi.plot_index(data=idx, labels=csi.labels(m, "zh"), lang="zh")
    assert [tk.get_text() for tk in ax.get_yticklabels()][0] == "企业形象"
    assert len(ax.patches) == 7 and ax.get_xlim() == (0, 100)
    ax = csi.plot_paths(data=fit.paths)
    assert len(ax.get_yticklabels()) == 12
    long = pd.concat([fit.paths.assign(estimator="PLS"), fit.paths.assign(estimator="CB-SEM")])
    ax = csi.plot_paths(data=long, hue="estimator")
    assert ax.get_legend() is not None
    with pytest.raises(ParameterError, match="column"):
        csi.plot_paths(data=fit.paths, estimate="std_all")
    plt.close("all")


def test_group_reading(repo_root) -> None:
    df = pd.read_csv(repo_root / "data" / "ecsi_synthetic.csv")
    cmp = csi.compare_groups(df, csi.preset("ecsi"), "gender", estimator="both", permutations=500,
                             bootstrap=300, seed=1)
    text = csi.compare_groups_reading(cmp)
    assert "Value → Satisfaction" in text and "Image → Loyalty" in text
    assert "Metric invariance is supported" in text and "Scalar invariance" in text
    zh = csi.compare_groups_reading(cmp, "zh", labels=csi.labels(csi.preset("ecsi"), "zh"))
    assert "感知价值 → 顾客满意度" in zh and "度量（载荷）不变性" in zh
    # p-values read as words do: never "p = 0.000"
    assert "p = 0.000" not in text + zh and "p < 0.001" in text
    assert "：" in zh and " vs " not in zh
