"""Like-with-like comparison of the segmentations: equal depth, naive baselines, learned orders,
bootstrap intervals (issue 16, point 3)."""
import re

import numpy as np
import pandas as pd
import pytest

from crm_analysis import segment
from crm_analysis.errors import ParameterError
from crm_analysis.segment.fair import BASELINES, captured_at, fair_comparison


def direct_captured(score, value, depth):
    """pandas: customers best score first, a tied group counted in proportion (random order within ties)."""
    df = pd.DataFrame({"s": np.asarray(score, float), "v": np.asarray(value, float)})
    g = df.groupby("s")["v"].agg(["size", "sum"]).sort_index(ascending=False)
    x = np.r_[0.0, g["size"].cumsum().to_numpy() / len(df)]
    y = np.r_[0.0, g["sum"].cumsum().to_numpy() / df["v"].sum()]
    return float(np.interp(depth, x, y))


def test_captured_at_by_hand():
    # no ties: the best half are the first two customers
    assert captured_at([4, 3, 2, 1], [5.0, 3.0, 2.0, 0.0], [0.5]).tolist() == [0.8]
    # one tied group of four: any depth captures that share of the value in expectation
    assert captured_at([1, 1, 1, 1], [5.0, 3.0, 2.0, 0.0], [0.25])[0] == pytest.approx(0.25)
    with pytest.raises(ParameterError, match="depths"):
        captured_at([1, 2], [1.0, 2.0], [1.5])


@pytest.fixture(scope="module")
def cdnow(repo_root):
    tx = segment.read_transactions(repo_root / "data" / "cdnow_master.txt", returns="drop")
    return tx, fair_comparison(tx, n_boot=40, seed=5)


def test_equal_depth_figures_equal_a_direct_pandas_computation_on_cdnow(cdnow):
    tx, fc = cdnow
    # holdout revenue and calibration spend straight from the transactions
    cal = tx[tx["date"] <= "1997-09-30"]
    hold = tx[(tx["date"] > "1997-09-30") & (tx["date"] <= "1998-06-30")]
    customers = pd.Index(cal["customer_id"].unique())
    rev = hold.groupby("customer_id")["dollar_value"].sum().reindex(customers, fill_value=0.0)
    bought = (hold.groupby("customer_id").size().reindex(customers, fill_value=0) > 0).astype(float)
    spend = cal.groupby("customer_id")["dollar_value"].sum().reindex(customers)
    last = cal.groupby("customer_id")["date"].max().reindex(customers)
    tab = fc.table.set_index("row")
    for depth, key in ((0.1, "10pct"), (0.2, "20pct"), (0.3, "30pct")):
        assert tab.loc["monetary_only", f"captured_at_{key}"] == pytest.approx(direct_captured(spend, rev, depth), abs=1e-9)
        assert tab.loc["recency_only", f"captured_at_{key}"] == pytest.approx(
            direct_captured(last.astype("int64"), rev, depth), abs=1e-9)
        assert tab.loc["recency_only", f"repeat_captured_at_{key}"] == pytest.approx(
            direct_captured(last.astype("int64"), bought, depth), abs=1e-9)
        # every scheme: its learned segment ranks, the holdout revenue from the raw transactions
        scores = fc.scores.reindex(customers)
        for scheme in ("mean_split", "quintile", "pareto", "idic", "clv"):
            assert tab.loc[scheme, f"captured_at_{key}"] == pytest.approx(
                direct_captured(scores[scheme], rev, depth), abs=1e-9), (scheme, key)
    # the figures at the best 20 % (mean split and CLV about 68 %, Pareto about 43 %)
    assert tab.loc["pareto", "captured_at_20pct"] == pytest.approx(0.429, abs=0.005)
    assert tab.loc["mean_split", "captured_at_20pct"] == pytest.approx(0.68, abs=0.01)


def test_baselines_intervals_and_proxies_are_in_the_table(cdnow):
    _, fc = cdnow
    tab = fc.table.set_index("row")
    assert set(BASELINES) <= set(tab.index) and (tab.loc[list(BASELINES), "kind"] == "baseline").all()
    for stat in ("auc", "gini", "captured_at_20pct", "lift_at_20pct", "repeat_captured_at_10pct"):
        lo, hi = tab[f"{stat}_ci_low"], tab[f"{stat}_ci_high"]
        assert (lo < hi).all() and (lo <= tab[stat] + 1e-12).all() and (tab[stat] <= hi + 1e-12).all(), stat
    assert tab["proxy_en"].str.len().gt(10).all() and tab["proxy_zh"].str.len().gt(4).all()
    # recency alone is the AUC 0.759
    assert tab.loc["recency_only", "auc"] == pytest.approx(0.759, abs=0.001)
    assert tab.loc["monetary_only", "lift_at_20pct"] == pytest.approx(tab.loc["monetary_only", "captured_at_20pct"] / 0.2)


def test_differences_between_schemes_carry_intervals(cdnow):
    _, fc = cdnow
    d = fc.difference("mean_split", "pareto", "captured_at_20pct")
    assert d["difference"] > 0.2 and d["ci_low"] > 0 and d["supported"]
    back = fc.difference("pareto", "mean_split", "captured_at_20pct")
    assert back["difference"] == pytest.approx(-d["difference"])
    best, tied = fc.tied_with_best("auc")
    for other in tied:
        row = fc.difference(best, other, "auc")
        assert row["ci_low"] <= 0 <= row["ci_high"]
    with pytest.raises(ParameterError, match="stat="):
        fc.difference("mean_split", "pareto", "nonsense")


def test_segment_orders_are_learned_on_calibration_data(cdnow):
    _, fc = cdnow
    o = fc.orders
    assert o.attrs["inner_calibration_end"] < pd.Timestamp("1997-09-30")
    for scheme, g in o.groupby("scheme"):
        ranked = g.sort_values("learned_rank")["inner_revenue_per_customer"].fillna(-1).to_numpy()
        assert (np.diff(ranked) <= 1e-12).all(), scheme
        assert sorted(g["learned_rank"]) == list(range(1, len(g) + 1))
    tab = fc.table.set_index("row")
    assert tab.loc["mean_split", "order_changed"] and not tab.loc["pareto", "order_changed"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_conclusions_follow_the_intervals(cdnow, lang):
    _, fc = cdnow
    lines = fc.conclusions(lang)
    assert len(lines) >= 3
    text = " ".join(lines)
    if lang == "en":
        assert "interval" in text and "best at" not in text.lower()
    else:
        assert "区间" in text and "最能" not in text
        # a name ending in a full-width bracket takes a full-width colon before its figure
        assert not any(re.search(r"[）：，] [\d\[]", line) for line in lines), lines


def test_parameters_are_checked(cdnow):
    tx, _ = cdnow
    with pytest.raises(ParameterError, match="n_boot"):
        fair_comparison(tx, n_boot=-1)
    with pytest.raises(ParameterError, match="baselines"):
        fair_comparison(tx, baselines=["age_only"])
    with pytest.raises(ParameterError, match="level"):
        fair_comparison(tx, level=2.0)
