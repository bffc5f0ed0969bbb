import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crm_analysis.errors import InputError, ParameterError  # noqa: E402
from crm_analysis.segment.timeline import plot_purchases_over_time, purchases_over_time  # noqa: E402


@pytest.fixture()
def tx():
    return pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "b"],
        "date": pd.to_datetime(["1997-01-01", "1997-01-01", "1997-01-02", "1997-01-20", "1997-01-21"]),
        "dollar_value": [10.0, 5.0, 2.0, 4.0, 1.0],
    })


def test_weekly_counts_by_hand(tx):
    weekly = purchases_over_time(tx, freq="W")
    # weeks start Monday: 1996-12-30 (a twice, b), 1997-01-06 (none), 1997-01-13 (none), 1997-01-20 (c, b)
    assert weekly["period"].dt.strftime("%Y-%m-%d").tolist() == ["1996-12-30", "1997-01-06", "1997-01-13", "1997-01-20"]
    assert weekly["transactions"].tolist() == [3, 0, 0, 2]
    assert weekly["customers"].tolist() == [2, 0, 0, 2]
    assert weekly["revenue"].tolist() == [17.0, 0.0, 0.0, 5.0]
    assert weekly["new_customers"].tolist() == [2, 0, 0, 1]


def test_monthly_and_input_untouched(tx):
    before = tx.copy()
    monthly = purchases_over_time(tx, freq="M")
    assert monthly[["transactions", "customers", "revenue", "new_customers"]].values.tolist() == [[5, 3, 22.0, 3]]
    pd.testing.assert_frame_equal(tx, before)


def test_bad_input(tx):
    with pytest.raises(ParameterError, match="freq='Y'"):
        purchases_over_time(tx, freq="Y")
    with pytest.raises(InputError, match="missing column"):
        purchases_over_time(tx.drop(columns="dollar_value"))
    with pytest.raises(InputError, match="must hold dates"):
        purchases_over_time(tx.assign(date=tx["date"].astype(str)))


def test_plot_returns_axes(tx):
    ax = plot_purchases_over_time(purchases_over_time(tx), lang="zh")
    assert ax.get_title() == "购买随时间的变化"
