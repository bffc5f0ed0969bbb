"""Holdout evaluation: metrics and a whole evaluation computed by hand; CDNOW and simulated data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import segment
from crm_analysis.errors import InputError, ParameterError


# ----------------------------------------------------------------------------- metrics by hand
def test_lorenz_gini_by_hand():
    curve = segment.lorenz_curve([2, 2, 1, 0], [10.0, 4.0, 5.0, 1.0])
    assert curve["customer_share"].tolist() == [0, 0.5, 0.75, 1]
    assert curve["value_share"].tolist() == pytest.approx([0, 0.7, 0.95, 1])
    # area = 0.175 + 0.20625 + 0.24375 = 0.625 -> Gini 0.25
    assert segment.gini([2, 2, 1, 0], [10.0, 4.0, 5.0, 1.0]) == pytest.approx(0.25)
    # perfect order of [10, 5, 4, 1]: points (.25,.5) (.5,.75) (.75,.95) (1,1), area .675 -> Gini 0.35
    assert segment.gini([4, 3, 2, 1], [10.0, 5.0, 4.0, 1.0]) == pytest.approx(0.35)
    assert segment.gini([2, 2, 1, 0], [10.0, 4.0, 5.0, 1.0], normalize=True) == pytest.approx(0.25 / 0.35)
    assert segment.gini([1, 1, 1, 1], [10.0, 4.0, 5.0, 1.0]) == pytest.approx(0.0)  # one segment: no better than random


def test_auc_by_hand_and_against_sklearn():
    assert segment.auc([2, 2, 1, 0], [1, 0, 1, 0]) == 0.625
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    s = rng.integers(0, 5, 500)
    y = (rng.random(500) < 0.2 + 0.1 * s).astype(int)
    assert segment.auc(s, y) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert np.isnan(segment.auc([1, 2], [1, 1]))
    with pytest.raises(InputError, match="0/1"):
        segment.auc([1, 2], [0, 2])


def test_captured_share_and_lift_by_hand():
    assert segment.captured_share([True, False, False, False], [6.0, 2, 2, 0]) == pytest.approx(0.6)
    assert segment.lift([True, False, False, False], [6.0, 2, 2, 0]) == pytest.approx(2.4)


def test_adjusted_rand_by_hand_and_against_sklearn():
    assert segment.adjusted_rand(["x", "x", "y", "y"], [1, 1, 2, 2]) == 1.0
    assert segment.adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    # {A}, {C}, {B, D} against {A, C}, {B, D}: index 1, expected 1/3, max 3/2 -> 4/7
    assert segment.adjusted_rand(["a", "b", "c", "b"], ["t", "o", "t", "o"]) == pytest.approx(4 / 7)
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(1)
    u, v = rng.integers(0, 6, 1000), rng.integers(0, 4, 1000)
    assert segment.adjusted_rand(u, v) == pytest.approx(adjusted_rand_score(u, v), abs=1e-12)
    assert segment.stability(["a", "a", "b", "b"], ["a", "b", "b", "b"])["same"] == 0.75


# ----------------------------------------------------------------------------- a whole evaluation by hand
def tx_hand() -> pd.DataFrame:
    rows = [("A", "1997-01-01", 10.0), ("A", "1997-01-20", 30.0), ("B", "1997-01-05", 5.0),
            ("C", "1997-01-10", 100.0), ("C", "1997-01-25", 50.0), ("C", "1997-01-30", 20.0),
            ("D", "1997-01-02", 8.0), ("D", "1997-01-03", 2.0),
            # holdout (1997-02-01 .. 1997-03-03: as long as the 31-day calibration)
            ("A", "1997-02-10", 20.0), ("C", "1997-02-15", 60.0), ("C", "1997-02-20", 20.0),
            ("E", "1997-03-03", 5.0)]
    return pd.DataFrame(rows, columns=["customer_id", "date", "dollar_value"]).assign(
        date=lambda d: pd.to_datetime(d["date"]))


def test_evaluation_by_hand():
    ev = segment.evaluate(tx_hand(), calibration_end="1997-01-31", schemes="mean_split,pareto")
    assert ev.periods["holdout_start"] == pd.Timestamp("1997-02-01")
    assert ev.periods["holdout_end"] == pd.Timestamp("1997-03-03")
    assert any("1 customer(s) first bought in the holdout" in n for n in ev.notes)
    tab = ev.table.set_index("scheme")
    # mean split on January: C is 重要价值客户 (top), A 一般发展客户, B and D 一般挽留客户.
    # Holdout revenue A 20, C 80; buyers A and C.
    ms = tab.loc["mean_split"]
    assert ms["top_segment_zh"] == "重要价值客户"
    assert ms["top_customer_share"] == 0.25 and ms["captured_revenue"] == pytest.approx(0.8)
    assert ms["lift"] == pytest.approx(3.2)
    assert ms["repeat_rate_top"] == 1.0 and ms["repeat_rate_all"] == 0.5
    assert ms["auc"] == 1.0
    # Lorenz points (0,0) (.25,.8) (.5,1) (1,1): area .825 -> Gini .65, the oracle's too
    assert ms["gini"] == pytest.approx(0.65) and ms["gini_normalized"] == pytest.approx(1.0)
    # at the end of the holdout (asof 1997-03-04, E included in the means) A becomes 一般价值客户:
    # same partition, different label
    assert ms["stability_same"] == 0.75 and ms["stability_ari"] == pytest.approx(1.0)
    # Pareto on January value (C 170, A 40 of 225: 75.6% then 93.3%) -> C and A significant
    pa = tab.loc["pareto"]
    assert pa["top_customer_share"] == 0.5 and pa["captured_revenue"] == pytest.approx(1.0)
    assert pa["lift"] == pytest.approx(2.0) and pa["auc"] == 1.0
    assert pa["gini"] == pytest.approx(0.5) and pa["gini_normalized"] == pytest.approx(0.5 / 0.65)
    assert pa["stability_same"] == 1.0
    assert ev.agreement.loc["mean_split", "pareto"] == pytest.approx(4 / 7)
    seg = ev.segment_table.set_index(["scheme", "segment_zh"])
    row = seg.loc[("mean_split", "一般挽留客户")]
    assert (row["customers"], row["calibration_revenue"], row["holdout_revenue"], row["repeat_rate"]) == (2, 15.0, 0.0, 0.0)
    assert ev.counts().query("scheme == 'pareto'")["customers"].tolist() == [2, 2]
    assert ev.rfm.loc["C", "holdout_revenue"] == 80.0
    lor = ev.lorenz[ev.lorenz["scheme"] == "mean_split"]
    assert lor["value_share"].tolist() == pytest.approx([0, 0.8, 1.0, 1.0])
    assert ev.summary("zh").loc[0, "title"] == "RFM 均值划分（8 类）"


def test_evaluation_parameters_are_checked():
    with pytest.raises(ParameterError, match="schemes"):
        segment.evaluate(tx_hand(), calibration_end="1997-01-31", schemes="rfm,astrology")
    with pytest.raises(ParameterError, match="before the data"):
        segment.evaluate(tx_hand(), calibration_end="1996-06-30")
    with pytest.raises(ParameterError, match="leaves no holdout"):
        segment.evaluate(tx_hand(), calibration_end="1997-03-03")
    with pytest.raises(ParameterError, match="must be after calibration_end"):
        segment.evaluate(tx_hand(), calibration_end="1997-01-31", holdout_end="1997-01-15")


def test_cdnow_evaluation(repo_root):
    tx = segment.read_transactions(repo_root / "data" / "cdnow_master.txt")
    ev = segment.evaluate(tx)
    # the usual split: 39 weeks of calibration, 39 of holdout
    assert ev.periods["calibration_start"] == pd.Timestamp("1997-01-01")
    assert ev.periods["calibration_end"] == pd.Timestamp("1997-09-30")
    assert ev.periods["holdout_end"] == pd.Timestamp("1998-06-30")
    assert ev.notes == []  # every CDNOW customer bought first in 1997 Q1
    counts = ev.counts()
    assert (counts.groupby("scheme")["customers"].sum() == 23570).all()
    tab = ev.table.set_index("scheme")
    assert list(tab.index) == ["mean_split", "quintile", "pareto", "idic", "clv"]
    assert (tab["auc"] > 0.6).all() and (tab["lift"] > 1.5).all() and (tab["gini"] > 0.3).all()
    assert (tab["repeat_rate_all"] == tab["repeat_rate_all"].iloc[0]).all()
    # Pareto's top segment holds more than 80% of holdout revenue too, with about 38% of customers
    assert tab.loc["pareto", "captured_revenue"] > 0.8 and 0.3 < tab.loc["pareto", "top_customer_share"] < 0.45
    assert ev.clv is not None and ev.clv.bgnbd.converged
    assert np.allclose(np.diag(ev.agreement), 1.0)


def test_simulated_evaluation_with_returns():
    tx = segment.simulate_transactions(3000, 30000, seed=2, returns_share=0.02)
    ev = segment.evaluate(tx, calibration_end="1997-09-30", returns="keep")
    assert (ev.table["auc"] > 0.55).all()
    dropped = segment.evaluate(tx, calibration_end="1997-09-30", returns="drop", schemes=["pareto"])
    assert dropped.table.loc[0, "captured_revenue"] != ev.table.set_index("scheme").loc["pareto", "captured_revenue"]


def test_conclusions_scores_and_plots():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tx = segment.simulate_transactions(2000, 16000, seed=4)
    ev = segment.evaluate(tx, calibration_end="1997-09-30")
    tab = ev.table.set_index("scheme")
    # continuous scores are judged by the same metrics as the segments cut from them
    assert tab.loc["clv", "score"] == "clv" and np.isnan(tab.loc["mean_split", "auc_score"])
    assert tab.loc["pareto", "auc_score"] == pytest.approx(
        segment.auc(ev.rfm["monetary"], (ev.rfm["holdout_transactions"] > 0).astype(int)))
    best = tab["auc"].idxmax()
    en, zh = ev.conclusions("en"), ev.conclusions("zh")
    assert len(en) == len(zh) >= 5
    assert f"AUC {tab.loc[best, 'auc']:.3f}" in en[0] and f"AUC {tab.loc[best, 'auc']:.3f}" in zh[0]
    assert len(segment.plot_lorenz(ev, "zh").get_lines()) == len(tab) + 2  # schemes, oracle, random
    assert len(segment.plot_segments(ev, "mean_split", "en").get_yticklabels()) == 8
    with pytest.raises(ParameterError, match="not in this evaluation"):
        segment.plot_segments(ev, "astrology")
    segment.plot_agreement(ev, "en")
    plt.close("all")
